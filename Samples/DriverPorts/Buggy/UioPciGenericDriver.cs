using Iommu;

namespace DriverPorts.Buggy
{
    /// <summary>
    /// A port of drivers/uio/uio_pci_generic.c that set <c>driver_managed_dma</c> as vfio-pci does, without taking the
    /// ownership vfio-pci takes on open. The driver core then makes no DMA-API claim, and nothing else claims the group
    /// either, so user space drives DMA from a device whose group anybody (a VFIO user, another kernel driver) may take
    /// over. The kernel never set the flag for uio_pci_generic; only drivers that do no DMA at all (pci-stub) may.
    /// Not run by Program.
    /// </summary>
    [SuppressAutoClaimDmaOwner] internal sealed class UioPciGenericDriver : DeviceDriver // BUG(IOMMU0007): suppresses auto-claim but never takes ownership
    {
        // probe(): uio_register_device() exposes the BARs and the interrupt to user space.
        public override int Probe(Device dev)
        {
            return 0;
        }
    }
}
