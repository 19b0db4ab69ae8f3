using Iommu;

namespace LegacyPortUnannotated
{
    /// <summary>
    /// rtl8139_init_one() / rtl8139_remove_one(): a DMA-API driver, so the driver core claims its group for the DMA API
    /// on bind. The TX ring is what the port is about.
    /// </summary>
    internal sealed class Rtl8139Driver : DeviceDriver
    {
        private const int TxFifoThresh = 256; // TX_FIFO_THRESH

        public TxRing? Ring { get; private set; }

        public override int Probe(Device dev)
        {
            Ring = new TxRing(TxFifoThresh);
            return 0;
        }

        public override void Remove(Device dev)
        {
            Ring = null;
        }
    }
}
