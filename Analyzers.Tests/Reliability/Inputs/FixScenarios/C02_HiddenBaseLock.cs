// Fix class 2: lock text that does not bind to the lock at the site. Shape: the base class guards Depth with
// `MyLock`; the subclass declares its own `new MyLock` for its priority bands, hiding the base one.
// Original: IOMMU0100 in PriorityQueue.Push, 'Depth' written without holding the base class's 'MyLock'.
// Right: `using (base.MyLock.Guard()) { Depth++; }`. Wrong: `using (MyLock.Guard())` (the subclass's lock: IOMMU0100
// stays, and Depth's AssertHeld() throws SynchronizationLockException), or `[RequiresLock("MyLock")]`, which names the
// subclass's lock too.
using System;
using Iommu;

namespace FixScenarios.C02HiddenBaseLock
{
    public class QueueBase
    {
        protected readonly KMutex MyLock = new KMutex();
        private int _depth;

        [GuardedBy(nameof(MyLock))]
        protected int Depth
        {
            get { MyLock.AssertHeld(); return _depth; }
            set { MyLock.AssertHeld(); _depth = value; }
        }

        public int Count()
        {
            using (MyLock.Guard())
            {
                return Depth;
            }
        }
    }

    public sealed class PriorityQueue : QueueBase
    {
        private new readonly KMutex MyLock = new KMutex();

        [GuardedBy(nameof(MyLock))]
        private int _urgent;

        public void Push(bool urgent)
        {
            if (urgent)
            {
                using (MyLock.Guard())
                {
                    _urgent++;
                }
            }

            Depth++;
        }
    }

    public static class Scenario
    {
        public static void Run()
        {
            var queue = new PriorityQueue();
            queue.Push(urgent: false);
            queue.Push(urgent: true);
            if (queue.Count() != 2)
            {
                throw new InvalidOperationException("depth: " + queue.Count());
            }
        }
    }
}
