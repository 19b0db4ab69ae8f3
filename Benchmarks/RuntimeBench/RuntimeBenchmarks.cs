using System.Threading;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Iommu;

namespace IommuAnalyzers.Benchmarks.RuntimeBench
{
    /// <summary>`runtime` mode: BenchmarkDotNet micro-benchmarks of the ownership runtime.</summary>
    internal static class RuntimeBenchmarks
    {
        public static int Run(string[] args)
        {
            // In-process: no generated project to build, and the numbers are of this exact Release build.
            IConfig config = DefaultConfig.Instance
                .AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(5).WithIterationCount(15).WithId("InProcess"))
                .AddColumn(BaselineRatioColumn.RatioMean)
                .WithOptions(ConfigOptions.DisableOptimizationsValidator);
            var summaries = BenchmarkSwitcher.FromTypes(new[] { typeof(UncontendedBenchmarks), typeof(ContendedBenchmarks) }).Run(args.Length == 0 ? new[] { "--filter", "*" } : args, config);
            foreach (var summary in summaries)
            {
                if (summary.HasCriticalValidationErrors)
                {
                    return 1;
                }
            }

            return 0;
        }
    }

    /// <summary>One thread: what a probe/remove path pays per call when nobody else touches the group.</summary>
    public class UncontendedBenchmarks
    {
        private readonly object _gate = new object();
        private readonly object _inner = new object();
        private readonly KMutex _mutex = new KMutex(lockClass: "bench.outer");
        private readonly KMutex _innerMutex = new KMutex(lockClass: "bench.inner");
        private Device _device = null!;
        private int _counter;

        [GlobalSetup]
        public void Setup()
        {
            _device = new Device("bench0", new IommuGroup(1));
        }

        /// <summary>The floor: a monitor enter/exit pair around one increment.</summary>
        [Benchmark(Baseline = true)]
        public int BareLockPair()
        {
            lock (_gate)
            {
                return ++_counter;
            }
        }

        /// <summary>mutex_lock()/mutex_unlock() with the recursion and ownership checks.</summary>
        [Benchmark]
        public int KMutexLockUnlock()
        {
            _mutex.Lock();
            int value = ++_counter;
            _mutex.Unlock();
            return value;
        }

        /// <summary>The same pair with the lock-order check on: the held stack push/pop, nothing held before.</summary>
        [Benchmark]
        public int KMutexLockUnlockLockDepOn()
        {
            _mutex.Lock();
            int value = ++_counter;
            _mutex.Unlock();
            return value;
        }

        /// <summary>The floor for nesting: two monitors, one inside the other.</summary>
        [Benchmark]
        public int BareNestedLockPair()
        {
            lock (_gate)
            {
                lock (_inner)
                {
                    return ++_counter;
                }
            }
        }

        /// <summary>Two KMutexes nested with the check on: the inner lock looks up its (known) dependency.</summary>
        [Benchmark]
        public int KMutexNestedLockDepOn()
        {
            _mutex.Lock();
            _innerMutex.Lock();
            int value = ++_counter;
            _innerMutex.Unlock();
            _mutex.Unlock();
            return value;
        }

        [GlobalSetup(Targets = new[] { nameof(KMutexLockUnlockLockDepOn), nameof(KMutexNestedLockDepOn) })]
        public void LockDepOn()
        {
            Setup();
            LockDep.Enabled = true;
        }

        [GlobalCleanup(Targets = new[] { nameof(KMutexLockUnlockLockDepOn), nameof(KMutexNestedLockDepOn) })]
        public void LockDepOff() => LockDep.Enabled = false;

        /// <summary>iommu_device_use_dma_api() + iommu_device_unuse_dma_api(): two group-lock sections with lockdep-style checks.</summary>
        [Benchmark]
        public int UseUnuseDmaApiPair()
        {
            int ret = IommuCore.DeviceUseDmaApi(_device);
            IommuCore.DeviceUnuseDmaApi(_device);
            return ret;
        }
    }

    /// <summary>Two threads hammering one group (or one lock), per pair.</summary>
    public class ContendedBenchmarks
    {
        private const int PairsPerThread = 20_000;
        private readonly object _gate = new object();
        private Device _device0 = null!;
        private Device _device1 = null!;
        private int _counter;

        [GlobalSetup]
        public void Setup()
        {
            var group = new IommuGroup(2);
            _device0 = new Device("bench0", group);
            _device1 = new Device("bench1", group);
        }

        [Benchmark(Baseline = true, OperationsPerInvoke = 2 * PairsPerThread)]
        public void ContendedBareLockPair() => OnTwoThreads(() =>
        {
            for (int i = 0; i < PairsPerThread; i++)
            {
                lock (_gate)
                {
                    _counter++;
                }
            }
        }, null);

        [Benchmark(OperationsPerInvoke = 2 * PairsPerThread)]
        public void ContendedUseUnuseDmaApiPair() => OnTwoThreads(() => UseUnuse(_device0), () => UseUnuse(_device1));

        private static void UseUnuse(Device device)
        {
            for (int i = 0; i < PairsPerThread; i++)
            {
                if (IommuCore.DeviceUseDmaApi(device) == 0)
                {
                    IommuCore.DeviceUnuseDmaApi(device);
                }
            }
        }

        private static void OnTwoThreads(System.Action first, System.Action? second)
        {
            using var start = new Barrier(2);
            var other = new Thread(() =>
            {
                start.SignalAndWait();
                (second ?? first)();
            });
            other.Start();
            start.SignalAndWait();
            first();
            other.Join();
        }
    }
}
