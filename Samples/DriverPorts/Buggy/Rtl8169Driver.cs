using System.Collections.Generic;
using System.Threading.Tasks;
using Iommu;

namespace DriverPorts.Buggy
{
    /// <summary>
    /// A NIC port after drivers/net/ethernet/realtek/r8169_main.c, correct about DMA ownership (it keeps the driver
    /// core's auto-claim) but with the locking mistakes that driver ports make with their own state: the counters and
    /// the receive mode are guarded by the driver's work mutex (<c>tp-&gt;wk.mutex</c>). Not run by Program: the bugs
    /// would not throw here (the driver's own state has no run-time lock check), which is why static checking matters.
    /// </summary>
    internal sealed class Rtl8169Driver : DeviceDriver
    {
        private const int RxConfigAcceptBroadcast = 0x08;
        private const int RxConfigAcceptMulticast = 0x04;
        private const int RxConfigAcceptMyPhys = 0x02;
        private const int RxConfigAcceptAllPhys = 0x01;

        // tp->wk.mutex
        private readonly KMutex _lock = new KMutex();

        [GuardedBy(nameof(_lock))]
        private readonly HashSet<Device> _up = new HashSet<Device>();

        // tp->counters: rx_missed
        [GuardedBy(nameof(_lock))]
        private long _rxMissed;

        [GuardedBy("_lcok")] // BUG(IOMMU0106): "_lcok" names no member; the lock is _lock
        private int _multicastFilterBits;

        // The RxConfig register as last written (MMIO in the kernel, a plain field here).
        private int _rxConfigRegister;

        [ExcludesLock(nameof(_lock))]
        public override int Probe(Device dev)
        {
            using (_lock.Guard())
            {
                _up.Add(dev);
                _multicastFilterBits = 0;
            }

            return 0;
        }

        [ExcludesLock(nameof(_lock))]
        public override void Remove(Device dev)
        {
            using (_lock.Guard())
            {
                _up.Remove(dev);
            }
        }

        /// <summary>rtl8169_interrupt(): the hardware reports missed packets.</summary>
        public void RxMissedInterrupt(int missed)
        {
            _rxMissed += missed; // BUG(IOMMU0100): tp->counters updated from the interrupt path without tp->wk.mutex
        }

        /// <summary>rtl_reset_work(): the reset worker restarts the chip.</summary>
        public void ResetWork()
        {
            RestartLocked(); // BUG(IOMMU0104): rtl_hw_start() requires tp->wk.mutex; the worker never took it
        }

        /// <summary>
        /// rtl_set_rx_mode(): also called from the reset path, which already holds the mutex, so the port takes it
        /// "only when the caller does not", a conditional lock no per-path analysis can follow.
        /// </summary>
        public void SetRxMode(bool promiscuous, bool callerHoldsLock)
        {
            int mode = RxConfigAcceptBroadcast | RxConfigAcceptMyPhys | (promiscuous ? RxConfigAcceptAllPhys | RxConfigAcceptMulticast : 0);

            if (!callerHoldsLock)
            {
                _lock.Lock();
            }

            _rxConfigRegister = mode; // BUG(IOMMU0105): the paths join here with tp->wk.mutex held on one of them only

            if (!callerHoldsLock)
            {
                _lock.Unlock();
            }
        }

        /// <summary>
        /// rtl8169_update_counters(): the chip DMAs its tally block to memory and the driver waits for it, then folds
        /// the hardware count into the software one. The kernel sleeps for the DMA with the mutex held, which a task
        /// may do; a C# await may not, as the rest of the method can resume on another thread.
        /// </summary>
        public async Task UpdateCountersAsync(Task<long> tallyDump)
        {
            _lock.Lock();
            long missed = await tallyDump; // BUG(IOMMU0107): waits for the tally DMA holding tp->wk.mutex; Unlock below may run on another thread and throw
            _rxMissed += missed;
            _lock.Unlock();
        }

        /// <summary>The missed-packet counter, for ethtool (rtl8169_get_ethtool_stats()).</summary>
        [ExcludesLock(nameof(_lock))]
        public long RxMissed()
        {
            using (_lock.Guard())
            {
                return _rxMissed;
            }
        }

        /// <summary>The multicast hash filter, for ethtool's register dump.</summary>
        [ExcludesLock(nameof(_lock))]
        public int MulticastFilter()
        {
            using (_lock.Guard())
            {
                return _multicastFilterBits;
            }
        }

        /// <summary>The RxConfig register, for the register dump.</summary>
        public int RxConfig() => _rxConfigRegister;

        // rtl_hw_start(): lockdep_assert_held(&tp->wk.mutex) in spirit.
        [RequiresLock(nameof(_lock))]
        private void RestartLocked()
        {
            _rxMissed = 0;
            _multicastFilterBits = 0;
        }
    }
}
