using System.Collections.Generic;
using Iommu;

namespace DriverPorts.Drivers
{
    /// <summary>
    /// A plain NIC driver that only uses the DMA API (drivers/net/ethernet/intel/e1000e/netdev.c). It does nothing about
    /// IOMMU ownership: the driver core's auto-claim in <c>really_probe()</c> (<c>iommu_device_use_dma_api()</c>) covers
    /// it, and works the same for a device behind no IOMMU.
    /// </summary>
    internal sealed class E1000eDriver : DeviceDriver
    {
        private const string DriverName = "e1000e";
        private const int RingSize = 256;

        private readonly Dmesg _dmesg;

        // adapter->stats64_lock
        private readonly KMutex _statsLock = new KMutex();

        // The rings each bound port has mapped (dma_alloc_coherent() of the descriptor rings), in descriptors.
        [GuardedBy(nameof(_statsLock))]
        private readonly Dictionary<Device, int> _ringDescriptors = new Dictionary<Device, int>();

        [GuardedBy(nameof(_statsLock))]
        private long _rxPackets;

        public E1000eDriver(Dmesg dmesg)
        {
            _dmesg = dmesg;
        }

        // e1000_probe(): set the DMA mask, allocate rings through the DMA API, register the netdev.
        [ExcludesLock(nameof(_statsLock))]
        public override int Probe(Device dev)
        {
            using (_statsLock.Guard())
            {
                _ringDescriptors[dev] = 2 * RingSize;   // one TX and one RX ring
            }

            _dmesg.Info(DriverName, dev, dev.Group == null ? "DMA API, no IOMMU (direct mapping)" : "DMA API through iommu group " + dev.Group.Id);
            return 0;
        }

        // e1000_remove(): free the rings; the driver core then gives back the auto-claim.
        [ExcludesLock(nameof(_statsLock))]
        public override void Remove(Device dev)
        {
            using (_statsLock.Guard())
            {
                _ringDescriptors.Remove(dev);
            }
        }

        /// <summary>e1000_clean_rx_irq(): count received packets.</summary>
        [ExcludesLock(nameof(_statsLock))]
        public void ReceiveInterrupt(int packets)
        {
            _statsLock.Lock();
            AccountRxLocked(packets);
            _statsLock.Unlock();
        }

        /// <summary>e1000e_get_stats64().</summary>
        [ExcludesLock(nameof(_statsLock))]
        public long RxPackets()
        {
            using (_statsLock.Guard())
            {
                return _rxPackets;
            }
        }

        // e1000e_update_stats(): lockdep_assert_held(&adapter->stats64_lock).
        [RequiresLock(nameof(_statsLock))]
        private void AccountRxLocked(int packets)
        {
            _rxPackets += packets;
        }
    }
}
