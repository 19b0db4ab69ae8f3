using System;
using System.Threading;
using Iommu;

namespace LegacyPortUnannotated
{
    /// <summary>What ndo_get_stats64() reports for the TX side.</summary>
    internal readonly struct TxStats
    {
        public TxStats(long packets, long bytes, long dropped, int inFlight)
        {
            Packets = packets;
            Bytes = bytes;
            Dropped = dropped;
            InFlight = inFlight;
        }

        public long Packets { get; }

        public long Bytes { get; }

        public long Dropped { get; }

        public int InFlight { get; }
    }

    /// <summary>
    /// The TX side of a small NIC, ported from drivers/net/ethernet/realtek/8139too.c: four descriptors, a producer
    /// index (cur_tx) advanced by start_xmit and a consumer index (dirty_tx) advanced by the TX interrupt, both under
    /// tp->lock together with the TX counters. The port kept the driver's explicit lock/unlock and goto unwinding and
    /// carries no lock annotation yet.
    /// </summary>
    internal sealed class TxRing
    {
        public const int NumTxDesc = 4;          // NUM_TX_DESC
        private const int TxBufSize = 1792;      // TX_BUF_SIZE: the bounce buffer of one descriptor
        private const int EthZlen = 60;          // ETH_ZLEN: shorter frames are padded
        private const int SizeMask = 0x1fff;     // the length bits of a TxStatus word

        private readonly KMutex _lock = new KMutex(lockClass: "rtl8139_private.lock"); // tp->lock

        // TxStatus0..3 as the driver last wrote them (the device's registers in the original).
        private readonly int[] _txStatus = new int[NumTxDesc];

        // tp->tx_flag, the early-TX threshold: fixed at probe in this port (the kernel raises it on a FIFO underrun,
        // which the simulated device never has), so it needs no lock although start_xmit reads it under tp->lock.
        private int _txFlag;

        // netif_running(): written under tp->lock by open/stop, read lock-free by the interrupt handler.
        private volatile bool _running;

        // An atomic_t: only ever touched with Interlocked, inside tp->lock or not.
        private int _txTimeouts;

        private int _curTx;       // tp->cur_tx
        private int _dirtyTx;     // tp->dirty_tx
        private bool _queueStopped; // netif_queue_stopped()
        private long _txPackets;  // dev->stats.tx_packets
        private long _txBytes;    // dev->stats.tx_bytes
        private long _txDropped;  // dev->stats.tx_dropped

        public TxRing(int txFifoThresh)
        {
            _txFlag = (txFifoThresh << 11) & 0x003f0000;
        }

        /// <summary>The number of TX timeouts since the last open (read without the lock: an atomic_read()).</summary>
        public int TxTimeouts => Volatile.Read(ref _txTimeouts);

        /// <summary>rtl8139_open(): an empty ring, the counters from zero, the queue running.</summary>
        public int Open()
        {
            int ret = 0;

            _lock.Lock();
            if (_running)
            {
                ret = -Errno.EBUSY;
                goto out_unlock;
            }

            // rtl8139_init_ring()
            _curTx = 0;
            _dirtyTx = 0;
            _queueStopped = false;
            _txPackets = 0;
            _txBytes = 0;
            _txDropped = 0;
            Interlocked.Exchange(ref _txTimeouts, 0);
            _running = true;

        out_unlock:
            _lock.Unlock();
            return ret;
        }

        /// <summary>rtl8139_close(): stops the queue and says what this session sent.</summary>
        public string Stop()
        {
            _lock.Lock();
            _running = false;
            string summary = _txPackets + " packets, " + _txBytes + " bytes";
            _lock.Unlock();
            return summary;
        }

        /// <summary>
        /// rtl8139_start_xmit(): takes a descriptor under tp->lock, copies the frame into its bounce buffer without
        /// the lock (the copy may sleep), then hands the descriptor to the device.
        /// </summary>
        public int StartXmit(int len)
        {
            int ret;
            int entry;

            _lock.Lock();
            if (!_running)
            {
                _txDropped++;
                ret = -Errno.ENODEV;
                goto out_unlock;
            }

            if (_queueStopped)
            {
                ret = -Errno.EBUSY; // NETDEV_TX_BUSY
                goto out_unlock;
            }

            entry = _curTx % NumTxDesc;
            _curTx++;
            if (TxFree() == 0)
            {
                _queueStopped = true; // netif_stop_queue(): until the interrupt frees a descriptor
            }

            _lock.Unlock();

            ret = CopyToBounce(len);
            if (ret != 0)
            {
                goto err_unwind;
            }

            _lock.Lock();
            _txStatus[entry] = _txFlag | Math.Max(len, EthZlen);
            _lock.Unlock();
            return 0;

        err_unwind:
            // Give the descriptor back and count the frame as dropped, as the port found it: without tp->lock, and
            // by moving cur_tx back although another start_xmit may have taken the next descriptor meanwhile.
            _curTx--;
            _txDropped++;
            return ret;

        out_unlock:
            _lock.Unlock();
            return ret;
        }

        /// <summary>
        /// rtl8139_tx_interrupt(): reclaims up to <paramref name="completed"/> descriptors the device has sent.
        /// </summary>
        /// <param name="completed">How many descriptors the device reports sent.</param>
        /// <param name="woken">Whether a stopped queue was started again (netif_wake_queue()).</param>
        /// <returns>How many it reclaimed.</returns>
        public int TxInterrupt(int completed, out bool woken)
        {
            woken = false;

            // The lock-free early exit of an interrupt on a stopped device: _running is volatile.
            if (!_running)
            {
                return 0;
            }

            int reclaimed = 0;
            _lock.Lock();
            while (reclaimed < completed && ReclaimOne())
            {
                reclaimed++;
            }

            if (_queueStopped && TxFree() > 0)
            {
                _queueStopped = false;
                woken = true;
            }

            _lock.Unlock();
            return reclaimed;

            // One descriptor the device has sent: count its frame and free the slot. Runs with tp->lock held by the
            // loop above, its only caller.
            bool ReclaimOne()
            {
                int dirty = _dirtyTx;
                if (dirty == _curTx)
                {
                    return false;
                }

                int entry = dirty % NumTxDesc;
                int status = _txStatus[entry];
                _txStatus[entry] = 0;
                _txPackets++;
                _txBytes += status & SizeMask;
                _dirtyTx = dirty + 1;
                return true;
            }
        }

        /// <summary>rtl8139_tx_timeout(): the watchdog found the queue stuck; the frames in flight are lost.</summary>
        public void TxTimeout()
        {
            _lock.Lock();
            Interlocked.Increment(ref _txTimeouts);

            // rtl8139_tx_clear()
            _txDropped += _curTx - _dirtyTx;
            for (int i = 0; i < NumTxDesc; i++)
            {
                _txStatus[i] = 0;
            }

            _curTx = 0;
            _dirtyTx = 0;
            _queueStopped = false;
            _lock.Unlock();
        }

        /// <summary>rtl8139_get_stats64(): one consistent snapshot, taken under tp->lock.</summary>
        public TxStats GetStats()
        {
            _lock.Lock();
            var stats = new TxStats(_txPackets, _txBytes, _txDropped, _curTx - _dirtyTx);
            _lock.Unlock();
            return stats;
        }

        /// <summary>
        /// get_ethtool_stats(): ported from a driver that keeps its counters in u64_stats_sync; here they are plain
        /// fields under tp->lock, and the port reads them without it.
        /// </summary>
        public string EthtoolStats()
        {
            return "tx_packets " + _txPackets + ", tx_bytes " + _txBytes;
        }

        /// <summary>What the probe message prints: the threshold never changes after probe, so no lock.</summary>
        public string Describe()
        {
            return "tx_flag 0x" + _txFlag.ToString("x8", System.Globalization.CultureInfo.InvariantCulture) + ", " + NumTxDesc + " descriptors";
        }

        // TX_AVAIL(): the free descriptors. Every caller holds tp->lock.
        private int TxFree()
        {
            return NumTxDesc - (_curTx - _dirtyTx);
        }

        // The copy into the descriptor's bounce buffer (skb_copy_and_csum_dev()): a frame longer than the buffer is refused.
        private static int CopyToBounce(int len)
        {
            return len > TxBufSize ? -Errno.EINVAL : 0;
        }
    }
}
