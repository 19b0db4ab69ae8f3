using System;
using System.IO;
using System.Reflection;
using System.Threading.Tasks;
using Iommu;
using IommuAnalyzers.Tests.Reliability;
using IommuAnalyzers.Tests.Runtime;
using IommuAnalyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Emit;
using Xunit;
using Verify = IommuAnalyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    IommuAnalyzers.Ownership.GroupClaimWithoutSuppressAutoClaimAnalyzer,
    IommuAnalyzers.CodeFixes.Ownership.GroupClaimWithoutSuppressAutoClaimFixer>;

namespace IommuAnalyzers.Tests.Ownership
{
    /// <summary>
    /// IOMMU0008 against the runtime: the drivers the rule reports are compiled and bound through <c>DriverCore</c>,
    /// and their claims fail with -EBUSY; the code the fix produces claims the group. What the rule's page says
    /// happens is what happens.
    /// </summary>
    public class GroupClaimWithoutSuppressAutoClaimRuntimeTests
    {
        // A VFIO-style driver that claims on open (directly and through the old multiplexor), and one that claims in probe.
        private const string Reported = @"using Iommu;

public sealed class VfioLikeDriver : DeviceDriver
{
    public override int Probe(Device dev) => 0;

    public int Open(Device dev, object user) => {|IOMMU0008:IommuCore.GroupSetDmaOwner(dev.Group!, user)|};

    public int OpenOld(Device dev, object user) => {|IOMMU0008:IommuCore.DeviceSetDmaOwner(dev, DmaOwner.User, user)|};

    public void Close(Device dev) => IommuCore.GroupReleaseDmaOwner(dev.Group!);
}

public sealed class ClaimInProbeDriver : DeviceDriver
{
    public override int Probe(Device dev) => {|IOMMU0008:IommuCore.GroupSetDmaOwner(dev.Group!, this)|};

    public override void Remove(Device dev) => IommuCore.GroupReleaseDmaOwner(dev.Group!);
}
";

        private const string Fixed = @"using Iommu;

[SuppressAutoClaimDmaOwner]
public sealed class VfioLikeDriver : DeviceDriver
{
    public override int Probe(Device dev) => 0;

    public int Open(Device dev, object user) => IommuCore.GroupSetDmaOwner(dev.Group!, user);

    public int OpenOld(Device dev, object user) => IommuCore.DeviceSetDmaOwner(dev, DmaOwner.User, user);

    public void Close(Device dev) => IommuCore.GroupReleaseDmaOwner(dev.Group!);
}

[SuppressAutoClaimDmaOwner]
public sealed class ClaimInProbeDriver : DeviceDriver
{
    public override int Probe(Device dev) => IommuCore.GroupSetDmaOwner(dev.Group!, this);

    public override void Remove(Device dev) => IommuCore.GroupReleaseDmaOwner(dev.Group!);
}
";

        [Fact]
        public async Task TheFixTurnsTheReportedSourceIntoTheFixedOne()
        {
            var test = new Verify.Test { TestCode = Reported, FixedCode = Fixed, NumberOfIncrementalIterations = 2, NumberOfFixAllIterations = 1 };
            await test.RunAsync();
        }

        [Fact]
        public void ReportedDrivers_ClaimsFailWithEbusy_ForAsLongAsTheDriverIsBound()
        {
            Assembly port = CompileAndLoad("Reported", CorpusSources.StripMarkup(Reported));

            var vfioRig = new RuntimeRig();
            DeviceDriver vfio = Create(port, "VfioLikeDriver");
            vfioRig.Bind(vfioRig.Dev0, vfio);
            Assert.Equal(new GroupState(1, null, vfioRig.DefaultDomain), vfioRig.State); // the driver core's auto-claim
            var user = new UserCookie("qemu");
            vfioRig.Fails(Errno.EBUSY, () => Call(vfio, "Open", vfioRig.Dev0, user));
            vfioRig.Fails(Errno.EBUSY, () => Call(vfio, "OpenOld", vfioRig.Dev0, user));
            Assert.Empty(RuntimeRig.Watch(() => DriverCore.Unbind(vfioRig.Dev0)));
            Assert.Equal(new GroupState(0, null, vfioRig.DefaultDomain), OwnershipInvariants.Check(vfioRig.Group, "unbind"));

            // Claimed in probe: the bind fails with the claim's -EBUSY and gives the auto-claim back.
            var probeRig = new RuntimeRig();
            probeRig.Fails(Errno.EBUSY, () => DriverCore.Bind(probeRig.Dev0, Create(port, "ClaimInProbeDriver")));
            Assert.Null(probeRig.Dev0.Driver);
        }

        [Fact]
        public void FixedDrivers_ClaimTheGroup_AndGiveItBack()
        {
            Assembly port = CompileAndLoad("Fixed", Fixed);

            var vfioRig = new RuntimeRig();
            DeviceDriver vfio = Create(port, "VfioLikeDriver");
            vfioRig.Bind(vfioRig.Dev0, vfio);
            Assert.Equal(new GroupState(0, null, vfioRig.DefaultDomain), vfioRig.State); // no auto-claim
            var user = new UserCookie("qemu");
            RuntimeRig.Returns(0, () => Call(vfio, "Open", vfioRig.Dev0, user));
            RuntimeRig.Returns(0, () => Call(vfio, "OpenOld", vfioRig.Dev0, user));
            Assert.Equal(new GroupState(2, user, vfioRig.BlockingDomain), OwnershipInvariants.Check(vfioRig.Group, "open twice"));
            // Still refused, rightly, for a second user.
            vfioRig.Fails(Errno.EBUSY, () => Call(vfio, "Open", vfioRig.Dev0, new UserCookie("other")));
            Assert.Empty(RuntimeRig.Watch(() => Close(vfio, vfioRig.Dev0)));
            Assert.Empty(RuntimeRig.Watch(() => Close(vfio, vfioRig.Dev0)));
            Assert.Empty(RuntimeRig.Watch(() => DriverCore.Unbind(vfioRig.Dev0)));
            Assert.Equal(new GroupState(0, null, vfioRig.DefaultDomain), OwnershipInvariants.Check(vfioRig.Group, "close and unbind"));

            var probeRig = new RuntimeRig();
            DeviceDriver claiming = Create(port, "ClaimInProbeDriver");
            probeRig.Bind(probeRig.Dev0, claiming);
            Assert.Equal(new GroupState(1, claiming, probeRig.BlockingDomain), OwnershipInvariants.Check(probeRig.Group, "bind"));
            Assert.Empty(RuntimeRig.Watch(() => DriverCore.Unbind(probeRig.Dev0)));
            Assert.Equal(new GroupState(0, null, probeRig.DefaultDomain), OwnershipInvariants.Check(probeRig.Group, "unbind"));
        }

        [Fact]
        public async Task TheFixedSource_DrawsNoOwnershipDiagnostic_ButTheMultiplexorsIommu0003()
        {
            // The fix leaves the multiplexor call to IOMMU0003's own fix (documented on both pages).
            await OwnershipRules.AssertOnlyAsync(new[] { RuleIdentifiers.OldDmaOwnerMultiplexor }, Fixed);
        }

        private static Assembly CompileAndLoad(string name, string source)
        {
            // A unique name per load: the same test class may run more than once in a process.
            CSharpCompilation compilation = CSharpCompilation.Create(
                "GroupClaim" + name + Guid.NewGuid().ToString("N"),
                new[] { CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest)) },
                TestReferences.WithRuntime,
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
            using var image = new MemoryStream();
            EmitResult result = compilation.Emit(image);
            Assert.True(result.Success, string.Join("\n", result.Diagnostics));
            return Assembly.Load(image.ToArray());
        }

        private static DeviceDriver Create(Assembly port, string typeName) =>
            (DeviceDriver)Activator.CreateInstance(port.GetType(typeName, throwOnError: true)!)!;

        private static void Close(DeviceDriver driver, Device dev) =>
            driver.GetType().GetMethod("Close")!.Invoke(driver, new object[] { dev });

        private static int Call(DeviceDriver driver, string method, Device dev, object user) =>
            (int)driver.GetType().GetMethod(method)!.Invoke(driver, new object[] { dev, user })!;
    }
}
