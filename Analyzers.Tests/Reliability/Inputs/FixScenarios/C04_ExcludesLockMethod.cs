// Fix class 4: [RequiresLock] where it cannot hold. Shape: an [ExcludesLock] method (its callers must not hold the
// lock: it is called from a reset callback that holds nothing) writes guarded state without taking the lock.
// Original: IOMMU0100 in Reset, 'Errors' written without holding '_lock'.
// Right: `using (_lock.Guard()) { Errors = 0; }`. Wrong: `[RequiresLock("_lock")]` beside `[ExcludesLock("_lock")]`:
// two contracts that contradict each other, and the callback that calls Reset (a delegate, which the analyzer does
// not follow) holds nothing, so Errors' AssertHeld() throws SynchronizationLockException.
using System;
using Iommu;

namespace FixScenarios.C04ExcludesLockMethod
{
    public sealed class Link
    {
        private readonly KMutex _lock = new KMutex();
        private int _errors;

        [GuardedBy(nameof(_lock))]
        public int Errors
        {
            get { _lock.AssertHeld(); return _errors; }
            set { _lock.AssertHeld(); _errors = value; }
        }

        public void Fault()
        {
            using (_lock.Guard())
            {
                Errors++;
            }
        }

        public int ErrorCount()
        {
            using (_lock.Guard())
            {
                return Errors;
            }
        }

        [ExcludesLock(nameof(_lock))]
        public void Reset()
        {
            Errors = 0;
        }
    }

    public static class Scenario
    {
        public static void Run()
        {
            var link = new Link();
            link.Fault();
            link.Fault();

            // The bus calls its reset hooks with no lock held.
            Action resetHook = link.Reset;
            resetHook();
            if (link.ErrorCount() != 0)
            {
                throw new InvalidOperationException("errors after reset: " + link.ErrorCount());
            }
        }
    }
}
