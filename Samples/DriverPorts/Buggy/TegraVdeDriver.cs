using System.Collections.Generic;
using Iommu;

namespace DriverPorts.Buggy
{
    /// <summary>
    /// The Tegra video decoder engine (drivers/media/platform/nvidia/tegra-vde/iommu.c, <c>tegra_vde_iommu_init()</c>):
    /// attaches a private domain, then reserves the IOVA range the hardware needs. The port's error path for the
    /// reservation returns without the <c>iommu_detach_group()</c> of the original's unwind labels, so a failed probe
    /// leaves the group in the driver's domain while the driver core gives back the auto-claim: no owner, owner count 0,
    /// and not the default domain. Not run by Program (it would leave a group out of its default domain).
    /// </summary>
    internal sealed class TegraVdeDriver : DeviceDriver
    {
        // The IOVA window the decoder can address (vde->iova).
        private const int IovaPages = 4096;

        private readonly KMutex _lock = new KMutex();

        [GuardedBy(nameof(_lock))]
        private readonly Dictionary<Device, IommuDomain> _domains = new Dictionary<Device, IommuDomain>();

        [GuardedBy(nameof(_lock))]
        private int _iovaPagesFree = IovaPages;

        [ExcludesLock(nameof(_lock))]
        public override int Probe(Device dev)
        {
            var domain = new IommuDomain(IommuDomainType.Unmanaged);
            int ret = IommuCore.AttachDevice(domain, dev);
            if (ret != 0)
            {
                return ret;
            }

            ret = ReserveIova(IovaPages / 2);
            if (ret != 0)
            {
                return ret; // BUG(IOMMU0006): the attach above is not undone on this error path (DetachDevice missing)
            }

            using (_lock.Guard())
            {
                _domains[dev] = domain;
            }

            return 0;
        }

        // tegra_vde_iommu_deinit()
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

                _iovaPagesFree += IovaPages / 2;
            }

            IommuCore.DetachDevice(domain, dev);
        }

        // reserve_iova() of the window the decoder needs: -ENOMEM in the kernel; the runtime's errno set has -EBUSY for an exhausted window.
        [ExcludesLock(nameof(_lock))]
        private int ReserveIova(int pages)
        {
            using (_lock.Guard())
            {
                if (_iovaPagesFree < pages)
                {
                    return -Errno.EBUSY;
                }

                _iovaPagesFree -= pages;
                return 0;
            }
        }
    }
}
