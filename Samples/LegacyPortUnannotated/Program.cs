using System;
using System.Globalization;
using System.IO;
using System.Threading;
using Iommu;

namespace LegacyPortUnannotated
{
    /// <summary>
    /// Runs the port through one fixed scenario and prints its outcome: every line must read the same before and after
    /// the two `dotnet format analyzers` passes of .ci/legacy-port-unannotated.sh. The scenario is single-threaded but
    /// for the TX interrupts, each run on a thread of its own and joined before the next step, so the races the port
    /// has never change what it prints.
    /// </summary>
    public static class Program
    {
        public static int Main()
        {
            return Run(Console.Out);
        }

        public static int Run(TextWriter output)
        {
            var group = new IommuGroup(7);
            var eth0 = new Device("0000:03:00.0", group);
            var driver = new Rtl8139Driver();

            output.WriteLine("probe: " + Describe(DriverCore.Bind(eth0, driver)) + ", " + OwnerCount(group));
            TxRing ring = driver.Ring!;
            output.WriteLine("eth0: " + ring.Describe());
            output.WriteLine("open: " + Describe(ring.Open()));

            // Fill the four descriptors; the fifth frame finds the queue stopped.
            foreach (int len in new[] { 60, 1514, 42, 1000, 60 })
            {
                Xmit(output, ring, len);
            }

            Interrupt(output, ring, 2);
            Xmit(output, ring, 9000); // longer than the bounce buffer: start_xmit's error path
            Xmit(output, ring, 128);
            Stats(output, ring);
            output.WriteLine("ethtool: " + ring.EthtoolStats());

            ring.TxTimeout();
            output.WriteLine("watchdog: " + ring.TxTimeouts + " timeout(s)");
            Stats(output, ring);
            Interrupt(output, ring, 4);
            Xmit(output, ring, 60);
            Interrupt(output, ring, 4);

            output.WriteLine("close: " + ring.Stop());
            Interrupt(output, ring, 4);
            Xmit(output, ring, 60);
            Stats(output, ring);

            DriverCore.Unbind(eth0);
            output.WriteLine("remove: " + OwnerCount(group));
            return 0;
        }

        private static void Xmit(TextWriter output, TxRing ring, int len)
        {
            output.WriteLine("xmit " + len + ": " + Describe(ring.StartXmit(len)));
        }

        // The TX interrupt, on a thread of its own as it would come in; joined at once, so its lines stay in order.
        private static void Interrupt(TextWriter output, TxRing ring, int completed)
        {
            int reclaimed = 0;
            bool woken = false;
            var irq = new Thread(() => reclaimed = ring.TxInterrupt(completed, out woken));
            irq.Start();
            irq.Join();
            output.WriteLine("irq: " + reclaimed + " reclaimed" + (woken ? ", queue woken" : ""));
        }

        private static void Stats(TextWriter output, TxRing ring)
        {
            TxStats stats = ring.GetStats();
            output.WriteLine("stats: " + stats.Packets + " packets, " + stats.Bytes + " bytes, " + stats.Dropped + " dropped, " + stats.InFlight + " in flight");
        }

        private static string OwnerCount(IommuGroup group)
        {
            using (group.Mutex.Guard())
            {
                return "owner_cnt " + group.OwnerCount;
            }
        }

        private static string Describe(int ret) => ret switch
        {
            0 => "ok",
            -Errno.EBUSY => "-EBUSY",
            -Errno.EINVAL => "-EINVAL",
            -Errno.ENODEV => "-ENODEV",
            -Errno.EPERM => "-EPERM",
            _ => ret.ToString(CultureInfo.InvariantCulture),
        };
    }
}
