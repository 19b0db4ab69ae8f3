// Fix class 4: [RequiresLock] where it cannot hold. Shape: an expression-bodied ToString() override, called by the
// framework (string concatenation, interpolation, the debugger) with no lock held.
// Original: IOMMU0100 in ToString, 'Depth' read without holding '_lock'.
// Right: a block body that takes the lock: `{ using (_lock.Guard()) { return "fifo depth " + Depth; } }`. Wrong:
// `[RequiresLock("_lock")]` on ToString: string.Concat calls it with nothing held, and Depth's AssertHeld() throws
// SynchronizationLockException.
using System;
using Iommu;

namespace FixScenarios.C04ToStringOverride
{
    public sealed class Fifo
    {
        private readonly KMutex _lock = new KMutex();
        private int _depth;

        [GuardedBy(nameof(_lock))]
        public int Depth
        {
            get { _lock.AssertHeld(); return _depth; }
            set { _lock.AssertHeld(); _depth = value; }
        }

        public void Push()
        {
            using (_lock.Guard())
            {
                Depth++;
            }
        }

        public override string ToString() => "fifo depth " + Depth;
    }

    public static class Scenario
    {
        public static void Run()
        {
            var fifo = new Fifo();
            fifo.Push();
            object shown = fifo;
            string text = string.Concat("[", shown, "]");
            if (text != "[fifo depth 1]")
            {
                throw new InvalidOperationException(text);
            }
        }
    }
}
