using System;
using Iommu;

namespace PackageConsumer
{
    /// <summary>
    /// A host1x client (drivers/gpu/drm/tegra/gr2d.c) ported without <c>driver_managed_dma</c>: the package's analyzers
    /// report IOMMU0001 at build time, and the package's runtime WARNs and refuses the shared attach at run time.
    /// </summary>
    internal sealed class Gr2dClient : DeviceDriver
    {
        private readonly IommuDomain _domain;

        public Gr2dClient(IommuDomain domain)
        {
            _domain = domain;
        }

        public override int Probe(Device dev) => IommuCore.AttachDeviceShared(_domain, dev); // BUG(IOMMU0001): shared attach without [SuppressAutoClaimDmaOwner]

        public override void Remove(Device dev) => IommuCore.DetachDeviceShared(_domain, dev); // BUG(IOMMU0001): shared detach without [SuppressAutoClaimDmaOwner]
    }

    /// <summary>Binds the client through the driver core and checks that the runtime refused it as DESIGN.md says.</summary>
    public static class Program
    {
        public static int Main()
        {
            var group = new IommuGroup(1);
            var dev = new Device("gr2d", group);

            using WarningCapture warnings = OwnershipWarnings.Capture();
            int ret = DriverCore.Bind(dev, new Gr2dClient(new IommuDomain(IommuDomainType.Unmanaged)));
            Console.WriteLine("bind gr2d -> " + ret);
            foreach (OwnershipWarning warning in warnings.Warnings)
            {
                Console.WriteLine("WARN: " + warning);
            }

            bool unowned;
            using (group.Mutex.Guard())
            {
                unowned = group.OwnerCount == 0 && group.Owner == null && group.Domain == group.DefaultDomain;
            }

            // The auto-claim was undone after the failed probe, and exactly one WARN names the refused attach.
            bool asDesigned = ret == -Errno.EINVAL && unowned && warnings.Warnings.Count == 1 && warnings.Warnings[0].Function == nameof(IommuCore.AttachDeviceShared);
            Console.WriteLine(asDesigned ? "package runtime: as designed" : "package runtime: NOT as designed");
            return asDesigned ? 0 : 1;
        }
    }
}
