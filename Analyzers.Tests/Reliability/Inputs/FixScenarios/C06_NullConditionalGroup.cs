// Fix class 6: a lock placed before the code's own null check. Shape: `dev.Group?.Owner` for a device that may sit
// behind no IOMMU (Group null).
// Original: IOMMU0100 in OwnerOf, 'dev.Group.Owner' read without holding 'dev.Group.Mutex'.
// Right: the lock inside the null check: `IommuGroup? group = dev.Group; if (group == null) return null; using
// (group.Mutex.Guard()) { return group.Owner; }`. Wrong: `using (dev.Group.Mutex.Guard())` around the statement: it
// dereferences the group before `?.` tests it (CS8602 warning, NullReferenceException for a device without one).
using System;
using Iommu;

namespace FixScenarios.C06NullConditionalGroup
{
    public static class Inspect
    {
        public static object? OwnerOf(Device dev)
        {
            object? owner = dev.Group?.Owner;
            return owner;
        }
    }

    public static class Scenario
    {
        public static void Run()
        {
            var group = new IommuGroup(9601);
            var dev = new Device("c06-null-conditional", group);
            var user = new object();
            if (IommuCore.GroupSetDmaOwner(group, user) != 0)
            {
                throw new InvalidOperationException("claim failed");
            }

            bool seen = Inspect.OwnerOf(dev) == user;
            IommuCore.GroupReleaseDmaOwner(group);
            if (!seen)
            {
                throw new InvalidOperationException("the owner is not seen");
            }

            if (Inspect.OwnerOf(new Device("c06-no-iommu", null)) != null)
            {
                throw new InvalidOperationException("a device without an IOMMU has an owner");
            }
        }
    }
}
