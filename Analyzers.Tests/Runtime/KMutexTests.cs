using System;
using System.Threading;
using Iommu;
using Xunit;

namespace IommuAnalyzers.Tests.Runtime
{
    public class KMutexTests
    {
        [Fact]
        public void LockThenUnlock_TracksTheHolder()
        {
            var m = new KMutex();
            Assert.False(m.IsHeldByCurrentThread);
            m.Lock();
            Assert.True(m.IsHeldByCurrentThread);
            m.Unlock();
            Assert.False(m.IsHeldByCurrentThread);
        }

        [Fact]
        public void Lock_ByTheHolder_ThrowsLockRecursion_AndStaysHeldOnce()
        {
            var m = new KMutex();
            m.Lock();
            Assert.Throws<LockRecursionException>(() => m.Lock());
            m.Unlock();

            // Held once, not twice: after one unlock another thread can take it.
            Assert.True(OtherThread.Run(() =>
            {
                bool taken = m.TryLock();
                if (taken)
                {
                    m.Unlock();
                }

                return taken;
            }));
        }

        [Fact]
        public void Guard_ByTheHolder_ThrowsLockRecursion()
        {
            var m = new KMutex();
            using (m.Guard())
            {
                Assert.Throws<LockRecursionException>(() => m.Guard());
            }

            Assert.False(m.IsHeldByCurrentThread);
        }

        [Fact]
        public void TryLock_ByTheHolder_ThrowsLockRecursion()
        {
            // Like lockdep, a recursive trylock is reported rather than silently nested.
            var m = new KMutex();
            m.Lock();
            Assert.Throws<LockRecursionException>(() => m.TryLock());
            m.Unlock();
            Assert.False(m.IsHeldByCurrentThread);
        }

        [Fact]
        public void Unlock_WhenFree_ThrowsSynchronizationLock()
        {
            var m = new KMutex();
            Assert.Throws<SynchronizationLockException>(() => m.Unlock());
        }

        [Fact]
        public void Unlock_ByANonHolder_ThrowsSynchronizationLock_AndTheHolderKeepsIt()
        {
            var m = new KMutex();
            m.Lock();
            Exception? thrown = OtherThread.Catch(() => m.Unlock());
            Assert.IsType<SynchronizationLockException>(thrown);
            Assert.True(m.IsHeldByCurrentThread);
            Assert.False(OtherThread.Run(() => m.TryLock()));
            m.Unlock();
        }

        [Fact]
        public void TryLock_FreeTakesIt_HeldElsewhereFails()
        {
            var m = new KMutex();
            Assert.True(m.TryLock());
            Assert.True(m.IsHeldByCurrentThread);
            Assert.False(OtherThread.Run(() => m.TryLock()));
            Assert.False(OtherThread.Run(() => m.IsHeldByCurrentThread));
            m.Unlock();
            Assert.True(OtherThread.Run(() =>
            {
                bool taken = m.TryLock();
                bool held = m.IsHeldByCurrentThread;
                m.Unlock();
                return taken && held;
            }));
        }

        [Fact]
        public void IsHeldByCurrentThread_IsPerThread()
        {
            var m = new KMutex();
            using var ready = new ManualResetEventSlim();
            using var done = new ManualResetEventSlim();
            var holder = new Thread(() =>
            {
                m.Lock();
                ready.Set();
                done.Wait();
                m.Unlock();
            });
            holder.Start();
            ready.Wait();

            Assert.False(m.IsHeldByCurrentThread);
            Assert.False(m.TryLock());
            Assert.Throws<SynchronizationLockException>(() => m.AssertHeld());

            done.Set();
            holder.Join();
            m.Lock();
            Assert.True(m.IsHeldByCurrentThread);
            m.Unlock();
        }

        [Fact]
        public void Guard_LocksAndDisposeUnlocksOnce()
        {
            var m = new KMutex();
            MutexGuard guard = m.Guard();
            Assert.True(m.IsHeldByCurrentThread);
            guard.Dispose();
            Assert.False(m.IsHeldByCurrentThread);

            // A second Dispose must not release a hold taken since.
            m.Lock();
            guard.Dispose();
            Assert.True(m.IsHeldByCurrentThread);
            m.Unlock();

            // A default guard holds nothing.
            default(MutexGuard).Dispose();
            Assert.False(m.IsHeldByCurrentThread);
        }

        [Fact]
        public void Guard_ReleasesOnException()
        {
            var m = new KMutex();
            Action body = () =>
            {
                using var _ = m.Guard();
                throw new InvalidOperationException();
            };
            Assert.Throws<InvalidOperationException>(body);
            Assert.False(m.IsHeldByCurrentThread);
        }

        [Fact]
        public void AssertHeld_ThrowsUnlessHeld()
        {
            var m = new KMutex();
            Assert.Throws<SynchronizationLockException>(() => m.AssertHeld());
            using (m.Guard())
            {
                m.AssertHeld();
            }

            Assert.Throws<SynchronizationLockException>(() => m.AssertHeld());
        }

        [Fact]
        public void Lock_ExcludesOtherThreads()
        {
            var m = new KMutex();
            int counter = 0;
            int inside = 0;
            bool overlapped = false;
            var threads = new Thread[4];
            for (int t = 0; t < threads.Length; t++)
            {
                threads[t] = new Thread(() =>
                {
                    for (int i = 0; i < 20_000; i++)
                    {
                        m.Lock();
                        if (Interlocked.Increment(ref inside) != 1)
                        {
                            overlapped = true;
                        }

                        counter++; // a plain read-modify-write: lost updates show up without exclusion
                        Interlocked.Decrement(ref inside);
                        m.Unlock();
                    }
                });
                threads[t].Start();
            }

            foreach (Thread thread in threads)
            {
                thread.Join();
            }

            Assert.False(overlapped);
            Assert.Equal(4 * 20_000, counter);
        }
    }
}
