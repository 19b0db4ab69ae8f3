using Iommu;

namespace IommuAnalyzers.Runtime.ConcurrencyTests
{
    /// <summary>A kernel driver on the DMA API: DriverCore auto-claims for it.</summary>
    internal sealed class KernelDriver : DeviceDriver
    {
        public override int Probe(Device dev) => 0;
    }

    /// <summary>A GPU driver: the auto-claim, then an exclusive attach of its private domain; remove detaches.</summary>
    internal sealed class GpuDriver : DeviceDriver
    {
        private readonly IommuDomain _private = new IommuDomain(IommuDomainType.Unmanaged);

        public override int Probe(Device dev) => IommuCore.AttachDevice(_private, dev);

        public override void Remove(Device dev) => IommuCore.DetachDevice(_private, dev);
    }

    /// <summary>A host1x-style client sharing one domain with its siblings; manages ownership itself.</summary>
    [SuppressAutoClaimDmaOwner]
    internal sealed class SharedClientDriver : DeviceDriver
    {
        private readonly IommuDomain _shared;

        public SharedClientDriver(IommuDomain shared)
        {
            _shared = shared;
        }

        public override int Probe(Device dev) => IommuCore.AttachDeviceShared(_shared, dev);

        public override void Remove(Device dev) => IommuCore.DetachDeviceShared(_shared, dev);
    }

    /// <summary>A user-space owner's cookie (a VFIO container).</summary>
    internal sealed class UserCookie
    {
        public override string ToString() => "vfio-container";
    }
}
