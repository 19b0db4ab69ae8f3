using Iommu;

namespace DriverPorts.Core
{
    /// <summary>
    /// The lock-handling functions of the iommu core's DMA-ownership series (drivers/iommu/iommu.c), ported the way the
    /// kernel writes them: explicit <c>mutex_lock(&amp;group-&gt;mutex)</c> / <c>mutex_unlock()</c> and one
    /// <c>out_unlock:</c> label that every error path jumps to. They have the semantics of <see cref="IommuCore"/>
    /// (DESIGN.md section 3), so a run can compare them step by step; a WARN_ON here returns <c>-EINVAL</c> (or returns
    /// early from a void function) and changes nothing, as the runtime's WARNs do, without reporting it.
    /// </summary>
    internal static class IommuCorePort
    {
        /// <summary>iommu_device_use_dma_api(): a kernel driver starts using the group through the DMA API.</summary>
        [MustCheck]
        [ExcludesLock("dev.Group.Mutex")]
        public static int DeviceUseDmaApi(Device dev)
        {
            IommuGroup? group = dev.Group;
            int ret = 0;

            if (group == null)
            {
                return 0;
            }

            group.Mutex.Lock();
            if (group.OwnerCount != 0 && (group.Domain != group.DefaultDomain || group.Owner != null))
            {
                ret = -Errno.EBUSY;
                goto out_unlock;
            }

            group.OwnerCount++;

        out_unlock:
            group.Mutex.Unlock();
            return ret;
        }

        /// <summary>iommu_device_unuse_dma_api().</summary>
        [ExcludesLock("dev.Group.Mutex")]
        public static void DeviceUnuseDmaApi(Device dev)
        {
            IommuGroup? group = dev.Group;

            if (group == null)
            {
                return;
            }

            group.Mutex.Lock();
            // WARN_ON(!group->owner_cnt || group->owner)
            if (group.OwnerCount == 0 || group.Owner != null)
            {
                goto out_unlock;
            }

            group.OwnerCount--;

        out_unlock:
            group.Mutex.Unlock();
        }

        /// <summary>iommu_group_set_dma_owner(): user space (or a driver on its behalf) claims the whole group.</summary>
        [MustCheck]
        [ExcludesLock("group.Mutex")]
        public static int GroupSetDmaOwner(IommuGroup group, object owner)
        {
            int ret = 0;

            if (owner == null)
            {
                return -Errno.EINVAL;
            }

            LockGroup(group);
            if (group.OwnerCount != 0)
            {
                // A re-claim by the same owner counts; anybody else finds the group busy.
                if (ReferenceEquals(group.Owner, owner))
                {
                    group.OwnerCount++;
                }
                else
                {
                    ret = -Errno.EBUSY;
                }

                goto out_unlock;
            }

            // The group must be in its default domain: nobody may have attached it elsewhere meanwhile.
            if (group.Domain != group.DefaultDomain)
            {
                ret = -Errno.EBUSY;
                goto out_unlock;
            }

            group.Domain = group.BlockingDomain;
            group.Owner = owner;
            group.OwnerCount = 1;

        out_unlock:
            UnlockGroup(group);
            return ret;
        }

        /// <summary>iommu_group_release_dma_owner().</summary>
        [ExcludesLock("group.Mutex")]
        public static void GroupReleaseDmaOwner(IommuGroup group)
        {
            LockGroup(group);
            // WARN_ON(!group->owner_cnt || !group->owner)
            if (group.OwnerCount == 0 || group.Owner == null)
            {
                goto out_unlock;
            }

            ReleaseOwnerLocked(group);

        out_unlock:
            UnlockGroup(group);
        }

        /// <summary>iommu_attach_device() as the review thread proposed it: only the caller's own auto-claim may be there.</summary>
        [MustCheck]
        [ExcludesLock("dev.Group.Mutex")]
        public static int AttachDevice(IommuDomain domain, Device dev)
        {
            IommuGroup? group = dev.Group;
            int ret = 0;

            if (group == null)
            {
                return -Errno.ENODEV;
            }

            // WARN_ON(dev->driver->driver_managed_dma): such a driver must use the shared variant.
            if (DriverManagesDma(dev))
            {
                return -Errno.EINVAL;
            }

            group.Mutex.Lock();
            if (group.OwnerCount != 1 || group.Owner != null || group.Domain != group.DefaultDomain)
            {
                ret = -Errno.EBUSY;
                goto out_unlock;
            }

            group.Domain = domain;

        out_unlock:
            group.Mutex.Unlock();
            return ret;
        }

        /// <summary>iommu_detach_device().</summary>
        [ExcludesLock("dev.Group.Mutex")]
        public static void DetachDevice(IommuDomain domain, Device dev)
        {
            IommuGroup? group = dev.Group;

            if (group == null)
            {
                return;
            }

            group.Mutex.Lock();
            // WARN_ON(domain != group->domain || group->owner): a shared or user owner keeps its domain
            if (group.Domain != domain || group.Owner != null)
            {
                goto out_unlock;
            }

            group.Domain = group.DefaultDomain;

        out_unlock:
            group.Mutex.Unlock();
        }

        /// <summary>iommu_attach_device_shared() (v4 of the series): counted attach of a domain several drivers share.</summary>
        [MustCheck]
        [ExcludesLock("dev.Group.Mutex")]
        public static int AttachDeviceShared(IommuDomain domain, Device dev)
        {
            IommuGroup? group = dev.Group;
            int ret = 0;

            if (group == null)
            {
                return -Errno.ENODEV;
            }

            // WARN_ON(!dev->driver->driver_managed_dma)
            if (!DriverManagesDma(dev))
            {
                return -Errno.EINVAL;
            }

            group.Mutex.Lock();
            if (group.OwnerCount != 0)
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

            if (group.Domain != group.DefaultDomain)
            {
                ret = -Errno.EBUSY;
                goto out_unlock;
            }

            group.Domain = domain;
            group.Owner = domain;
            group.OwnerCount = 1;

        out_unlock:
            group.Mutex.Unlock();
            return ret;
        }

        /// <summary>iommu_detach_device_shared(): the last detach returns the group to its default domain.</summary>
        [ExcludesLock("dev.Group.Mutex")]
        public static void DetachDeviceShared(IommuDomain domain, Device dev)
        {
            IommuGroup? group = dev.Group;

            if (group == null)
            {
                return;
            }

            group.Mutex.Lock();
            // WARN_ON(!group->owner_cnt || group->owner != domain)
            if (group.OwnerCount == 0 || !ReferenceEquals(group.Owner, domain))
            {
                goto out_unlock;
            }

            ReleaseOwnerLocked(group);

        out_unlock:
            group.Mutex.Unlock();
        }

        // __iommu_release_dma_ownership(): owner_cnt--, and the last one out restores the default domain.
        [RequiresLock("group.Mutex")]
        internal static void ReleaseOwnerLocked(IommuGroup group)
        {
            group.OwnerCount--;
            if (group.OwnerCount == 0)
            {
                group.Owner = null;
                group.Domain = group.DefaultDomain;
            }
        }

        // mutex_lock(&group->mutex) behind a helper, annotated as sparse's __acquires() would annotate it.
        [AcquiresLock("group.Mutex")]
        internal static void LockGroup(IommuGroup group)
        {
            group.Mutex.Lock();
        }

        // mutex_unlock(&group->mutex), the __releases() half.
        [ReleasesLock("group.Mutex")]
        internal static void UnlockGroup(IommuGroup group)
        {
            group.Mutex.Unlock();
        }

        // dev->driver && dev->driver->driver_managed_dma
        private static bool DriverManagesDma(Device dev)
        {
            DeviceDriver? driver = dev.Driver;
            return driver != null && driver.GetType().IsDefined(typeof(SuppressAutoClaimDmaOwnerAttribute), inherit: true);
        }
    }
}
