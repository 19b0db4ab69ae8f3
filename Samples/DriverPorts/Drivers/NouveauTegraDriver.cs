using System.Collections.Generic;
using Iommu;

namespace DriverPorts.Drivers
{
    /// <summary>
    /// A GPU driver with a private domain: nouveau on Tegra (drivers/gpu/drm/nouveau/nvkm/engine/device/tegra.c).
    /// <c>nvkm_device_tegra_probe_iommu()</c> allocates its own unmanaged domain and attaches the GPU to it with
    /// <c>iommu_attach_device()</c>. The driver keeps the core's auto-claim: the attach is allowed because that claim is
    /// the group's only DMA-API user. Without an IOMMU, or when the group is shared, it falls back to the DMA API.
    /// </summary>
    internal sealed class NouveauTegraDriver : DeviceDriver
    {
        private const string DriverName = "nouveau";

        private readonly Dmesg _dmesg;

        // tdev->iommu.mutex
        private readonly KMutex _iommuLock = new KMutex();

        // tdev->iommu.domain, per bound GPU; absent when the GPU runs on the DMA API.
        [GuardedBy(nameof(_iommuLock))]
        private readonly Dictionary<Device, IommuDomain> _domains = new Dictionary<Device, IommuDomain>();

        public NouveauTegraDriver(Dmesg dmesg)
        {
            _dmesg = dmesg;
        }

        // nvkm_device_tegra_new() → nvkm_device_tegra_probe_iommu().
        [ExcludesLock(nameof(_iommuLock))]
        public override int Probe(Device dev)
        {
            var domain = new IommuDomain(IommuDomainType.Unmanaged);
            int ret = IommuCore.AttachDevice(domain, dev);
            _dmesg.Info(DriverName, dev, "iommu_attach_device() -> " + Errnos.Name(ret));
            if (ret != 0)
            {
                // The kernel frees the domain and carries on through the DMA API (-ENODEV: no IOMMU at all).
                _dmesg.Info(DriverName, dev, "using the DMA API instead of a private domain");
                return 0;
            }

            using (_iommuLock.Guard())
            {
                _domains[dev] = domain;
            }

            return 0;
        }

        // nvkm_device_tegra_remove_iommu(): detach before the domain is freed.
        [ExcludesLock(nameof(_iommuLock))]
        public override void Remove(Device dev)
        {
            IommuDomain? domain;
            using (_iommuLock.Guard())
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
