using System;
using System.Linq;
using System.Threading.Tasks;
using IommuAnalyzers.Tests.Runtime;
using Iommu;
using Microsoft.Coyote.SystematicTesting;

namespace IommuAnalyzers.Runtime.ConcurrencyTests
{
    /// <summary>
    /// The scenarios, 2-4 concurrent actors on one group each. Marked [Test] so that a failing schedule can also be
    /// replayed with the coyote tool (`coyote replay`); Program runs them through the TestingEngine.
    /// </summary>
    public static class Scenarios
    {
        /// <summary>Two kernel drivers binding and unbinding while a VFIO user claims and releases the group.</summary>
        [Test]
        public static Task DriversVersusVfioOwner() =>
            new World(devices: 2).Driver(0, () => new KernelDriver()).Driver(1, () => new KernelDriver()).VfioOwner().RunAsync();

        /// <summary>Two drivers racing to bind the same device (device_lock, -EBUSY) while a VFIO user claims.</summary>
        [Test]
        public static Task SameDeviceBindRace() =>
            new World(devices: 1).Driver(0, () => new KernelDriver()).Driver(0, () => new KernelDriver()).VfioOwner().RunAsync();

        /// <summary>Three host1x-style clients sharing a domain while a kernel driver wants the DMA API.</summary>
        [Test]
        public static Task SharedClientsVersusKernelDriver()
        {
            var world = new World(devices: 4);
            return world.Driver(0, () => new SharedClientDriver(world.SharedDomain), sharedClient: true)
                .Driver(1, () => new SharedClientDriver(world.SharedDomain), sharedClient: true)
                .Driver(2, () => new SharedClientDriver(world.SharedDomain), sharedClient: true)
                .Driver(3, () => new KernelDriver())
                .RunAsync();
        }

        /// <summary>A GPU driver's exclusive attach racing a second kernel driver and a VFIO user.</summary>
        [Test]
        public static Task ExclusiveAttachVersusOthers() =>
            new World(devices: 2).Driver(0, () => new GpuDriver()).Driver(1, () => new KernelDriver()).VfioOwner().RunAsync();

        /// <summary>One actor of every kind: kernel driver, shared client, GPU driver, VFIO user.</summary>
        [Test]
        public static Task EveryKindOfOwner()
        {
            var world = new World(devices: 3);
            return world.Driver(0, () => new KernelDriver())
                .Driver(1, () => new SharedClientDriver(world.SharedDomain), sharedClient: true)
                .Driver(2, () => new GpuDriver())
                .VfioOwner()
                .RunAsync();
        }

        /// <summary>
        /// DriversVersusVfioOwner against a runtime whose DeviceUseDmaApi drops the group lock between its check and
        /// owner_cnt++ (RuntimeTestSeams). Coyote must find the schedule where the user's claim slips in between.
        /// </summary>
        [Test]
        public static async Task BrokenSplitClaim()
        {
            RuntimeTestSeams.SplitDmaApiClaim = true;
            try
            {
                await DriversVersusVfioOwner();
            }
            finally
            {
                RuntimeTestSeams.SplitDmaApiClaim = false;
            }
        }

        /// <summary>
        /// Lockdep from runs that do not deadlock: one actor nests A then B, the other B then A, each inside a plain
        /// monitor that lockdep does not see, so no schedule deadlocks, whichever runs first. Every schedule must
        /// report the inversion exactly once.
        /// </summary>
        [Test]
        public static async Task LockDepReportsAbbaWithoutDeadlock()
        {
            (KMutex a, KMutex b) = FreshClasses("abba");
            object turn = new object();
            using WarningCapture capture = OwnershipWarnings.Capture();
            Task first = Task.Run(() =>
            {
                lock (turn)
                {
                    Nest(a, b);
                }
            });
            Task second = Task.Run(() =>
            {
                lock (turn)
                {
                    Nest(b, a);
                }
            });
            await first;
            await second;
            int reports = LockDepReports(capture);
            if (reports != 1)
            {
                throw new InvariantViolationException($"an AB/BA inversion must be reported once, was reported {reports} time(s)");
            }
        }

        /// <summary>The twin: three actors that all take A before B (one of them each alone) never report.</summary>
        [Test]
        public static async Task LockDepQuietOnAConsistentOrder()
        {
            (KMutex a, KMutex b) = FreshClasses("ordered");
            using WarningCapture capture = OwnershipWarnings.Capture();
            Task[] actors =
            {
                Task.Run(() => Nest(a, b)),
                Task.Run(() => Nest(a, b)),
                Task.Run(() =>
                {
                    Nest(b);
                    Nest(a);
                }),
            };
            foreach (Task actor in actors)
            {
                await actor;
            }
            int reports = LockDepReports(capture);
            if (reports != 0)
            {
                throw new InvariantViolationException($"a consistent lock order was reported {reports} time(s): {capture.Warnings[0].Message}");
            }
        }

        /// <summary>
        /// The harness itself: a WARN raised on a controlled task must reach the capture of the test body, or the
        /// "no WARN" check of every scenario would be vacuous under Coyote.
        /// </summary>
        [Test]
        public static async Task WarnsReachTheCapture()
        {
            var group = new IommuGroup(2);
            var dev = new Device("dev", group);
            using WarningCapture capture = OwnershipWarnings.Capture();
            await Task.Run(() => IommuCore.DeviceUnuseDmaApi(dev));
            if (capture.Warnings.Count != 1)
            {
                throw new InvariantViolationException($"expected 1 WARN from a controlled task, captured {capture.Warnings.Count}");
            }
        }

        // The lock graph is process-wide and outlives an iteration: each iteration needs classes of its own, or only
        // the first schedule would record anything.
        private static int s_iteration;

        private static (KMutex A, KMutex B) FreshClasses(string scenario)
        {
            string id = System.Threading.Interlocked.Increment(ref s_iteration).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return (new KMutex(lockClass: scenario + ".A#" + id), new KMutex(lockClass: scenario + ".B#" + id));
        }

        private static void Nest(params KMutex[] mutexes)
        {
            foreach (KMutex m in mutexes)
            {
                m.Lock();
            }

            for (int i = mutexes.Length - 1; i >= 0; i--)
            {
                mutexes[i].Unlock();
            }
        }

        private static int LockDepReports(WarningCapture capture) =>
            capture.Warnings.Count(w => w.Message.StartsWith("possible circular locking dependency", StringComparison.Ordinal));
    }
}
