// Fix class 10: layout the inserted block must keep. Shape: a method written with its opening brace at the end of
// the line (K&R), a guarded write with a trailing comment as the embedded statement of an `if`, and a guarded
// write with a trailing block comment right before the method's closing brace on the same line.
// Original: five IOMMU0100 in Tick, without '_lock': '_head' read and written by the if/else, '_wraps' and '_head'
// in the last statement.
// Right: the wrap keeps each trailing comment on the line of the statement it annotates, leaves the method's brace
// layout and the closing brace where they were, and the wrapped code behaves as before (Run() checks the counts).
// [RequiresLock] adds the attribute and changes nothing else in the method. Wrong: a comment moved after the new
// block's closing brace, or the method's braces re-laid out.
using System;
using Iommu;

namespace FixScenarios.C10CommentsAndBraces
{
    public sealed class Counter
    {
        private readonly KMutex _lock = new KMutex();

        [GuardedBy(nameof(_lock))]
        private int _head;

        [GuardedBy(nameof(_lock))]
        private int _wraps;

        public int Wraps()
        {
            using (_lock.Guard())
            {
                return _wraps;
            }
        }

        public void Tick() {
            if (_head == 3) _head = 0; // wrap at four
            else _head++;
            _wraps += _head == 0 ? 1 : 0; /* one per turn */ }
    }

    public static class Scenario
    {
        public static void Run()
        {
            var counter = new Counter();
            for (int i = 0; i < 8; i++)
            {
                counter.Tick();
            }

            if (counter.Wraps() != 2)
            {
                throw new InvalidOperationException("wraps: " + counter.Wraps());
            }
        }
    }
}
