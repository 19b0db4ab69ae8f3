// A port that never imports the runtime's namespace and spells every name out, inside a block namespace with its own
// usings: a fix that needs the namespace must add it without breaking the rest.
namespace DriverPorts.Qualified
{
    using System.Collections.Generic;

    /// <summary>A camera interface that shares the video domain.</summary>
    public sealed class CameraInterface : Iommu.DeviceDriver
    {
        private static readonly List<string> s_probed = new List<string>();
        private readonly Iommu.IommuDomain _video;

        public CameraInterface(Iommu.IommuDomain video)
        {
            _video = video;
        }

        public override int Probe(Iommu.Device dev)
        {
            int err = Iommu.IommuCore.AttachDeviceShared(_video, dev);
            if (err != 0)
            {
                return err;
            }

            lock (s_probed)
            {
                s_probed.Add(dev.Name);
            }

            return 0;
        }

        public override void Remove(Iommu.Device dev)
        {
            Iommu.IommuCore.DetachDeviceShared(_video, dev);
        }
    }

    /// <summary>Its sibling, done right.</summary>
    [Iommu.SuppressAutoClaimDmaOwner]
    public sealed class IspInterface : Iommu.DeviceDriver
    {
        private readonly Iommu.IommuDomain _video = new Iommu.IommuDomain(Iommu.IommuDomainType.Unmanaged);

        public override int Probe(Iommu.Device dev) => Iommu.IommuCore.AttachDeviceShared(_video, dev);

        public override void Remove(Iommu.Device dev) => Iommu.IommuCore.DetachDeviceShared(_video, dev);
    }
}
