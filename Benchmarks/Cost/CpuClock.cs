using System;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace IommuAnalyzers.Benchmarks.Cost
{
    /// <summary>
    /// CPU time consumed by this process (all threads, GC included). On a shared machine wall time also counts the
    /// time other processes held the cores; CPU time does not, so ratios of CPU times stay meaningful under load.
    /// </summary>
    internal static class CpuClock
    {
        private const int ClockProcessCpuTimeId = 2; // CLOCK_PROCESS_CPUTIME_ID

        private static readonly bool s_useClockGettime = RuntimeInformation.IsOSPlatform(OSPlatform.Linux) && Probe();

        public static double NowMs()
        {
            if (s_useClockGettime && clock_gettime(ClockProcessCpuTimeId, out Timespec ts) == 0)
            {
                return ts.Seconds * 1000.0 + ts.Nanoseconds / 1_000_000.0;
            }

            // Elsewhere: the portable counter (10 ms ticks on some systems).
            return Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds;
        }

        private static bool Probe()
        {
            try
            {
                return clock_gettime(ClockProcessCpuTimeId, out _) == 0;
            }
            catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException)
            {
                return false;
            }
        }

        [DllImport("libc", EntryPoint = "clock_gettime")]
        private static extern int clock_gettime(int clockId, out Timespec timespec);

        [StructLayout(LayoutKind.Sequential)]
        private struct Timespec
        {
            public long Seconds;
            public long Nanoseconds;
        }
    }
}
