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
    }
}
