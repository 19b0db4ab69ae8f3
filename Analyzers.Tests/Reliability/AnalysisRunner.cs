using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using IommuAnalyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Diagnostics.Telemetry;

namespace IommuAnalyzers.Tests.Reliability
{
    /// <summary>An analyzer that threw, seen through the exception callback or as an AD0001 diagnostic.</summary>
    internal sealed class AnalyzerFailure
    {
        public AnalyzerFailure(string analyzer, string detail)
        {
            Analyzer = analyzer;
            Detail = detail;
        }

        public string Analyzer { get; }

        public string Detail { get; }

        public override string ToString() => Analyzer + ": " + Detail;
    }

    /// <summary>What one analysis of a compilation produced.</summary>
    internal sealed class AnalysisOutcome
    {
        public AnalysisOutcome(
            ImmutableArray<Diagnostic> analyzerDiagnostics,
            ImmutableArray<AnalyzerFailure> failures,
            ImmutableDictionary<SyntaxTree, TimeSpan> treeTimes,
            TimeSpan compilationTime,
            TimeSpan wallTime)
        {
            AnalyzerDiagnostics = analyzerDiagnostics;
            Failures = failures;
            TreeTimes = treeTimes;
            CompilationTime = compilationTime;
            WallTime = wallTime;
        }

        /// <summary>The analyzers' diagnostics (AD0001 included, if any).</summary>
        public ImmutableArray<Diagnostic> AnalyzerDiagnostics { get; }

        public ImmutableArray<AnalyzerFailure> Failures { get; }

        /// <summary>Analyzer execution time spent on each tree (syntax and semantic actions, symbol actions of its declarations).</summary>
        public ImmutableDictionary<SyntaxTree, TimeSpan> TreeTimes { get; }

        /// <summary>Analyzer time left after the per-tree passes: compilation-start and compilation-end actions.</summary>
        public TimeSpan CompilationTime { get; }

        public TimeSpan WallTime { get; }

        public TimeSpan SlowestTree => TreeTimes.Count == 0 ? TimeSpan.Zero : TreeTimes.Values.Max();

        public IEnumerable<Diagnostic> Iommu => AnalyzerDiagnostics.Where(d => d.Id.StartsWith("IOMMU", StringComparison.Ordinal));
    }

    /// <summary>
    /// Runs analyzers the way the compiler host does (CompilationWithAnalyzers), catching every analyzer exception and
    /// measuring analyzer time per file.
    /// </summary>
    internal static class AnalysisRunner
    {
        public static readonly CSharpParseOptions ParseOptions = new CSharpParseOptions(LanguageVersion.Latest);

        /// <summary>A compilation of the given files against the .NET 10 reference assemblies and the runtime.</summary>
        public static CSharpCompilation Compile(string assemblyName, IEnumerable<CorpusFile> files, CancellationToken cancellationToken = default)
        {
            var trees = files.Select(f => CSharpSyntaxTree.ParseText(f.Text, ParseOptions, f.Name, cancellationToken: cancellationToken)).ToList();
            return CSharpCompilation.Create(SafeName(assemblyName), trees, TestReferences.WithRuntime, CompilationOptionsFor(trees));
        }

        /// <summary>Library output, or a console application when a file has top-level statements (a sample's Program.cs).</summary>
        public static CSharpCompilationOptions CompilationOptionsFor(IEnumerable<SyntaxTree> trees)
        {
            bool topLevel = trees.Any(t => t.GetRoot() is CompilationUnitSyntax unit && unit.Members.OfType<GlobalStatementSyntax>().Any());
            return new CSharpCompilationOptions(topLevel ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable);
        }

        /// <summary>
        /// Analyzes every tree on its own (so its time can be attributed to it), then the whole compilation (which adds
        /// the compilation-end actions and whatever the per-tree passes left).
        /// </summary>
        public static async Task<AnalysisOutcome> RunAsync(Compilation compilation, ImmutableArray<DiagnosticAnalyzer> analyzers, CancellationToken cancellationToken = default)
        {
            var exceptions = new ConcurrentQueue<AnalyzerFailure>();
            var options = new CompilationWithAnalyzersOptions(
                new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
                onAnalyzerException: (exception, analyzer, diagnostic) => exceptions.Enqueue(new AnalyzerFailure(analyzer.GetType().Name, exception.ToString())),
                concurrentAnalysis: false,
                logAnalyzerExecutionTime: true,
                reportSuppressedDiagnostics: false);
            CompilationWithAnalyzers withAnalyzers = compilation.WithAnalyzers(analyzers, options);

            Stopwatch wall = Stopwatch.StartNew();
            var treeTimes = ImmutableDictionary.CreateBuilder<SyntaxTree, TimeSpan>();
            TimeSpan before = await TotalExecutionTimeAsync(withAnalyzers, analyzers, cancellationToken).ConfigureAwait(false);
            foreach (SyntaxTree tree in compilation.SyntaxTrees)
            {
                await withAnalyzers.GetAnalysisResultAsync(tree, cancellationToken).ConfigureAwait(false);
                SemanticModel model = withAnalyzers.Compilation.GetSemanticModel(tree);
                await withAnalyzers.GetAnalysisResultAsync(model, filterSpan: null, cancellationToken).ConfigureAwait(false);
                TimeSpan after = await TotalExecutionTimeAsync(withAnalyzers, analyzers, cancellationToken).ConfigureAwait(false);
                treeTimes[tree] = after - before;
                before = after;
            }

            AnalysisResult result = await withAnalyzers.GetAnalysisResultAsync(cancellationToken).ConfigureAwait(false);
            TimeSpan total = await TotalExecutionTimeAsync(withAnalyzers, analyzers, cancellationToken).ConfigureAwait(false);
            wall.Stop();

            ImmutableArray<Diagnostic> diagnostics = result.GetAllDiagnostics();
            var failures = exceptions.ToList();
            foreach (Diagnostic diagnostic in diagnostics)
            {
                // AD0001: analyzer threw; AD0002: it ran out of its own bounds. Either means it stopped checking.
                if (diagnostic.Id == "AD0001" || diagnostic.Id == "AD0002")
                {
                    failures.Add(new AnalyzerFailure(diagnostic.Id, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture)));
                }
            }

            return new AnalysisOutcome(diagnostics, failures.ToImmutableArray(), treeTimes.ToImmutable(), total - before, wall.Elapsed);
        }

        /// <summary>How long one compilation's analysis may run before it counts as hung.</summary>
        public static readonly TimeSpan HangDeadline = TimeSpan.FromSeconds(60);

        /// <summary>
        /// <see cref="RunAsync"/>, but an analysis still running after <see cref="HangDeadline"/> is cancelled and
        /// reported as a failure instead of stalling the whole test run (an analyzer looping forever without observing
        /// the token keeps its thread, but the run goes on and says so).
        /// </summary>
        public static async Task<AnalysisOutcome> RunWithDeadlineAsync(Compilation compilation, ImmutableArray<DiagnosticAnalyzer> analyzers, CancellationToken cancellationToken = default)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            Task<AnalysisOutcome> run = Task.Run(() => RunAsync(compilation, analyzers, deadline.Token), CancellationToken.None);
            Task finished = await Task.WhenAny(run, Task.Delay(HangDeadline, cancellationToken)).ConfigureAwait(false);
            if (finished == run)
            {
                return await run.ConfigureAwait(false);
            }

            deadline.Cancel();
            _ = run.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            var failure = new AnalyzerFailure("(hang)", "analysis did not finish within " + HangDeadline.TotalSeconds + " s");
            return new AnalysisOutcome(
                ImmutableArray<Diagnostic>.Empty,
                ImmutableArray.Create(failure),
                ImmutableDictionary<SyntaxTree, TimeSpan>.Empty,
                HangDeadline,
                HangDeadline);
        }

        /// <summary>Only the diagnostics (for the fix tests, which measure nothing).</summary>
        public static async Task<ImmutableArray<Diagnostic>> DiagnosticsAsync(Compilation compilation, ImmutableArray<DiagnosticAnalyzer> analyzers, CancellationToken cancellationToken = default)
        {
            var exceptions = new ConcurrentQueue<string>();
            var options = new CompilationWithAnalyzersOptions(
                new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
                onAnalyzerException: (exception, analyzer, diagnostic) => exceptions.Enqueue(analyzer.GetType().Name + ": " + exception),
                concurrentAnalysis: false,
                logAnalyzerExecutionTime: false,
                reportSuppressedDiagnostics: false);
            ImmutableArray<Diagnostic> diagnostics = await compilation.WithAnalyzers(analyzers, options).GetAnalyzerDiagnosticsAsync(cancellationToken).ConfigureAwait(false);
            if (!exceptions.IsEmpty || diagnostics.Any(d => d.Id == "AD0001"))
            {
                throw new InvalidOperationException("Analyzer exception while computing diagnostics:\n" + string.Join("\n", exceptions));
            }

            return diagnostics;
        }

        private static async Task<TimeSpan> TotalExecutionTimeAsync(CompilationWithAnalyzers withAnalyzers, ImmutableArray<DiagnosticAnalyzer> analyzers, CancellationToken cancellationToken)
        {
            TimeSpan total = TimeSpan.Zero;
            foreach (DiagnosticAnalyzer analyzer in analyzers)
            {
                AnalyzerTelemetryInfo info = await withAnalyzers.GetAnalyzerTelemetryInfoAsync(analyzer, cancellationToken).ConfigureAwait(false);
                total += info.ExecutionTime;
            }

            return total;
        }

        private static string SafeName(string name)
        {
            char[] chars = name.Select(c => char.IsLetterOrDigit(c) ? c : '_').ToArray();
            return chars.Length == 0 ? "Corpus" : new string(chars);
        }
    }
}
