using System.Linq;
using System.Threading.Tasks;
using IommuAnalyzers.CodeFixes.Ownership;
using IommuAnalyzers.Ownership;
using Microsoft.CodeAnalysis.Testing;
using Xunit;
using Verify = IommuAnalyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    IommuAnalyzers.Ownership.SharedAttachWithoutSuppressAutoClaimAnalyzer,
    IommuAnalyzers.CodeFixes.Ownership.SharedAttachWithoutSuppressAutoClaimFixer>;

namespace IommuAnalyzers.Tests.Ownership
{
    public class SharedAttachWithoutSuppressAutoClaimTests
    {
        private const string AttachFails = "the shared attach fails";
        private const string DetachWarns = "the shared attach this detach undoes never succeeds, and the detach WARNs";

        [Fact]
        public async Task OnADetach_TheMessageTalksAboutTheDetach_NotAnAttachOfItsOwn()
        {
            const string source = @"
using Iommu;

class Host1xClient : DeviceDriver
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

    public override int Probe(Device dev) => {|#0:IommuCore.AttachDeviceShared(_domain, dev)|};

    public override void Remove(Device dev) => {|#1:IommuCore.DetachDeviceShared(_domain, dev)|};
}
";
            await Verify.VerifyAnalyzerAsync(
                source,
                Verify.Diagnostic(RuleIdentifiers.SharedAttachWithoutSuppressAutoClaim).WithLocation(0).WithMessage(
                    "Driver 'Host1xClient' calls IommuCore.AttachDeviceShared but does not declare [SuppressAutoClaimDmaOwner]; the driver core auto-claims its group for the DMA API, so the shared attach fails"),
                Verify.Diagnostic(RuleIdentifiers.SharedAttachWithoutSuppressAutoClaim).WithLocation(1).WithMessage(
                    "Driver 'Host1xClient' calls IommuCore.DetachDeviceShared but does not declare [SuppressAutoClaimDmaOwner]; the driver core auto-claims its group for the DMA API, so the shared attach this detach undoes never succeeds, and the detach WARNs"));
        }

        [Fact]
        public async Task SharedAttachInProbe_WithoutAttribute_Warns_AndMessageNamesDriverAndMethod()
        {
            const string source = @"
using Iommu;

class Host1xClient : DeviceDriver
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

    public override int Probe(Device dev) => {|#0:IommuCore.AttachDeviceShared(_domain, dev)|};
}
";
            await Verify.VerifyAnalyzerAsync(source, Verify.Diagnostic(RuleIdentifiers.SharedAttachWithoutSuppressAutoClaim)
                .WithLocation(0)
                .WithArguments("Host1xClient", "AttachDeviceShared", AttachFails));
        }

        [Fact]
        public async Task SharedDetachInRemove_WithoutAttribute_Warns()
        {
            const string source = @"
using Iommu;

class Host1xClient : DeviceDriver
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

    public override int Probe(Device dev) => 0;

    public override void Remove(Device dev) => {|IOMMU0001:IommuCore.DetachDeviceShared(_domain, dev)|};
}
";
            await Verify.VerifyAnalyzerAsync(source);
        }

        [Fact]
        public async Task SharedAttachInLambdaLocalFunctionAndHelperMethod_Warns()
        {
            const string source = @"
using System;
using Iommu;

class Host1xClient : DeviceDriver
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

    public override int Probe(Device dev)
    {
        Func<int> attach = () => {|#0:IommuCore.AttachDeviceShared(_domain, dev)|};
        int Again() => {|#1:IommuCore.AttachDeviceShared(_domain, dev)|};
        return attach() + Again() + Share(dev);
    }

    private int Share(Device dev) => {|#2:IommuCore.AttachDeviceShared(_domain, dev)|};

    public override void Remove(Device dev)
    {
        Action detach = delegate { {|#3:IommuCore.DetachDeviceShared(_domain, dev)|}; };
        detach();
    }
}
";
            await Verify.VerifyAnalyzerAsync(
                source,
                Verify.Diagnostic(RuleIdentifiers.SharedAttachWithoutSuppressAutoClaim).WithLocation(0).WithArguments("Host1xClient", "AttachDeviceShared", AttachFails),
                Verify.Diagnostic(RuleIdentifiers.SharedAttachWithoutSuppressAutoClaim).WithLocation(1).WithArguments("Host1xClient", "AttachDeviceShared", AttachFails),
                Verify.Diagnostic(RuleIdentifiers.SharedAttachWithoutSuppressAutoClaim).WithLocation(2).WithArguments("Host1xClient", "AttachDeviceShared", AttachFails),
                Verify.Diagnostic(RuleIdentifiers.SharedAttachWithoutSuppressAutoClaim).WithLocation(3).WithArguments("Host1xClient", "DetachDeviceShared", DetachWarns));
        }

        [Fact]
        public async Task NestedHelperTypePassingTheDriversDevice_WarnsForTheDriver()
        {
            const string source = @"
using Iommu;

class Host1xClient : DeviceDriver
{
    private readonly Channel _channel = new Channel();

    public override int Probe(Device dev) => _channel.Open(dev);

    private sealed class Channel
    {
        private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

        public int Open(Device dev) => {|#0:IommuCore.AttachDeviceShared(_domain, dev)|};
    }
}
";
            await Verify.VerifyAnalyzerAsync(source, Verify.Diagnostic(RuleIdentifiers.SharedAttachWithoutSuppressAutoClaim)
                .WithLocation(0)
                .WithArguments("Host1xClient", "AttachDeviceShared", AttachFails));
        }

        [Fact]
        public async Task DerivedDriverWithoutAttributeAnywhere_Warns()
        {
            const string source = @"
using Iommu;

abstract class ClientBase : DeviceDriver
{
}

sealed class GrDriver : ClientBase
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

    public override int Probe(Device dev) => {|IOMMU0001:IommuCore.AttachDeviceShared(_domain, dev)|};
}
";
            await Verify.VerifyAnalyzerAsync(source);
        }

        [Fact]
        public async Task NestedTypeOfANonDriver_AndNestedDriverWithAttribute_DoNotWarn()
        {
            const string source = @"
using Iommu;

class Bus
{
    private sealed class Helper
    {
        public int Share(IommuDomain domain, Device dev) => IommuCore.AttachDeviceShared(domain, dev);
    }

    [SuppressAutoClaimDmaOwner]
    private sealed class InnerDriver : DeviceDriver
    {
        private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

        public override int Probe(Device dev) => IommuCore.AttachDeviceShared(_domain, dev);
    }
}
";
            await Verify.VerifyAnalyzerAsync(source);
        }

        [Fact]
        public async Task Fix_FromANestedHelper_AnnotatesTheEnclosingDriver()
        {
            const string source = @"
using Iommu;

class Host1xClient : DeviceDriver
{
    public override int Probe(Device dev) => Channel.Open(dev);

    private static class Channel
    {
        public static int Open(Device dev) => {|IOMMU0001:IommuCore.AttachDeviceShared(new IommuDomain(IommuDomainType.Unmanaged), dev)|};
    }
}
";
            const string fixedSource = @"
using Iommu;

[SuppressAutoClaimDmaOwner]
class Host1xClient : DeviceDriver
{
    public override int Probe(Device dev) => Channel.Open(dev);

    private static class Channel
    {
        public static int Open(Device dev) => IommuCore.AttachDeviceShared(new IommuDomain(IommuDomainType.Unmanaged), dev);
    }
}
";
            await Verify.VerifyCodeFixAsync(source, fixedSource);
        }

        [Fact]
        public async Task DriverWithAttribute_DoesNotWarn()
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
";
            await Verify.VerifyAnalyzerAsync(source);
        }

        [Fact]
        public async Task AttributeInheritedFromBaseDriver_DoesNotWarn()
        {
            const string source = @"
using Iommu;

[SuppressAutoClaimDmaOwner]
abstract class Host1xClientBase : DeviceDriver
{
}

sealed class GrDriver : Host1xClientBase
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

    public override int Probe(Device dev) => IommuCore.AttachDeviceShared(_domain, dev);
}
";
            await Verify.VerifyAnalyzerAsync(source);
        }

        [Fact]
        public async Task SharedAttachOutsideAnyDriver_DoesNotWarn()
        {
            const string source = @"
using Iommu;

static class Host1xHelpers
{
    public static int Share(IommuDomain domain, Device dev) => IommuCore.AttachDeviceShared(domain, dev);
}
";
            await Verify.VerifyAnalyzerAsync(source);
        }

        [Fact]
        public async Task ExclusiveAttach_IsNotThisRule()
        {
            const string source = @"
using Iommu;

class GpuDriver : DeviceDriver
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

    public override int Probe(Device dev) => IommuCore.AttachDevice(_domain, dev);
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
class IommuCore { public static int AttachDeviceShared(object d, object dev) => 0; }
class DeviceDriver { }
class Client : DeviceDriver { int Probe(object dev) => IommuCore.AttachDeviceShared(null, dev); }
",
            };
            await test.RunAsync();
        }

        [Fact]
        public async Task HalfTypedFile_StillWarnsOnTheBoundCall_AndNeverThrows()
        {
            // A missing semicolon and an unfinished member: what the IDE shows while someone types.
            const string source = @"
using Iommu;

class Client : DeviceDriver
{
    public override int Probe(Device dev)
    {
        return IommuCore.AttachDeviceShared(new IommuDomain(IommuDomainType.Unmanaged), dev)
    }

    public override void Remove(Device dev) => IommuCore.DetachDeviceShared();
";
            await Verify.VerifyAnalyzerAsync(
                source,
                Verify.Diagnostic(RuleIdentifiers.SharedAttachWithoutSuppressAutoClaim).WithSpan(8, 16, 8, 93).WithArguments("Client", "AttachDeviceShared", AttachFails),
                DiagnosticResult.CompilerError("CS1002").WithSpan(8, 93, 8, 93),
                DiagnosticResult.CompilerError("CS7036").WithSpan(11, 58, 11, 76).WithArguments("domain", "Iommu.IommuCore.DetachDeviceShared(Iommu.IommuDomain, Iommu.Device)"),
                DiagnosticResult.CompilerError("CS1513").WithSpan(11, 79, 11, 79));
        }

        [Fact]
        public async Task Fix_AddsAttribute()
        {
            const string source = @"
using Iommu;

class Host1xClient : DeviceDriver
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

    public override int Probe(Device dev) => {|IOMMU0001:IommuCore.AttachDeviceShared(_domain, dev)|};
}
";
            const string fixedSource = @"
using Iommu;

[SuppressAutoClaimDmaOwner]
class Host1xClient : DeviceDriver
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

    public override int Probe(Device dev) => IommuCore.AttachDeviceShared(_domain, dev);
}
";
            await Verify.VerifyCodeFixAsync(source, fixedSource);
        }

        [Fact]
        public async Task Fix_AddsUsingIommu_WhenTheFileUsesQualifiedNames()
        {
            const string source = @"namespace Drivers
{
    /// <summary>A host1x client.</summary>
    public sealed class Host1xClient : Iommu.DeviceDriver
    {
        private readonly Iommu.IommuDomain _domain = new Iommu.IommuDomain(Iommu.IommuDomainType.Unmanaged);

        public override int Probe(Iommu.Device dev) => {|IOMMU0001:Iommu.IommuCore.AttachDeviceShared(_domain, dev)|};
    }
}
";
            const string fixedSource = @"using Iommu;

namespace Drivers
{
    /// <summary>A host1x client.</summary>
    [SuppressAutoClaimDmaOwner]
    public sealed class Host1xClient : Iommu.DeviceDriver
    {
        private readonly Iommu.IommuDomain _domain = new Iommu.IommuDomain(Iommu.IommuDomainType.Unmanaged);

        public override int Probe(Iommu.Device dev) => Iommu.IommuCore.AttachDeviceShared(_domain, dev);
    }
}
";
            await Verify.VerifyCodeFixAsync(source, fixedSource);
        }

        [Fact]
        public async Task Fix_KeepsExistingAttributes()
        {
            const string source = @"
using System;
using Iommu;

[Serializable]
class Host1xClient : DeviceDriver
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

    public override int Probe(Device dev) => {|IOMMU0001:IommuCore.AttachDeviceShared(_domain, dev)|};
}
";
            const string fixedSource = @"
using System;
using Iommu;

[SuppressAutoClaimDmaOwner]
[Serializable]
class Host1xClient : DeviceDriver
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

    public override int Probe(Device dev) => IommuCore.AttachDeviceShared(_domain, dev);
}
";
            await Verify.VerifyCodeFixAsync(source, fixedSource);
        }

        [Fact]
        public async Task Fix_IsNotOffered_WhenTheDriverAlsoAttachesExclusively()
        {
            // The exclusive pair relies on the auto-claim; with the attribute the runtime refuses it (IOMMU0002).
            const string source = @"
using Iommu;

class MixedClient : DeviceDriver
{
    private readonly IommuDomain _shared = new IommuDomain(IommuDomainType.Unmanaged);
    private readonly IommuDomain _firmware = new IommuDomain(IommuDomainType.Unmanaged);

    public override int Probe(Device dev) => {|IOMMU0001:IommuCore.AttachDeviceShared(_shared, dev)|};

    public int LoadFirmware(Device dev) => IommuCore.AttachDevice(_firmware, dev);
}
";
            await Verify.VerifyCodeFixAsync(source, source);
        }

        [Fact]
        public async Task Fix_IsNotOffered_WhenADerivedDriverWouldInheritTheAttributeOntoAnExclusiveAttach()
        {
            const string source = @"
using Iommu;

abstract class ClientBase : DeviceDriver
{
    protected readonly IommuDomain Shared = new IommuDomain(IommuDomainType.Unmanaged);

    protected int Join(Device dev) => {|IOMMU0001:IommuCore.AttachDeviceShared(Shared, dev)|};
}

sealed class GpuClient : ClientBase
{
    private readonly IommuDomain _private = new IommuDomain(IommuDomainType.Unmanaged);

    public override int Probe(Device dev) => IommuCore.AttachDevice(_private, dev);
}
";
            await Verify.VerifyCodeFixAsync(source, source);
        }

        [Fact]
        public async Task FixAll_PartialDriverAcrossDocuments_AddsOneAttribute_AndFixesEveryDriver()
        {
            var test = new Verify.Test();
            test.TestState.Sources.Add(("GrDriver.Probe.cs", @"using Iommu;

partial class GrDriver : DeviceDriver
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

    public override int Probe(Device dev) => {|IOMMU0001:IommuCore.AttachDeviceShared(_domain, dev)|};
}

class VicDriver : DeviceDriver
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

    public override int Probe(Device dev) => {|IOMMU0001:IommuCore.AttachDeviceShared(_domain, dev)|};
    public override void Remove(Device dev) => {|IOMMU0001:IommuCore.DetachDeviceShared(_domain, dev)|};
}
"));
            test.TestState.Sources.Add(("GrDriver.Remove.cs", @"using Iommu;

partial class GrDriver
{
    public override void Remove(Device dev) => {|IOMMU0001:IommuCore.DetachDeviceShared(_domain, dev)|};
}
"));
            test.FixedState.Sources.Add(("GrDriver.Probe.cs", @"using Iommu;

[SuppressAutoClaimDmaOwner]
partial class GrDriver : DeviceDriver
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

    public override int Probe(Device dev) => IommuCore.AttachDeviceShared(_domain, dev);
}

[SuppressAutoClaimDmaOwner]
class VicDriver : DeviceDriver
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

    public override int Probe(Device dev) => IommuCore.AttachDeviceShared(_domain, dev);
    public override void Remove(Device dev) => IommuCore.DetachDeviceShared(_domain, dev);
}
"));
            test.FixedState.Sources.Add(("GrDriver.Remove.cs", @"using Iommu;

partial class GrDriver
{
    public override void Remove(Device dev) => IommuCore.DetachDeviceShared(_domain, dev);
}
"));
            // One action fixes a whole driver, so the per-diagnostic iteration count varies.
            test.NumberOfIncrementalIterations = 2;
            test.NumberOfFixAllIterations = 1;
            await test.RunAsync();
            await OwnershipRules.AssertCleanAsync(test.FixedState.Sources.Select(source => source.content.ToString()).ToArray());
        }
    }
}
