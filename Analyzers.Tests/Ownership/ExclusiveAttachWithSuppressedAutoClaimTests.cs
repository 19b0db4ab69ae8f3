using System.Threading.Tasks;
using IommuAnalyzers.CodeFixes.Ownership;
using Microsoft.CodeAnalysis.Testing;
using Xunit;
using Verify = IommuAnalyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    IommuAnalyzers.Ownership.ExclusiveAttachWithSuppressedAutoClaimAnalyzer,
    IommuAnalyzers.CodeFixes.Ownership.ExclusiveAttachWithSuppressedAutoClaimFixer>;

namespace IommuAnalyzers.Tests.Ownership
{
    public class ExclusiveAttachWithSuppressedAutoClaimTests
    {
        [Fact]
        public async Task OnADetach_TheMessageTalksAboutTheDetach_AndNamesTheSharedDetach()
        {
            const string source = @"
using Iommu;

[SuppressAutoClaimDmaOwner]
class GpuDriver : DeviceDriver
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

    public override int Probe(Device dev) => {|#0:IommuCore.AttachDevice(_domain, dev)|};

    public override void Remove(Device dev) => {|#1:IommuCore.DetachDevice(_domain, dev)|};
}
";
            await Verify.VerifyAnalyzerAsync(
                source,
                Verify.Diagnostic(RuleIdentifiers.ExclusiveAttachWithSuppressedAutoClaim).WithLocation(0).WithMessage(
                    "Driver 'GpuDriver' declares [SuppressAutoClaimDmaOwner] but calls IommuCore.AttachDevice; without the auto-claim the exclusive attach is refused; use IommuCore.AttachDeviceShared"),
                Verify.Diagnostic(RuleIdentifiers.ExclusiveAttachWithSuppressedAutoClaim).WithLocation(1).WithMessage(
                    "Driver 'GpuDriver' declares [SuppressAutoClaimDmaOwner] but calls IommuCore.DetachDevice; without the auto-claim the exclusive attach this detach undoes is refused, and the detach WARNs; use IommuCore.DetachDeviceShared"));
        }

        private const string GpuDriver = @"using Iommu;

/// <summary>A GPU with a private domain.</summary>
[SuppressAutoClaimDmaOwner]
class GpuDriver : DeviceDriver
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

    public override int Probe(Device dev) => {|IOMMU0002:IommuCore.AttachDevice(_domain, dev)|};

    public override void Remove(Device dev) => {|IOMMU0002:IommuCore.DetachDevice(_domain, dev)|};
}
";

        [Fact]
        public async Task ExclusiveAttach_InDriverWithAttribute_Warns_AndNamesTheSharedVariant()
        {
            const string source = @"
using Iommu;

[SuppressAutoClaimDmaOwner]
class GpuDriver : DeviceDriver
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

    public override int Probe(Device dev) => {|#0:IommuCore.AttachDevice(_domain, dev)|};
}
";
            await Verify.VerifyAnalyzerAsync(source, Verify.Diagnostic(RuleIdentifiers.ExclusiveAttachWithSuppressedAutoClaim)
                .WithLocation(0)
                .WithArguments("GpuDriver", "AttachDevice", "the exclusive attach is refused", "AttachDeviceShared"));
        }

        [Fact]
        public async Task AttributeInheritedFromBase_Warns()
        {
            const string source = @"
using Iommu;

[SuppressAutoClaimDmaOwner]
abstract class Host1xClient : DeviceDriver
{
}

class VicDriver : Host1xClient
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

    public override int Probe(Device dev) => {|IOMMU0002:IommuCore.AttachDevice(_domain, dev)|};
    public override void Remove(Device dev) => {|IOMMU0002:IommuCore.DetachDevice(_domain, dev)|};
}
";
            await Verify.VerifyAnalyzerAsync(source);
        }

        [Fact]
        public async Task ExclusiveCallsInLambdaLocalFunctionHelperAndNestedType_Warn()
        {
            const string source = @"
using System;
using Iommu;

[SuppressAutoClaimDmaOwner]
class GpuDriver : DeviceDriver
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

    public override int Probe(Device dev)
    {
        Func<int> attach = () => {|IOMMU0002:IommuCore.AttachDevice(_domain, dev)|};
        int Local() => {|IOMMU0002:IommuCore.AttachDevice(_domain, dev)|};
        return attach() + Local() + Helper(dev);
    }

    private int Helper(Device dev) => {|IOMMU0002:IommuCore.AttachDevice(_domain, dev)|};

    private sealed class Teardown
    {
        public void Run(IommuDomain domain, Device dev) => {|IOMMU0002:IommuCore.DetachDevice(domain, dev)|};
    }
}
";
            await Verify.VerifyAnalyzerAsync(source);
        }

        [Fact]
        public async Task SharedCalls_DriverWithoutAttribute_AndFreeHelper_DoNotWarn()
        {
            const string source = @"
using Iommu;

[SuppressAutoClaimDmaOwner]
class Host1xClient : DeviceDriver
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

    public override int Probe(Device dev) => IommuCore.AttachDeviceShared(_domain, dev);
    public override void Remove(Device dev) => IommuCore.DetachDeviceShared(_domain, dev);
}

class GpuDriver : DeviceDriver
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

    public override int Probe(Device dev) => IommuCore.AttachDevice(_domain, dev);
}

static class AttachHelpers
{
    public static int Attach(IommuDomain domain, Device dev) => IommuCore.AttachDevice(domain, dev);
}
";
            await Verify.VerifyAnalyzerAsync(source);
        }

        [Fact]
        public async Task NestedDriverWithoutAttribute_InsideOneWithIt_IsJudgedOnItsOwn()
        {
            const string source = @"
using Iommu;

[SuppressAutoClaimDmaOwner]
class Host1xClient : DeviceDriver
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

    public override int Probe(Device dev) => IommuCore.AttachDeviceShared(_domain, dev);

    private sealed class LegacyDriver : DeviceDriver
    {
        private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

        public override int Probe(Device dev) => IommuCore.AttachDevice(_domain, dev);
        public override void Remove(Device dev) => IommuCore.DetachDevice(_domain, dev);
    }
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
static class IommuCore { public static int AttachDevice(object d, object dev) => 0; }
[SuppressAutoClaimDmaOwner] class Gpu : DeviceDriver { int Probe(object dev) => IommuCore.AttachDevice(null, dev); }
",
            };
            await test.RunAsync();
        }

        [Fact]
        public async Task HalfTypedDriver_NeverThrows()
        {
            const string source = @"
using Iommu;

[SuppressAutoClaimDmaOwner]
class GpuDriver : DeviceDriver
{
    public override int Probe(Device dev) => IommuCore.AttachDevice(new IommuDomain(IommuDomainType.Unmanaged), dev)
    public override void Remove(Device dev) => IommuCore.DetachDevice(
";
            await Verify.VerifyAnalyzerAsync(
                source,
                Verify.Diagnostic(RuleIdentifiers.ExclusiveAttachWithSuppressedAutoClaim).WithSpan(7, 46, 7, 117).WithArguments("GpuDriver", "AttachDevice", "the exclusive attach is refused", "AttachDeviceShared"),
                DiagnosticResult.CompilerError("CS1002").WithSpan(7, 117, 7, 117),
                DiagnosticResult.CompilerError("CS7036").WithSpan(8, 58, 8, 70).WithArguments("domain", "Iommu.IommuCore.DetachDevice(Iommu.IommuDomain, Iommu.Device)"),
                DiagnosticResult.CompilerError("CS1026").WithSpan(8, 71, 8, 71),
                DiagnosticResult.CompilerError("CS1002").WithSpan(8, 71, 8, 71),
                DiagnosticResult.CompilerError("CS1513").WithSpan(8, 71, 8, 71));
        }

        [Fact]
        public async Task SwitchFix_RenamesTheDriversWholePair()
        {
            const string fixedSource = @"using Iommu;

/// <summary>A GPU with a private domain.</summary>
[SuppressAutoClaimDmaOwner]
class GpuDriver : DeviceDriver
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

    public override int Probe(Device dev) => IommuCore.AttachDeviceShared(_domain, dev);

    public override void Remove(Device dev) => IommuCore.DetachDeviceShared(_domain, dev);
}
";
            var test = new Verify.Test
            {
                TestCode = GpuDriver,
                FixedCode = fixedSource,
                CodeActionEquivalenceKey = ExclusiveAttachWithSuppressedAutoClaimFixer.SwitchKey,
                NumberOfIncrementalIterations = 1,
                NumberOfFixAllIterations = 1,
            };
            await test.RunAsync();
            await OwnershipRules.AssertCleanAsync(fixedSource);
        }

        [Fact]
        public async Task RemoveFix_DropsTheAttribute_KeepingTheDocComment()
        {
            const string fixedSource = @"using Iommu;

/// <summary>A GPU with a private domain.</summary>
class GpuDriver : DeviceDriver
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

    public override int Probe(Device dev) => IommuCore.AttachDevice(_domain, dev);

    public override void Remove(Device dev) => IommuCore.DetachDevice(_domain, dev);
}
";
            var test = new Verify.Test
            {
                TestCode = GpuDriver,
                FixedCode = fixedSource,
                CodeActionEquivalenceKey = ExclusiveAttachWithSuppressedAutoClaimFixer.RemoveKey,
                CodeActionIndex = 1,
                NumberOfIncrementalIterations = 1,
                NumberOfFixAllIterations = 1,
            };
            await test.RunAsync();
            await OwnershipRules.AssertCleanAsync(fixedSource);
        }

        [Fact]
        public async Task RemoveFix_NotOffered_WhenInheritedOrTheDriverAlsoSharesOrIsABase()
        {
            // Only the switch is offered (index 0); asking for the removal finds no action, so the code stays.
            const string source = @"
using System;
using Iommu;

[SuppressAutoClaimDmaOwner]
abstract class Host1xClient : DeviceDriver
{
}

class VicDriver : Host1xClient
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

    public override int Probe(Device dev) => {|IOMMU0002:IommuCore.AttachDevice(_domain, dev)|};
}

[Serializable, SuppressAutoClaimDmaOwner]
class MixedDriver : DeviceDriver
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

    public override int Probe(Device dev) => {|IOMMU0002:IommuCore.AttachDevice(_domain, dev)|};
    public override void Remove(Device dev) => IommuCore.DetachDeviceShared(_domain, dev);
}

[SuppressAutoClaimDmaOwner]
class BaseDriver : DeviceDriver
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

    public override int Probe(Device dev) => {|IOMMU0002:IommuCore.AttachDevice(_domain, dev)|};
}

class DerivedDriver : BaseDriver
{
}
";
            var test = new Verify.Test
            {
                TestCode = source,
                FixedCode = source,
                CodeActionEquivalenceKey = ExclusiveAttachWithSuppressedAutoClaimFixer.RemoveKey,
            };
            await test.RunAsync();
        }

        [Fact]
        public async Task RemoveFix_NotOffered_WhenTheDriverClaimsItsGroup_OrMayThroughTheMultiplexor()
        {
            // Without the attribute the claim would be refused with -EBUSY (IOMMU0008); a run-time kind may be a claim.
            const string source = @"
using Iommu;

[SuppressAutoClaimDmaOwner]
class VfioPassthrough : DeviceDriver
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

    public override int Probe(Device dev) => {|IOMMU0002:IommuCore.AttachDevice(_domain, dev)|};
    public int Open(Device dev, object user) => IommuCore.GroupSetDmaOwner(dev.Group!, user);
}

[SuppressAutoClaimDmaOwner]
class OldPassthrough : DeviceDriver
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

    public override int Probe(Device dev) => {|IOMMU0002:IommuCore.AttachDevice(_domain, dev)|};
    public int Open(Device dev, DmaOwner kind) => IommuCore.DeviceSetDmaOwner(dev, kind, this);
}
";
            var test = new Verify.Test
            {
                TestCode = source,
                FixedCode = source,
                CodeActionEquivalenceKey = ExclusiveAttachWithSuppressedAutoClaimFixer.RemoveKey,
            };
            await test.RunAsync();
        }

        [Fact]
        public async Task RemoveFix_StillOffered_WhenTheMultiplexorOnlyUsesTheDmaApi()
        {
            const string source = @"
using Iommu;

[SuppressAutoClaimDmaOwner]
class GpuDriver : DeviceDriver
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

    public override int Probe(Device dev) => {|IOMMU0002:IommuCore.AttachDevice(_domain, dev)|};
    public int Use(Device dev) => IommuCore.DeviceSetDmaOwner(dev, DmaOwner.DmaApi, null);
}
";
            const string fixedSource = @"
using Iommu;

class GpuDriver : DeviceDriver
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

    public override int Probe(Device dev) => IommuCore.AttachDevice(_domain, dev);
    public int Use(Device dev) => IommuCore.DeviceSetDmaOwner(dev, DmaOwner.DmaApi, null);
}
";
            var test = new Verify.Test
            {
                TestCode = source,
                FixedCode = fixedSource,
                CodeActionEquivalenceKey = ExclusiveAttachWithSuppressedAutoClaimFixer.RemoveKey,
                CodeActionIndex = 1,
            };
            await test.RunAsync();
        }

        [Fact]
        public async Task RemoveFix_FromAListOfSeveralAttributes_KeepsTheOthers()
        {
            var test = new Verify.Test
            {
                TestCode = @"using System;
using Iommu;

[Serializable, SuppressAutoClaimDmaOwner]
sealed class GpuDriver : DeviceDriver
{
    public override int Probe(Device dev) => {|IOMMU0002:IommuCore.AttachDevice(new IommuDomain(IommuDomainType.Unmanaged), dev)|};
}
",
                FixedCode = @"using System;
using Iommu;

[Serializable]
sealed class GpuDriver : DeviceDriver
{
    public override int Probe(Device dev) => IommuCore.AttachDevice(new IommuDomain(IommuDomainType.Unmanaged), dev);
}
",
                CodeActionEquivalenceKey = ExclusiveAttachWithSuppressedAutoClaimFixer.RemoveKey,
                CodeActionIndex = 1,
            };
            await test.RunAsync();
        }

        [Fact]
        public async Task FixAll_Switch_PartialDriverAcrossDocuments_AndASecondDriver()
        {
            var test = new Verify.Test { CodeActionEquivalenceKey = ExclusiveAttachWithSuppressedAutoClaimFixer.SwitchKey };
            test.TestState.Sources.Add(("Gpu.Probe.cs", @"using Iommu;

[SuppressAutoClaimDmaOwner]
partial class GpuDriver : DeviceDriver
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

    public override int Probe(Device dev) => {|IOMMU0002:IommuCore.AttachDevice(_domain, dev)|};
}
"));
            test.TestState.Sources.Add(("Gpu.Remove.cs", @"using Iommu;
using static Iommu.IommuCore;

partial class GpuDriver
{
    public override void Remove(Device dev) => {|IOMMU0002:DetachDevice(_domain, dev)|};
}

[SuppressAutoClaimDmaOwner]
class VicDriver : DeviceDriver
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

    public override int Probe(Device dev) => {|IOMMU0002:AttachDevice(_domain, dev)|};
    public override void Remove(Device dev) => {|IOMMU0002:DetachDevice(_domain, dev)|};
}
"));
            test.FixedState.Sources.Add(("Gpu.Probe.cs", @"using Iommu;

[SuppressAutoClaimDmaOwner]
partial class GpuDriver : DeviceDriver
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

    public override int Probe(Device dev) => IommuCore.AttachDeviceShared(_domain, dev);
}
"));
            test.FixedState.Sources.Add(("Gpu.Remove.cs", @"using Iommu;
using static Iommu.IommuCore;

partial class GpuDriver
{
    public override void Remove(Device dev) => DetachDeviceShared(_domain, dev);
}

[SuppressAutoClaimDmaOwner]
class VicDriver : DeviceDriver
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

    public override int Probe(Device dev) => AttachDeviceShared(_domain, dev);
    public override void Remove(Device dev) => DetachDeviceShared(_domain, dev);
}
"));
            test.NumberOfIncrementalIterations = 2;
            test.NumberOfFixAllIterations = 1;
            test.NumberOfFixAllInDocumentIterations = 2;
            await test.RunAsync();
        }

        [Fact]
        public async Task FixAll_Remove_AcrossDocuments()
        {
            var test = new Verify.Test { CodeActionEquivalenceKey = ExclusiveAttachWithSuppressedAutoClaimFixer.RemoveKey, CodeActionIndex = 1 };
            test.TestState.Sources.Add(("Gpu.cs", GpuDriver));
            test.TestState.Sources.Add(("Isp.cs", @"using Iommu;

    [SuppressAutoClaimDmaOwner]
    class IspDriver : DeviceDriver
    {
        private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

        public override int Probe(Device dev) => {|IOMMU0002:IommuCore.AttachDevice(_domain, dev)|};
    }
"));
            test.FixedState.Sources.Add(("Gpu.cs", @"using Iommu;

/// <summary>A GPU with a private domain.</summary>
class GpuDriver : DeviceDriver
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

    public override int Probe(Device dev) => IommuCore.AttachDevice(_domain, dev);

    public override void Remove(Device dev) => IommuCore.DetachDevice(_domain, dev);
}
"));
            test.FixedState.Sources.Add(("Isp.cs", @"using Iommu;

    class IspDriver : DeviceDriver
    {
        private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

        public override int Probe(Device dev) => IommuCore.AttachDevice(_domain, dev);
    }
"));
            test.NumberOfIncrementalIterations = 2;
            test.NumberOfFixAllIterations = 1;
            test.NumberOfFixAllInDocumentIterations = 2;
            await test.RunAsync();
        }
    }
}
