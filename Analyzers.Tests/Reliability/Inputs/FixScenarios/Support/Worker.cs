// Shared by the fix scenarios: every scenario project is its file plus the files of this folder
// (CorpusSources.FixScenarios), so a second thread is written once.
using System;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace FixScenarios
{
    /// <summary>A second thread; what it throws is rethrown by Join() (unhandled, it would end the process).</summary>
    public sealed class Worker
    {
        private readonly Thread _thread;
        private Exception? _failure;

        public Worker(Action body)
        {
            _thread = new Thread(() => { try { body(); } catch (Exception e) { _failure = e; } }) { IsBackground = true };
            _thread.Start();
        }

        public bool Finished(int milliseconds) => _thread.Join(milliseconds);

        public void Join()
        {
            if (!_thread.Join(3000))
            {
                throw new TimeoutException("the second thread did not finish: deadlock");
            }

            if (_failure != null)
            {
                ExceptionDispatchInfo.Capture(_failure).Throw();
            }
        }
    }
}
