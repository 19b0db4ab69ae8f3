using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Diagnostics.Telemetry;

namespace IommuAnalyzers.Benchmarks.Cost
{
    /// <summary>One run of a set of analyzers over a fresh compilation.</summary>
    internal sealed class AnalyzerRun
    {
        public double WallMs { get; init; }

        /// <summary>Process CPU time of the whole analysis (compiler work it drives included).</summary>
        public double CpuMs { get; init; }

        /// <summary>Time the process spent paused for garbage collection during the analysis (every thread waits in it, the analyzers' callbacks too).</summary>
        public double GcPauseMs { get; init; }

        /// <summary>Bytes the process allocated during the analysis (compiler and analyzers), in megabytes.</summary>
        public double AllocatedMb { get; init; }

        /// <summary>Sum of the analyzers' own execution time (telemetry with logAnalyzerExecutionTime).</summary>
        public double AnalyzerMs { get; init; }

        public IReadOnlyDictionary<string, double> PerAnalyzerMs { get; init; } = new Dictionary<string, double>();

        public IReadOnlyDictionary<string, int> DiagnosticsById { get; init; } = new Dictionary<string, int>();

        public IReadOnlyList<string> Exceptions { get; init; } = Array.Empty<string>();

        /// <summary>The diagnostics of the IDs the caller asked to keep, to place them against the planted bugs.</summary>
        public IReadOnlyList<Diagnostic> Kept { get; init; } = Array.Empty<Diagnostic>();
    }

    internal static class Measure
    {
        public static double Median(IEnumerable<double> values)
        {
            double[] sorted = values.OrderBy(v => v).ToArray();
            if (sorted.Length == 0)
            {
                return double.NaN;
            }

            int mid = sorted.Length / 2;
            return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
        }

        public static void Quiesce()
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        }

        /// <summary>Compiler diagnostics of a fresh compilation (declaration, binding, flow analysis; no emit).</summary>
        public static (double Ms, double CpuMs, ImmutableArray<Diagnostic> Diagnostics) Compile(Compilation compilation)
        {
            double cpu = CpuClock.NowMs();
            var sw = Stopwatch.StartNew();
            ImmutableArray<Diagnostic> diagnostics = compilation.GetDiagnostics();
            sw.Stop();
            return (sw.Elapsed.TotalMilliseconds, CpuClock.NowMs() - cpu, diagnostics);
        }

        /// <summary>Compiler and analyzer diagnostics together, as a build computes them, with per-analyzer telemetry.</summary>
        public static async Task<AnalyzerRun> AnalyzeAsync(Compilation compilation, ImmutableArray<DiagnosticAnalyzer> analyzers, IReadOnlyCollection<string>? keepIds = null, AnalyzerConfigOptionsProvider? configOptions = null, CancellationToken cancellationToken = default)
        {
            var exceptions = new ConcurrentQueue<string>();
            var options = new CompilationWithAnalyzersOptions(
                configOptions == null ? new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty) : new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty, configOptions),
                onAnalyzerException: (exception, analyzer, diagnostic) => exceptions.Enqueue(analyzer.GetType().Name + ": " + exception.GetType().Name + ": " + exception.Message),
                concurrentAnalysis: true,
                logAnalyzerExecutionTime: true,
                reportSuppressedDiagnostics: false);
            CompilationWithAnalyzers cwa = compilation.WithAnalyzers(analyzers, options);

            // The analysis result carries the per-analyzer telemetry (GetAnalyzerTelemetryInfoAsync after
            // GetAllDiagnosticsAsync reports zero times); computing it binds the whole compilation, as a build does.
            double cpu = CpuClock.NowMs();
            TimeSpan paused = GC.GetTotalPauseDuration();
            long allocated = GC.GetTotalAllocatedBytes();
            var sw = Stopwatch.StartNew();
            AnalysisResult result = await cwa.GetAnalysisResultAsync(cancellationToken).ConfigureAwait(false);
            sw.Stop();
            cpu = CpuClock.NowMs() - cpu;
            double pauseMs = (GC.GetTotalPauseDuration() - paused).TotalMilliseconds;
            double allocatedMb = (GC.GetTotalAllocatedBytes() - allocated) / 1e6;
            ImmutableArray<Diagnostic> diagnostics = result.GetAllDiagnostics();

            var perAnalyzer = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (DiagnosticAnalyzer analyzer in analyzers)
            {
                string name = analyzer.GetType().Name;
                perAnalyzer.TryGetValue(name, out double ms);
                double own = result.AnalyzerTelemetryInfo.TryGetValue(analyzer, out AnalyzerTelemetryInfo? telemetry) ? telemetry.ExecutionTime.TotalMilliseconds : 0;
                perAnalyzer[name] = ms + own;
            }

            return new AnalyzerRun
            {
                WallMs = sw.Elapsed.TotalMilliseconds,
                CpuMs = cpu,
                GcPauseMs = pauseMs,
                AllocatedMb = allocatedMb,
                AnalyzerMs = perAnalyzer.Values.Sum(),
                PerAnalyzerMs = perAnalyzer,
                DiagnosticsById = CountById(diagnostics.Where(d => d.Severity != DiagnosticSeverity.Hidden || d.Id.StartsWith("IOMMU", StringComparison.Ordinal))),
                Exceptions = exceptions.ToArray(),
                Kept = keepIds == null ? Array.Empty<Diagnostic>() : diagnostics.Where(d => keepIds.Contains(d.Id)).ToArray(),
            };
        }

        public static Dictionary<string, int> CountById(IEnumerable<Diagnostic> diagnostics)
        {
            var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
            foreach (Diagnostic d in diagnostics)
            {
                counts.TryGetValue(d.Id, out int n);
                counts[d.Id] = n + 1;
            }

            return new Dictionary<string, int>(counts, StringComparer.Ordinal);
        }
    }
}
