namespace Iommu
{
    /// <summary>The old ownership multiplexor's kinds (<c>enum iommu_dma_owner</c>), kept so that older ports compile.</summary>
    public enum DmaOwner
    {
        /// <summary>A kernel driver using the DMA API (<c>DMA_OWNER_DMA_API</c>).</summary>
        DmaApi,

        /// <summary>A driver with its own domain (<c>DMA_OWNER_PRIVATE_DOMAIN</c>).</summary>
        PrivateDomain,

        /// <summary>User space, as VFIO (<c>DMA_OWNER_PRIVATE_DOMAIN_USER</c>).</summary>
        User,
    }

    /// <summary>
    /// The iommu core's DMA-ownership API (drivers/iommu/iommu.c). Every function takes the group lock itself,
    /// so callers must not hold it; int results are 0 or a negative errno and must be checked. A protocol
    /// violation is reported as a WARN through <see cref="OwnershipWarnings"/> and changes nothing.
    /// </summary>
    public static class IommuCore
    {
        /// <summary>A kernel driver starts using the DMA API on the device's group (<c>iommu_device_use_dma_api()</c>).</summary>
        /// <returns>0; <c>-EBUSY</c> while the group is owned by someone else or sits outside its default domain.</returns>
        [MustCheck]
        [ExcludesLock("dev.Group.Mutex")]
        public static int DeviceUseDmaApi(Device dev)
        {
            if (dev == null)
            {
                return Refuse(nameof(DeviceUseDmaApi), "null device");
            }

            IommuGroup? group = dev.Group;
            if (group == null)
            {
                return 0;
            }

            if (RuntimeTestSeams.SplitDmaApiClaim)
            {
                return DeviceUseDmaApiSplit(group);
            }

            using (group.Mutex.Guard())
            {
                if (group.OwnerCount != 0 && (group.Domain != group.DefaultDomain || group.Owner != null))
                {
                    return -Errno.EBUSY;
                }

                group.OwnerCount++;
                return 0;
            }
        }

        // The deliberately broken twin of DeviceUseDmaApi, reachable only through RuntimeTestSeams: the check and
        // the owner_cnt++ run in two critical sections, so a claim can slip in between them. The concurrency
        // tests switch it on to prove that they catch such a race.
        [ExcludesLock("group.Mutex")]
        private static int DeviceUseDmaApiSplit(IommuGroup group)
        {
            bool busy;
            using (group.Mutex.Guard())
            {
                busy = group.OwnerCount != 0 && (group.Domain != group.DefaultDomain || group.Owner != null);
            }

            if (busy)
            {
                return -Errno.EBUSY;
            }

            using (group.Mutex.Guard())
            {
                group.OwnerCount++;
                return 0;
            }
        }

        /// <summary>A kernel driver stops using the DMA API (<c>iommu_device_unuse_dma_api()</c>).</summary>
        [ExcludesLock("dev.Group.Mutex")]
        public static void DeviceUnuseDmaApi(Device dev)
        {
            if (dev == null)
            {
                Refuse(nameof(DeviceUnuseDmaApi), "null device");
                return;
            }

            IommuGroup? group = dev.Group;
            if (group == null)
            {
                return;
            }

            using (group.Mutex.Guard())
            {
                if (group.OwnerCount == 0 || group.Owner != null)
                {
                    Refuse(nameof(DeviceUnuseDmaApi), "group " + group.Id + " has no DMA-API user to release (owner_cnt " + group.OwnerCount + ", owner " + Describe(group.Owner) + ")");
                    return;
                }

                group.OwnerCount--;
            }
        }

        /// <summary>Claims DMA ownership of the whole group for <paramref name="owner"/> (<c>iommu_group_set_dma_owner()</c>).</summary>
        /// <returns>0; <c>-EINVAL</c> for a null owner; <c>-EBUSY</c> while another owner or a DMA-API user holds the group.</returns>
        [MustCheck]
        [ExcludesLock("group.Mutex")]
        public static int GroupSetDmaOwner(IommuGroup group, object owner)
        {
            if (group == null)
            {
                return Refuse(nameof(GroupSetDmaOwner), "null group");
            }

            if (owner == null)
            {
                return -Errno.EINVAL;
            }

            using (group.Mutex.Guard())
            {
                if (group.OwnerCount != 0)
                {
                    if (!ReferenceEquals(group.Owner, owner))
                    {
                        return -Errno.EBUSY;
                    }

                    // A re-claim by the same owner counts; each release gives one back.
                    group.OwnerCount++;
                    return 0;
                }

                if (group.Domain != group.DefaultDomain)
                {
                    return -Errno.EBUSY;
                }

                group.Domain = group.BlockingDomain;
                group.Owner = owner;
                group.OwnerCount = 1;
                return 0;
            }
        }

        /// <summary>Gives back one claim of the group's DMA ownership (<c>iommu_group_release_dma_owner()</c>).</summary>
        [ExcludesLock("group.Mutex")]
        public static void GroupReleaseDmaOwner(IommuGroup group)
        {
            if (group == null)
            {
                Refuse(nameof(GroupReleaseDmaOwner), "null group");
                return;
            }

            using (group.Mutex.Guard())
            {
                if (group.OwnerCount == 0 || group.Owner == null)
                {
                    Refuse(nameof(GroupReleaseDmaOwner), "group " + group.Id + " has no explicit owner to release (owner_cnt " + group.OwnerCount + ")");
                    return;
                }

                ReleaseOwnerLocked(group);
            }
        }

        /// <summary>Whether anybody owns DMA on the group (<c>iommu_group_dma_owner_claimed()</c>).</summary>
        [ExcludesLock("group.Mutex")]
        public static bool GroupDmaOwnerClaimed(IommuGroup group)
        {
            if (group == null)
            {
                Refuse(nameof(GroupDmaOwnerClaimed), "null group");
                return false;
            }

            using (group.Mutex.Guard())
            {
                return group.OwnerCount != 0;
            }
        }

        /// <summary>
        /// Attaches the device's group to a driver's private domain (<c>iommu_attach_device()</c>). Allowed only when the
        /// caller's own auto-claim is the group's single DMA-API user and the group is in its default domain.
        /// </summary>
        /// <returns>0; <c>-ENODEV</c> without an IOMMU group; <c>-EBUSY</c> when other users share the group.</returns>
        [MustCheck]
        [ExcludesLock("dev.Group.Mutex")]
        public static int AttachDevice(IommuDomain domain, Device dev)
        {
            if (domain == null || dev == null)
            {
                return Refuse(nameof(AttachDevice), "null domain or device");
            }

            IommuGroup? group = dev.Group;
            if (group == null)
            {
                return -Errno.ENODEV;
            }

            if (DriverCore.SuppressesAutoClaim(dev.Driver))
            {
                return Refuse(nameof(AttachDevice), "driver of " + dev.Name + " suppresses auto-claim; it must use AttachDeviceShared");
            }

            using (group.Mutex.Guard())
            {
                // The review thread's rule: owner_cnt == 1 with no explicit owner is the caller's own auto-claim.
                if (group.OwnerCount != 1 || group.Owner != null || group.Domain != group.DefaultDomain)
                {
                    return -Errno.EBUSY;
                }

                group.Domain = domain;
                return 0;
            }
        }

        /// <summary>
        /// Returns the device's group to its default domain (<c>iommu_detach_device()</c>). WARNs and changes nothing
        /// when the group is in another domain or has an owner.
        /// </summary>
        [ExcludesLock("dev.Group.Mutex")]
        public static void DetachDevice(IommuDomain domain, Device dev)
        {
            if (domain == null || dev == null)
            {
                Refuse(nameof(DetachDevice), "null domain or device");
                return;
            }

            IommuGroup? group = dev.Group;
            if (group == null)
            {
                return;
            }

            using (group.Mutex.Guard())
            {
                if (group.Domain != domain)
                {
                    Refuse(nameof(DetachDevice), "group " + group.Id + " is not attached to " + domain);
                    return;
                }

                // A shared or user owner holds the group: an exclusive detach must not reset the domain it set up.
                if (group.Owner != null)
                {
                    Refuse(nameof(DetachDevice), "group " + group.Id + " is owned by " + Describe(group.Owner) + "; exclusive detach refused");
                    return;
                }

                group.Domain = group.DefaultDomain;
            }
        }

        /// <summary>
        /// Attaches the device's group to a domain shared by several drivers, counting each attach
        /// (<c>iommu_attach_device_shared()</c>). Only for drivers that suppress auto-claim.
        /// </summary>
        /// <returns>0; <c>-ENODEV</c> without an IOMMU group; <c>-EBUSY</c> when the group is owned otherwise.</returns>
        [MustCheck]
        [ExcludesLock("dev.Group.Mutex")]
        public static int AttachDeviceShared(IommuDomain domain, Device dev)
        {
            if (domain == null || dev == null)
            {
                return Refuse(nameof(AttachDeviceShared), "null domain or device");
            }

            IommuGroup? group = dev.Group;
            if (group == null)
            {
                return -Errno.ENODEV;
            }

            if (!DriverCore.SuppressesAutoClaim(dev.Driver))
            {
                return Refuse(nameof(AttachDeviceShared), "driver of " + dev.Name + " does not suppress auto-claim ([SuppressAutoClaimDmaOwner])");
            }

            using (group.Mutex.Guard())
            {
                if (group.OwnerCount == 0)
                {
                    if (group.Domain != group.DefaultDomain)
                    {
                        return -Errno.EBUSY;
                    }

                    group.Domain = domain;
                    group.Owner = domain;
                    group.OwnerCount = 1;
                    return 0;
                }

                if (!ReferenceEquals(group.Owner, domain))
                {
                    return -Errno.EBUSY;
                }

                group.OwnerCount++;
                return 0;
            }
        }

        /// <summary>Gives back one shared attach (<c>iommu_detach_device_shared()</c>); the last one returns the group to its default domain.</summary>
        [ExcludesLock("dev.Group.Mutex")]
        public static void DetachDeviceShared(IommuDomain domain, Device dev)
        {
            if (domain == null || dev == null)
            {
                Refuse(nameof(DetachDeviceShared), "null domain or device");
                return;
            }

            IommuGroup? group = dev.Group;
            if (group == null)
            {
                return;
            }

            using (group.Mutex.Guard())
            {
                if (group.OwnerCount == 0 || !ReferenceEquals(group.Owner, domain))
                {
                    Refuse(nameof(DetachDeviceShared), "group " + group.Id + " is not shared-attached to " + domain);
                    return;
                }

                ReleaseOwnerLocked(group);
            }
        }

        /// <summary>The number of devices in the group (<c>iommu_group_device_count()</c>); ownership decisions must not rely on it.</summary>
        [MustCheck]
        [ExcludesLock("group.Mutex")]
        public static int GroupDeviceCount(IommuGroup group)
        {
            if (group == null)
            {
                return Refuse(nameof(GroupDeviceCount), "null group");
            }

            using (group.Mutex.Guard())
            {
                return group.Devices.Count;
            }
        }

        /// <summary>The old multiplexor (<c>iommu_device_set_dma_owner()</c>); prefer the specific functions.</summary>
        [MustCheck]
        [ExcludesLock("dev.Group.Mutex")]
        public static int DeviceSetDmaOwner(Device dev, DmaOwner kind, object? owner)
        {
            if (dev == null)
            {
                return Refuse(nameof(DeviceSetDmaOwner), "null device");
            }

            switch (kind)
            {
                case DmaOwner.DmaApi:
                    return DeviceUseDmaApi(dev);
                case DmaOwner.PrivateDomain:
                case DmaOwner.User:
                    IommuGroup? group = dev.Group;
                    if (group == null)
                    {
                        return 0;
                    }

                    object? claimant = owner ?? dev.Driver;
                    return claimant == null ? -Errno.EINVAL : GroupSetDmaOwner(group, claimant);
                default:
                    return Refuse(nameof(DeviceSetDmaOwner), "unknown owner kind " + (int)kind);
            }
        }

        /// <summary>The old multiplexor's release (<c>iommu_device_release_dma_owner()</c>).</summary>
        [ExcludesLock("dev.Group.Mutex")]
        public static void DeviceReleaseDmaOwner(Device dev, DmaOwner kind)
        {
            if (dev == null)
            {
                Refuse(nameof(DeviceReleaseDmaOwner), "null device");
                return;
            }

            switch (kind)
            {
                case DmaOwner.DmaApi:
                    DeviceUnuseDmaApi(dev);
                    return;
                case DmaOwner.PrivateDomain:
                case DmaOwner.User:
                    IommuGroup? group = dev.Group;
                    if (group != null)
                    {
                        GroupReleaseDmaOwner(group);
                    }

                    return;
                default:
                    Refuse(nameof(DeviceReleaseDmaOwner), "unknown owner kind " + (int)kind);
                    return;
            }
        }

        // owner_cnt--, and the last release returns the group to its default domain.
        [RequiresLock("group.Mutex")]
        private static void ReleaseOwnerLocked(IommuGroup group)
        {
            group.OwnerCount--;
            if (group.OwnerCount == 0)
            {
                group.Owner = null;
                group.Domain = group.DefaultDomain;
            }
        }

        private static int Refuse(string function, string message)
        {
            OwnershipWarnings.Warn(function, message);
            return -Errno.EINVAL;
        }

        private static string Describe(object? owner) => owner == null ? "none" : owner.ToString() ?? owner.GetType().Name;
    }
}
