using Iommu;

namespace DriverPorts.Core
{
    /// <summary>
    /// The same iommu core functions as <see cref="IommuCorePort"/>, each with one classic locking bug of the kind that
    /// reached the kernel's mailing lists (and that sparse, smatch and lockdep exist to catch). They are compiled so the
    /// analyzers can show them, and never called: run, each would throw from <see cref="KMutex"/> or from the group's
    /// own lock check (LockRecursionException, SynchronizationLockException) or leave the group locked.
    /// </summary>
    internal static class IommuCorePortBugs
    {
        /// <summary>iommu_device_use_dma_api() with an error path that returns instead of jumping to the unlock label.</summary>
        [MustCheck]
        [ExcludesLock("dev.Group.Mutex")]
        public static int DeviceUseDmaApiLeaksLock(Device dev)
        {
            IommuGroup? group = dev.Group;

            if (group == null)
            {
                return 0;
            }

            group.Mutex.Lock();
            if (group.OwnerCount != 0 && (group.Domain != group.DefaultDomain || group.Owner != null))
            {
                return -Errno.EBUSY; // BUG(IOMMU0101): returns with group->mutex held; the error path must "goto out_unlock"
            }

            group.OwnerCount++;
            group.Mutex.Unlock();
            return 0;
        }

        /// <summary>
        /// iommu_detach_device_shared() that tells its caller whether it dropped the last user (to free the domain), but
        /// reads owner_cnt after the unlock.
        /// </summary>
        [ExcludesLock("dev.Group.Mutex")]
        public static bool DetachDeviceSharedReadsAfterUnlock(IommuDomain domain, Device dev)
        {
            IommuGroup? group = dev.Group;

            if (group == null)
            {
                return false;
            }

            group.Mutex.Lock();
            if (group.OwnerCount == 0 || !ReferenceEquals(group.Owner, domain))
            {
                group.Mutex.Unlock();
                return false;
            }

            IommuCorePort.ReleaseOwnerLocked(group);
            group.Mutex.Unlock();
            return group.OwnerCount == 0; // BUG(IOMMU0100): owner_cnt read after mutex_unlock(); another attach may have raced in
        }

        /// <summary>iommu_attach_device() whose -EBUSY path drops the mutex and then jumps to a label that drops it again.</summary>
        [MustCheck]
        [ExcludesLock("dev.Group.Mutex")]
        public static int AttachDeviceDoubleUnlock(IommuDomain domain, Device dev)
        {
            IommuGroup? group = dev.Group;
            int ret;

            if (group == null)
            {
                return -Errno.ENODEV;
            }

            group.Mutex.Lock();
            if (group.OwnerCount != 1 || group.Owner != null || group.Domain != group.DefaultDomain)
            {
                ret = -Errno.EBUSY;
                group.Mutex.Unlock();
                goto out_unlock;
            }

            group.Domain = domain;
            group.Mutex.Unlock();
            return 0;

        out_unlock:
            group.Mutex.Unlock(); // BUG(IOMMU0102): the only way here is the -EBUSY path, which already released group->mutex
            return ret;
        }

        /// <summary>
        /// iommu_group_set_dma_owner() with the switch to the blocking domain pasted from a helper that took the lock
        /// itself: it locks the mutex it already holds.
        /// </summary>
        [MustCheck]
        [ExcludesLock("group.Mutex")]
        public static int GroupSetDmaOwnerRelocks(IommuGroup group, object owner)
        {
            int ret = 0;

            group.Mutex.Lock();
            if (group.OwnerCount != 0)
            {
                ret = ReferenceEquals(group.Owner, owner) ? 0 : -Errno.EBUSY;
                if (ret == 0)
                {
                    group.OwnerCount++;
                }

                goto out_unlock;
            }

            if (group.Domain != group.DefaultDomain)
            {
                ret = -Errno.EBUSY;
                goto out_unlock;
            }

            group.Mutex.Lock(); // BUG(IOMMU0103): mutex_lock() of a mutex this path already holds; kernel mutexes are not recursive
            group.Domain = group.BlockingDomain;
            group.Owner = owner;
            group.OwnerCount = 1;

        out_unlock:
            group.Mutex.Unlock();
            return ret;
        }

        /// <summary>iommu_attach_device_shared() that asks the public API whether the group is claimed while holding its lock.</summary>
        [MustCheck]
        [ExcludesLock("dev.Group.Mutex")]
        public static int AttachDeviceSharedCallsCoreUnderLock(IommuDomain domain, Device dev)
        {
            IommuGroup? group = dev.Group;
            int ret = 0;

            if (group == null)
            {
                return -Errno.ENODEV;
            }

            group.Mutex.Lock();
            if (IommuCore.GroupDmaOwnerClaimed(group)) // BUG(IOMMU0103): iommu_group_dma_owner_claimed() takes group->mutex itself: self-deadlock
            {
                if (ReferenceEquals(group.Owner, domain))
                {
                    group.OwnerCount++;
                }
                else
                {
                    ret = -Errno.EBUSY;
                }

                goto out_unlock;
            }

            group.Domain = domain;
            group.Owner = domain;
            group.OwnerCount = 1;

        out_unlock:
            group.Mutex.Unlock();
            return ret;
        }

        /// <summary>
        /// iommu_group_release_dma_owner() split into a locked check and an unlocked act: the helper that requires the lock
        /// runs after it was dropped (a time-of-check to time-of-use race on owner_cnt).
        /// </summary>
        [ExcludesLock("group.Mutex")]
        public static void GroupReleaseDmaOwnerChecksThenActs(IommuGroup group)
        {
            group.Mutex.Lock();
            bool unowned = group.OwnerCount == 0 || group.Owner == null;
            group.Mutex.Unlock();

            if (unowned)
            {
                return;
            }

            IommuCorePort.ReleaseOwnerLocked(group); // BUG(IOMMU0104): __iommu_release_dma_ownership() needs group->mutex, dropped two lines up
        }
    }
}
