// Fix class 9: a TryLock failure branch turned into a blocking lock. Shape: `if (!_lock.TryLock()) { _contended++;
// return false; }`, the contention counter declared as guarded by the lock the branch failed to take.
// Original: IOMMU0100 in TryRing, '_contended' written without holding '_lock' (inside the failure branch).
// Right: no blocking acquisition in that branch (count contention with Interlocked, or under a lock of its own), or
// no fix. Wrong: `using (_lock.Guard()) { _contended++; }` in the branch: the caller that could not take the lock now
// waits for it; with the holder waiting for that caller (Run()), the two deadlock (Run() gives up after 2 s).
using System;
using System.Threading;
using Iommu;

namespace FixScenarios.C09TryLockFailedBranch
{
    public sealed class Doorbell
    {
        private readonly KMutex _lock = new KMutex();

        [GuardedBy(nameof(_lock))]
        private int _rings;

        [GuardedBy(nameof(_lock))]
        private int _contended;

        public void Hold(Action whileHeld)
        {
            using (_lock.Guard())
            {
                whileHeld();
            }
        }

        public int Rings()
        {
            using (_lock.Guard())
            {
                return _rings;
            }
        }

        public bool TryRing()
        {
            if (!_lock.TryLock())
            {
                _contended++;
                return false;
            }

            _rings++;
            _lock.Unlock();
            return true;
        }
    }

    public static class Scenario
    {
        public static void Run()
        {
            var bell = new Doorbell();
            if (!bell.TryRing())
            {
                throw new InvalidOperationException("a free doorbell refused a ring");
            }

            // The holder waits for a ring from another thread: it must fail fast, not wait for the holder.
            bool rang = true;
            bell.Hold(() =>
            {
                var caller = new Worker(() => rang = bell.TryRing());
                if (!caller.Finished(2000))
                {
                    throw new InvalidOperationException("TryRing() blocked while the lock was held");
                }

                caller.Join();
            });
            if (rang || bell.Rings() != 1)
            {
                throw new InvalidOperationException("rang while the lock was held elsewhere");
            }
        }
    }
}
