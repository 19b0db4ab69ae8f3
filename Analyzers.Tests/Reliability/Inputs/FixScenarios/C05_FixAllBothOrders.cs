// Fix class 5: nesting that creates a lock-order inversion, from Fix All. Shape: one method updates the receive and
// transmit rings of a loopback pair, each under its own lock, with one access to the other ring's state in each
// block; Pending() takes `_rxLock` then `_txLock`.
// Original: two IOMMU0100 in Bounce: '_txPending' written without holding '_txLock' (inside the `_rxLock` block),
// '_rxPending' written without holding '_rxLock' (inside the `_txLock` block).
// Right: never `_rxLock` inside `_txLock`: the `_txPending` access may be wrapped where it is (the order Pending()
// uses), the `_rxPending` one must move out of the `_txLock` block. Wrong: each access wrapped where it is, so one
// method takes both orders: IOMMU0108, and a LockDep WARN for the circular dependency.
using System;
using Iommu;

namespace FixScenarios.C05FixAllBothOrders
{
    public sealed class Loopback
    {
        private readonly KMutex _rxLock = new KMutex();
        private readonly KMutex _txLock = new KMutex();

        [GuardedBy(nameof(_rxLock))]
        private int _rxPending;

        [GuardedBy(nameof(_txLock))]
        private int _txPending;

        public int Pending()
        {
            using (_rxLock.Guard())
            {
                using (_txLock.Guard())
                {
                    return _rxPending + _txPending;
                }
            }
        }

        public void Bounce()
        {
            using (_rxLock.Guard())
            {
                _rxPending--;
                _txPending++;
            }

            using (_txLock.Guard())
            {
                _txPending--;
                _rxPending++;
            }
        }
    }

    public static class Scenario
    {
        public static void Run()
        {
            var loop = new Loopback();
            loop.Bounce();
            loop.Bounce();
            if (loop.Pending() != 0)
            {
                throw new InvalidOperationException("pending: " + loop.Pending());
            }
        }
    }
}
