// Fix class 1: a release inserted where paths join and only some of them hold the lock. Shape: a switch with no
// default; each case releases and returns, and a command no case matches falls out of the switch and off the end of
// the method still holding the lock.
// Original: IOMMU0101 for '_lock' (held at the end of the method on the unmatched path). The bare `return;` of
// `case Command.Start` follows the switch's dispatch in the text, so the exit is reported there.
// Right: one `_lock.Unlock();` after the switch, at the end of the method (or a `default:` that releases and returns,
// or the guard the scoped-guard action declares), every case keeping exactly one release. Wrong: a second
// `_lock.Unlock();` before the `return;` of `case Command.Start`: it releases twice there (IOMMU0102,
// SynchronizationLockException) and the leak stays.
using System;
using Iommu;

namespace FixScenarios.C01SwitchWithoutDefault
{
    public enum Command
    {
        Start,
        Stop,
        Flush,
    }

    public sealed class Engine
    {
        private readonly KMutex _lock = new KMutex();

        [GuardedBy(nameof(_lock))]
        private int _running;

        public bool Leaked => _lock.IsHeldByCurrentThread;

        public void Handle(Command command)
        {
            _lock.Lock();
            switch (command)
            {
                case Command.Start:
                    _running++;
                    _lock.Unlock();
                    return;
                case Command.Stop:
                    _running--;
                    _lock.Unlock();
                    return;
            }
        }
    }

    public static class Scenario
    {
        public static void Run()
        {
            // Every case, then the command no case handles, each on an engine of its own so that a leak on one path
            // does not turn the next call into a recursion.
            foreach (Command command in new[] { Command.Start, Command.Stop, Command.Flush })
            {
                var engine = new Engine();
                engine.Handle(command);
                if (engine.Leaked)
                {
                    throw new InvalidOperationException("Handle(" + command + ") returned with the lock held");
                }
            }
        }
    }
}
