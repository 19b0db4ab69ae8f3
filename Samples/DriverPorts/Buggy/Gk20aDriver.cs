using System.Collections.Generic;
using Iommu;

namespace DriverPorts.Buggy
{
    /// <summary>
    /// A second Tegra GPU port (the GK20A path of drivers/gpu/drm/nouveau/nvkm/engine/device/tegra.c) that copied the
    /// check <c>iommu_attach_device()</c> used to make, <c>iommu_group_device_count(group) != 1</c>, into the driver to
    /// decide whether it may take the group for a private domain. Counting devices says nothing about who uses the
    /// group: a device of the group bound to no driver (or to VFIO) counts, one more DMA-API user does not show. The
    /// ownership count under the group lock decides; <see cref="IommuCore.AttachDevice"/> already checks it.
    /// Not run by Program.
    /// </summary>
    internal sealed class Gk20aDriver : DeviceDriver
    {
        private readonly KMutex _lock = new KMutex();

        [GuardedBy(nameof(_lock))]
        private readonly Dictionary<Device, IommuDomain> _domains = new Dictionary<Device, IommuDomain>();

        // nouveau_platform_probe() → nvkm_device_tegra_new() → nvkm_device_tegra_probe_iommu()
        [ExcludesLock(nameof(_lock))]
        public override int Probe(Device dev)
        {
            IommuGroup? group = dev.Group;
            if (group == null)
            {
                return 0;
            }

            if (IommuCore.GroupDeviceCount(group) != 1) // BUG(IOMMU0004): the device count decides ownership; owner_cnt under group->mutex does
            {
                // Shared group: stay on the DMA API.
                return 0;
            }

            var domain = new IommuDomain(IommuDomainType.Unmanaged);
            int ret = IommuCore.AttachDevice(domain, dev);
            if (ret != 0)
            {
                return 0;
            }

            using (_lock.Guard())
            {
                _domains[dev] = domain;
            }

            return 0;
        }

        // nvkm_device_tegra_remove_iommu()
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

            IommuCore.DetachDevice(domain, dev);
        }
    }
}
