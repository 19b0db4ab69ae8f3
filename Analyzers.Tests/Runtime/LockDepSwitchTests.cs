using System.Threading;
using Iommu;
using Xunit;

namespace IommuAnalyzers.Tests.Runtime
{
    /// <summary>Tests that switch the process-wide lock-order check, so they run alone, after the parallel ones.</summary>
    [CollectionDefinition(Name, DisableParallelization = true)]
    public sealed class LockDepSwitchCollection
    {
        public const string Name = "LockDep switch";
    }

    [Collection(LockDepSwitchCollection.Name)]
    public class LockDepSwitchTests
    {
        [Fact]
        public void Off_AnInversionIsNotRecorded()
        {
            KMutex a = LockDepTests.Named("A"), b = LockDepTests.Named("B");
            LockDep.Enabled = false;
            try
            {
                Assert.Empty(RuntimeRig.Watch(() =>
                {
                    Nest(a, b);
                    Nest(b, a);
                }));
            }
            finally
            {
                LockDep.Enabled = true;
            }

            // Nothing was recorded while off: one order now is no inversion.
            Assert.Empty(RuntimeRig.Watch(() => Nest(b, a)));
        }

        [Fact]
        public void SwitchedOffWhileHeld_TheUnlockStillLeavesTheHeldStack()
        {
            KMutex a = LockDepTests.Named("A"), b = LockDepTests.Named("B");
            a.Lock();
            LockDep.Enabled = false;
            a.Unlock();
            LockDep.Enabled = true;

            // A stale 'a' on the held stack would record a -> b here, and b -> a would then close a cycle.
            Assert.Empty(RuntimeRig.Watch(() =>
            {
                b.Lock();
                a.Lock();
                a.Unlock();
                b.Unlock();
            }));
        }

        [Fact]
        public void SwitchedOnWhileHeld_TheUnlockPopsNothing()
        {
            KMutex a = LockDepTests.Named("A"), b = LockDepTests.Named("B");
            LockDep.Enabled = false;
            a.Lock();
            LockDep.Enabled = true;
            b.Lock();   // a was taken while off: not on the held stack, no a -> b
            a.Unlock(); // not tracked: must not pop b
            Assert.Empty(RuntimeRig.Watch(() => a.Lock())); // b still tracked: b -> a
            a.Unlock();
            b.Unlock();
            Assert.Single(RuntimeRig.Watch(() => Nest(a, b)));
        }

        [Fact]
        public void Bind_WhileTheGroupLockIsHeld_ThrowsLockRecursion()
        {
            // Inverts the driver core's order (device lock, then group lock) on purpose: with the check off, so
            // that the shared lock classes stay clean for every other test.
            var rig = new RuntimeRig();
            LockDep.Enabled = false;
            try
            {
                using (rig.Group.Mutex.Guard())
                {
                    Assert.Throws<LockRecursionException>(() => DriverCore.Bind(rig.Dev0, new PlainDriver()));
                }
            }
            finally
            {
                LockDep.Enabled = true;
            }

            // The device lock was released on the way out: a later bind works.
            rig.Bind(rig.Dev0, new PlainDriver());
        }

        private static void Nest(KMutex outer, KMutex inner)
        {
            outer.Lock();
            inner.Lock();
            inner.Unlock();
            outer.Unlock();
        }
    }
}
