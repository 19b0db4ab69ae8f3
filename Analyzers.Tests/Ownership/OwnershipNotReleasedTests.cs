using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis.Testing;
using Xunit;
using Verify = IommuAnalyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    IommuAnalyzers.Ownership.OwnershipNotReleasedAnalyzer,
    IommuAnalyzers.CodeFixes.Ownership.OwnershipNotReleasedFixer>;

namespace IommuAnalyzers.Tests.Ownership
{
    public class OwnershipNotReleasedTests
    {
        [Fact]
        public async Task UseDmaApiInProbe_NoRemove_Warns_AndNamesTheRelease()
        {
            const string source = @"
using Iommu;

class NicDriver : DeviceDriver
{
    public override int Probe(Device dev)
    {
        int ret = {|#0:IommuCore.DeviceUseDmaApi(dev)|};
        if (ret != 0)
            return ret;
        return 0;
    }
}
";
            await Verify.VerifyAnalyzerAsync(source, Verify.Diagnostic(RuleIdentifiers.OwnershipNotReleased)
                .WithLocation(0)
                .WithArguments("NicDriver", "DeviceUseDmaApi", "DeviceUnuseDmaApi", "in Remove"));
        }

        [Fact]
        public async Task SharedAttach_RemoveReleasesSomethingElse_Warns()
        {
            const string source = @"
using Iommu;

[SuppressAutoClaimDmaOwner]
class GrDriver : DeviceDriver
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

    public override int Probe(Device dev) => {|IOMMU0006:IommuCore.AttachDeviceShared(_domain, dev)|};

    public override void Remove(Device dev) => IommuCore.DeviceUnuseDmaApi(dev);
}
";
            await Verify.VerifyAnalyzerAsync(source);
        }

        [Fact]
        public async Task ErrorReturnAfterTakingOwnership_Warns_AtTheReturn()
        {
            const string source = @"
using Iommu;

class NicDriver : DeviceDriver
{
    public override int Probe(Device dev)
    {
        int ret = IommuCore.DeviceUseDmaApi(dev);
        if (ret != 0)
            return ret;
        ret = SetupRings(dev);
        if (ret != 0)
            {|#0:return ret;|}
        return 0;
    }

    public override void Remove(Device dev) => IommuCore.DeviceUnuseDmaApi(dev);

    private static int SetupRings(Device dev) => dev.Name.Length > 3 ? 0 : -Errno.EINVAL;
}
";
            await Verify.VerifyAnalyzerAsync(source, Verify.Diagnostic(RuleIdentifiers.OwnershipNotReleased)
                .WithLocation(0)
                .WithArguments("NicDriver", "DeviceUseDmaApi", "DeviceUnuseDmaApi", "before this error return"));
        }

        [Fact]
        public async Task ConstantErrorAfterAttach_Warns()
        {
            const string source = @"
using Iommu;

class GpuDriver : DeviceDriver
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

    public override int Probe(Device dev)
    {
        if (IommuCore.AttachDevice(_domain, dev) != 0)
        {
            return -Errno.EBUSY;
        }

        if (dev.Name.Length == 0)
        {
            {|IOMMU0006:return -Errno.EINVAL;|}
        }

        return 0;
    }

    public override void Remove(Device dev) => IommuCore.DetachDevice(_domain, dev);
}
";
            await Verify.VerifyAnalyzerAsync(source);
        }

        [Fact]
        public async Task SecondAcquisitionFails_FirstOneLeaks()
        {
            const string source = @"
using Iommu;

class VfioLikeDriver : DeviceDriver
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

    public override int Probe(Device dev)
    {
        int ret = IommuCore.GroupSetDmaOwner(dev.Group!, this);
        if (ret < 0)
            return ret;
        ret = IommuCore.AttachDevice(_domain, dev);
        {|IOMMU0006:return ret;|}
    }

    public override void Remove(Device dev)
    {
        IommuCore.DetachDevice(_domain, dev);
        IommuCore.GroupReleaseDmaOwner(dev.Group!);
    }
}
";
            await Verify.VerifyAnalyzerAsync(source);
        }

        [Fact]
        public async Task GotoUnwindMissingOneLabel_Warns()
        {
            const string source = @"
using Iommu;

class NicDriver : DeviceDriver
{
    public override int Probe(Device dev)
    {
        int ret = IommuCore.DeviceUseDmaApi(dev);
        if (ret is not 0)
            return ret;
        ret = Setup(dev);
        if (ret != 0)
            goto err_unuse;
        ret = Setup(dev);
        if (ret != 0)
            goto err_out;
        return 0;
    err_unuse:
        IommuCore.DeviceUnuseDmaApi(dev);
    err_out:
        {|IOMMU0006:return ret;|}
    }

    public override void Remove(Device dev) => IommuCore.DeviceUnuseDmaApi(dev);

    private static int Setup(Device dev) => dev.Name.Length > 3 ? 0 : -Errno.EINVAL;
}
";
            await Verify.VerifyAnalyzerAsync(source);
        }

        [Fact]
        public async Task ErrorPathThatReleases_AndRemoveThatReleases_DoNotWarn()
        {
            const string source = @"
using Iommu;

class NicDriver : DeviceDriver
{
    public override int Probe(Device dev)
    {
        int ret = IommuCore.DeviceUseDmaApi(dev);
        if (ret != 0)
            return ret;
        ret = Setup(dev);
        if (ret != 0)
        {
            IommuCore.DeviceUnuseDmaApi(dev);
            return ret;
        }

        return 0;
    }

    public override void Remove(Device dev) => IommuCore.DeviceUnuseDmaApi(dev);

    private static int Setup(Device dev) => dev.Name.Length > 3 ? 0 : -Errno.EINVAL;
}
";
            await Verify.VerifyAnalyzerAsync(source);
        }

        [Fact]
        public async Task ReleaseThroughHelpers_AndGotoUnwind_DoNotWarn()
        {
            const string source = @"
using Iommu;

[SuppressAutoClaimDmaOwner]
class GrDriver : DeviceDriver
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

    public override int Probe(Device dev)
    {
        int ret = IommuCore.AttachDeviceShared(_domain, dev);
        if (ret < 0)
            return ret;
        ret = Setup(dev);
        if (ret < 0)
            goto err_detach;
        return 0;
    err_detach:
        Teardown(dev);
        return ret;
    }

    public override void Remove(Device dev) => Teardown(dev);

    private void Teardown(Device dev) => Detach(dev);

    private void Detach(Device dev) => IommuCore.DetachDeviceShared(_domain, dev);

    private static int Setup(Device dev) => dev.Name.Length > 3 ? 0 : -Errno.EINVAL;
}
";
            await Verify.VerifyAnalyzerAsync(source);
        }

        [Fact]
        public async Task ReleaseInANestedHelperOrAFinally_DoesNotWarn()
        {
            const string source = @"
using Iommu;

class NicDriver : DeviceDriver
{
    public override int Probe(Device dev)
    {
        int ret = IommuCore.DeviceUseDmaApi(dev);
        if (ret != 0)
            return ret;
        if (dev.Name.Length == 0)
        {
            Cleanup.Undo(dev);
            return -Errno.EINVAL;
        }

        return 0;
    }

    public override void Remove(Device dev) => Cleanup.Undo(dev);

    private static class Cleanup
    {
        public static void Undo(Device dev) => IommuCore.DeviceUnuseDmaApi(dev);
    }
}

class TempDriver : DeviceDriver
{
    public override int Probe(Device dev)
    {
        if (IommuCore.DeviceUseDmaApi(dev) != 0)
            return -Errno.EBUSY;
        try
        {
            if (dev.Name.Length == 0)
                return -Errno.EINVAL;
            return 0;
        }
        finally
        {
            IommuCore.DeviceUnuseDmaApi(dev);
        }
    }
}
";
            await Verify.VerifyAnalyzerAsync(source);
        }

        [Fact]
        public async Task OwnershipTakenAndGivenBackWithinProbe_DoesNotNeedRemove()
        {
            const string source = @"
using Iommu;

class ProbeOnlyDriver : DeviceDriver
{
    public override int Probe(Device dev)
    {
        if (IommuCore.DeviceUseDmaApi(dev) != 0)
            return -Errno.EBUSY;
        IommuCore.DeviceUnuseDmaApi(dev);
        return 0;
    }
}
";
            await Verify.VerifyAnalyzerAsync(source);
        }

        [Fact]
        public async Task RemoveOrCleanupInheritedFromThePortsBaseDriver_AndNonDriverProbe_DoNotWarn()
        {
            const string source = @"
using Iommu;

abstract class DmaApiDriverBase : DeviceDriver
{
    public override void Remove(Device dev) => IommuCore.DeviceUnuseDmaApi(dev);
}

class NicDriver : DmaApiDriverBase
{
    public override int Probe(Device dev) => IommuCore.DeviceUseDmaApi(dev);
}

class NotADriver
{
    public int Probe(Device dev) => IommuCore.DeviceUseDmaApi(dev);
}

abstract class CleanupBase : DeviceDriver
{
    protected static void Undo(Device dev) => IommuCore.DeviceUnuseDmaApi(dev);
}

class UsesBaseHelper : CleanupBase
{
    public override int Probe(Device dev)
    {
        if (IommuCore.DeviceUseDmaApi(dev) != 0)
            return -Errno.EBUSY;
        if (dev.Name.Length == 0)
        {
            Undo(dev);
            return -Errno.EINVAL;
        }

        return 0;
    }

    public override void Remove(Device dev) => Undo(dev);
}

class CallsBaseRemove : DmaApiDriverBase
{
    public override int Probe(Device dev) => IommuCore.DeviceUseDmaApi(dev);
    public override void Remove(Device dev) => base.Remove(dev);
}
";
            await Verify.VerifyAnalyzerAsync(source);
        }

        [Fact]
        public async Task HalfTypedProbe_StillJudgesTheBoundPart_AndNeverThrows()
        {
            const string source = @"
using Iommu;

class NicDriver : DeviceDriver
{
    public override int Probe(Device dev)
    {
        int ret = {|IOMMU0006:IommuCore.DeviceUseDmaApi(dev)|};
        if (ret != 0
            return ret;
        ret = {|CS0103:Setup|}(dev);
        return ret
";
            await Verify.VerifyAnalyzerAsync(
                source,
                DiagnosticResult.CompilerError("CS1026").WithSpan(9, 21, 9, 21),
                DiagnosticResult.CompilerError("CS1002").WithSpan(12, 19, 12, 19),
                DiagnosticResult.CompilerError("CS1513").WithSpan(12, 19, 12, 19),
                DiagnosticResult.CompilerError("CS1513").WithSpan(12, 19, 12, 19));
        }

        [Fact]
        public async Task Fix_CreatesRemove_WhenTheDriverHasNone()
        {
            const string source = @"
using Iommu;

class NicDriver : DeviceDriver
{
    public override int Probe(Device pdev)
    {
        int ret = {|IOMMU0006:IommuCore.DeviceUseDmaApi(pdev)|};
        if (ret != 0)
            return ret;
        return 0;
    }
}
";
            const string fixedSource = @"
using Iommu;

class NicDriver : DeviceDriver
{
    public override int Probe(Device pdev)
    {
        int ret = IommuCore.DeviceUseDmaApi(pdev);
        if (ret != 0)
            return ret;
        return 0;
    }

    public override void Remove(Device pdev)
    {
        IommuCore.DeviceUnuseDmaApi(pdev);
    }
}
";
            await Verify.VerifyCodeFixAsync(source, fixedSource);
            await OwnershipRules.AssertCleanAsync(fixedSource);
        }

        [Fact]
        public async Task Fix_ExtendsAnExpressionBodiedRemove_UsingItsOwnParameterName()
        {
            const string source = @"
using System;
using Iommu;

[SuppressAutoClaimDmaOwner]
class GrDriver : DeviceDriver
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

    public override int Probe(Device dev) => {|IOMMU0006:IommuCore.AttachDeviceShared(this._domain, dev)|};

    public override void Remove(Device device) => Console.WriteLine(device.Name);
}
";
            const string fixedSource = @"
using System;
using Iommu;

[SuppressAutoClaimDmaOwner]
class GrDriver : DeviceDriver
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

    public override int Probe(Device dev) => IommuCore.AttachDeviceShared(this._domain, dev);

    public override void Remove(Device device)
    {
        Console.WriteLine(device.Name);
        IommuCore.DetachDeviceShared(this._domain, device);
    }
}
";
            await Verify.VerifyCodeFixAsync(source, fixedSource);
            await OwnershipRules.AssertCleanAsync(fixedSource);
        }

        [Fact]
        public async Task Fix_InsertsTheReleaseBeforeTheErrorReturn()
        {
            const string source = @"
using Iommu;

class NicDriver : DeviceDriver
{
    public override int Probe(Device dev)
    {
        int ret = IommuCore.DeviceUseDmaApi(dev);
        if (ret != 0)
            return ret;
        ret = Setup(dev);
        if (ret != 0)
            {|IOMMU0006:return ret;|}
        if (dev.Name.Length > 8)
        {
            // Too long a name: refuse.
            {|IOMMU0006:return -Errno.EINVAL;|}
        }

        return 0;
    }

    public override void Remove(Device dev) => IommuCore.DeviceUnuseDmaApi(dev);

    private static int Setup(Device dev) => dev.Name.Length > 3 ? 0 : -Errno.EINVAL;
}
";
            const string fixedSource = @"
using Iommu;

class NicDriver : DeviceDriver
{
    public override int Probe(Device dev)
    {
        int ret = IommuCore.DeviceUseDmaApi(dev);
        if (ret != 0)
            return ret;
        ret = Setup(dev);
        if (ret != 0)
        {
            IommuCore.DeviceUnuseDmaApi(dev);
            return ret;
        }
        if (dev.Name.Length > 8)
        {
            // Too long a name: refuse.
            IommuCore.DeviceUnuseDmaApi(dev);
            return -Errno.EINVAL;
        }

        return 0;
    }

    public override void Remove(Device dev) => IommuCore.DeviceUnuseDmaApi(dev);

    private static int Setup(Device dev) => dev.Name.Length > 3 ? 0 : -Errno.EINVAL;
}
";
            await Verify.VerifyCodeFixAsync(source, fixedSource);
            await OwnershipRules.AssertCleanAsync(fixedSource);
        }

        [Fact]
        public async Task NoFix_WhenTheArgumentIsAProbeLocal_OrANewObject_AndAFailingSecondAttachLeaksTheFirst()
        {
            const string source = @"
using Iommu;

class GpuDriver : DeviceDriver
{
    public override int Probe(Device dev)
    {
        var domain = new IommuDomain(IommuDomainType.Unmanaged);
        int ret = {|IOMMU0006:IommuCore.AttachDevice(domain, dev)|};
        if (ret != 0)
            return ret;
        {|IOMMU0006:return {|IOMMU0006:IommuCore.AttachDevice(new IommuDomain(IommuDomainType.Unmanaged), dev)|};|}
    }
}
";
            await Verify.VerifyCodeFixAsync(source, source);
        }

        [Fact]
        public async Task FixAll_AcrossDocuments_CreatesOneRemove_AndUnwindsErrorPaths()
        {
            var test = new Verify.Test();
            test.TestState.Sources.Add(("Vfio.cs", @"using Iommu;

class VfioDriver : DeviceDriver
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

    public override int Probe(Device dev)
    {
        int ret = {|IOMMU0006:IommuCore.GroupSetDmaOwner(dev.Group!, this)|};
        if (ret != 0)
            return ret;
        ret = {|IOMMU0006:IommuCore.AttachDevice(_domain, dev)|};
        if (ret != 0)
            {|IOMMU0006:return ret;|}
        return 0;
    }
}
"));
            test.TestState.Sources.Add(("Nic.cs", @"using Iommu;

partial class NicDriver : DeviceDriver
{
    public override int Probe(Device dev)
    {
        if (IommuCore.DeviceUseDmaApi(dev) != 0)
            return -Errno.EBUSY;
        if (dev.Name.Length == 0)
            {|IOMMU0006:return -Errno.EINVAL;|}
        return 0;
    }
}
"));
            test.TestState.Sources.Add(("Nic.Remove.cs", @"using Iommu;

partial class NicDriver
{
    public override void Remove(Device dev)
    {
        IommuCore.DeviceUnuseDmaApi(dev);
    }
}
"));
            test.FixedState.Sources.Add(("Vfio.cs", @"using Iommu;

class VfioDriver : DeviceDriver
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

    public override int Probe(Device dev)
    {
        int ret = IommuCore.GroupSetDmaOwner(dev.Group!, this);
        if (ret != 0)
            return ret;
        ret = IommuCore.AttachDevice(_domain, dev);
        if (ret != 0)
        {
            IommuCore.GroupReleaseDmaOwner(dev.Group!);
            return ret;
        }
        return 0;
    }

    public override void Remove(Device dev)
    {
        IommuCore.GroupReleaseDmaOwner(dev.Group!);
        IommuCore.DetachDevice(_domain, dev);
    }
}
"));
            test.FixedState.Sources.Add(("Nic.cs", @"using Iommu;

partial class NicDriver : DeviceDriver
{
    public override int Probe(Device dev)
    {
        if (IommuCore.DeviceUseDmaApi(dev) != 0)
            return -Errno.EBUSY;
        if (dev.Name.Length == 0)
        {
            IommuCore.DeviceUnuseDmaApi(dev);
            return -Errno.EINVAL;
        }
        return 0;
    }
}
"));
            test.FixedState.Sources.Add(("Nic.Remove.cs", @"using Iommu;

partial class NicDriver
{
    public override void Remove(Device dev)
    {
        IommuCore.DeviceUnuseDmaApi(dev);
    }
}
"));
            test.NumberOfIncrementalIterations = 4;
            test.NumberOfFixAllIterations = 1;
            test.NumberOfFixAllInDocumentIterations = 2;
            await test.RunAsync();
            // The fix adds nothing. What is left was in the input already: VfioDriver claims its group without
            // [SuppressAutoClaimDmaOwner] (IOMMU0008), a bug of its own that this rule's fix is not about.
            await OwnershipRules.AssertOnlyAsync(new[] { RuleIdentifiers.GroupClaimWithoutSuppressAutoClaim }, test.FixedState.Sources.Select(source => source.content.ToString()).ToArray());
        }
    }
}
