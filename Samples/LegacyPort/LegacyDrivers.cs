using Iommu;

namespace LegacyPort
{
    // A host1x client (drivers/gpu/host1x) as ported before the series: it shares the display domain with its
    // siblings but was written when the driver core did not claim groups, so it never says that it manages DMA
    // ownership itself. The driver core's auto-claim then makes its shared attach fail.
    internal sealed class Gr2dClient : DeviceDriver
    {
        private readonly IommuDomain _shared;

        public Gr2dClient(IommuDomain shared)
        {
            _shared = shared;
        }

        public override int Probe(Device dev)
        {
            return IommuCore.AttachDeviceShared(_shared, dev);
        }

        public override void Remove(Device dev)
        {
            IommuCore.DetachDeviceShared(_shared, dev);
        }
    }

    // vfio_group_set_container() before the series: user ownership went through the DmaOwner multiplexor.
    internal sealed class VfioContainer
    {
        private readonly object _cookie = new object();

        public int Attach(Device dev)
        {
            int ret = IommuCore.DeviceSetDmaOwner(dev, DmaOwner.User, _cookie);
            return ret;
        }

        public void Detach(Device dev)
        {
            IommuCore.DeviceReleaseDmaOwner(dev, DmaOwner.User);
        }
    }

    // A platform DMA engine that enables the DMA API by hand for a device it drives without binding a driver,
    // and forgets to look at the result.
    internal sealed class PlatformDmaEngine
    {
        public int Enable(Device dev)
        {
            IommuCore.DeviceUseDmaApi(dev);
            return 0;
        }

        public void Disable(Device dev)
        {
            IommuCore.DeviceUnuseDmaApi(dev);
        }
    }

    // Per-ring packet counters, annotated but updated without the lock in one place.
    internal sealed class RingStats
    {
        private readonly object _lock = new object();

        [GuardedBy(nameof(_lock))]
        private int _packets;

        public void Add(int packets)
        {
            _packets += packets;
        }

        public int Packets
        {
            get
            {
                lock (_lock)
                {
                    return _packets;
                }
            }
        }
    }

    // A kernel-style query ported with explicit lock/unlock; the early return forgets the unlock.
    internal static class GroupQuery
    {
        [MustCheck]
        public static int OwnerCount(IommuGroup group, out int count)
        {
            group.Mutex.Lock();
            if (group.Owner != null)
            {
                count = -1;
                return -Errno.EBUSY;
            }

            count = group.OwnerCount;
            group.Mutex.Unlock();
            return 0;
        }
    }
}
