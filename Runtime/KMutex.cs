using System;
using System.Threading;

namespace Iommu
{
    /// <summary>
    /// A kernel-style sleeping mutex (<c>struct mutex</c>): owned by one thread, not recursive, released only by its owner.
    /// </summary>
    /// <remarks>
    /// Backed by the monitor of a private object, so the uncontended path costs one monitor enter/exit, and
    /// systematic concurrency testers that control monitors (Coyote) can schedule it. The holder is tracked in a
    /// field, like the kernel's <c>mutex->owner</c>, rather than asked of <c>Monitor.IsEntered</c>: Coyote's
    /// controlled monitor throws from <c>IsEntered</c> on an object nobody holds. Recursion, which the monitor
    /// would allow, is refused first, as mutex_lock() under CONFIG_DEBUG_MUTEXES does.
    /// </remarks>
    public sealed class KMutex
    {
        private readonly object _gate = new object();

        // mutex->owner: set right after entering _gate and cleared right before leaving it, so only the holding
        // thread ever finds itself here; other threads may read a stale holder, never themselves.
        private volatile Thread? _holder;

        /// <summary>Whether the calling thread holds the mutex (<c>__mutex_owner(lock) == current</c>; lockdep's view).</summary>
        public bool IsHeldByCurrentThread => _holder == Thread.CurrentThread;

        /// <summary>Takes the mutex, waiting while another thread holds it (<c>mutex_lock()</c>).</summary>
        /// <exception cref="LockRecursionException">The calling thread already holds it.</exception>
        [AcquiresLock(nameof(_gate))]
        public void Lock()
        {
            if (IsHeldByCurrentThread)
            {
                throw new LockRecursionException("KMutex is not recursive: the calling thread already holds it.");
            }

            Monitor.Enter(_gate);
            _holder = Thread.CurrentThread;
        }

        /// <summary>Takes the mutex if it is free (<c>mutex_trylock()</c>).</summary>
        /// <returns><see langword="true"/> when the calling thread now holds it.</returns>
        /// <exception cref="LockRecursionException">The calling thread already holds it.</exception>
        [NoLockAnalysis] // leaves _gate held only when it returns true: a conditional acquire no annotation can state
        public bool TryLock()
        {
            if (IsHeldByCurrentThread)
            {
                throw new LockRecursionException("KMutex is not recursive: the calling thread already holds it.");
            }

            if (!Monitor.TryEnter(_gate))
            {
                return false;
            }

            _holder = Thread.CurrentThread;
            return true;
        }

        /// <summary>Releases the mutex (<c>mutex_unlock()</c>).</summary>
        /// <exception cref="SynchronizationLockException">The calling thread does not hold it.</exception>
        [ReleasesLock(nameof(_gate))]
        [NoLockAnalysis] // refuses (throws) when the caller does not hold it: a run-time check the static rules cannot follow
        public void Unlock()
        {
            if (!IsHeldByCurrentThread)
            {
                throw new SynchronizationLockException("KMutex released by a thread that does not hold it.");
            }

            _holder = null;
            Monitor.Exit(_gate);
        }

        /// <summary>Takes the mutex and returns a guard that releases it when disposed (<c>guard(mutex)</c>).</summary>
        /// <example><code>using var _ = group.Mutex.Guard();</code></example>
        [AcquiresLock("this")]
        public MutexGuard Guard()
        {
            Lock();
            return new MutexGuard(this);
        }

        /// <summary>Throws unless the calling thread holds the mutex (<c>lockdep_assert_held()</c>).</summary>
        /// <exception cref="SynchronizationLockException">The calling thread does not hold it.</exception>
        public void AssertHeld()
        {
            if (!IsHeldByCurrentThread)
            {
                throw new SynchronizationLockException("KMutex must be held by the calling thread here.");
            }
        }
    }

    /// <summary>A held <see cref="KMutex"/>; disposing it releases the mutex once.</summary>
    public struct MutexGuard : IDisposable
    {
        private KMutex? _mutex;

        internal MutexGuard(KMutex mutex)
        {
            _mutex = mutex;
        }

        /// <summary>Releases the mutex; a second call does nothing.</summary>
        [NoLockAnalysis] // the guard's own bookkeeping: which mutex it still holds is known only at run time
        public void Dispose()
        {
            KMutex? mutex = _mutex;
            _mutex = null;
            mutex?.Unlock();
        }
    }
}
