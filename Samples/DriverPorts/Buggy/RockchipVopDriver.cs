using Iommu;

namespace DriverPorts.Buggy
{
    /// <summary>
    /// A display controller port modelled on drivers/gpu/drm/rockchip (<c>rockchip_drm_dma_attach_device()</c>), whose
    /// port dropped the check of <c>iommu_attach_device()</c>. When the attach is refused (another DMA-API user in the
    /// group, <c>-EBUSY</c>) the driver scans out through a domain it is not attached to, and its remove detaches a
    /// domain the group never had (a WARN). Not run by Program.
    /// </summary>
    internal sealed class RockchipVopDriver : DeviceDriver
    {
        private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

        // vop_bind() → rockchip_drm_dma_attach_device()
        public override int Probe(Device dev)
        {
            IommuCore.AttachDevice(_domain, dev); // BUG(IOMMU0005): [MustCheck] result ignored; -EBUSY or -ENODEV goes unnoticed
            return 0;
        }

        // vop_unbind() → rockchip_drm_dma_detach_device()
        public override void Remove(Device dev)
        {
            IommuCore.DetachDevice(_domain, dev);
        }
    }
}
