using System.Collections.Generic;
using System.Threading;
using Iommu;

namespace DriverPorts
{
    /// <summary>
    /// The kernel log the sample drivers write to (printk/dev_info()). One instance per run, so that two runs in one
    /// process (the tests) never see each other's lines; the order of lines is the order of the calls.
    /// </summary>
    internal sealed class Dmesg
    {
        // logbuf_lock: drivers may log from several threads; a System.Threading.Lock, taken with C#'s lock statement.
        private readonly Lock _lock = new Lock();

        [GuardedBy(nameof(_lock))]
        private readonly List<string> _lines = new List<string>();

        /// <summary>dev_info(dev, ...): one line prefixed with the driver and device names.</summary>
        [ExcludesLock(nameof(_lock))]
        public void Info(string driver, Device dev, string message)
        {
            string line = driver + " " + dev.Name + ": " + message;
            lock (_lock)
            {
                _lines.Add(line);
            }
        }

        /// <summary>Takes every line logged since the last call (what `dmesg -c` does).</summary>
        [ExcludesLock(nameof(_lock))]
        public IReadOnlyList<string> Drain()
        {
            lock (_lock)
            {
                string[] lines = _lines.ToArray();
                _lines.Clear();
                return lines;
            }
        }
    }
}
