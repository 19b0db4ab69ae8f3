// Fix class 9: a timeout branch turned into a blocking lock. Shape: `if (!Monitor.TryEnter(_gate, 10)) { _late++;
// return false; }`, with C#'s monitor and a 10 ms budget.
// Original: IOMMU0100 in TryPost, '_late' written without holding '_gate' (inside the timeout branch).
// Right: no blocking acquisition in that branch (Interlocked, or a lock of its own), or no fix. Wrong: `lock (_gate)
// { _late++; }` in the branch: the caller that ran out of time now waits without a limit, for a holder that waits
// for it (Run() gives up after 2 s).
using System;
using System.Threading;
using Iommu;

namespace FixScenarios.C09MonitorTimeoutBranch
{
    public sealed class Mailbox
    {
        private readonly object _gate = new object();

        [GuardedBy(nameof(_gate))]
        private int _posted;

        [GuardedBy(nameof(_gate))]
        private int _late;

        public void Hold(Action whileHeld)
        {
            lock (_gate)
            {
                whileHeld();
            }
        }

        public int Posted()
        {
            lock (_gate)
            {
                return _posted;
            }
        }

        public bool TryPost()
        {
            if (!Monitor.TryEnter(_gate, 10))
            {
                _late++;
                return false;
            }

            _posted++;
            Monitor.Exit(_gate);
            return true;
        }
    }

    public static class Scenario
    {
        public static void Run()
        {
            var box = new Mailbox();
            if (!box.TryPost())
            {
                throw new InvalidOperationException("a free mailbox refused a post");
            }

            bool posted = true;
            box.Hold(() =>
            {
                var caller = new Worker(() => posted = box.TryPost());
                if (!caller.Finished(2000))
                {
                    throw new InvalidOperationException("TryPost() blocked past its timeout while the lock was held");
                }

                caller.Join();
            });
            if (posted || box.Posted() != 1)
            {
                throw new InvalidOperationException("posted while the lock was held elsewhere");
            }
        }
    }
}
