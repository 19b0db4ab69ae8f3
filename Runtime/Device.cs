namespace Iommu
{
    /// <summary>A device on a bus (<c>struct device</c>), a member of at most one IOMMU group.</summary>
    public sealed class Device
    {
        /// <summary>Creates a device and adds it to <paramref name="group"/> (<c>iommu_group_add_device()</c>).</summary>
        /// <param name="name">The device name, as in <c>dev_name()</c>.</param>
        /// <param name="group">The device's IOMMU group, or <see langword="null"/> for a device behind no IOMMU.</param>
        public Device(string name, IommuGroup? group)
        {
            Name = name;
            Group = group;
            if (group != null)
            {
                using (group.Mutex.Guard())
                {
                    group.Devices.Add(this);
                }
            }
        }

        /// <summary>The device name.</summary>
        public string Name { get; }

        /// <summary>The device's IOMMU group; <see langword="null"/> means no IOMMU.</summary>
        public IommuGroup? Group { get; }

        /// <summary>The bound driver (<c>dev->driver</c>); set and cleared by <see cref="DriverCore"/>.</summary>
        public DeviceDriver? Driver { get; internal set; }

        // device_lock(): serialises binding and unbinding of this device. A lock class like any other, so a driver that
        // calls into DriverCore while holding its own lock, and takes that lock in Probe/Remove, is reported.
        internal KMutex DeviceLock { get; } = new KMutex(lockClass: "Device.DeviceLock");

        /// <inheritdoc/>
        public override string ToString() => Name;
    }

    /// <summary>A driver (<c>struct device_driver</c>); mark it <see cref="SuppressAutoClaimDmaOwnerAttribute"/> to manage DMA ownership itself.</summary>
    public abstract class DeviceDriver
    {
        /// <summary>Binds to a device (<c>probe()</c>); returns 0 or a negative errno.</summary>
        public abstract int Probe(Device dev);

        /// <summary>Unbinds from a device (<c>remove()</c>).</summary>
        public virtual void Remove(Device dev)
        {
        }
    }
}
