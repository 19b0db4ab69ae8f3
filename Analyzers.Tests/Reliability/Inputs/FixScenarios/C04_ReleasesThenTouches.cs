// Fix class 4: [RequiresLock] where it cannot hold. Shape: a [ReleasesLock] method (the second half of an
// [AcquiresLock] Begin()/Complete() pair) touches guarded state after its own release.
// Original: IOMMU0100 in Complete, '_completed' written without holding '_lock' (after `_lock.Unlock()`).
// Right: move the write before the release (or wrap it in a guard of its own after the release). Wrong:
// `[RequiresLock("_lock")]` on Complete: the contract is about entry, the write still follows the release, so
// IOMMU0100 stays and the write races every other completion.
using System;
using Iommu;

namespace FixScenarios.C04ReleasesThenTouches
{
    public sealed class Transfer
    {
        private readonly KMutex _lock = new KMutex();

        [GuardedBy(nameof(_lock))]
        private int _inflight;

        [GuardedBy(nameof(_lock))]
        private int _completed;

        [AcquiresLock(nameof(_lock))]
        public void Begin()
        {
            _lock.Lock();
            _inflight++;
        }

        [ReleasesLock(nameof(_lock))]
        public void Complete()
        {
            _inflight--;
            _lock.Unlock();
            _completed++;
        }

        public int Completed()
        {
            using (_lock.Guard())
            {
                return _completed;
            }
        }
    }

    public static class Scenario
    {
        public static void Run()
        {
            var transfer = new Transfer();
            transfer.Begin();
            transfer.Complete();
            transfer.Begin();
            transfer.Complete();
            if (transfer.Completed() != 2)
            {
                throw new InvalidOperationException("completed: " + transfer.Completed());
            }
        }
    }
}
