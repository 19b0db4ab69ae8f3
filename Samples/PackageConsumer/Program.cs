using System;
using Iommu;

namespace PackageConsumer
{
    // A display engine client that shares the host1x domain with its siblings but forgot to say that it manages
    // DMA ownership itself: IommuAnalyzers reports IOMMU0001 on the shared attach, and at run time the driver
    // core's auto-claim makes the attach fail.
    internal sealed class DisplayClient : DeviceDriver
    {
        private readonly IommuDomain _shared;

        public DisplayClient(IommuDomain shared)
        {
            _shared = shared;
        }

        public override int Probe(Device dev) => IommuCore.AttachDeviceShared(_shared, dev);

        public override void Remove(Device dev) => IommuCore.DetachDeviceShared(_shared, dev);
    }

    // The same client done right.
    [SuppressAutoClaimDmaOwner]
    internal sealed class CameraClient : DeviceDriver
    {
        private readonly IommuDomain _shared;

        public CameraClient(IommuDomain shared)
        {
            _shared = shared;
        }

        public override int Probe(Device dev) => IommuCore.AttachDeviceShared(_shared, dev);

        public override void Remove(Device dev) => IommuCore.DetachDeviceShared(_shared, dev);
    }

    internal static class Program
    {
        private static int Main()
        {
            var shared = new IommuDomain(IommuDomainType.Unmanaged);
            var display = new Device("display", new IommuGroup(1));
            var camera = new Device("camera", new IommuGroup(2));

            using (WarningCapture warnings = OwnershipWarnings.Capture())
            {
                int displayResult = DriverCore.Bind(display, new DisplayClient(shared));
                int cameraResult = DriverCore.Bind(camera, new CameraClient(shared));
                Console.WriteLine("display bind: " + displayResult);
                Console.WriteLine("camera bind: " + cameraResult);
                foreach (OwnershipWarning warning in warnings.Warnings)
                {
                    Console.WriteLine("WARN " + warning);
                }

                DriverCore.Unbind(camera);
                DriverCore.Unbind(display);
                return cameraResult == 0 && displayResult != 0 ? 0 : 1;
            }
        }
    }
}
