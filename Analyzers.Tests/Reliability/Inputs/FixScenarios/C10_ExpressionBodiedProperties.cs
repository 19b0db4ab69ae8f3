// Fix class 10: no action where one is needed. Shape: guarded fields read by an expression-bodied property
// (`public int Head => _head;`) and an expression-bodied get accessor (`get => _tail;`).
// Original: IOMMU0100 twice: '_head' read in Head, '_tail' read in Tail, each without holding '_lock'.
// Right: a block-bodied getter that takes the lock (`public int Head { get { using (_lock.Guard()) { return _head;
// } } }`), or [RequiresLock] on the accessor where callers hold it. Today neither the wrap nor [RequiresLock] is
// offered for a property, so both diagnostics stay unfixed. (No `field`-backed accessor here: the tests compile at
// LanguageVersion.Latest with Roslyn 4.14, which is C# 13 and reads C# 14's `field` as an unknown name, CS0103.)
using System;
using Iommu;

namespace FixScenarios.C10ExpressionBodiedProperties
{
    public sealed class Ring
    {
        private readonly KMutex _lock = new KMutex();

        [GuardedBy(nameof(_lock))]
        private int _head;

        [GuardedBy(nameof(_lock))]
        private int _tail;

        public int Head => _head;

        public int Tail
        {
            get => _tail;
        }

        public void Produce()
        {
            using (_lock.Guard())
            {
                _head++;
            }
        }

        public void Consume()
        {
            using (_lock.Guard())
            {
                if (_tail < _head)
                {
                    _tail++;
                }
            }
        }
    }

    public static class Scenario
    {
        public static void Run()
        {
            var ring = new Ring();
            ring.Produce();
            ring.Produce();
            ring.Consume();
            if (ring.Head - ring.Tail != 1)
            {
                throw new InvalidOperationException("used: " + (ring.Head - ring.Tail));
            }
        }
    }
}
