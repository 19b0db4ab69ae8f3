using System.Collections.Generic;
using Iommu;

namespace DriverPorts.Drivers
{
    /// <summary>
    /// The Tegra DRM device that the host1x clients hang off (drivers/gpu/drm/tegra/drm.c, <c>struct tegra_drm</c>):
    /// one IOMMU domain shared by all clients, and the list of registered clients.
    /// </summary>
    internal sealed class TegraDrm
    {
        private readonly Dmesg _dmesg;

        [GuardedBy(nameof(ClientsLock))]
        private readonly List<Device> _clients = new List<Device>();

        public TegraDrm(Dmesg dmesg)
        {
            _dmesg = dmesg;
        }

        /// <summary>tegra->domain: allocated once (<c>iommu_domain_alloc()</c> in <c>host1x_drm_probe()</c>), shared by every client.</summary>
        public IommuDomain Domain { get; } = new IommuDomain(IommuDomainType.Unmanaged);

        /// <summary>host1x->clients_lock.</summary>
        public KMutex ClientsLock { get; } = new KMutex();

        /// <summary>host1x_client_register(): adds a client; <c>-EBUSY</c> if the device is registered already.</summary>
        [MustCheck]
        [ExcludesLock(nameof(ClientsLock))]
        public int RegisterClient(string client, Device dev)
        {
            ClientsLock.Lock();
            if (_clients.Contains(dev))
            {
                ClientsLock.Unlock();
                return -Errno.EBUSY;
            }

            _clients.Add(dev);
            ClientsLock.Unlock();

            _dmesg.Info(client, dev, "host1x client registered, sharing " + Domain);
            return 0;
        }

        /// <summary>host1x_client_unregister().</summary>
        [ExcludesLock(nameof(ClientsLock))]
        public void UnregisterClient(Device dev)
        {
            using (ClientsLock.Guard())
            {
                _clients.Remove(dev);
            }
        }

        /// <summary>How many clients are registered, for the report.</summary>
        [ExcludesLock(nameof(ClientsLock))]
        public int ClientCount()
        {
            using (ClientsLock.Guard())
            {
                return _clients.Count;
            }
        }
    }

    // The three clients below are separate platform drivers in the kernel (dc.c, gr2d.c, gr3d.c). Each calls
    // host1x_client_iommu_attach() from its init, which in the ownership series became
    // iommu_attach_device_shared(tegra->domain, client->dev): the clients set driver_managed_dma because they share
    // one domain rather than each using the DMA API's default domain.

    /// <summary>The display controller (drivers/gpu/drm/tegra/dc.c, <c>tegra_dc_probe()</c> / <c>tegra_dc_init()</c>).</summary>
    [SuppressAutoClaimDmaOwner]
    internal sealed class TegraDcDriver : DeviceDriver
    {
        private const string DriverName = "tegra-dc";
        private readonly TegraDrm _drm;

        public TegraDcDriver(TegraDrm drm)
        {
            _drm = drm;
        }

        public override int Probe(Device dev)
        {
            int ret = IommuCore.AttachDeviceShared(_drm.Domain, dev);
            if (ret != 0)
            {
                return ret;
            }

            ret = _drm.RegisterClient(DriverName, dev);
            if (ret != 0)
            {
                goto detach;
            }

            return 0;

        detach:
            IommuCore.DetachDeviceShared(_drm.Domain, dev);
            return ret;
        }

        // tegra_dc_remove() → host1x_client_iommu_detach().
        public override void Remove(Device dev)
        {
            _drm.UnregisterClient(dev);
            IommuCore.DetachDeviceShared(_drm.Domain, dev);
        }
    }

    /// <summary>The 2D engine (drivers/gpu/drm/tegra/gr2d.c, <c>gr2d_probe()</c> / <c>gr2d_init()</c>).</summary>
    [SuppressAutoClaimDmaOwner]
    internal sealed class Gr2dDriver : DeviceDriver
    {
        private const string DriverName = "gr2d";
        private readonly TegraDrm _drm;

        public Gr2dDriver(TegraDrm drm)
        {
            _drm = drm;
        }

        public override int Probe(Device dev)
        {
            int ret = IommuCore.AttachDeviceShared(_drm.Domain, dev);
            if (ret != 0)
            {
                return ret;
            }

            ret = _drm.RegisterClient(DriverName, dev);
            if (ret != 0)
            {
                IommuCore.DetachDeviceShared(_drm.Domain, dev);
                return ret;
            }

            return 0;
        }

        // gr2d_remove() → host1x_client_iommu_detach().
        public override void Remove(Device dev)
        {
            _drm.UnregisterClient(dev);
            IommuCore.DetachDeviceShared(_drm.Domain, dev);
        }
    }

    /// <summary>The 3D engine (drivers/gpu/drm/tegra/gr3d.c, <c>gr3d_probe()</c> / <c>gr3d_init()</c>).</summary>
    [SuppressAutoClaimDmaOwner]
    internal sealed class Gr3dDriver : DeviceDriver
    {
        private const string DriverName = "gr3d";
        private readonly TegraDrm _drm;

        public Gr3dDriver(TegraDrm drm)
        {
            _drm = drm;
        }

        public override int Probe(Device dev)
        {
            int ret = IommuCore.AttachDeviceShared(_drm.Domain, dev);
            if (ret != 0)
            {
                return ret;
            }

            ret = _drm.RegisterClient(DriverName, dev);
            if (ret != 0)
            {
                IommuCore.DetachDeviceShared(_drm.Domain, dev);
                return ret;
            }

            return 0;
        }

        // gr3d_remove() → host1x_client_iommu_detach().
        public override void Remove(Device dev)
        {
            _drm.UnregisterClient(dev);
            IommuCore.DetachDeviceShared(_drm.Domain, dev);
        }
    }
}
