using Iommu;

namespace DriverPorts.Buggy
{
    /// <summary>
    /// A vfio-platform port (drivers/vfio/platform/vfio_platform_common.c) with an AB/BA lock order inversion between
    /// the driver's open lock (<c>vdev-&gt;igate</c>) and the group mutex: open claims the group while holding the
    /// driver lock (the group mutex is taken inside it), but the status path holds the group mutex and then takes the
    /// driver lock. Two threads, one opening and one reading status, can deadlock. Not run by Program: a run that
    /// happens not to deadlock shows nothing, unless the runtime's LockDep check is on.
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
                    int ret = IommuCore.GroupSetDmaOwner(group, user); // BUG(IOMMU0108): takes the group mutex under the driver lock, and Status takes them the other way round
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

        // A status read: the group's owner count and the driver's open count, read together.
        [ExcludesLock(nameof(_lock))]
        public string Status(Device dev)
        {
            IommuGroup group = dev.Group!;
            using (group.Mutex.Guard())
            {
                using (_lock.Guard())
                {
                    return "owner_cnt " + group.OwnerCount + ", opened " + _openCount;
                }
            }
        }
    }
}
