using System.Threading.Tasks;
using Microsoft.CodeAnalysis.Testing;
using Xunit;
using Verify = IommuAnalyzers.Tests.Verifiers.CSharpAnalyzerVerifier<IommuAnalyzers.Ownership.OwnershipNotReleasedAnalyzer>;

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
            await Verify.VerifyAnalyzerAsync(source, Verify.Diagnostic(IommuAnalyzers.Ownership.OwnershipNotReleasedAnalyzer.Rule)
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
            await Verify.VerifyAnalyzerAsync(source, Verify.Diagnostic(IommuAnalyzers.Ownership.OwnershipNotReleasedAnalyzer.Rule)
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
        public async Task RemoveInheritedFromThePortsBaseDriver_AndNonDriverProbe_DoNotWarn()
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
    }
}
