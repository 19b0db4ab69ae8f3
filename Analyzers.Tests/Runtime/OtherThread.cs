using System;
using System.Threading;

namespace IommuAnalyzers.Tests.Runtime
{
    /// <summary>
    /// Runs a function on a dedicated thread and waits for it. Not Task.Run: a waited task that has not started yet
    /// may be inlined on the waiting thread, which would defeat a test about which thread holds a lock.
    /// </summary>
    internal static class OtherThread
    {
        public static T Run<T>(Func<T> body)
        {
            T result = default!;
            Exception? failure = null;
            var thread = new Thread(() =>
            {
                try
                {
                    result = body();
                }
                catch (Exception e)
                {
                    failure = e;
                }
            });
            thread.Start();
            if (!thread.Join(TimeSpan.FromSeconds(10)))
            {
                throw new TimeoutException("the other thread did not finish");
            }

            if (failure != null)
            {
                throw new InvalidOperationException("the other thread failed", failure);
            }

            return result;
        }

        /// <summary>Runs <paramref name="body"/> on another thread and returns what it threw, or null.</summary>
        public static Exception? Catch(Action body) => Run<Exception?>(() =>
        {
            try
            {
                body();
                return null;
            }
            catch (Exception e)
            {
                return e;
            }
        });
    }
}
