using Iommu;

namespace DriverPorts.Drivers
{
    /// <summary>
    /// The Tegra HDA controller (sound/pci/hda/hda_tegra.c): the HDMI audio next to the GPU, a plain DMA-API driver
    /// that relies on the driver core's auto-claim. Sharing an IOMMU group with the GPU, its claim is what keeps the
    /// GPU driver from moving the group into a private domain under it.
    /// </summary>
    internal sealed class HdaTegraDriver : DeviceDriver
    {
        private const string DriverName = "tegra-hda";

        private readonly Dmesg _dmesg;

        public HdaTegraDriver(Dmesg dmesg)
        {
            _dmesg = dmesg;
        }

        // hda_tegra_probe(): BDL and CORB/RIRB buffers come from the DMA API (snd_dma_alloc_pages()).
        public override int Probe(Device dev)
        {
            _dmesg.Info(DriverName, dev, "DMA API buffers allocated");
            return 0;
        }
    }
}
