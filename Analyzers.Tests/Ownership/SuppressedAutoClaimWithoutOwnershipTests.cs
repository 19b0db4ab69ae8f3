using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Xunit;
using Verify = IommuAnalyzers.Tests.Verifiers.CSharpAnalyzerVerifier<IommuAnalyzers.Ownership.SuppressedAutoClaimWithoutOwnershipAnalyzer>;

namespace IommuAnalyzers.Tests.Ownership
{
    public class SuppressedAutoClaimWithoutOwnershipTests
    {
        private static DiagnosticResult Info(int markup, string driver) =>
            new DiagnosticResult(RuleIdentifiers.SuppressedAutoClaimWithoutOwnership, DiagnosticSeverity.Info).WithLocation(markup).WithArguments(driver);

        [Fact]
        public async Task AttributeAndNoOwnershipCall_ReportsInfo_OnTheDriverName()
        {
            const string source = @"
using Iommu;

[SuppressAutoClaimDmaOwner]
class {|#0:DmaEngine|} : DeviceDriver
{
    public override int Probe(Device dev) => 0;
}
";
            await Verify.VerifyAnalyzerAsync(source, Info(0, "DmaEngine"));
        }

        [Fact]
        public async Task OnlyOwnershipQueries_DoNotCount()
        {
            const string source = @"
using Iommu;

[SuppressAutoClaimDmaOwner]
sealed class {|#0:Probe2|} : DeviceDriver
{
    public override int Probe(Device dev) =>
        IommuCore.GroupDmaOwnerClaimed(dev.Group!) || IommuCore.GroupDeviceCount(dev.Group!) > 1 ? -Errno.EBUSY : 0;
}
";
            await Verify.VerifyAnalyzerAsync(source, Info(0, "Probe2"));
        }

        [Fact]
        public async Task PartialDriverAcrossFiles_IsReportedOnce()
        {
            var test = new Verify.Test();
            test.TestState.Sources.Add(("A.cs", @"
using Iommu;

[SuppressAutoClaimDmaOwner]
partial class {|#0:Isp|} : DeviceDriver
{
    public override int Probe(Device dev) => 0;
}
"));
            test.TestState.Sources.Add(("B.cs", @"
using Iommu;

partial class Isp
{
    public override void Remove(Device dev) { }
}
"));
            test.ExpectedDiagnostics.Add(Info(0, "Isp"));
            await test.RunAsync();
        }

        [Fact]
        public async Task CallsInAnUnrelatedHelperClass_DoNotCountForTheDriver()
        {
            const string source = @"
using Iommu;

static class Elsewhere
{
    public static int Claim(Device dev) => IommuCore.DeviceUseDmaApi(dev);
}

[SuppressAutoClaimDmaOwner]
class {|#0:Csi|} : DeviceDriver
{
    public override int Probe(Device dev) => 0;
}
";
            await Verify.VerifyAnalyzerAsync(source, Info(0, "Csi"));
        }

        [Fact]
        public async Task DriverThatTakesOwnership_InProbeLambdaOrNestedHelper_IsSilent()
        {
            const string source = @"
using System;
using Iommu;

[SuppressAutoClaimDmaOwner]
class GrDriver : DeviceDriver
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

    public override int Probe(Device dev) => IommuCore.AttachDeviceShared(_domain, dev);
}

[SuppressAutoClaimDmaOwner]
class VfioPci : DeviceDriver
{
    public override int Probe(Device dev)
    {
        Func<int> claim = () => IommuCore.GroupSetDmaOwner(dev.Group!, this);
        return claim();
    }
}

[SuppressAutoClaimDmaOwner]
class Nested : DeviceDriver
{
    public override int Probe(Device dev) => Helper.Use(dev);

    private static class Helper
    {
        public static int Use(Device dev) => IommuCore.DeviceUseDmaApi(dev);
    }
}
";
            await Verify.VerifyAnalyzerAsync(source);
        }

        [Fact]
        public async Task InheritedAttribute_AbstractBase_AndDriversWithoutAttribute_AreSilent()
        {
            // With a base driver of its own, the ownership calls may live in the base: the rule stays silent.
            const string source = @"
using Iommu;

[SuppressAutoClaimDmaOwner]
abstract class Host1xClient : DeviceDriver
{
    protected readonly IommuDomain Domain = new IommuDomain(IommuDomainType.Unmanaged);

    protected int Share(Device dev) => IommuCore.AttachDeviceShared(Domain, dev);
}

class VicDriver : Host1xClient
{
    public override int Probe(Device dev) => Share(dev);
}

class PlainDriver : DeviceDriver
{
    public override int Probe(Device dev) => 0;
}
";
            await Verify.VerifyAnalyzerAsync(source);
        }

        [Fact]
        public async Task OldMultiplexorOrOnlyAReleaseCounts_AsOwnershipCalls()
        {
            const string source = @"
using Iommu;

[SuppressAutoClaimDmaOwner]
class OldPort : DeviceDriver
{
    public override int Probe(Device dev) => IommuCore.DeviceSetDmaOwner(dev, DmaOwner.User, this);
}

[SuppressAutoClaimDmaOwner]
class ReleaseOnly : DeviceDriver
{
    public override int Probe(Device dev) => 0;
    public override void Remove(Device dev) => IommuCore.GroupReleaseDmaOwner(dev.Group!);
}
";
            await Verify.VerifyAnalyzerAsync(source);
        }

        [Fact]
        public async Task WithoutRuntime_NothingIsReported()
        {
            var test = new Verify.Test
            {
                WithoutRuntime = true,
                TestCode = @"
class SuppressAutoClaimDmaOwnerAttribute : System.Attribute { }
class DeviceDriver { }
[SuppressAutoClaimDmaOwner] class Engine : DeviceDriver { }
",
            };
            await test.RunAsync();
        }

        [Fact]
        public async Task HalfTypedDriver_StillReports_AndNeverThrows()
        {
            const string source = @"
using Iommu;

[SuppressAutoClaimDmaOwner]
class Engine : DeviceDriver
{
    public override int Probe(Device dev) => IommuCore.
";
            await Verify.VerifyAnalyzerAsync(
                source,
                new DiagnosticResult(RuleIdentifiers.SuppressedAutoClaimWithoutOwnership, DiagnosticSeverity.Info).WithSpan(5, 7, 5, 13).WithArguments("Engine"),
                DiagnosticResult.CompilerError("CS1001").WithSpan(7, 56, 7, 56),
                DiagnosticResult.CompilerError("CS1002").WithSpan(7, 56, 7, 56),
                DiagnosticResult.CompilerError("CS1513").WithSpan(7, 56, 7, 56));
        }
    }
}
