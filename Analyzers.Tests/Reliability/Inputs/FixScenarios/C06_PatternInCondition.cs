// Fix class 6: a lock placed before the code's own null check. Shape: `if (dev.Group is { } g && g.OwnerCount > 0)`,
// the lock's owner bound by the pattern in the very condition that reads the guarded state.
// Original: IOMMU0100 in InUse, 'dev.Group.OwnerCount' read (through the pattern variable `g`, which the engine
// follows as an alias of dev.Group) without holding 'dev.Group.Mutex'.
// Right: the lock inside the pattern's scope: `if (dev.Group is { } g) { using (g.Mutex.Guard()) { if (g.OwnerCount >
// 0) return true; } } return false;`. Wrong: `using (g.Mutex.Guard())` around the `if` (CS0103: g is declared
// inside it), or `using (dev.Group.Mutex.Guard())` there (NullReferenceException for a device without a group).
using System;
using Iommu;

namespace FixScenarios.C06PatternInCondition
{
    public static class Inspect
    {
        public static bool InUse(Device dev)
        {
            if (dev.Group is { } g && g.OwnerCount > 0)
            {
                return true;
            }

            return false;
        }
    }

    public static class Scenario
    {
        public static void Run()
        {
            var group = new IommuGroup(9602);
            var dev = new Device("c06-pattern", group);
            if (Inspect.InUse(dev))
            {
                throw new InvalidOperationException("a fresh group is in use");
            }

            if (IommuCore.DeviceUseDmaApi(dev) != 0)
            {
                throw new InvalidOperationException("DMA API use refused");
            }

            bool inUse = Inspect.InUse(dev);
            IommuCore.DeviceUnuseDmaApi(dev);
            if (!inUse || Inspect.InUse(new Device("c06-pattern-no-iommu", null)))
            {
                throw new InvalidOperationException("InUse is wrong");
            }
        }
    }
}
