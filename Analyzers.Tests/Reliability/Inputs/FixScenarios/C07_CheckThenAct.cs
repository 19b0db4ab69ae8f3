// Fix class 7: a check-then-act split by the fix. Shape: `if (_owner == null) { _vet(who); _owner = who; return
// true; }`, the check and the claim both unlocked, with a policy callback between them.
// Original: two IOMMU0100 in TryClaim: '_owner' read (the check) and '_owner' written (the claim) without '_lock'.
// Right: one guard around the whole `if`, check and claim together (what fixing the read first gives, and Fix All).
// Wrong: the claim alone wrapped (`using (_lock.Guard()) { _owner = who; }`): the check stays outside, and two
// claimants both see the slot free (Run() counts two winners); fixing the read after that wraps the `if` around the
// first guard: a second acquisition of a non-recursive KMutex (IOMMU0103, LockRecursionException).
using System;
using System.Threading;
using Iommu;

namespace FixScenarios.C07CheckThenAct
{
    public sealed class OwnerSlot
    {
        private readonly KMutex _lock = new KMutex();
        private readonly Action<object> _vet;

        [GuardedBy(nameof(_lock))]
        private object? _owner;

        public OwnerSlot(Action<object> vet)
        {
            _vet = vet;
        }

        public object? Owner()
        {
            using (_lock.Guard())
            {
                return _owner;
            }
        }

        public bool TryClaim(object who)
        {
            if (_owner == null)
            {
                _vet(who);
                _owner = who;
                return true;
            }

            return false;
        }
    }

    public static class Scenario
    {
        public static void Run()
        {
            const string first = "first";
            int wins = 0;
            Worker? rival = null;
            OwnerSlot? slot = null;

            // While the first claimant is between its check and its claim, a rival tries. With the check under the
            // lock the rival waits for it (given up on after 200 ms) and then loses; with the check outside, the
            // rival sees the slot free too.
            slot = new OwnerSlot(who =>
            {
                if (ReferenceEquals(who, first))
                {
                    rival = new Worker(() =>
                    {
                        if (slot!.TryClaim("second"))
                        {
                            Interlocked.Increment(ref wins);
                        }
                    });
                    rival.Finished(200);
                }
            });

            if (slot.TryClaim(first))
            {
                Interlocked.Increment(ref wins);
            }

            rival?.Join();
            if (wins != 1)
            {
                throw new InvalidOperationException(wins + " claimants won the slot; owner " + slot.Owner());
            }
        }
    }
}
