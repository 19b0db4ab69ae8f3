using System.Collections.Immutable;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Xunit;

namespace IommuAnalyzers.Tests.Ownership
{
    /// <summary>All ownership rules over one port: each wrong driver draws its rule, each correct twin stays clean.</summary>
    public class OwnershipRulesTogetherTests
    {
        private const string WrongPort = @"
using Iommu;

class SharesWithoutAttribute : DeviceDriver                        // IOMMU0001
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);
    public override int Probe(Device dev) => IommuCore.AttachDeviceShared(_domain, dev);
    public override void Remove(Device dev) => IommuCore.DetachDeviceShared(_domain, dev);
}

[SuppressAutoClaimDmaOwner]
class ExclusiveWithAttribute : DeviceDriver                        // IOMMU0002 x2
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);
    public override int Probe(Device dev) => IommuCore.AttachDevice(_domain, dev);
    public override void Remove(Device dev) => IommuCore.DetachDevice(_domain, dev);
}

static class OldPort
{
    public static int Open(Device dev) => IommuCore.DeviceSetDmaOwner(dev, DmaOwner.User, dev); // IOMMU0003
    public static bool Shared(IommuGroup g) => IommuCore.GroupDeviceCount(g) > 1;                 // IOMMU0004
}

class Leaky : DeviceDriver
{
    public override int Probe(Device dev)
    {
        IommuCore.DeviceUseDmaApi(dev);                              // IOMMU0005, IOMMU0006 (no Remove)
        return 0;
    }
}

[SuppressAutoClaimDmaOwner]
class Idle : DeviceDriver                                            // IOMMU0007
{
    public override int Probe(Device dev) => 0;
}

class ClaimsWithoutAttribute : DeviceDriver
{
    public override int Probe(Device dev) => 0;
    public int Open(Device dev, object user) => IommuCore.GroupSetDmaOwner(dev.Group!, user); // IOMMU0008
}
";

        private const string RightPort = @"
using Iommu;

[SuppressAutoClaimDmaOwner]
class SharesWithAttribute : DeviceDriver
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);
    public override int Probe(Device dev) => IommuCore.AttachDeviceShared(_domain, dev);
    public override void Remove(Device dev) => IommuCore.DetachDeviceShared(_domain, dev);
}

class ExclusiveWithAutoClaim : DeviceDriver
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);
    public override int Probe(Device dev) => IommuCore.AttachDevice(_domain, dev);
    public override void Remove(Device dev) => IommuCore.DetachDevice(_domain, dev);
}

static class NewPort
{
    public static int Open(Device dev) => IommuCore.GroupSetDmaOwner(dev.Group!, dev);
    public static bool Shared(IommuGroup g)
    {
        using (g.Mutex.Guard())
        {
            return g.OwnerCount > 1;
        }
    }
}

class Careful : DeviceDriver
{
    public override int Probe(Device dev)
    {
        int ret = IommuCore.DeviceUseDmaApi(dev);
        if (ret != 0)
            return ret;
        return 0;
    }

    public override void Remove(Device dev) => IommuCore.DeviceUnuseDmaApi(dev);
}

class Idle : DeviceDriver
{
    public override int Probe(Device dev) => 0;
}

[SuppressAutoClaimDmaOwner]
class ClaimsWithAttribute : DeviceDriver
{
    public override int Probe(Device dev) => 0;
    public int Open(Device dev, object user) => IommuCore.GroupSetDmaOwner(dev.Group!, user);
}
";

        [Fact]
        public async Task WrongPort_DrawsEveryOwnershipRule()
        {
            ImmutableArray<Diagnostic> diagnostics = await OwnershipRules.DiagnosticsAsync(WrongPort);
            string[] ids = diagnostics.Select(d => d.Id).OrderBy(id => id).ToArray();
            Assert.Equal(
                new[] { "IOMMU0001", "IOMMU0001", "IOMMU0002", "IOMMU0002", "IOMMU0003", "IOMMU0004", "IOMMU0005", "IOMMU0006", "IOMMU0007", "IOMMU0008" },
                ids);
        }

        [Fact]
        public async Task RightPort_IsClean()
        {
            await OwnershipRules.AssertCleanAsync(RightPort);
        }
    }
}
