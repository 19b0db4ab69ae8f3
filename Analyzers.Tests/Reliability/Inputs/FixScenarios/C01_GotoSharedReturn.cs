// Fix class 1: a release inserted where paths join and only some of them hold the lock. Shape: kernel-style
// `goto out_stopped;` to a label whose statement is a bare `return;`, after a normal path that released and returned.
// Original: IOMMU0101 for '_lock' on the goto path (the label's return runs with the lock held). The first bare
// `return;` after the branch in the text is the normal path's, so the exit is reported there.
// Right: release on the goto path only (`out_stopped: _lock.Unlock(); return;`, or the guard the scoped-guard action
// declares). Wrong: a second `_lock.Unlock();` before the normal path's `return;`, which released already: IOMMU0102
// there, SynchronizationLockException on every kick of a running queue, and the stopped path still leaks.
using System;
using Iommu;

namespace FixScenarios.C01GotoSharedReturn
{
    public sealed class KickQueue
    {
        private readonly KMutex _lock = new KMutex();

        [GuardedBy(nameof(_lock))]
        private int _kicks;

        public KickQueue(bool stopped)
        {
            Stopped = stopped;
        }

        public bool Stopped { get; }

        public bool Leaked => _lock.IsHeldByCurrentThread;

        public void Kick()
        {
            _lock.Lock();
            if (Stopped)
                goto out_stopped;

            _kicks++;
            _lock.Unlock();
            return;

        out_stopped:
            return;
        }
    }

    public static class Scenario
    {
        public static void Run()
        {
            foreach (bool stopped in new[] { false, true })
            {
                var queue = new KickQueue(stopped);
                queue.Kick();
                if (queue.Leaked)
                {
                    string state = stopped ? "stopped" : "running";
                    throw new InvalidOperationException("Kick() on a " + state + " queue returned with the lock held");
                }
            }
        }
    }
}
