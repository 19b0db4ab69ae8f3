// Ports written against the old DMA-owner multiplexor (iommu_device_set_dma_owner(dev, DMA_OWNER_*, owner)) and
// against the group device count (iommu_group_device_count()) that the ownership series stopped relying on.
using System;
using System.Threading;
using Iommu;

namespace DriverPorts.Legacy
{
    public static class Registry
    {
        public static readonly object Lock = new object();

        [GuardedBy("Registry.Lock")]
        public static int Registered;

        public static void Register()
        {
            lock (Lock)
            {
                Registered++;
            }
        }

        public static void Unregister()
        {
            Monitor.Enter(Lock);
            try
            {
                Registered--;
            }
            finally
            {
                Monitor.Exit(Lock);
            }
        }
    }

    public sealed class LegacyNetDriver : DeviceDriver
    {
        private readonly System.Threading.Lock _queues = new System.Threading.Lock();

        [GuardedBy(nameof(_queues))]
        private int _openQueues;

        public override int Probe(Device dev)
        {
            int ret = IommuCore.DeviceSetDmaOwner(dev, DmaOwner.DmaApi, null);
            if (ret != 0)
            {
                return ret;
            }

            lock (_queues)
            {
                _openQueues = 4;
            }

            Registry.Register();
            return 0;
        }

        public override void Remove(Device dev)
        {
            using (_queues.EnterScope())
            {
                _openQueues = 0;
            }

            Registry.Unregister();
            IommuCore.DeviceReleaseDmaOwner(dev, DmaOwner.DmaApi);
        }
    }

    [SuppressAutoClaimDmaOwner]
    public sealed class LegacyUserDriver : DeviceDriver
    {
        private readonly object _cookie = new object();

        public override int Probe(Device dev)
        {
            IommuGroup? group = dev.Group;
            if (group != null && IommuCore.GroupDeviceCount(group) > 1)
            {
                return -Errno.EBUSY;
            }

            return IommuCore.DeviceSetDmaOwner(dev, DmaOwner.User, _cookie);
        }

        public override void Remove(Device dev)
        {
            IommuCore.DeviceReleaseDmaOwner(dev, DmaOwner.User);
        }
    }

    public static class Diagnostics
    {
        public static string Describe(IommuGroup group)
        {
            group.Mutex.Lock();
            string text = "group " + group.Id + ": owners=" + group.OwnerCount + (group.Owner == null ? "" : " (claimed)");
            group.Mutex.Unlock();
            Func<int> late = () => IommuCore.GroupDeviceCount(group);
            return text + ", devices=" + late();
        }
    }
}
