using System.Collections.Generic;
using Iommu;

namespace DriverPorts.Drivers
{
    /// <summary>
    /// The user-space cookie that owns a group while a VFIO user has it open: in the kernel the container's or
    /// iommufd's <c>struct file *</c> handed to <c>iommu_group_claim_dma_owner()</c>.
    /// </summary>
    internal sealed class VfioUser
    {
        public VfioUser(string name)
        {
            Name = name;
        }

        public string Name { get; }

        public override string ToString() => "user " + Name;
    }

    /// <summary>
    /// vfio-pci (drivers/vfio/pci/vfio_pci.c with the group code of drivers/vfio/group.c). The driver hands whole devices
    /// to user space, so it sets <c>driver_managed_dma</c>: the driver core must not claim the group for the kernel's DMA
    /// API at probe. Ownership is taken when a user opens the device (<c>vfio_group_set_container()</c> →
    /// <c>iommu_group_claim_dma_owner(group, filep)</c>) and given back on close
    /// (<c>vfio_group_detach_container()</c> → <c>iommu_group_release_dma_owner()</c>).
    /// </summary>
    [SuppressAutoClaimDmaOwner]
    internal sealed class VfioPciDriver : DeviceDriver
    {
        private const string DriverName = "vfio-pci";

        private readonly Dmesg _dmesg;

        // group->group_lock: serialises open and close against remove. Taken before the iommu group's mutex, never
        // inside it, which is the kernel's lock order too.
        private readonly KMutex _lock = new KMutex();

        // Who has each bound device open; one entry per successful open (each one holds a claim on the group).
        [GuardedBy(nameof(_lock))]
        private readonly Dictionary<Device, List<VfioUser>> _openers = new Dictionary<Device, List<VfioUser>>();

        public VfioPciDriver(Dmesg dmesg)
        {
            _dmesg = dmesg;
        }

        // vfio_pci_probe() → vfio_pci_core_register_device(): only registers the device; no DMA ownership yet.
        [ExcludesLock(nameof(_lock))]
        public override int Probe(Device dev)
        {
            if (dev.Group == null)
            {
                // vfio_group_find_or_alloc(): no IOMMU group and no noiommu mode means the device cannot be isolated.
                _dmesg.Info(DriverName, dev, "no iommu_group found, refusing the device");
                return -Errno.EINVAL;
            }

            using (_lock.Guard())
            {
                _openers[dev] = new List<VfioUser>();
            }

            _dmesg.Info(DriverName, dev, "registered with iommu group " + dev.Group.Id);
            return 0;
        }

        // vfio_pci_remove() → vfio_unregister_group_dev(): a user that still has the device open loses it, and each of
        // its claims on the group is given back, so the group returns to its default domain.
        [ExcludesLock(nameof(_lock))]
        public override void Remove(Device dev)
        {
            IommuGroup? group = dev.Group;
            using (_lock.Guard())
            {
                if (group == null || !_openers.TryGetValue(dev, out List<VfioUser>? users))
                {
                    return;
                }

                foreach (VfioUser user in users)
                {
                    _dmesg.Info(DriverName, dev, "removed while open by " + user + ", revoking");
                    IommuCore.GroupReleaseDmaOwner(group);
                }

                _openers.Remove(dev);
            }
        }

        /// <summary>
        /// A user opens the device (<c>VFIO_GROUP_SET_CONTAINER</c> + <c>VFIO_GROUP_GET_DEVICE_FD</c>): claims DMA ownership
        /// of the whole group for the user. Fails with <c>-EBUSY</c> while a kernel driver uses the DMA API on any device
        /// of the group, or while another user owns it.
        /// </summary>
        [MustCheck]
        [ExcludesLock(nameof(_lock))]
        public int Open(Device dev, VfioUser user)
        {
            IommuGroup? group = dev.Group;
            if (group == null)
            {
                return -Errno.ENODEV;
            }

            using (_lock.Guard())
            {
                if (!_openers.TryGetValue(dev, out List<VfioUser>? users))
                {
                    // Not bound to vfio-pci.
                    return -Errno.ENODEV;
                }

                int ret = IommuCore.GroupSetDmaOwner(group, user);
                if (ret != 0)
                {
                    _dmesg.Info(DriverName, dev, "iommu_group_claim_dma_owner() for " + user + " failed: " + Errnos.Name(ret));
                    return ret;
                }

                users.Add(user);
                return 0;
            }
        }

        /// <summary>The user closes the device (<c>vfio_group_detach_container()</c>): gives back one claim on the group.</summary>
        [MustCheck]
        [ExcludesLock(nameof(_lock))]
        public int Close(Device dev, VfioUser user)
        {
            IommuGroup? group = dev.Group;
            if (group == null)
            {
                return -Errno.ENODEV;
            }

            using (_lock.Guard())
            {
                if (!_openers.TryGetValue(dev, out List<VfioUser>? users) || !users.Remove(user))
                {
                    // Closing what this user never opened: refuse instead of dropping someone else's claim.
                    return -Errno.EINVAL;
                }

                IommuCore.GroupReleaseDmaOwner(group);
                return 0;
            }
        }
    }
}
