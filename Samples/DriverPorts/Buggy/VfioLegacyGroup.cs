using Iommu;

namespace DriverPorts.Buggy
{
    /// <summary>
    /// VFIO's group code as the first version of the ownership series wrote it (drivers/vfio/vfio.c,
    /// <c>vfio_group_set_container()</c> / <c>__vfio_group_unset_container()</c>), through the
    /// <c>iommu_device_set_dma_owner(dev, DMA_OWNER_USER, file)</c> multiplexor that later versions split into
    /// <c>iommu_group_set_dma_owner()</c> and its release. Not a driver: the container code that VFIO drivers share.
    /// Not run by Program (its behaviour is that of <see cref="Drivers.VfioPciDriver"/>).
    /// </summary>
    internal sealed class VfioLegacyGroup
    {
        private readonly Device _dev;

        public VfioLegacyGroup(Device dev)
        {
            _dev = dev;
        }

        /// <summary>VFIO_GROUP_SET_CONTAINER: the container's file becomes the group's owner.</summary>
        [MustCheck]
        public int SetContainer(object containerFile)
        {
            int ret = IommuCore.DeviceSetDmaOwner(_dev, DmaOwner.User, containerFile); // BUG(IOMMU0003): the old multiplexor; use GroupSetDmaOwner(dev.Group, owner)
            if (ret != 0)
            {
                return ret;
            }

            return 0;
        }

        /// <summary>VFIO_GROUP_UNSET_CONTAINER.</summary>
        public void UnsetContainer()
        {
            IommuCore.DeviceReleaseDmaOwner(_dev, DmaOwner.User); // BUG(IOMMU0003): the old multiplexor; use GroupReleaseDmaOwner(dev.Group)
        }
    }
}
