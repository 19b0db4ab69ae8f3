// Fix class 4: [RequiresLock] where it cannot hold. Shape: an event handler, subscribed with `+=` and raised by the
// publisher with no lock held (the analyzer sees no call to it).
// Original: IOMMU0100 in OnLinkChanged, 'Changes' written without holding '_lock'.
// Right: `using (_lock.Guard()) { Changes++; }`. Wrong: `[RequiresLock("_lock")]` on the handler: the event raises it
// without the lock, and Changes' AssertHeld() throws SynchronizationLockException.
using System;
using Iommu;

namespace FixScenarios.C04EventHandler
{
    public sealed class Phy
    {
        public event EventHandler? LinkChanged;

        public void Toggle() => LinkChanged?.Invoke(this, EventArgs.Empty);
    }

    public sealed class LinkWatcher
    {
        private readonly KMutex _lock = new KMutex();
        private int _changes;

        public LinkWatcher(Phy phy)
        {
            phy.LinkChanged += OnLinkChanged;
        }

        [GuardedBy(nameof(_lock))]
        public int Changes
        {
            get { _lock.AssertHeld(); return _changes; }
            set { _lock.AssertHeld(); _changes = value; }
        }

        public int Count()
        {
            using (_lock.Guard())
            {
                return Changes;
            }
        }

        public void OnLinkChanged(object? sender, EventArgs e)
        {
            Changes++;
        }
    }

    public static class Scenario
    {
        public static void Run()
        {
            var phy = new Phy();
            var watcher = new LinkWatcher(phy);
            phy.Toggle();
            phy.Toggle();
            if (watcher.Count() != 2)
            {
                throw new InvalidOperationException("changes: " + watcher.Count());
            }
        }
    }
}
