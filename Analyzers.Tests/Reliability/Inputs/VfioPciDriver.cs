// A VFIO-style user-space owner (drivers/vfio/vfio.c, vfio_group_set_container()): it claims the whole group for
// user space with iommu_group_claim_dma_owner() and gives it back on release. The group's state is read only under
// the group mutex.
using System;
using System.Threading;
using Iommu;

namespace DriverPorts.Vfio
{
    public sealed class VfioContainer
    {
        private readonly object _stateLock = new object();

        [GuardedBy(nameof(_stateLock))]
        private int _groups;

        public int Groups
        {
            get
            {
                lock (_stateLock)
                {
                    return _groups;
                }
            }
        }

        public int AddGroup(IommuGroup group)
        {
            int ret = IommuCore.GroupSetDmaOwner(group, this);
            if (ret != 0)
            {
                return ret;
            }

            lock (_stateLock)
            {
                _groups++;
            }

            return 0;
        }

        public void RemoveGroup(IommuGroup group)
        {
            lock (_stateLock)
            {
                if (_groups == 0)
                {
                    return;
                }

                _groups--;
            }

            IommuCore.GroupReleaseDmaOwner(group);
        }
    }

    [SuppressAutoClaimDmaOwner]
    public sealed class VfioPciDriver : DeviceDriver
    {
        private readonly VfioContainer _container;
        private readonly IommuDomain _userDomain = new IommuDomain(IommuDomainType.Unmanaged);

        public VfioPciDriver(VfioContainer container)
        {
            _container = container;
        }

        public override int Probe(Device dev)
        {
            IommuGroup? group = dev.Group;
            if (group == null)
            {
                return -Errno.ENODEV;
            }

            int ret = _container.AddGroup(group);
            if (ret != 0)
            {
                goto out_err;
            }

            ret = IommuCore.AttachDeviceShared(_userDomain, dev);
            if (ret != 0)
            {
                goto out_release;
            }

            return 0;

        out_release:
            _container.RemoveGroup(group);
        out_err:
            return ret;
        }

        public override void Remove(Device dev)
        {
            IommuCore.DetachDeviceShared(_userDomain, dev);
            if (dev.Group != null)
            {
                _container.RemoveGroup(dev.Group);
            }
        }

        // vfio_group_viable(): every device in the group is bound to a driver that tolerates user ownership.
        public static bool Viable(IommuGroup group)
        {
            group.Mutex.Lock();
            try
            {
                foreach (Device device in group.Devices)
                {
                    switch (device.Driver)
                    {
                        case null:
                            continue;
                        case VfioPciDriver:
                            break;
                        default:
                            return false;
                    }
                }

                return group.OwnerCount == 0 || group.Owner != null;
            }
            finally
            {
                group.Mutex.Unlock();
            }
        }

        public static int WaitForRelease(IommuGroup group, TimeSpan timeout)
        {
            DateTime deadline = DateTime.UtcNow + timeout;
            while (true)
            {
                if (group.Mutex.TryLock())
                {
                    bool claimed;
                    try
                    {
                        claimed = group.Owner != null;
                    }
                    finally
                    {
                        group.Mutex.Unlock();
                    }

                    if (!claimed)
                    {
                        return 0;
                    }
                }

                if (DateTime.UtcNow > deadline)
                {
                    return -Errno.EBUSY;
                }

                Thread.Sleep(1);
            }
        }
    }
}
