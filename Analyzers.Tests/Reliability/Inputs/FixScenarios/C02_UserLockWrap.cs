// Fix class 2: lock text that does not bind to the lock at the site. Shape: state guarded by a lock type of the
// port's own (DeviceLock, taken with its [AcquiresLock("this")] Lock() and [ReleasesLock("this")] Release()).
// Original: IOMMU0100 in Port.Reset, 'Sent' written without holding 'this.Gate'.
// Right: `Gate.Lock(); try { Sent = 0; } finally { Gate.Release(); }`, or no wrap. Wrong: `lock (Gate) { ... }`: it
// enters the object's monitor, not the DeviceLock, so the analyzer is satisfied while Sent's check throws
// SynchronizationLockException.
using System;
using System.Threading;
using Iommu;

namespace FixScenarios.C02UserLockWrap
{
    public sealed class DeviceLock
    {
        private readonly KMutex _inner = new KMutex();

        [AcquiresLock("this")]
        [NoLockAnalysis] // the lock is this object; the mutex behind it is its implementation
        public void Lock() => _inner.Lock();

        [ReleasesLock("this")]
        [NoLockAnalysis]
        public void Release() => _inner.Unlock();

        public void AssertHeld() => _inner.AssertHeld();
    }

    public sealed class Port
    {
        public readonly DeviceLock Gate = new DeviceLock();
        private int _sent;

        [GuardedBy(nameof(Gate))]
        public int Sent
        {
            get { Gate.AssertHeld(); return _sent; }
            set { Gate.AssertHeld(); _sent = value; }
        }

        public void Send()
        {
            Gate.Lock();
            Sent++;
            Gate.Release();
        }

        public void Reset()
        {
            Sent = 0;
        }
    }

    public static class Scenario
    {
        public static void Run()
        {
            var port = new Port();
            port.Send();
            new Worker(port.Send).Join();
            port.Reset();
            port.Send();
        }
    }
}
