using Iommu;

namespace DriverPorts.Drivers
{
    /// <summary>
    /// The corrected twin of Buggy/VfioPlatformDriver.cs: one lock order everywhere, the driver's open lock
    /// (<c>vdev-&gt;igate</c>) before the group mutex, as vfio takes its own locks before the iommu core's. The status
    /// path reads the group through the ownership API while it holds the driver lock, instead of holding the group
    /// mutex around the driver lock.
    /// </summary>
    [SuppressAutoClaimDmaOwner]
    internal sealed class VfioPlatformDriver : DeviceDriver
    {
        // vdev->igate
        private readonly KMutex _lock = new KMutex();

        [GuardedBy(nameof(_lock))]
        private int _openCount;

        public override int Probe(Device dev) => dev.Group == null ? -Errno.EINVAL : 0;

        // vfio_platform_open_device(): the first open claims the group for user space.
        [ExcludesLock(nameof(_lock))]
        public int Open(Device dev, object user)
        {
            IommuGroup group = dev.Group!;
            using (_lock.Guard())
            {
                if (_openCount == 0)
                {
                    int ret = IommuCore.GroupSetDmaOwner(group, user);
                    if (ret != 0)
                    {
                        return ret;
                    }
                }

                _openCount++;
                return 0;
            }
        }

        // vfio_platform_close_device(): the last close gives the group back.
        [ExcludesLock(nameof(_lock))]
        public void Close(Device dev)
        {
            using (_lock.Guard())
            {
                if (_openCount == 0)
                {
                    return;
                }

                _openCount--;
                if (_openCount == 0)
                {
                    IommuCore.GroupReleaseDmaOwner(dev.Group!);
                }
            }
        }

        // A status read: the driver lock first, then the group (inside GroupDmaOwnerClaimed), the order Open uses.
        [ExcludesLock(nameof(_lock))]
        public string Status(Device dev)
        {
            using (_lock.Guard())
            {
                return "claimed " + IommuCore.GroupDmaOwnerClaimed(dev.Group!) + ", opened " + _openCount;
            }
        }
    }
}
