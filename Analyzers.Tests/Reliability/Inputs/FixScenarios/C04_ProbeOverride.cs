// Fix class 4: [RequiresLock] where it cannot hold. Shape: DeviceDriver.Probe, an override that DriverCore.Bind
// calls (a caller outside the compilation, holding the device lock but never the group's mutex).
// Original: IOMMU0100 in Probe, 'dev.Group.OwnerCount' read (through the local `group`) without holding
// 'dev.Group.Mutex'.
// Right: `using (group.Mutex.Guard()) { Users = group.OwnerCount; }`. Wrong: `[RequiresLock("dev.Group.Mutex")]` on
// Probe: no caller in the compilation to object, but DriverCore.Bind calls it without the mutex, and the group's
// guarded OwnerCount throws SynchronizationLockException.
using System;
using Iommu;

namespace FixScenarios.C04ProbeOverride
{
    public sealed class UsageDriver : DeviceDriver
    {
        public int Users { get; private set; } = -1;

        public override int Probe(Device dev)
        {
            IommuGroup? group = dev.Group;
            if (group == null)
            {
                return 0;
            }

            Users = group.OwnerCount;
            return 0;
        }
    }

    public static class Scenario
    {
        public static void Run()
        {
            var group = new IommuGroup(9401);
            var dev = new Device("c04-probe", group);
            var driver = new UsageDriver();
            if (DriverCore.Bind(dev, driver) != 0 || driver.Users != 1)
            {
                throw new InvalidOperationException("probe saw " + driver.Users + " users, expected its own auto-claim");
            }

            DriverCore.Unbind(dev);

            var bare = new Device("c04-probe-no-iommu", null);
            if (DriverCore.Bind(bare, new UsageDriver()) != 0)
            {
                throw new InvalidOperationException("probe without an IOMMU failed");
            }

            DriverCore.Unbind(bare);
        }
    }
}
