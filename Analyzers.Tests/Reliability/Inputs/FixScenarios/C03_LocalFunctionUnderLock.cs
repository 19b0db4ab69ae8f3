// Fix class 3: a wrap placed where the lock is already held. Shape: a local function whose only caller runs it with
// the lock held (local functions start with no locks held unless annotated).
// Original: IOMMU0100 in Retire, '_inflight' written without holding '_lock'; IOMMU0110 (Info) on Retire, whose one
// caller holds '_lock'.
// Right: `[RequiresLock("_lock")]` on Retire (the action offered first). Wrong: `using (_lock.Guard())` inside Retire:
// it runs under the caller's Guard(), a second acquisition of a non-recursive KMutex (LockRecursionException).
using System;
using System.Threading;
using Iommu;

namespace FixScenarios.C03LocalFunctionUnderLock
{
    public sealed class Completions
    {
        private readonly KMutex _lock = new KMutex();

        [GuardedBy(nameof(_lock))]
        private int _inflight;

        public void Submit(int n)
        {
            using (_lock.Guard())
            {
                _inflight += n;
            }
        }

        public int Inflight()
        {
            using (_lock.Guard())
            {
                return _inflight;
            }
        }

        public void Complete(int n)
        {
            using (_lock.Guard())
            {
                for (int i = 0; i < n; i++)
                {
                    Retire();
                }
            }

            void Retire() => _inflight--;
        }
    }

    public static class Scenario
    {
        public static void Run()
        {
            var completions = new Completions();
            completions.Submit(4);
            completions.Complete(0);
            new Worker(() => completions.Complete(3)).Join();
            completions.Complete(1);
            if (completions.Inflight() != 0)
            {
                throw new InvalidOperationException("inflight: " + completions.Inflight());
            }
        }
    }
}
