using System.Collections.Generic;
using DriverPorts.Drivers;
using Iommu;

namespace DriverPorts.Buggy
{
    /// <summary>
    /// vfio-fsl-mc (drivers/vfio/fsl-mc/vfio_fsl_mc.c), which hands NXP Management Complex containers (DPRCs) to user
    /// space, ported from before the series: the patch that set <c>driver_managed_dma</c> on every VFIO driver is
    /// missing here. The driver core therefore claims the container's group for the DMA API when vfio-fsl-mc binds, and
    /// holds that claim until after remove; the claim a user's open makes (<c>iommu_group_claim_dma_owner()</c>) meets it
    /// and fails with <c>-EBUSY</c>, every time. No WARN: to the iommu core this is an ordinary busy group. Program runs
    /// it to show that; <see cref="VfioPciDriver"/> is the same code done right.
    /// </summary>
    internal sealed class VfioFslMcDriver : DeviceDriver
    {
        private const string DriverName = "vfio-fsl-mc";

        private readonly Dmesg _dmesg;

        // Who has each bound container open; one entry per successful open. Program drives this port from one thread.
        private readonly Dictionary<Device, List<VfioUser>> _openers = new Dictionary<Device, List<VfioUser>>();

        public VfioFslMcDriver(Dmesg dmesg)
        {
            _dmesg = dmesg;
        }

        // vfio_fsl_mc_probe(): registers the container with VFIO; no DMA ownership yet.
        public override int Probe(Device dev)
        {
            if (dev.Group == null)
            {
                _dmesg.Info(DriverName, dev, "no iommu_group found, refusing the device");
                return -Errno.EINVAL;
            }

            _openers[dev] = new List<VfioUser>();
            _dmesg.Info(DriverName, dev, "registered with iommu group " + dev.Group.Id);
            return 0;
        }

        // vfio_fsl_mc_remove(): a user that still has the container open loses it.
        public override void Remove(Device dev)
        {
            IommuGroup? group = dev.Group;
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

        /// <summary>A user opens the container: claims DMA ownership of its whole group for the user.</summary>
        [MustCheck]
        public int Open(Device dev, VfioUser user)
        {
            IommuGroup? group = dev.Group;
            if (group == null || !_openers.TryGetValue(dev, out List<VfioUser>? users))
            {
                return -Errno.ENODEV;
            }

            int ret = IommuCore.GroupSetDmaOwner(group, user); // BUG(IOMMU0008): the class lacks [SuppressAutoClaimDmaOwner], so the driver core's own auto-claim holds the group and this is always -EBUSY
            if (ret != 0)
            {
                _dmesg.Info(DriverName, dev, "iommu_group_claim_dma_owner() for " + user + " failed: " + Errnos.Name(ret));
                return ret;
            }

            users.Add(user);
            return 0;
        }

        /// <summary>The user closes the container: gives back one claim on the group.</summary>
        [MustCheck]
        public int Close(Device dev, VfioUser user)
        {
            IommuGroup? group = dev.Group;
            if (group == null || !_openers.TryGetValue(dev, out List<VfioUser>? users) || !users.Remove(user))
            {
                return -Errno.EINVAL;
            }

            IommuCore.GroupReleaseDmaOwner(group);
            return 0;
        }
    }
}
