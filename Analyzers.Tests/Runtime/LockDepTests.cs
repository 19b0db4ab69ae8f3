using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Iommu;
using Xunit;

namespace IommuAnalyzers.Tests.Runtime
{
    /// <summary>
    /// The runtime lock-order check. The graph is process-wide and the check is on for the whole test run, so
    /// every test here makes its own lock classes (a fresh name, or a construction site used by no other test).
    /// </summary>
    public class LockDepTests
    {
        private const string Circular = "possible circular locking dependency";

        [Fact]
        public void TheTestRunSwitchesTheCheckOn()
        {
            Assert.True(AppContext.TryGetSwitch("Iommu.LockDep", out bool on) && on);
            Assert.True(LockDep.Enabled);
        }

        [Fact]
        public void Abba_OnOneThread_WarnsOnceNamingBothChains_AndStillLocks()
        {
            KMutex a = Named("A"), b = Named("B");
            Assert.Empty(RuntimeRig.Watch(() => Nest(a, b)));
            OwnershipWarning warning = Assert.Single(RuntimeRig.Watch(() =>
            {
                b.Lock();
                a.Lock();
                Assert.True(a.IsHeldByCurrentThread); // a WARN, not a refusal: the lock is taken
                a.Unlock();
                b.Unlock();
            }));
            Assert.Equal(nameof(KMutex.Lock), warning.Function);
            Assert.StartsWith(Circular, warning.Message);
            Assert.Contains($"'{Class(a)}' is taken while holding '{Class(b)}'", warning.Message);
            Assert.Contains($"holding '{Class(b)}' -> '{Class(a)}'", warning.Message); // this chain
            Assert.Contains($"holding '{Class(a)}' -> '{Class(b)}'", warning.Message); // the recorded one

            // One report per dependency: the same inversion again says nothing new.
            Assert.Empty(RuntimeRig.Watch(() => Nest(b, a)));
            Assert.False(a.IsHeldByCurrentThread || b.IsHeldByCurrentThread);
        }

        [Fact]
        public void ConsistentOrder_NeverWarns()
        {
            KMutex a = Named("A"), b = Named("B"), c = Named("C");
            Assert.Empty(RuntimeRig.Watch(() =>
            {
                for (int i = 0; i < 3; i++)
                {
                    Nest(a, b);
                    Nest(b, c);
                    Nest(a, c);
                    Nest(a, b, c);
                }
            }));
        }

        [Fact]
        public void ThreeClassCycle_WarnsWhenTheLastEdgeClosesIt()
        {
            KMutex a = Named("A"), b = Named("B"), c = Named("C");
            Assert.Empty(RuntimeRig.Watch(() =>
            {
                Nest(a, b);
                Nest(b, c);
            }));
            OwnershipWarning warning = Assert.Single(RuntimeRig.Watch(() => Nest(c, a)));
            Assert.Contains($"the existing chain '{Class(a)}' -> '{Class(b)}' -> '{Class(c)}'", warning.Message);
        }

        [Fact]
        public void Abba_OnTwoThreadsThatNeverOverlap_Warns()
        {
            // The run does not deadlock: the second thread starts after the first has finished.
            KMutex a = Named("A"), b = Named("B");
            IReadOnlyList<OwnershipWarning> warnings = RuntimeRig.Watch(() =>
            {
                OtherThread.Run(() => { Nest(a, b); return 0; });
                OtherThread.Run(() => { Nest(b, a); return 0; });
            });
            Assert.StartsWith(Circular, Assert.Single(warnings).Message);
        }

        [Fact]
        public void ReleasedBeforeTheOtherIsTaken_NoDependency()
        {
            KMutex a = Named("A"), b = Named("B");
            Assert.Empty(RuntimeRig.Watch(() =>
            {
                a.Lock();
                a.Unlock();
                b.Lock();
                b.Unlock();
                Nest(b, a);
            }));
        }

        [Fact]
        public void UnlockOutOfOrder_DropsOnlyThatMutex()
        {
            KMutex a = Named("A"), b = Named("B"), c = Named("C");
            Assert.Empty(RuntimeRig.Watch(() =>
            {
                a.Lock();
                b.Lock();
                a.Unlock(); // not the innermost
                c.Lock();   // b -> c only: a is no longer held
                c.Unlock();
                b.Unlock();
            }));

            // The shortest chain from a to c goes through b: there is no direct a -> c.
            OwnershipWarning warning = Assert.Single(RuntimeRig.Watch(() => Nest(c, a)));
            Assert.Contains($"the existing chain '{Class(a)}' -> '{Class(b)}' -> '{Class(c)}'", warning.Message);
        }

        [Fact]
        public void TryLock_AddsNoDependency_ButWhatIsTakenUnderItDoes()
        {
            KMutex a = Named("A"), b = Named("B"), c = Named("C");
            Assert.Empty(RuntimeRig.Watch(() =>
            {
                a.Lock();
                Assert.True(b.TryLock()); // no a -> b
                c.Lock();                 // b -> c (and a -> c)
                c.Unlock();
                b.Unlock();
                a.Unlock();
                Nest(b, a);
            }));
            Assert.Single(RuntimeRig.Watch(() => Nest(c, b)));
        }

        [Fact]
        public void ConstructionSite_IsTheClass_ForEveryMutexItMakes()
        {
            // Two mutexes from one site are one class: nesting them is no dependency, and a named lock taken
            // between two instances of it, one each way, is an inversion of the two classes.
            KMutex x = FromSiteOne(), y = FromSiteOne(), z = Named("Z");
            Assert.Empty(RuntimeRig.Watch(() =>
            {
                Nest(x, y);
                Nest(x, z);
            }));
            OwnershipWarning warning = Assert.Single(RuntimeRig.Watch(() => Nest(z, y)));
            Assert.Contains("LockDepTests.cs:", warning.Message);
        }

        [Fact]
        public void DifferentConstructionSites_AreDifferentClasses()
        {
            KMutex x = FromSiteTwo(), y = FromSiteThree(), z = Named("Z");
            Assert.Empty(RuntimeRig.Watch(() =>
            {
                Nest(x, z);
                Nest(z, y);
            }));
        }

        [Fact]
        public void DriverCallingTheCoreUnderItsLockInTheOppositeOrder_IsCaught()
        {
            // Probe runs under the device lock and takes the driver's lock (device_lock -> driver lock); the
            // driver then unbinds while holding its lock (driver lock -> device_lock).
            var rig = new RuntimeRig();
            var drv = new LockingDriver();
            rig.Bind(rig.Dev0, drv);
            OwnershipWarning warning = Assert.Single(RuntimeRig.Watch(() =>
            {
                using (drv.Lock.Guard())
                {
                    DriverCore.Unbind(rig.Dev0);
                }
            }));
            Assert.Contains("'Device.DeviceLock' is taken while holding '" + Class(drv.Lock) + "'", warning.Message);
            Assert.Null(rig.Dev0.Driver);
        }

        [Fact]
        public void DriverCallingTheCoreWithoutItsLock_IsNotReported()
        {
            var rig = new RuntimeRig();
            var drv = new LockingDriver();
            rig.Bind(rig.Dev0, drv);
            Assert.Empty(RuntimeRig.Watch(() => DriverCore.Unbind(rig.Dev0)));
            rig.Bind(rig.Dev0, drv);
            Assert.Empty(RuntimeRig.Watch(() => DriverCore.Unbind(rig.Dev0)));
        }

        [Fact]
        public void MisuseThrowsWithoutCorruptingTheHeldStack()
        {
            KMutex a = Named("A"), b = Named("B");
            a.Lock();
            Assert.Throws<LockRecursionException>(() => a.Lock());
            Assert.Throws<InvalidOperationException>(() => OtherThread.Run<int>(() =>
            {
                a.Unlock(); // SynchronizationLockException on the other thread
                return 0;
            }));
            a.Unlock();
            Assert.Throws<SynchronizationLockException>(() => a.Unlock());

            // Nothing stale is left: b -> a is the only dependency, and no cycle.
            Assert.Empty(RuntimeRig.Watch(() => Nest(b, a)));
            Assert.Single(RuntimeRig.Watch(() => Nest(a, b)));
        }

        [Fact]
        public void ManyThreadsInOneOrder_NoWarn_AndTheGraphStaysConsistent()
        {
            KMutex[] locks = Enumerable.Range(0, 6).Select(i => Named("L" + i)).ToArray();
            IReadOnlyList<OwnershipWarning> warnings = RuntimeRig.Watch(() =>
            {
                Parallel.For(0, 4_000, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
                {
                    // Any ascending pair or triple: always the same global order.
                    int first = i % 4, second = first + 1 + (i / 4 % (5 - first));
                    Nest(locks[first], locks[second]);
                    if (second < 5)
                    {
                        Nest(locks[first], locks[second], locks[5]);
                    }
                });
            });
            Assert.Empty(warnings);
            Assert.Single(RuntimeRig.Watch(() => Nest(locks[5], locks[0])));
        }

        internal static KMutex Named(string name) => new KMutex(lockClass: "LockDepTests." + name + "#" + Guid.NewGuid().ToString("N"));

        // KMutex.ToString() is "KMutex <class>".
        internal static string Class(KMutex mutex) => mutex.ToString().Substring("KMutex ".Length);

        private static KMutex FromSiteOne() => new KMutex();

        private static KMutex FromSiteTwo() => new KMutex();

        private static KMutex FromSiteThree() => new KMutex();

        // Takes the mutexes in order and releases them innermost first.
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

        /// <summary>A driver with its own lock, taken in Probe (so under the device lock).</summary>
        private sealed class LockingDriver : DeviceDriver
        {
            public KMutex Lock { get; } = Named("drv->lock");

            public override int Probe(Device dev)
            {
                using (Lock.Guard())
                {
                    return 0;
                }
            }
        }
    }
}
