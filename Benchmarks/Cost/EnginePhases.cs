using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using IommuAnalyzers.Benchmarks.Corpus;
using IommuAnalyzers.Flow;
using IommuAnalyzers.Locking.Inference;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace IommuAnalyzers.Benchmarks.Cost
{
    /// <summary>
    /// Where the lock engine's time goes on a corpus, phase by phase, on one thread, outside the analyzer driver:
    /// binding each body to its operation tree (the compiler's work, which the driver shares with every analyzer), the
    /// pre-scan, building the <see cref="ControlFlowGraph"/>, and the engine's fixed point and replay over it. Emitting
    /// the same compilation gives the scale. Each phase is the sum of its per-body stopwatch readings, in a second round
    /// over a fresh compilation (the first warms the JIT up).
    /// </summary>
    internal static class EnginePhases
    {
        public static int Run(HarnessOptions options, TextWriter output)
        {
            foreach (CorpusKind kind in options.Corpora)
            {
                GeneratedCorpus corpus = CorpusGenerator.Generate(new CorpusSettings(kind, options.Files[0]) { Seed = options.Seed });
                var trees = CorpusCompilation.Parse(corpus);
                Timings timings = default;
                for (int round = 0; round < 2; round++)
                {
                    timings = Measure(CorpusCompilation.Create(corpus, trees), CancellationToken.None);
                }

                double emit = EmitMilliseconds(CorpusCompilation.Create(corpus, trees));
                output.WriteLine($"{kind} corpus, {corpus.Files.Count:N0} files: {timings.Bodies:N0} bodies, {timings.Flowed:N0} past the pre-scan, {timings.Blocks:N0} basic blocks");
                output.WriteLine($"  emit (whole compile)      {emit,10:N1} ms");
                output.WriteLine($"  bind bodies to operations {timings.Bind,10:N1} ms  (compiler work the driver shares)");
                output.WriteLine($"  pre-scan                  {timings.PreScan,10:N1} ms  {Share(timings.PreScan, emit)}  {Megabytes(timings.PreScanBytes)} allocated");
                double fallback = timings.Flowed == 0 ? 0 : 100.0 * (timings.Flowed - timings.Covered) / timings.Flowed;
                output.WriteLine($"  structured pass           {timings.Structured,10:N1} ms  {Share(timings.Structured, emit)}  {Megabytes(timings.StructuredBytes)} allocated  ({timings.Covered:N0} bodies covered, {fallback:N1}% fell back to the graph engine; the time includes the check of the bodies that fell back)");
                output.WriteLine($"    same bodies, graph engine {timings.CoveredGraph + timings.CoveredEngine,8:N1} ms  (graphs {timings.CoveredGraph:N1} + fixed point {timings.CoveredEngine:N1}: the reference, not paid by the analyzer)");
                output.WriteLine("    fell back for: " + string.Join(", ", timings.FallbackReasons!.OrderByDescending(r => r.Value).Take(8).Select(r => r.Key + " " + r.Value.ToString("N0", System.Globalization.CultureInfo.InvariantCulture))));
                output.WriteLine($"  fallback: graphs          {timings.Graph,10:N1} ms  {Share(timings.Graph, emit)}");
                output.WriteLine($"  fallback: fixed point     {timings.Engine,10:N1} ms  {Share(timings.Engine, emit)}  {Megabytes(timings.EngineBytes)} allocated");
                output.WriteLine($"  inference: collect sites  {timings.Collect,10:N1} ms  {Share(timings.Collect, emit)}  {Megabytes(timings.CollectBytes)} allocated  ({timings.Events:N0} engine events)");
                output.WriteLine($"  inference: solve          {timings.Solve,10:N1} ms  {Share(timings.Solve, emit)}");
            }

            return 0;
        }

        private static string Megabytes(long bytes) => (bytes / 1e6).ToString("N1", System.Globalization.CultureInfo.InvariantCulture) + " MB";

        private static string Share(double milliseconds, double emit) => (100 * milliseconds / emit).ToString("N1", System.Globalization.CultureInfo.InvariantCulture) + "% of emit";

        private struct Timings
        {
            public int Bodies;
            public int Flowed;
            public int Blocks;
            public double Bind;
            public double PreScan;
            public double Graph;
            public double Engine;
            public int Covered;
            public double Structured;
            public double CoveredGraph;
            public double CoveredEngine;
            public Dictionary<string, int> FallbackReasons;
            public double Collect;
            public long PreScanBytes;
            public long StructuredBytes;
            public long EngineBytes;
            public long CollectBytes;
            public double Solve;
            public long Events;
        }

        private static Timings Measure(CSharpCompilation compilation, CancellationToken cancellationToken)
        {
            var timings = new Timings { FallbackReasons = new Dictionary<string, int>(StringComparer.Ordinal) };
            IommuSymbols? symbols = IommuSymbols.TryCreate(compilation);
            LockFlowContext? flow = symbols != null && symbols.HasLockModel ? new LockFlowContext(symbols.LockModel, inferGuards: true) : null;
            GuardInference? inference = flow != null ? GuardInference.Create(flow) : null;
            var clock = new Stopwatch();
            foreach (SyntaxTree tree in compilation.SyntaxTrees)
            {
                SemanticModel model = compilation.GetSemanticModel(tree);
                foreach (BaseMethodDeclarationSyntax declaration in tree.GetRoot(cancellationToken).DescendantNodes().OfType<BaseMethodDeclarationSyntax>())
                {
                    if (declaration.Body == null && declaration.ExpressionBody == null)
                    {
                        continue;
                    }

                    timings.Bodies++;
                    clock.Restart();
                    IOperation? root = model.GetOperation(declaration, cancellationToken);
                    ISymbol? owner = model.GetDeclaredSymbol(declaration, cancellationToken);
                    timings.Bind += clock.Elapsed.TotalMilliseconds;
                    if (root == null || owner == null || flow == null)
                    {
                        continue;
                    }

                    clock.Restart();
                    long allocated = GC.GetAllocatedBytesForCurrentThread();
                    var unguarded = new List<IOperation>();
                    bool touches = flow.TouchesLocks(root, owner, unguarded);
                    timings.PreScan += clock.Elapsed.TotalMilliseconds;
                    timings.PreScanBytes += GC.GetAllocatedBytesForCurrentThread() - allocated;
                    if (!touches)
                    {
                        clock.Restart();
                        inference!.CollectUnlocked(owner, unguarded, model);
                        timings.Collect += clock.Elapsed.TotalMilliseconds;
                        continue;
                    }

                    timings.Flowed++;
                    clock.Restart();
                    allocated = GC.GetAllocatedBytesForCurrentThread();
                    LockFlowResult? structured = LockFlowAnalysis.TryAnalyzeStructured(root, owner, flow, cancellationToken);
                    timings.Structured += clock.Elapsed.TotalMilliseconds;
                    timings.StructuredBytes += GC.GetAllocatedBytesForCurrentThread() - allocated;
                    if (structured != null)
                    {
                        // The same body through the graph engine as well, for the side-by-side figure; the inference
                        // collects what the analyzer would use, the structured result.
                        timings.Covered++;
                        timings.Events += structured.Events.Length;
                        clock.Restart();
                        ControlFlowGraph reference = LockFlowAnalysis.GraphOf(root, cancellationToken)!;
                        timings.CoveredGraph += clock.Elapsed.TotalMilliseconds;
                        clock.Restart();
                        LockFlowAnalysis.Analyze(reference, owner, flow, cancellationToken);
                        timings.CoveredEngine += clock.Elapsed.TotalMilliseconds;
                        clock.Restart();
                        allocated = GC.GetAllocatedBytesForCurrentThread();
                        inference!.Collect(structured, model);
                        timings.Collect += clock.Elapsed.TotalMilliseconds;
                        timings.CollectBytes += GC.GetAllocatedBytesForCurrentThread() - allocated;
                        continue;
                    }

                    string reason = FallbackReason(root, flow, model);
                    timings.FallbackReasons[reason] = timings.FallbackReasons.TryGetValue(reason, out int seen) ? seen + 1 : 1;
                    clock.Restart();
                    ControlFlowGraph? graph = LockFlowAnalysis.GraphOf(root, cancellationToken);
                    timings.Graph += clock.Elapsed.TotalMilliseconds;
                    if (graph == null)
                    {
                        continue;
                    }

                    timings.Blocks += graph.Blocks.Length;
                    clock.Restart();
                    allocated = GC.GetAllocatedBytesForCurrentThread();
                    LockFlowResult result = LockFlowAnalysis.Analyze(graph, owner, flow, cancellationToken);
                    timings.Engine += clock.Elapsed.TotalMilliseconds;
                    timings.EngineBytes += GC.GetAllocatedBytesForCurrentThread() - allocated;
                    timings.Events += result.Events.Length;
                    clock.Restart();
                    inference!.Collect(result, model);
                    timings.Collect += clock.Elapsed.TotalMilliseconds;
                }
            }

            if (inference != null)
            {
                clock.Restart();
                inference.Solve(cancellationToken);
                timings.Solve += clock.Elapsed.TotalMilliseconds;
            }

            return timings;
        }

        /// <summary>What sent a body to the graph engine: the kind of the first operation the structured pass does not model.</summary>
        private static string FallbackReason(IOperation root, LockFlowContext flow, SemanticModel model)
        {
            IOperation? unmodeled = StructuredSubset.FirstUnmodeled(root, flow, model);
            return unmodeled switch
            {
                null => "reassigned variables",
                IInvocationOperation invocation => "call " + invocation.TargetMethod.ContainingType.Name + "." + invocation.TargetMethod.Name,
                _ => unmodeled.Kind.ToString(),
            };
        }

        private static double EmitMilliseconds(CSharpCompilation compilation)
        {
            Stopwatch clock = Stopwatch.StartNew();
            using var stream = new MemoryStream();
            compilation.Emit(stream);
            return clock.Elapsed.TotalMilliseconds;
        }
    }
}
