// A platform master behind an Arm SMMU that takes its group's DMA for a private unmanaged domain (the exclusive
// iommu_attach_device() of drivers/gpu/drm/msm before the ownership series): it relies on the driver core's
// auto-claim making it the only DMA-API user of the group.
using System.Collections.Generic;
using Iommu;

namespace DriverPorts.Smmu
{
    public sealed class StreamTable
    {
        public KMutex Mutex { get; } = new KMutex();

        [GuardedBy(nameof(Mutex))]
        public Dictionary<int, IommuDomain> Entries { get; } = new Dictionary<int, IommuDomain>();

        [GuardedBy(nameof(Mutex))]
        public int Generation { get; set; }

        [AcquiresLock("Mutex")]
        public void Begin()
        {
            Mutex.Lock();
        }

        [ReleasesLock("Mutex")]
        public void Commit()
        {
            Generation++;
            Mutex.Unlock();
        }

        [RequiresLock("Mutex")]
        public void Install(int sid, IommuDomain domain)
        {
            Entries[sid] = domain;
        }

        [ExcludesLock("Mutex")]
        public int Count()
        {
            using var held = Mutex.Guard();
            return Entries.Count;
        }
    }

    public sealed class MsmGpuDriver : DeviceDriver
    {
        private readonly StreamTable _table;
        private readonly IommuDomain _private = new IommuDomain(IommuDomainType.Unmanaged);
        private readonly int[] _sids;

        public MsmGpuDriver(StreamTable table, params int[] sids)
        {
            _table = table;
            _sids = sids;
        }

        public override int Probe(Device dev)
        {
            int ret = IommuCore.AttachDevice(_private, dev);
            if (ret != 0)
            {
                return ret;
            }

            _table.Begin();
            for (int i = 0; i < _sids.Length; i++)
            {
                if (_sids[i] < 0)
                {
                    continue;
                }

                _table.Install(_sids[i], _private);
            }

            _table.Commit();
            return 0;
        }

        public override void Remove(Device dev)
        {
            _table.Begin();
            foreach (int sid in _sids)
            {
                _table.Entries.Remove(sid);
            }

            _table.Commit();
            IommuCore.DetachDevice(_private, dev);
        }

        // arm_smmu_domain_finalise(): decides from the group how the context bank is shared.
        public static bool SoleUser(Device dev)
        {
            IommuGroup? group = dev.Group;
            if (group == null)
            {
                return true;
            }

            using (group.Mutex.Guard())
            {
                return group.OwnerCount == 1 && group.Owner == null && group.Domain == group.DefaultDomain;
            }
        }
    }

    public static class SmmuProbe
    {
        public static int BindAll(IReadOnlyList<Device> devices, DeviceDriver driver)
        {
            int bound = 0;
            foreach (Device dev in devices)
            {
                int ret = DriverCore.Bind(dev, driver);
                switch (ret)
                {
                    case 0:
                        bound++;
                        break;
                    case -Errno.EBUSY:
                        continue;
                    default:
                        return ret;
                }
            }

            return bound;
        }
    }
}
