// Tegra host1x clients (drivers/gpu/host1x, drivers/gpu/drm/tegra): the display controller, the 2D engine and the
// video image compositor share one IOMMU domain, so each attaches with the shared call and manages DMA ownership
// itself. The VIC port below forgot the driver flag: IOMMU0001 reports it.
using System.Collections.Generic;
using Iommu;

namespace DriverPorts.Host1x
{
    /// <summary>The domain all host1x clients share (host1x->domain).</summary>
    public sealed class Host1xDomain
    {
        public KMutex Lock { get; } = new KMutex();

        [GuardedBy(nameof(Lock))]
        public int Clients { get; set; }

        public IommuDomain Domain { get; } = new IommuDomain(IommuDomainType.Unmanaged);

        [RequiresLock("Lock")]
        public void Account(int delta)
        {
            Clients += delta;
        }
    }

    [SuppressAutoClaimDmaOwner]
    public abstract class Host1xClientDriver : DeviceDriver
    {
        protected Host1xClientDriver(Host1xDomain host)
        {
            Host = host;
        }

        protected Host1xDomain Host { get; }

        // host1x_client_iommu_attach()
        protected int AttachToHost(Device dev)
        {
            int err = IommuCore.AttachDeviceShared(Host.Domain, dev);
            if (err != 0)
            {
                return err;
            }

            using (Host.Lock.Guard())
            {
                Host.Account(+1);
            }

            return 0;
        }

        // host1x_client_iommu_detach()
        protected void DetachFromHost(Device dev)
        {
            Host.Lock.Lock();
            try
            {
                Host.Account(-1);
            }
            finally
            {
                Host.Lock.Unlock();
            }

            IommuCore.DetachDeviceShared(Host.Domain, dev);
        }
    }

    public sealed class DisplayController : Host1xClientDriver
    {
        private readonly Dictionary<string, int> _heads = new Dictionary<string, int>();

        public DisplayController(Host1xDomain host)
            : base(host)
        {
        }

        public override int Probe(Device dev)
        {
            int err = AttachToHost(dev);
            if (err != 0)
            {
                return err;
            }

            _heads[dev.Name] = _heads.Count;
            return 0;
        }

        public override void Remove(Device dev)
        {
            _heads.Remove(dev.Name);
            DetachFromHost(dev);
        }
    }

    [SuppressAutoClaimDmaOwner]
    public sealed partial class Gr2D : DeviceDriver
    {
        private readonly Host1xDomain _host;

        public Gr2D(Host1xDomain host)
        {
            _host = host;
        }

        public override int Probe(Device dev) => IommuCore.AttachDeviceShared(_host.Domain, dev);
    }

    public sealed partial class Gr2D
    {
        public override void Remove(Device dev) => IommuCore.DetachDeviceShared(_host.Domain, dev);
    }

    // The video image compositor, ported without the driver flag.
    public sealed class Vic : DeviceDriver
    {
        private readonly Host1xDomain _host;
        private bool _booted;

        public Vic(Host1xDomain host)
        {
            _host = host;
        }

        public override int Probe(Device dev)
        {
            int err = IommuCore.AttachDeviceShared(_host.Domain, dev);
            if (err != 0)
            {
                return err;
            }

            _booted = true;
            return 0;
        }

        public override void Remove(Device dev)
        {
            if (_booted)
            {
                IommuCore.DetachDeviceShared(_host.Domain, dev);
                _booted = false;
            }
        }
    }
}
