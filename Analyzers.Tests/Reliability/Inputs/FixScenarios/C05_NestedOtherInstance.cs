// Fix class 5: nesting that creates a lock-order inversion. Shape: a transfer between two accounts that touches the
// other account's balance inside its own `using (Sync.Guard())`.
// Original: IOMMU0100 in TransferTo, 'other.Balance' written without holding 'other.Sync'.
// Right: finish with the own lock first, then take the other's (`using (Sync.Guard()) { Balance -= amount; } using
// (other.Sync.Guard()) { other.Balance += amount; }`), or take both in one global order. Wrong: `using
// (other.Sync.Guard())` nested inside the own guard: a.TransferTo(b) takes a then b, b.TransferTo(a) takes b then a,
// and LockDep reports the circular dependency (each account's mutex is a lock class of its own here).
using System;
using System.Threading;
using Iommu;

namespace FixScenarios.C05NestedOtherInstance
{
    public sealed class Account
    {
        public readonly KMutex Sync;
        private int _balance;

        public Account(KMutex sync, int balance)
        {
            Sync = sync;
            _balance = balance;
        }

        [GuardedBy(nameof(Sync))]
        public int Balance
        {
            get { Sync.AssertHeld(); return _balance; }
            set { Sync.AssertHeld(); _balance = value; }
        }

        public int Read()
        {
            using (Sync.Guard())
            {
                return Balance;
            }
        }

        public void TransferTo(Account other, int amount)
        {
            using (Sync.Guard())
            {
                Balance -= amount;
                other.Balance += amount;
            }
        }
    }

    public static class Scenario
    {
        public static void Run()
        {
            // Two construction sites: two lock classes, as two differently initialised mutexes are for lockdep.
            var a = new Account(new KMutex(), 100);
            var b = new Account(new KMutex(), 100);

            // One direction per thread, one after the other: no deadlock can happen, but the order of each is recorded.
            new Worker(() => a.TransferTo(b, 30)).Join();
            new Worker(() => b.TransferTo(a, 10)).Join();
            if (a.Read() != 80 || b.Read() != 120)
            {
                throw new InvalidOperationException("balances " + a.Read() + " and " + b.Read());
            }
        }
    }
}
