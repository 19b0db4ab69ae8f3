using System;
using System.Collections.Generic;
using System.Threading;
using Iommu;
using Xunit;

namespace IommuAnalyzers.Tests.Runtime
{
    /// <summary>The group's guarded state checks at run time that its lock is held (the runtime's lockdep).</summary>
    public class IommuGroupTests
    {
        public static IEnumerable<object[]> GuardedAccessors()
        {
            var domain = new IommuDomain(IommuDomainType.Unmanaged);
            yield return Accessor("get OwnerCount", g => _ = g.OwnerCount);
            yield return Accessor("set OwnerCount", g => g.OwnerCount = 5);
            yield return Accessor("get Owner", g => _ = g.Owner);
            yield return Accessor("set Owner", g => g.Owner = "someone");
            yield return Accessor("get Domain", g => _ = g.Domain);
            yield return Accessor("set Domain", g => g.Domain = domain);
            yield return Accessor("get DefaultDomain", g => _ = g.DefaultDomain);
            yield return Accessor("set DefaultDomain", g => g.DefaultDomain = domain);
            yield return Accessor("get BlockingDomain", g => _ = g.BlockingDomain);
            yield return Accessor("set BlockingDomain", g => g.BlockingDomain = domain);
            yield return Accessor("get Devices", g => _ = g.Devices);
        }

        [Theory]
        [MemberData(nameof(GuardedAccessors))]
        public void GuardedAccessor_WithoutTheLock_Throws_AndChangesNothing(string name, Action<IommuGroup> access)
        {
            var rig = new RuntimeRig();
            GroupState before = rig.State;
            Assert.Throws<SynchronizationLockException>(() => access(rig.Group));
            OwnershipInvariants.Unchanged(before, rig.Group, name);
            OwnershipInvariants.Check(rig.Group, name);
        }

        [Theory]
        [MemberData(nameof(GuardedAccessors))]
        public void GuardedAccessor_WhileAnotherThreadHoldsTheLock_Throws(string name, Action<IommuGroup> access)
        {
            var rig = new RuntimeRig();
            using (rig.Group.Mutex.Guard())
            {
                Exception? thrown = OtherThread.Catch(() => access(rig.Group));
                Assert.True(thrown is SynchronizationLockException, name + " did not throw SynchronizationLockException on the non-holding thread");
            }
        }

        [Theory]
        [MemberData(nameof(GuardedAccessors))]
        public void GuardedAccessor_WithTheLock_Works(string name, Action<IommuGroup> access)
        {
            var rig = new RuntimeRig();
            using (rig.Group.Mutex.Guard())
            {
                access(rig.Group);
            }

            Assert.False(rig.Group.Mutex.IsHeldByCurrentThread, name);
        }

        [Fact]
        public void GuardedSetters_StoreUnderTheLock()
        {
            var rig = new RuntimeRig();
            var domain = new IommuDomain(IommuDomainType.Identity);
            using (rig.Group.Mutex.Guard())
            {
                rig.Group.OwnerCount = 3;
                rig.Group.Owner = "x";
                rig.Group.Domain = domain;
                Assert.Equal(3, rig.Group.OwnerCount);
                Assert.Equal("x", rig.Group.Owner);
                Assert.Same(domain, rig.Group.Domain);
            }
        }

        [Fact]
        public void IdAndMutex_AreNotGuarded()
        {
            var group = new IommuGroup(42);
            Assert.Equal(42, group.Id);
            Assert.Same(group.Mutex, group.Mutex);
        }

        [Fact]
        public void Device_JoinsItsGroupUnderTheLock_AndCannotBeCreatedWhileTheCallerHoldsIt()
        {
            var group = new IommuGroup(7);
            var dev = new Device("gpu", group);
            Assert.Equal("gpu", dev.Name);
            Assert.Same(group, dev.Group);
            using (group.Mutex.Guard())
            {
                Assert.Same(dev, Assert.Single(group.Devices));

                // iommu_group_add_device() takes group->mutex itself.
                Assert.Throws<LockRecursionException>(() => new Device("audio", group));
            }

            var noIommu = new Device("legacy", null);
            Assert.Null(noIommu.Group);
        }

        [Fact]
        public void Api_CalledWhileHoldingTheGroupLock_ThrowsLockRecursion_AndChangesNothing()
        {
            // [ExcludesLock]: the API takes group->mutex itself.
            var rig = new RuntimeRig();
            using (rig.Group.Mutex.Guard())
            {
                Assert.Throws<LockRecursionException>(() => IommuCore.DeviceUseDmaApi(rig.Dev0));
                Assert.Throws<LockRecursionException>(() => IommuCore.GroupSetDmaOwner(rig.Group, "x"));
                Assert.Equal(0, rig.Group.OwnerCount);
                Assert.Null(rig.Group.Owner);
            }
        }

        [Fact]
        public void Domain_HasItsType()
        {
            Assert.Equal(IommuDomainType.Identity, new IommuDomain(IommuDomainType.Identity).Type);
            Assert.Equal(IommuDomainType.Unmanaged, new IommuDomain(IommuDomainType.Unmanaged).Type);
        }

        [Fact]
        public void FaultInjectionSeam_IsOffInTheShippedRuntime()
        {
            // RuntimeTestSeams is internal and only the Coyote tests switch it on; the runtime users get must not race.
            System.Reflection.FieldInfo? seam = typeof(IommuCore).Assembly.GetType("Iommu.RuntimeTestSeams")
                ?.GetField("SplitDmaApiClaim", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static);
            Assert.NotNull(seam);
            Assert.False((bool)seam!.GetValue(null)!);
        }

        private static object[] Accessor(string name, Action<IommuGroup> access) => new object[] { name, access };
    }
}
