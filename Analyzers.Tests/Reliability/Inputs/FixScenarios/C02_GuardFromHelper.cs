// Fix class 2: lock text that does not bind to the lock at the site. Shape: the guard returned by an [AcquiresLock]
// helper (Ring.Hold()) is kept in a local and disposed on the normal path only; the lock itself is private to Ring.
// Original: IOMMU0101 at `return -Errno.EBUSY;`, 'ring._mutex' still held.
// Right: `guard.Dispose();` before that return (or `using var guard = ring.Hold();`), or no fix. Wrong: any release
// spelled through the lock (`ring._mutex.Unlock()`: CS0122, the member is private).
using System;
using Iommu;

namespace FixScenarios.C02GuardFromHelper
{
    public sealed class Ring
    {
        private readonly KMutex _mutex = new KMutex();

        [GuardedBy(nameof(_mutex))]
        private int _head;

        public bool Leaked => _mutex.IsHeldByCurrentThread;

        [AcquiresLock(nameof(_mutex))]
        public MutexGuard Hold() => _mutex.Guard();

        [RequiresLock(nameof(_mutex))]
        public void Advance() => _head++;
    }

    public static class Producer
    {
        public static int Push(Ring ring, bool full)
        {
            var guard = ring.Hold();
            if (full)
                return -Errno.EBUSY;

            ring.Advance();
            guard.Dispose();
            return 0;
        }
    }

    public static class Scenario
    {
        public static void Run()
        {
            foreach (bool full in new[] { false, true })
            {
                var ring = new Ring();
                int ret = Producer.Push(ring, full);
                if (ret != (full ? -Errno.EBUSY : 0))
                {
                    throw new InvalidOperationException("Push(" + full + ") returned " + ret);
                }

                if (ring.Leaked)
                {
                    throw new InvalidOperationException("Push(" + full + ") returned with the ring's lock held");
                }
            }
        }
    }
}
