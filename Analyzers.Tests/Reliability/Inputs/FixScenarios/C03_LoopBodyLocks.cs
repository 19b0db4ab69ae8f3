// Fix class 3: a wrap placed around code that already takes the lock. Shape: a loop whose condition reads guarded
// state and whose body takes the lock for each step.
// Original: IOMMU0100 at the `while` condition, '_pending' read without holding '_lock'.
// Right: read the count under the lock the body already takes (`for (;;) { using (_lock.Guard()) { if (_pending == 0)
// break; _pending--; } drained++; }`), or no fix. Wrong: the whole loop wrapped in `using (_lock.Guard())`: the body's
// Guard() is then a second acquisition of a non-recursive KMutex (IOMMU0105 at the loop head, LockRecursionException).
using System;
using System.Threading;
using Iommu;

namespace FixScenarios.C03LoopBodyLocks
{
    public sealed class WorkQueue
    {
        private readonly KMutex _lock = new KMutex();

        [GuardedBy(nameof(_lock))]
        private int _pending;

        public void Queue(int n)
        {
            using (_lock.Guard())
            {
                _pending += n;
            }
        }

        public int DrainAll()
        {
            int drained = 0;
            while (_pending > 0)
            {
                using (_lock.Guard())
                {
                    _pending--;
                }

                drained++;
            }

            return drained;
        }
    }

    public static class Scenario
    {
        public static void Run()
        {
            var queue = new WorkQueue();
            if (queue.DrainAll() != 0)
            {
                throw new InvalidOperationException("drained an empty queue");
            }

            queue.Queue(3);
            new Worker(() => queue.DrainAll()).Join();
            if (queue.DrainAll() != 0)
            {
                throw new InvalidOperationException("the worker left work behind");
            }
        }
    }
}
