using System;
using System.IO;
using Iommu;

namespace LegacyPort
{
    /// <summary>
    /// Runs the legacy port and prints its outcome. Lines that start with "host1x:" report the one driver whose
    /// behaviour the refactor is meant to change (its shared attach starts to work); every other line must read the
    /// same before and after `dotnet format analyzers`.
    /// </summary>
    public static class Program
    {
        public static int Main()
        {
            return Run(Console.Out);
        }

        public static int Run(TextWriter output)
        {
            var displayDomain = new IommuDomain(IommuDomainType.Unmanaged);
            var gr2d = new Device("gr2d", new IommuGroup(1));
            var vfioDevice = new Device("0000:01:00.0", new IommuGroup(2));
            var dmaEngine = new Device("dma-engine", new IommuGroup(3));

            using WarningCapture warnings = OwnershipWarnings.Capture();

            int bound = DriverCore.Bind(gr2d, new Gr2dClient(displayDomain));
            output.WriteLine("host1x: gr2d bind " + Describe(bound));

            var container = new VfioContainer();
            output.WriteLine("vfio: attach " + Describe(container.Attach(vfioDevice)));
            output.WriteLine("vfio: " + State(vfioDevice.Group!));

            var engine = new PlatformDmaEngine();
            output.WriteLine("dma-engine: enable " + Describe(engine.Enable(dmaEngine)));
            output.WriteLine("dma-engine: " + State(dmaEngine.Group!));

            var stats = new RingStats();
            for (int ring = 1; ring <= 4; ring++)
            {
                stats.Add(ring * 64);
            }

            output.WriteLine("rings: " + stats.Packets + " packets");

            int ret = GroupQuery.OwnerCount(dmaEngine.Group!, out int count);
            output.WriteLine("query: " + Describe(ret) + ", owner_cnt " + count);

            engine.Disable(dmaEngine);
            container.Detach(vfioDevice);
            DriverCore.Unbind(gr2d);

            foreach (OwnershipWarning warning in warnings.Warnings)
            {
                output.WriteLine("host1x: WARN " + warning.Function);
            }

            foreach (Device dev in new[] { gr2d, vfioDevice, dmaEngine })
            {
                output.WriteLine("final " + dev.Name + ": " + State(dev.Group!));
            }

            return 0;
        }

        private static string Describe(int ret) => ret switch
        {
            0 => "ok",
            -Errno.EBUSY => "-EBUSY",
            -Errno.EINVAL => "-EINVAL",
            -Errno.ENODEV => "-ENODEV",
            -Errno.EPERM => "-EPERM",
            _ => ret.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };

        private static string State(IommuGroup group)
        {
            using (group.Mutex.Guard())
            {
                string domain = group.Domain == group.DefaultDomain ? "default" : group.Domain?.Type.ToString() ?? "none";
                return "owner_cnt " + group.OwnerCount + ", owner " + (group.Owner == null ? "none" : "set") + ", domain " + domain;
            }
        }
    }
}
