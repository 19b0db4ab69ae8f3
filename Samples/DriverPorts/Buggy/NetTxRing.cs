using Iommu;

namespace DriverPorts.Buggy
{
    /// <summary>
    /// A NIC's transmit ring as a port from C leaves it: <c>spin_lock(&amp;ring->lock)</c> turned into
    /// <c>_ringLock.Lock()</c>, and not one <c>[GuardedBy]</c>. The inference reads the code's own locking: the
    /// counters are written under <c>_ringLock</c>, so the statistics read that skips it is a race, and the reclaim
    /// helper relies on its callers' lock without saying so. Not run by Program (it has no ownership behaviour).
    /// </summary>
    internal sealed class NetTxRing
    {
        private readonly KMutex _ringLock = new KMutex();
        private int _txHead;
        private int _txTail;
        private long _txPackets;

        public void Xmit()
        {
            _ringLock.Lock();
            _txHead++;
            _txPackets++;
            Reclaim();
            _ringLock.Unlock();
        }

        public void Complete()
        {
            using (_ringLock.Guard())
            {
                _txTail++;
                Reclaim();
            }
        }

        public int Pending()
        {
            using (_ringLock.Guard())
            {
                return _txHead - _txTail;
            }
        }

        public long Stats()
        {
            using (_ringLock.Guard())
            {
                return _txPackets;
            }
        }

        public long PacketsForEthtool() => _txPackets; // BUG(IOMMU0109): read without _ringLock, which every other access of _txPackets holds

        private void Reclaim() // BUG(IOMMU0110): both callers hold _ringLock, which this needs for the ring indices; say so with [RequiresLock]
        {
            if (_txHead - _txTail > 255)
            {
                _txTail = _txHead;
            }
        }
    }
}
