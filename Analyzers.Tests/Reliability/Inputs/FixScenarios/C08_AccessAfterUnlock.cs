// Fix class 8: a new critical section where the existing one should have been widened. Shape: Drain() reads the
// count under the lock, releases, tells its listeners, and only then clears the count.
// Original: IOMMU0100 in Drain, '_pending' written without holding '_lock' (`_pending = 0;` after `_lock.Unlock()`).
// Right: widen the section the method already has (`_pending = 0;` moved before `_lock.Unlock()`), so what was read
// and what is cleared are one snapshot. Wrong: a new `using (_lock.Guard()) { _pending = 0; }` after the listener
// call: a post made between the two sections (here by the listener) is wiped out, and Run() finds it lost.
using System;
using Iommu;

namespace FixScenarios.C08AccessAfterUnlock
{
    public sealed class EventQueue
    {
        private readonly KMutex _lock = new KMutex();

        [GuardedBy(nameof(_lock))]
        private int _pending;

        public event Action<int>? Drained;

        public void Post()
        {
            using (_lock.Guard())
            {
                _pending++;
            }
        }

        public int Pending()
        {
            using (_lock.Guard())
            {
                return _pending;
            }
        }

        public int Drain()
        {
            _lock.Lock();
            int n = _pending;
            _lock.Unlock();
            Drained?.Invoke(n);
            _pending = 0;
            return n;
        }
    }

    public static class Scenario
    {
        public static void Run()
        {
            var queue = new EventQueue();
            queue.Post();
            queue.Post();

            // The listener posts the follow-up event of what it was told about: it must survive the drain.
            queue.Drained += n =>
            {
                if (n > 0)
                {
                    queue.Post();
                }
            };
            if (queue.Drain() != 2)
            {
                throw new InvalidOperationException("drained the wrong count");
            }

            if (queue.Pending() != 1)
            {
                throw new InvalidOperationException("the follow-up post was lost: pending " + queue.Pending());
            }
        }
    }
}
