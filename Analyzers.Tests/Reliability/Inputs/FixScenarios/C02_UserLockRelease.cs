// Fix class 2: lock text that does not bind to the lock at the site. Shape: a lock type of the port's own
// (DeviceLock: [AcquiresLock("this")] Lock(), [ReleasesLock("this")] Release()), taken through its helper, leaked on
// an early return.
// Original: IOMMU0101 at `return -Errno.EBUSY;`, 'this.Gate' still held.
// Right: `Gate.Release();` before that return (the helper the type declares), or no fix. Wrong: `Monitor.Exit(Gate)`
// (the object's monitor was never entered: SynchronizationLockException, and the DeviceLock stays held) or
// `Gate.Unlock()` (no such method: CS1061).
using System;
using Iommu;

namespace FixScenarios.C02UserLockRelease
{
    public sealed class DeviceLock
    {
        private readonly KMutex _inner = new KMutex();

        public bool IsHeldByCurrentThread => _inner.IsHeldByCurrentThread;

        [AcquiresLock("this")]
        [NoLockAnalysis] // the lock is this object; the mutex behind it is its implementation
        public void Lock() => _inner.Lock();

        [ReleasesLock("this")]
        [NoLockAnalysis]
        public void Release() => _inner.Unlock();
    }

    public sealed class Port
    {
        public readonly DeviceLock Gate = new DeviceLock();

        [GuardedBy(nameof(Gate))]
        private int _sent;

        public int Send(bool full)
        {
            Gate.Lock();
            if (full)
                return -Errno.EBUSY;

            _sent++;
            Gate.Release();
            return 0;
        }
    }

    public static class Scenario
    {
        public static void Run()
        {
            foreach (bool full in new[] { false, true })
            {
                var port = new Port();
                int ret = port.Send(full);
                if (ret != (full ? -Errno.EBUSY : 0))
                {
                    throw new InvalidOperationException("Send returned " + ret);
                }

                if (port.Gate.IsHeldByCurrentThread)
                {
                    throw new InvalidOperationException("Send(" + full + ") returned with the port's lock held");
                }
            }
        }
    }
}
