// Fix class 3: a wrap placed around code that takes the lock itself. Shape: a local initialised from guarded state
// without the lock, used to the end of the method, which later takes the lock with TryLock() (a witness the engine
// follows).
// Original: IOMMU0100 at `int seen = _head;`, '_head' read without holding '_lock'.
// Right: read `_head` after the TryLock() succeeded (or in a guard of its own that ends before the TryLock()). Wrong:
// a wrap that grows to take `seen`'s later uses along: it then encloses the TryLock(), which throws
// LockRecursionException for the holder (IOMMU0103).
using System;
using System.Threading;
using Iommu;

namespace FixScenarios.C03DeclarationSpansTryLock
{
    public sealed class Cursor
    {
        private readonly KMutex _lock = new KMutex();

        [GuardedBy(nameof(_lock))]
        private int _head;

        public int Head()
        {
            using (_lock.Guard())
            {
                return _head;
            }
        }

        public void Hold(Action whileHeld)
        {
            using (_lock.Guard())
            {
                whileHeld();
            }
        }

        public int TryAdvance()
        {
            int seen = _head;
            if (!_lock.TryLock())
            {
                return -1;
            }

            _head = seen + 1;
            _lock.Unlock();
            return seen;
        }
    }

    public static class Scenario
    {
        public static void Run()
        {
            var cursor = new Cursor();
            if (cursor.TryAdvance() != 0 || cursor.Head() != 1)
            {
                throw new InvalidOperationException("the free cursor did not advance");
            }

            // Busy: another thread tries while this one holds the lock, and must give up rather than wait.
            int result = 0;
            cursor.Hold(() =>
            {
                var other = new Worker(() => result = cursor.TryAdvance());
                if (!other.Finished(2000))
                {
                    throw new InvalidOperationException("TryAdvance() blocked on a held lock");
                }

                other.Join();
            });
            if (result != -1 || cursor.Head() != 1)
            {
                throw new InvalidOperationException("advanced while the lock was held elsewhere");
            }
        }
    }
}
