// Fix class 2: lock text that does not bind to the lock at the site. Shape: the lock field is named `mutex`, as in
// the C struct, and the method has a local `mutex` (the statistics lock) that shadows it.
// Original: IOMMU0100, 'Credits' written without holding 'this.mutex'.
// Right: `using (this.mutex.Guard()) { Credits += n; }` (the field, spelled so that the local cannot capture it).
// Wrong: `using (mutex.Guard())`, which binds to the local: it takes the statistics lock, IOMMU0100 stays, and the
// Credits setter's AssertHeld() throws SynchronizationLockException.
using System;
using Iommu;

namespace FixScenarios.C02ShadowingLocal
{
    public sealed class Stats
    {
        public readonly KMutex mutex = new KMutex();

        [GuardedBy(nameof(mutex))]
        public int Refills;
    }

    public sealed class Channel
    {
        private readonly KMutex mutex = new KMutex();
        private readonly Stats _stats;
        private int _credits;

        public Channel(Stats stats)
        {
            _stats = stats;
        }

        // Checked at run time, as the runtime's own guarded state is.
        [GuardedBy(nameof(mutex))]
        public int Credits
        {
            get { mutex.AssertHeld(); return _credits; }
            set { mutex.AssertHeld(); _credits = value; }
        }

        public void Refill(int n)
        {
            var mutex = _stats.mutex;
            using (mutex.Guard())
            {
                _stats.Refills++;
            }

            Credits += n;
        }

        public int Read()
        {
            using (this.mutex.Guard())
            {
                return Credits;
            }
        }
    }

    public static class Scenario
    {
        public static void Run()
        {
            var channel = new Channel(new Stats());
            channel.Refill(3);
            channel.Refill(4);
            if (channel.Read() != 7)
            {
                throw new InvalidOperationException("credits: " + channel.Read());
            }
        }
    }
}
