using System;
using System.Runtime.CompilerServices;
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

        // The lock class, as lockdep keys a mutex_init() site. The constructor only keeps the caller-info strings
        // (compile-time literals, nothing allocated): the class itself is looked up on the first lock taken with
        // the check on, so mutexes made while it is off cost nothing and still get their class later.
        private readonly string? _className;
        private readonly string _file;
        private readonly int _line;
        private LockClass? _class;

        // Whether the holder pushed this mutex on its lockdep held stack; read only by the holder, so a check turned
        // off while the mutex is held still pops it, and one turned on meanwhile never pops what it did not push.
        private bool _tracked;

        // mutex->owner: set right after entering _gate and cleared right before leaving it, so only the holding
        // thread ever finds itself here; other threads may read a stale holder, never themselves.
        private volatile Thread? _holder;

        /// <summary>Creates a free mutex (<c>mutex_init()</c>).</summary>
        /// <param name="lockClass">
        /// The lockdep class name; when omitted, the class is the construction site, so every mutex made by one
        /// <c>new KMutex()</c> (a field initializer, say) is one class, as lockdep keys a <c>mutex_init()</c> site.
        /// </param>
        /// <param name="file">Filled in by the compiler: the construction site's file.</param>
        /// <param name="line">Filled in by the compiler: the construction site's line.</param>
        /// <remarks>
        /// Caller-info attributes key the site at no run-time cost on netstandard2.0: a stack walk per construction
        /// would be slow and would name the wrong frame after inlining.
        /// </remarks>
        public KMutex(string? lockClass = null, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
        {
            _className = lockClass;
            _file = file;
            _line = line;
        }

        /// <summary>The lock class (a racing first lookup finds the same interned class).</summary>
        internal LockClass Class => _class ??= _className != null ? LockClass.Named(_className) : LockClass.Site(_file, _line);

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

            // lock_acquire(): the dependency is checked before blocking, so an inversion that deadlocks right here is
            // still reported.
            bool track = LockDep.s_enabled;
            if (track)
            {
                LockDepGraph.BeforeAcquire(this);
            }

            Monitor.Enter(_gate);
            _holder = Thread.CurrentThread;
            if (track)
            {
                LockDepGraph.Push(this);
                _tracked = true;
            }
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

            // A trylock cannot deadlock, so it adds no dependency; what is taken while it is held does.
            if (LockDep.s_enabled)
            {
                LockDepGraph.Push(this);
                _tracked = true;
            }

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

            if (_tracked)
            {
                _tracked = false;
                LockDepGraph.Pop(this);
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

        /// <summary>Names the mutex by its lock class, as lockdep's reports do.</summary>
        public override string ToString() => "KMutex " + Class.Name;

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
