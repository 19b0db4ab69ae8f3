// The oracle's control input: one bug whose offered fixes are right where they land. A guarded counter bumped without
// its lock (IOMMU0100): the wrap holds the lock for the access, and Run() calls it from two threads with the lock
// free; the [RequiresLock] variant moves the lock to the callers, whose IOMMU0104 is then what is left to fix.
using System;
using System.Threading;
using Iommu;

namespace FixScenarios.C00RightFixes
{
    public sealed class Counter
    {
        private readonly KMutex _lock = new KMutex();

        [GuardedBy(nameof(_lock))]
        private int _count;

        public void Bump()
        {
            _count++;
        }

        public int Read()
        {
            using (_lock.Guard())
            {
                return _count;
            }
        }
    }

    public static class Scenario
    {
        public static void Run()
        {
            var counter = new Counter();
            var other = new Thread(() => counter.Bump());
            other.Start();
            counter.Bump();
            other.Join();
            if (counter.Read() != 2)
            {
                throw new InvalidOperationException("two bumps, but the count is " + counter.Read());
            }
        }
    }
}
