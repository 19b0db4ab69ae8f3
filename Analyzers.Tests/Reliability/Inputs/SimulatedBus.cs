// A simulated PCI bus that hot-plugs devices and binds drivers to them (drivers/base/bus.c, bus_probe_device()),
// with a kernel-style device list under its own mutex.
using System.Collections.Generic;
using System.Threading.Tasks;
using Iommu;

namespace DriverPorts.Bus
{
    public sealed class SimulatedBus
    {
        private readonly KMutex _lock = new KMutex();

        [GuardedBy(nameof(_lock))]
        private readonly List<Device> _devices = new List<Device>();

        [GuardedBy(nameof(_lock))]
        private readonly Dictionary<Device, DeviceDriver> _bound = new Dictionary<Device, DeviceDriver>();

        public Device HotPlug(string name, IommuGroup? group)
        {
            var dev = new Device(name, group);
            _lock.Lock();
            _devices.Add(dev);
            _lock.Unlock();
            return dev;
        }

        public int ProbeAll(DeviceDriver driver)
        {
            List<Device> snapshot;
            using (_lock.Guard())
            {
                snapshot = new List<Device>(_devices);
            }

            int failures = 0;
            foreach (Device dev in snapshot)
            {
                int ret = DriverCore.Bind(dev, driver);
                if (ret != 0)
                {
                    failures++;
                    continue;
                }

                using (_lock.Guard())
                {
                    _bound[dev] = driver;
                }
            }

            return failures;
        }

        public Task UnplugAllAsync()
        {
            return Task.Run(() =>
            {
                List<Device> bound;
                using (_lock.Guard())
                {
                    bound = new List<Device>(_bound.Keys);
                    _bound.Clear();
                }

                foreach (Device dev in bound)
                {
                    DriverCore.Unbind(dev);
                }
            });
        }

        [RequiresLock("_lock")]
        private int CountUnbound()
        {
            int n = 0;
            foreach (Device dev in _devices)
            {
                if (!_bound.ContainsKey(dev))
                {
                    n++;
                }
            }

            return n;
        }

        public int Unbound()
        {
            using (_lock.Guard())
            {
                return CountUnbound();
            }
        }

        [NoLockAnalysis]
        public int UnsafeCount() => _devices.Count;
    }

    [SuppressAutoClaimDmaOwner]
    public sealed class NullDriver : DeviceDriver
    {
        public override int Probe(Device dev) => 0;
    }
}
