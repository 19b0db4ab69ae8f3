using DriverPorts.Drivers;
using Iommu;

namespace DriverPorts.Buggy
{
    /// <summary>
    /// A fourth host1x client, the video decoder (drivers/gpu/drm/tegra/nvdec.c), ported from its siblings in
    /// Drivers/Host1xClients.cs but without their <c>driver_managed_dma</c>. The driver core therefore claims the
    /// group for the DMA API before probe, and the shared attach is refused: the runtime WARNs and returns
    /// <c>-EINVAL</c>, so the probe fails cleanly (Program runs it to show that).
    /// </summary>
    internal sealed class TegraNvdecDriver : DeviceDriver
    {
        private readonly TegraDrm _drm;

        public TegraNvdecDriver(TegraDrm drm)
        {
            _drm = drm;
        }

        // nvdec_probe() → nvdec_init() → host1x_client_iommu_attach()
        public override int Probe(Device dev)
        {
            int ret = IommuCore.AttachDeviceShared(_drm.Domain, dev); // BUG(IOMMU0001): shared attach, but the class lacks [SuppressAutoClaimDmaOwner]
            if (ret != 0)
            {
                return ret;
            }

            ret = _drm.RegisterClient("nvdec", dev);
            if (ret != 0)
            {
                IommuCore.DetachDeviceShared(_drm.Domain, dev); // BUG(IOMMU0001): shared detach, same missing attribute
                return ret;
            }

            return 0;
        }

        // nvdec_remove() → host1x_client_iommu_detach()
        public override void Remove(Device dev)
        {
            _drm.UnregisterClient(dev);
            IommuCore.DetachDeviceShared(_drm.Domain, dev); // BUG(IOMMU0001): shared detach, same missing attribute
        }
    }
}
