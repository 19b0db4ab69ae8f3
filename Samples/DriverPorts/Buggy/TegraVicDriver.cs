using System.Collections.Generic;
using Iommu;

namespace DriverPorts.Buggy
{
    /// <summary>
    /// The video image compositor (drivers/gpu/drm/tegra/vic.c) ported as a driver with a private domain, but with the
    /// <c>driver_managed_dma</c> flag copied from the other host1x clients. With the flag the driver core makes no
    /// DMA-API claim, so the exclusive <c>iommu_attach_device()</c> has nothing to stand on: the runtime WARNs and
    /// returns <c>-EINVAL</c>, and the probe fails cleanly (Program runs it to show that). A driver that suppresses
    /// auto-claim attaches through the shared variants.
    /// </summary>
    [SuppressAutoClaimDmaOwner]
    internal sealed class TegraVicDriver : DeviceDriver
    {
        private readonly KMutex _lock = new KMutex();

        [GuardedBy(nameof(_lock))]
        private readonly Dictionary<Device, IommuDomain> _domains = new Dictionary<Device, IommuDomain>();

        // vic_probe() → vic_init()
        [ExcludesLock(nameof(_lock))]
        public override int Probe(Device dev)
        {
            var domain = new IommuDomain(IommuDomainType.Unmanaged);
            int ret = IommuCore.AttachDevice(domain, dev); // BUG(IOMMU0002): exclusive attach from a driver with [SuppressAutoClaimDmaOwner]
            if (ret != 0)
            {
                return ret;
            }

            using (_lock.Guard())
            {
                _domains[dev] = domain;
            }

            return 0;
        }

        // vic_remove() → vic_exit()
        [ExcludesLock(nameof(_lock))]
        public override void Remove(Device dev)
        {
            IommuDomain? domain;
            using (_lock.Guard())
            {
                if (!_domains.Remove(dev, out domain))
                {
                    return;
                }
            }

            IommuCore.DetachDevice(domain, dev); // BUG(IOMMU0002): exclusive detach from a driver with [SuppressAutoClaimDmaOwner]
        }
    }
}
