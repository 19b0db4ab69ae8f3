using System.Linq;
using System.Threading.Tasks;
using IommuAnalyzers.Tests.Reliability;
using Microsoft.CodeAnalysis.Testing;
using Xunit;
using Verify = IommuAnalyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    IommuAnalyzers.Ownership.GroupClaimWithoutSuppressAutoClaimAnalyzer,
    IommuAnalyzers.CodeFixes.Ownership.GroupClaimWithoutSuppressAutoClaimFixer>;
using VerifyMultiplexor = IommuAnalyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    IommuAnalyzers.Ownership.OldDmaOwnerMultiplexorAnalyzer,
    IommuAnalyzers.CodeFixes.Ownership.OldDmaOwnerMultiplexorFixer>;

namespace IommuAnalyzers.Tests.Ownership
{
    public class GroupClaimWithoutSuppressAutoClaimTests
    {
        private const string GroupSetDmaOwner = "IommuCore.GroupSetDmaOwner";

        [Fact]
        public async Task ClaimInAnOpenMethod_WithoutAttribute_Warns_AndTheMessageSaysWhatHappens()
        {
            const string source = @"
using Iommu;

class VfioFslMcDriver : DeviceDriver
{
    public override int Probe(Device dev) => 0;

    public int Open(Device dev, object user)
    {
        IommuGroup? group = dev.Group;
        if (group == null)
            return -Errno.ENODEV;
        return {|#0:IommuCore.GroupSetDmaOwner(group, user)|};
    }
}
";
            await Verify.VerifyAnalyzerAsync(source, Verify.Diagnostic(RuleIdentifiers.GroupClaimWithoutSuppressAutoClaim).WithLocation(0).WithMessage(
                "Driver 'VfioFslMcDriver' claims DMA ownership of a group with IommuCore.GroupSetDmaOwner but does not declare [SuppressAutoClaimDmaOwner]; the driver core's auto-claim for this driver already holds its group for the DMA API, so the claim fails with -EBUSY"));
        }

        [Fact]
        public async Task ClaimInProbe_WithoutAttribute_Warns()
        {
            const string source = @"
using Iommu;

class VfioLikeDriver : DeviceDriver
{
    public override int Probe(Device dev) => {|#0:IommuCore.GroupSetDmaOwner(dev.Group!, this)|};

    public override void Remove(Device dev) => IommuCore.GroupReleaseDmaOwner(dev.Group!);
}
";
            await Verify.VerifyAnalyzerAsync(source, Verify.Diagnostic(RuleIdentifiers.GroupClaimWithoutSuppressAutoClaim)
                .WithLocation(0)
                .WithArguments("VfioLikeDriver", GroupSetDmaOwner));
        }

        [Fact]
        public async Task DriverWithAttribute_DoesNotWarn()
        {
            const string source = @"
using Iommu;

[SuppressAutoClaimDmaOwner]
class VfioLikeDriver : DeviceDriver
{
    public override int Probe(Device dev) => IommuCore.GroupSetDmaOwner(dev.Group!, this);

    public int Open(Device dev, object user) => IommuCore.DeviceSetDmaOwner(dev, DmaOwner.User, user);

    public override void Remove(Device dev) => IommuCore.GroupReleaseDmaOwner(dev.Group!);
}
";
            await Verify.VerifyAnalyzerAsync(source);
        }

        [Fact]
        public async Task Multiplexor_WithUserOrPrivateDomain_Warns_AndTheMessageNamesTheKind()
        {
            const string source = @"
using Iommu;

class OldVfioDriver : DeviceDriver
{
    public override int Probe(Device dev) => {|#0:IommuCore.DeviceSetDmaOwner(dev, DmaOwner.User, this)|};

    public int Private(Device dev) => {|#1:Iommu.IommuCore.DeviceSetDmaOwner(dev, DmaOwner.PrivateDomain, null)|};

    public int Named(Device dev) => {|#2:IommuCore.DeviceSetDmaOwner(owner: this, kind: (DmaOwner)2, dev: dev)|};
}
";
            await Verify.VerifyAnalyzerAsync(
                source,
                Verify.Diagnostic(RuleIdentifiers.GroupClaimWithoutSuppressAutoClaim).WithLocation(0).WithArguments("OldVfioDriver", "IommuCore.DeviceSetDmaOwner and DmaOwner.User"),
                Verify.Diagnostic(RuleIdentifiers.GroupClaimWithoutSuppressAutoClaim).WithLocation(1).WithArguments("OldVfioDriver", "IommuCore.DeviceSetDmaOwner and DmaOwner.PrivateDomain"),
                Verify.Diagnostic(RuleIdentifiers.GroupClaimWithoutSuppressAutoClaim).WithLocation(2).WithArguments("OldVfioDriver", "IommuCore.DeviceSetDmaOwner and DmaOwner.User"));
        }

        [Fact]
        public async Task Multiplexor_WithDmaApi_OrAKindChosenAtRunTime_OrAsARelease_DoesNotWarn()
        {
            // DmaApi is DeviceUseDmaApi, which the auto-claim does not block; a run-time kind is IOMMU0003's alone.
            const string source = @"
using Iommu;

class OldNicDriver : DeviceDriver
{
    private readonly DmaOwner _kind;

    public OldNicDriver(DmaOwner kind) => _kind = kind;

    public override int Probe(Device dev) => IommuCore.DeviceSetDmaOwner(dev, DmaOwner.DmaApi, null);

    public int Again(Device dev) => IommuCore.DeviceSetDmaOwner(dev, default, this);

    public int Chosen(Device dev) => IommuCore.DeviceSetDmaOwner(dev, _kind, this);

    public override void Remove(Device dev) => IommuCore.DeviceReleaseDmaOwner(dev, DmaOwner.User);
}
";
            await Verify.VerifyAnalyzerAsync(source);
        }

        [Fact]
        public async Task OtherOwnershipCalls_AndANullOwner_DoNotWarn()
        {
            // GroupSetDmaOwner(group, null) is -EINVAL with or without the attribute: declaring it would not help.
            const string source = @"
using Iommu;

class NicDriver : DeviceDriver
{
    public override int Probe(Device dev)
    {
        int ret = IommuCore.DeviceUseDmaApi(dev);
        if (ret != 0)
            return ret;
        if (IommuCore.GroupDmaOwnerClaimed(dev.Group!))
            return -Errno.EBUSY;
        return IommuCore.GroupSetDmaOwner(dev.Group!, null!);
    }

    public override void Remove(Device dev)
    {
        IommuCore.GroupReleaseDmaOwner(dev.Group!);
        IommuCore.DeviceUnuseDmaApi(dev);
    }
}
";
            await Verify.VerifyAnalyzerAsync(source);
        }

        [Fact]
        public async Task ClaimInLambdaLocalFunctionHelperAndNestedHelperType_Warns()
        {
            const string source = @"
using System;
using Iommu;

class VfioDriver : DeviceDriver
{
    private readonly Container _container = new Container();

    public override int Probe(Device dev)
    {
        Func<int> claim = () => {|#0:IommuCore.GroupSetDmaOwner(dev.Group!, this)|};
        int Again() => {|#1:IommuCore.GroupSetDmaOwner(dev.Group!, this)|};
        return claim() + Again() + Take(dev) + _container.Attach(dev);
    }

    private static int Take(Device dev) => {|#2:IommuCore.DeviceSetDmaOwner(dev, DmaOwner.User, null)|};

    private sealed class Container
    {
        private readonly object _cookie = new object();

        public int Attach(Device dev) => {|#3:IommuCore.GroupSetDmaOwner(dev.Group!, _cookie)|};
    }
}
";
            await Verify.VerifyAnalyzerAsync(
                source,
                Verify.Diagnostic(RuleIdentifiers.GroupClaimWithoutSuppressAutoClaim).WithLocation(0).WithArguments("VfioDriver", GroupSetDmaOwner),
                Verify.Diagnostic(RuleIdentifiers.GroupClaimWithoutSuppressAutoClaim).WithLocation(1).WithArguments("VfioDriver", GroupSetDmaOwner),
                Verify.Diagnostic(RuleIdentifiers.GroupClaimWithoutSuppressAutoClaim).WithLocation(2).WithArguments("VfioDriver", "IommuCore.DeviceSetDmaOwner and DmaOwner.User"),
                Verify.Diagnostic(RuleIdentifiers.GroupClaimWithoutSuppressAutoClaim).WithLocation(3).WithArguments("VfioDriver", GroupSetDmaOwner));
        }

        [Fact]
        public async Task ClaimOutsideAnyDriver_DoesNotWarn_EvenWhenADriverCallsIt()
        {
            // Nothing says which driver a free helper runs for (VFIO's container code is shared by every VFIO driver).
            const string source = @"
using Iommu;

static class VfioGroup
{
    public static int SetContainer(Device dev, object file) => IommuCore.GroupSetDmaOwner(dev.Group!, file);

    public static int SetContainerOld(Device dev, object file) => IommuCore.DeviceSetDmaOwner(dev, DmaOwner.User, file);
}

sealed class VfioContainer
{
    private readonly object _file = new object();

    public int Attach(Device dev) => IommuCore.GroupSetDmaOwner(dev.Group!, _file);
}

class VfioDriver : DeviceDriver
{
    public override int Probe(Device dev) => 0;

    public int Open(Device dev) => VfioGroup.SetContainer(dev, new object()) + new VfioContainer().Attach(dev);
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
        public int Claim(Device dev, object owner) => IommuCore.GroupSetDmaOwner(dev.Group!, owner);
    }

    [SuppressAutoClaimDmaOwner]
    private sealed class InnerDriver : DeviceDriver
    {
        public override int Probe(Device dev) => IommuCore.GroupSetDmaOwner(dev.Group!, this);
    }
}
";
            await Verify.VerifyAnalyzerAsync(source);
        }

        [Fact]
        public async Task NestedDriverWithoutAttribute_InADriverWithIt_WarnsForTheNestedDriver()
        {
            // The innermost driver is the one bound to the device; the attribute is not inherited through nesting.
            const string source = @"
using Iommu;

[SuppressAutoClaimDmaOwner]
class VfioPci : DeviceDriver
{
    public override int Probe(Device dev) => IommuCore.GroupSetDmaOwner(dev.Group!, this);

    private sealed class VfioPciStub : DeviceDriver
    {
        public override int Probe(Device dev) => {|#0:IommuCore.GroupSetDmaOwner(dev.Group!, this)|};
    }
}
";
            await Verify.VerifyAnalyzerAsync(source, Verify.Diagnostic(RuleIdentifiers.GroupClaimWithoutSuppressAutoClaim)
                .WithLocation(0)
                .WithArguments("VfioPciStub", GroupSetDmaOwner));
        }

        [Fact]
        public async Task AttributeInheritedFromBaseDriver_DoesNotWarn_OnTheBaseOrTheDerivedDriver()
        {
            const string source = @"
using Iommu;

[SuppressAutoClaimDmaOwner]
abstract class VfioDriverBase : DeviceDriver
{
    protected int Claim(Device dev, object owner) => IommuCore.GroupSetDmaOwner(dev.Group!, owner);
}

sealed class VfioAmbaDriver : VfioDriverBase
{
    public override int Probe(Device dev) => IommuCore.GroupSetDmaOwner(dev.Group!, this);
}
";
            await Verify.VerifyAnalyzerAsync(source);
        }

        [Fact]
        public async Task DerivedDriverWithoutAttributeAnywhere_Warns()
        {
            const string source = @"
using Iommu;

abstract class VfioDriverBase : DeviceDriver
{
}

sealed class VfioAmbaDriver : VfioDriverBase
{
    public override int Probe(Device dev) => {|#0:IommuCore.GroupSetDmaOwner(dev.Group!, this)|};
}
";
            await Verify.VerifyAnalyzerAsync(source, Verify.Diagnostic(RuleIdentifiers.GroupClaimWithoutSuppressAutoClaim)
                .WithLocation(0)
                .WithArguments("VfioAmbaDriver", GroupSetDmaOwner));
        }

        [Fact]
        public async Task BaseDriverWithoutAttribute_IsReportedOnTheBase_EvenWhenTheDerivedDriverDeclaresIt()
        {
            // Documented: the base's own code is checked against the base's attributes; the fix puts it there.
            const string source = @"
using Iommu;

abstract class VfioDriverBase : DeviceDriver
{
    protected int Claim(Device dev, object owner) => {|#0:IommuCore.GroupSetDmaOwner(dev.Group!, owner)|};
}

[SuppressAutoClaimDmaOwner]
sealed class VfioAmbaDriver : VfioDriverBase
{
    public override int Probe(Device dev) => Claim(dev, this);
}
";
            const string fixedSource = @"
using Iommu;

[SuppressAutoClaimDmaOwner]
abstract class VfioDriverBase : DeviceDriver
{
    protected int Claim(Device dev, object owner) => IommuCore.GroupSetDmaOwner(dev.Group!, owner);
}

[SuppressAutoClaimDmaOwner]
sealed class VfioAmbaDriver : VfioDriverBase
{
    public override int Probe(Device dev) => Claim(dev, this);
}
";
            await Verify.VerifyCodeFixAsync(
                source,
                new[] { Verify.Diagnostic(RuleIdentifiers.GroupClaimWithoutSuppressAutoClaim).WithLocation(0).WithArguments("VfioDriverBase", GroupSetDmaOwner) },
                fixedSource);
        }

        [Fact]
        public async Task WithoutRuntime_NothingIsReported()
        {
            var test = new Verify.Test
            {
                WithoutRuntime = true,
                TestCode = @"
class IommuGroup { }
class IommuCore { public static int GroupSetDmaOwner(IommuGroup g, object owner) => 0; }
class DeviceDriver { }
class Vfio : DeviceDriver { int Probe(IommuGroup g) => IommuCore.GroupSetDmaOwner(g, this); }
",
            };
            await test.RunAsync();
        }

        [Fact]
        public async Task HalfTypedFile_StillWarnsOnTheBoundCall_AndNeverThrows()
        {
            // A missing semicolon, a call without its arguments, a kind not typed yet, an unfinished member.
            const string source = @"
using Iommu;

class Vfio : DeviceDriver
{
    public override int Probe(Device dev)
    {
        return IommuCore.GroupSetDmaOwner(dev.Group!, this)
    }

    public int Open(Device dev) => IommuCore.GroupSetDmaOwner();

    public int Old(Device dev) => IommuCore.DeviceSetDmaOwner(dev, DmaOwner., this);

    public override void Remove(Device dev) => IommuCore.GroupReleaseDmaOwner(
";
            // The claim whose kind is not typed yet is not a claim (yet); the bound one in Probe is.
            await Verify.VerifyAnalyzerAsync(
                source,
                Verify.Diagnostic(RuleIdentifiers.GroupClaimWithoutSuppressAutoClaim).WithSpan(8, 16, 8, 60).WithArguments("Vfio", GroupSetDmaOwner),
                DiagnosticResult.CompilerError("CS1002").WithSpan(8, 60, 8, 60),
                DiagnosticResult.CompilerError("CS7036").WithSpan(11, 46, 11, 62).WithArguments("group", "Iommu.IommuCore.GroupSetDmaOwner(Iommu.IommuGroup, object)"),
                DiagnosticResult.CompilerError("CS1001").WithSpan(13, 77, 13, 78),
                DiagnosticResult.CompilerError("CS7036").WithSpan(15, 58, 15, 78).WithArguments("group", "Iommu.IommuCore.GroupReleaseDmaOwner(Iommu.IommuGroup)"),
                DiagnosticResult.CompilerError("CS1002").WithSpan(15, 79, 15, 79),
                DiagnosticResult.CompilerError("CS1026").WithSpan(15, 79, 15, 79),
                DiagnosticResult.CompilerError("CS1513").WithSpan(15, 79, 15, 79));
        }

        [Fact]
        public async Task Fix_AddsAttribute()
        {
            const string source = @"
using Iommu;

class VfioFslMcDriver : DeviceDriver
{
    public override int Probe(Device dev) => 0;

    public int Open(Device dev, object user) => {|IOMMU0008:IommuCore.GroupSetDmaOwner(dev.Group!, user)|};
}
";
            const string fixedSource = @"
using Iommu;

[SuppressAutoClaimDmaOwner]
class VfioFslMcDriver : DeviceDriver
{
    public override int Probe(Device dev) => 0;

    public int Open(Device dev, object user) => IommuCore.GroupSetDmaOwner(dev.Group!, user);
}
";
            await Verify.VerifyCodeFixAsync(source, fixedSource);
            await OwnershipRules.AssertCleanAsync(fixedSource);
        }

        [Fact]
        public async Task Fix_AddsUsingIommu_WhenTheFileUsesQualifiedNames_AndKeepsOtherAttributes()
        {
            const string source = @"using System;

namespace Drivers
{
    /// <summary>vfio-platform.</summary>
    [Serializable]
    public sealed class VfioPlatform : Iommu.DeviceDriver
    {
        public override int Probe(Iommu.Device dev) => {|IOMMU0008:Iommu.IommuCore.DeviceSetDmaOwner(dev, Iommu.DmaOwner.User, this)|};
    }
}
";
            const string fixedSource = @"using System;
using Iommu;

namespace Drivers
{
    /// <summary>vfio-platform.</summary>
    [SuppressAutoClaimDmaOwner]
    [Serializable]
    public sealed class VfioPlatform : Iommu.DeviceDriver
    {
        public override int Probe(Iommu.Device dev) => Iommu.IommuCore.DeviceSetDmaOwner(dev, Iommu.DmaOwner.User, this);
    }
}
";
            await Verify.VerifyCodeFixAsync(source, fixedSource);
        }

        [Fact]
        public async Task Fix_WhenTheAttributeIsWrittenButDoesNotBind_AddsOnlyTheUsing()
        {
            // Without `using Iommu;` the attribute is CS0246 and the driver still auto-claims; a second copy would be CS0579.
            var test = new Verify.Test
            {
                TestCode = @"
[SuppressAutoClaimDmaOwner]
class Vfio : Iommu.DeviceDriver
{
    public override int Probe(Iommu.Device dev) => {|IOMMU0008:Iommu.IommuCore.GroupSetDmaOwner(dev.Group!, this)|};
}
",
                FixedCode = @"using Iommu;

[SuppressAutoClaimDmaOwner]
class Vfio : Iommu.DeviceDriver
{
    public override int Probe(Iommu.Device dev) => Iommu.IommuCore.GroupSetDmaOwner(dev.Group!, this);
}
",
            };
            test.TestState.ExpectedDiagnostics.Add(DiagnosticResult.CompilerError("CS0246").WithSpan(2, 2, 2, 27).WithArguments("SuppressAutoClaimDmaOwner"));
            test.TestState.ExpectedDiagnostics.Add(DiagnosticResult.CompilerError("CS0246").WithSpan(2, 2, 2, 27).WithArguments("SuppressAutoClaimDmaOwnerAttribute"));
            // The fixed code compiles: its state says so itself instead of inheriting the errors above.
            test.FixedState.InheritanceMode = StateInheritanceMode.Explicit;
            await test.RunAsync();
        }

        [Fact]
        public async Task Fix_FromANestedHelper_AnnotatesTheEnclosingDriver()
        {
            const string source = @"
using Iommu;

class VfioDriver : DeviceDriver
{
    public override int Probe(Device dev) => Container.Attach(dev);

    private static class Container
    {
        public static int Attach(Device dev) => {|IOMMU0008:IommuCore.GroupSetDmaOwner(dev.Group!, new object())|};
    }
}
";
            const string fixedSource = @"
using Iommu;

[SuppressAutoClaimDmaOwner]
class VfioDriver : DeviceDriver
{
    public override int Probe(Device dev) => Container.Attach(dev);

    private static class Container
    {
        public static int Attach(Device dev) => IommuCore.GroupSetDmaOwner(dev.Group!, new object());
    }
}
";
            await Verify.VerifyCodeFixAsync(source, fixedSource);
        }

        [Fact]
        public async Task Fix_IsNotOffered_WhenTheDriverAlsoAttachesExclusively()
        {
            // AttachDevice relies on the auto-claim: with the attribute the runtime refuses it (IOMMU0002).
            const string source = @"
using Iommu;

class MixedDriver : DeviceDriver
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

    public override int Probe(Device dev) => IommuCore.AttachDevice(_domain, dev);

    public int Open(Device dev, object user) => {|IOMMU0008:IommuCore.GroupSetDmaOwner(dev.Group!, user)|};

    public override void Remove(Device dev) => IommuCore.DetachDevice(_domain, dev);
}
";
            await Verify.VerifyCodeFixAsync(source, source);
        }

        [Fact]
        public async Task Fix_IsNotOffered_WhenADerivedDriverWouldInheritTheAttributeOntoAnExclusiveAttach()
        {
            const string source = @"
using Iommu;

abstract class VfioBase : DeviceDriver
{
    public int Open(Device dev, object user) => {|IOMMU0008:IommuCore.GroupSetDmaOwner(dev.Group!, user)|};
}

sealed class GpuPassthrough : VfioBase
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

    public override int Probe(Device dev) => IommuCore.AttachDevice(_domain, dev);
}
";
            await Verify.VerifyCodeFixAsync(source, source);
        }

        [Fact]
        public async Task FixAll_SeveralDriversAndAPartialDriverAcrossDocuments_OneAttributeEach()
        {
            var test = new Verify.Test();
            test.TestState.Sources.Add(("VfioPci.Open.cs", @"using Iommu;

partial class VfioPci : DeviceDriver
{
    public override int Probe(Device dev) => 0;

    public int Open(Device dev, object user) => {|IOMMU0008:IommuCore.GroupSetDmaOwner(dev.Group!, user)|};
}

class VfioAmba : DeviceDriver
{
    public override int Probe(Device dev) => {|IOMMU0008:IommuCore.DeviceSetDmaOwner(dev, DmaOwner.User, this)|};

    public int Reopen(Device dev) => {|IOMMU0008:IommuCore.GroupSetDmaOwner(dev.Group!, this)|};
}

[SuppressAutoClaimDmaOwner]
class VfioPlatform : DeviceDriver
{
    public override int Probe(Device dev) => IommuCore.GroupSetDmaOwner(dev.Group!, this);

    public override void Remove(Device dev) => IommuCore.GroupReleaseDmaOwner(dev.Group!);
}
"));
            test.TestState.Sources.Add(("VfioPci.Ioctl.cs", @"using Iommu;

partial class VfioPci
{
    public int SetContainer(Device dev, object file) => {|IOMMU0008:IommuCore.GroupSetDmaOwner(dev.Group!, file)|};
}
"));
            test.FixedState.Sources.Add(("VfioPci.Open.cs", @"using Iommu;

[SuppressAutoClaimDmaOwner]
partial class VfioPci : DeviceDriver
{
    public override int Probe(Device dev) => 0;

    public int Open(Device dev, object user) => IommuCore.GroupSetDmaOwner(dev.Group!, user);
}

[SuppressAutoClaimDmaOwner]
class VfioAmba : DeviceDriver
{
    public override int Probe(Device dev) => IommuCore.DeviceSetDmaOwner(dev, DmaOwner.User, this);

    public int Reopen(Device dev) => IommuCore.GroupSetDmaOwner(dev.Group!, this);
}

[SuppressAutoClaimDmaOwner]
class VfioPlatform : DeviceDriver
{
    public override int Probe(Device dev) => IommuCore.GroupSetDmaOwner(dev.Group!, this);

    public override void Remove(Device dev) => IommuCore.GroupReleaseDmaOwner(dev.Group!);
}
"));
            test.FixedState.Sources.Add(("VfioPci.Ioctl.cs", @"using Iommu;

partial class VfioPci
{
    public int SetContainer(Device dev, object file) => IommuCore.GroupSetDmaOwner(dev.Group!, file);
}
"));
            // One action fixes a whole driver, so the per-diagnostic iteration count varies. Fix All in the document of
            // the first diagnostic (VfioPci.Ioctl.cs) reaches only VfioPci; VfioAmba takes a second round.
            test.NumberOfIncrementalIterations = 2;
            test.NumberOfFixAllIterations = 1;
            test.NumberOfFixAllInDocumentIterations = 2;
            await test.RunAsync();
            await OwnershipRules.AssertOnlyAsync(
                new[] { "IOMMU0003" },
                test.FixedState.Sources.Select(source => source.content.ToString()).ToArray());
        }

        [Fact]
        public async Task SharedAttachAndGroupClaimInOneDriver_OneAttributeClearsBothRules()
        {
            // IOMMU0001 and IOMMU0008 share their fix; either one leaves the driver clean of both.
            const string source = @"
using Iommu;

class TegraVfioBridge : DeviceDriver
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

    public override int Probe(Device dev) => IommuCore.AttachDeviceShared(_domain, dev);

    public int Hand(Device dev, object user)
    {
        IommuCore.DetachDeviceShared(_domain, dev);
        return {|IOMMU0008:IommuCore.GroupSetDmaOwner(dev.Group!, user)|};
    }

    public override void Remove(Device dev) => IommuCore.DetachDeviceShared(_domain, dev);
}
";
            const string fixedSource = @"
using Iommu;

[SuppressAutoClaimDmaOwner]
class TegraVfioBridge : DeviceDriver
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

    public override int Probe(Device dev) => IommuCore.AttachDeviceShared(_domain, dev);

    public int Hand(Device dev, object user)
    {
        IommuCore.DetachDeviceShared(_domain, dev);
        return IommuCore.GroupSetDmaOwner(dev.Group!, user);
    }

    public override void Remove(Device dev) => IommuCore.DetachDeviceShared(_domain, dev);
}
";
            await OwnershipRules.AssertOnlyAsync(new[] { "IOMMU0001", "IOMMU0001", "IOMMU0008", "IOMMU0001" }, CorpusSources.StripMarkup(source));
            await Verify.VerifyCodeFixAsync(source, fixedSource);
            await OwnershipRules.AssertCleanAsync(fixedSource);
        }

        [Fact]
        public async Task WithIommu0003_TheFixesComposeInEitherOrder()
        {
            // A multiplexor claim in a driver without the attribute draws both rules on one call.
            const string original = @"
using Iommu;

class OldVfioDriver : DeviceDriver
{
    public override int Probe(Device dev) => {|#0:IommuCore.DeviceSetDmaOwner(dev, DmaOwner.User, this)|};

    public override void Remove(Device dev) => {|#1:IommuCore.DeviceReleaseDmaOwner(dev, DmaOwner.User)|};
}
";
            const string rewritten = @"
using Iommu;

class OldVfioDriver : DeviceDriver
{
    public override int Probe(Device dev) => {|#0:IommuCore.GroupSetDmaOwner(dev.Group!, this)|};

    public override void Remove(Device dev) => IommuCore.GroupReleaseDmaOwner(dev.Group!);
}
";
            const string declared = @"
using Iommu;

[SuppressAutoClaimDmaOwner]
class OldVfioDriver : DeviceDriver
{
    public override int Probe(Device dev) => {|#0:IommuCore.DeviceSetDmaOwner(dev, DmaOwner.User, this)|};

    public override void Remove(Device dev) => {|#1:IommuCore.DeviceReleaseDmaOwner(dev, DmaOwner.User)|};
}
";
            const string both = @"
using Iommu;

[SuppressAutoClaimDmaOwner]
class OldVfioDriver : DeviceDriver
{
    public override int Probe(Device dev) => IommuCore.GroupSetDmaOwner(dev.Group!, this);

    public override void Remove(Device dev) => IommuCore.GroupReleaseDmaOwner(dev.Group!);
}
";
            DiagnosticResult[] multiplexor =
            {
                VerifyMultiplexor.Diagnostic(RuleIdentifiers.OldDmaOwnerMultiplexor).WithLocation(0).WithArguments("DeviceSetDmaOwner", "IommuCore.GroupSetDmaOwner"),
                VerifyMultiplexor.Diagnostic(RuleIdentifiers.OldDmaOwnerMultiplexor).WithLocation(1).WithArguments("DeviceReleaseDmaOwner", "IommuCore.GroupReleaseDmaOwner"),
            };

            // IOMMU0003 first: the rewritten claim is still this rule's, reported on the new call.
            await VerifyMultiplexor.VerifyCodeFixAsync(original, multiplexor, CorpusSources.StripMarkup(rewritten));
            await Verify.VerifyCodeFixAsync(
                rewritten,
                new[] { Verify.Diagnostic(RuleIdentifiers.GroupClaimWithoutSuppressAutoClaim).WithLocation(0).WithArguments("OldVfioDriver", GroupSetDmaOwner) },
                both);

            // IOMMU0008 first: the attribute, and the multiplexor left to IOMMU0003's fix.
            await Verify.VerifyCodeFixAsync(
                original,
                new[] { Verify.Diagnostic(RuleIdentifiers.GroupClaimWithoutSuppressAutoClaim).WithLocation(0).WithArguments("OldVfioDriver", "IommuCore.DeviceSetDmaOwner and DmaOwner.User") },
                CorpusSources.StripMarkup(declared));
            await VerifyMultiplexor.VerifyCodeFixAsync(declared, multiplexor, both);

            await OwnershipRules.AssertCleanAsync(both);
        }

        [Fact]
        public async Task DocumentationExamples_DrawWhatThePageSays()
        {
            // docs/rules/IOMMU0008.md: the wrong driver, the multiplexor driver, and the right driver.
            const string wrong = @"
using Iommu;

class VfioFslMcDriver : DeviceDriver
{
    public override int Probe(Device dev) => 0;

    public int Open(Device dev, object user)
    {
        IommuGroup? group = dev.Group;
        if (group == null)
            return -Errno.ENODEV;
        return IommuCore.GroupSetDmaOwner(group, user);
    }
}

class OldVfioDriver : DeviceDriver
{
    public override int Probe(Device dev) => IommuCore.DeviceSetDmaOwner(dev, DmaOwner.User, this);
    public override void Remove(Device dev) => IommuCore.DeviceReleaseDmaOwner(dev, DmaOwner.User);
}
";
            const string right = @"
using Iommu;

[SuppressAutoClaimDmaOwner]
class VfioFslMcDriver : DeviceDriver
{
    public override int Probe(Device dev) => 0;

    public int Open(Device dev, object user)
    {
        IommuGroup? group = dev.Group;
        if (group == null)
            return -Errno.ENODEV;
        return IommuCore.GroupSetDmaOwner(group, user);
    }
}
";
            // The multiplexor's claim draws IOMMU0008 and IOMMU0003 on the same call: compared as a sorted list.
            string[] ids = (await OwnershipRules.DiagnosticsAsync(wrong)).Select(d => d.Id).OrderBy(id => id, System.StringComparer.Ordinal).ToArray();
            Assert.Equal(new[] { "IOMMU0003", "IOMMU0003", "IOMMU0008", "IOMMU0008" }, ids);
            await OwnershipRules.AssertCleanAsync(right);
        }
    }
}
