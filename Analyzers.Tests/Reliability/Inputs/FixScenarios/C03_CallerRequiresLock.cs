// Fix class 3: a wrap placed where the lock is already held. Shape: a helper under `[RequiresLock("group.Mutex")]`
// reads the state of `dev.Group`, which is `group` at every call (the engine cannot know that).
// Original: IOMMU0100 in OwnedBy, 'dev.Group.Owner' read without holding 'dev.Group.Mutex'; IOMMU0110 (Info) on
// OwnedBy, whose one caller holds it (through its local alias of dev.Group).
// Right: "dev.Group.Mutex" added to the helper's [RequiresLock] (offered first), or the read spelled through the lock
// the contract holds (`group.Owner`). Wrong: `using (dev.Group.Mutex.Guard())` inside the helper: the caller holds
// that very mutex (LockRecursionException).
using System;
using Iommu;

namespace FixScenarios.C03CallerRequiresLock
{
    public static class Ownership
    {
        [RequiresLock("group.Mutex")]
        private static bool OwnedBy(IommuGroup group, Device dev, object owner) => dev.Group!.Owner == owner;

        public static bool IsOwner(Device dev, object owner)
        {
            IommuGroup? group = dev.Group;
            if (group == null)
            {
                return false;
            }

            using (group.Mutex.Guard())
            {
                return OwnedBy(group, dev, owner);
            }
        }
    }

    public static class Scenario
    {
        public static void Run()
        {
            var group = new IommuGroup(9301);
            var dev = new Device("c03-callers-lock", group);
            var vfio = new object();
            if (Ownership.IsOwner(dev, vfio) || Ownership.IsOwner(new Device("c03-no-iommu", null), vfio))
            {
                throw new InvalidOperationException("owned before the claim");
            }

            if (IommuCore.GroupSetDmaOwner(group, vfio) != 0 || !Ownership.IsOwner(dev, vfio))
            {
                throw new InvalidOperationException("the claim is not seen");
            }

            IommuCore.GroupReleaseDmaOwner(group);
        }
    }
}
