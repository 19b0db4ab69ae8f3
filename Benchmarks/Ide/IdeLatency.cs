using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using IommuAnalyzers.Benchmarks.Corpus;
using IommuAnalyzers.Benchmarks.Cost;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Diagnostics.Telemetry;

namespace IommuAnalyzers.Benchmarks.Ide
{
    /// <summary>
    /// `ide` mode: what an editor pays after a keystroke: the analyzers' semantic diagnostics for one document of a
    /// large compilation (CompilationWithAnalyzers.GetAnalysisResultAsync with that document's model and no span, the
    /// call behind GetAnalyzerSemanticDiagnosticsAsync that also returns telemetry), on a fresh compilation and analyzer
    /// driver each time, after the compiler has bound the document.
    /// </summary>
    internal static class IdeLatency
    {
        public static async Task<int> RunAsync(HarnessOptions options, TextWriter output)
        {
            TextWriter log = Console.Error;
            int reps = options.Smoke ? options.Reps : Math.Max(options.Reps, 15);
            GeneratedCorpus corpus = CorpusGenerator.Generate(new CorpusSettings(CorpusKind.Driver, options.IdeFiles) { Seed = options.Seed });
            ImmutableArray<SyntaxTree> trees = CorpusCompilation.Parse(corpus);

            // The driver file closest to the requested length.
            int index = Enumerable.Range(0, corpus.Files.Count).OrderBy(i => Math.Abs(corpus.Files[i].Lines - options.IdeLines)).First();
            CorpusFile document = corpus.Files[index];
            SyntaxTree tree = trees[index];

            // A second document of about the same length, analysed next on the same driver: the per-document cost once
            // the driver of the snapshot is set up (the IDE analyses several documents against one snapshot).
            int index2 = Enumerable.Range(0, corpus.Files.Count).Where(i => i != index).OrderBy(i => Math.Abs(corpus.Files[i].Lines - options.IdeLines)).First();
            SyntaxTree tree2 = trees[index2];
            log.WriteLine($"document {document.Path}: {document.Lines} lines, {document.Methods} methods, in a compilation of {corpus.Files.Count} files ({corpus.TotalLines:N0} lines)");

            var sets = new List<AnalyzerSet> { AnalyzerSet.IommuAnalyzers() };
            if (options.Peers)
            {
                AnalyzerSet? ca2000 = AnalyzerSet.Ca2000Alone(log);
                AnalyzerSet? vsthrd = AnalyzerSet.VsThreadingAll(log);
                if (ca2000 != null)
                {
                    sets.Add(ca2000);
                }

                if (vsthrd != null)
                {
                    sets.Add(vsthrd);
                }
            }

            // The floor: what the analyzer driver pays for a do-nothing operation analyzer on the same document.
            sets.Add(new AnalyzerSet(AnalyzerSet.Floor, ImmutableArray.Create<DiagnosticAnalyzer>(new NoOpOperationAnalyzer()), Array.Empty<KeyValuePair<string, ReportDiagnostic>>(), "one no-op invocation operation action"));

            var samples = sets.ToDictionary(s => s.Name, _ => new List<double>());
            var cpuSamples = sets.ToDictionary(s => s.Name, _ => new List<double>());
            var ownSamples = sets.ToDictionary(s => s.Name, _ => new List<double>());
            var warmSamples = sets.ToDictionary(s => s.Name, _ => new List<double>());
            var bindSamples = new List<double>();
            var counts = new Dictionary<string, int>();
            int exceptions = 0;
            for (int rep = -2; rep < reps; rep++) // two unreported warm-up rounds
            {
                foreach (AnalyzerSet set in sets)
                {
                    Measure.Quiesce();
                    var exceptionLog = new List<string>();
                    var cwaOptions = new CompilationWithAnalyzersOptions(
                        new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
                        onAnalyzerException: (e, a, d) => { lock (exceptionLog) { exceptionLog.Add(a.GetType().Name + ": " + e.Message); } },
                        concurrentAnalysis: true,
                        logAnalyzerExecutionTime: true,
                        reportSuppressedDiagnostics: false);
                    CompilationWithAnalyzers cwa = CorpusCompilation.Create(corpus, trees, set.Options).WithAnalyzers(set.Analyzers, cwaOptions);
                    SemanticModel model = cwa.Compilation.GetSemanticModel(tree);

                    // The compiler's own work for the document (and the compilation's declarations) is done first, as the
                    // IDE's compiler-diagnostics pass would; what is timed next is the analyzers' share.
                    var bind = Stopwatch.StartNew();
                    model.GetDiagnostics();
                    bind.Stop();

                    double cpu = CpuClock.NowMs();
                    var sw = Stopwatch.StartNew();
                    AnalysisResult result = await cwa.GetAnalysisResultAsync(model, null, CancellationToken.None).ConfigureAwait(false);
                    sw.Stop();
                    ImmutableArray<Diagnostic> diagnostics = result.GetAllDiagnostics();
                    double own = result.AnalyzerTelemetryInfo.Values.Sum(t => t.ExecutionTime.TotalMilliseconds);
                    cpu = CpuClock.NowMs() - cpu;

                    SemanticModel model2 = cwa.Compilation.GetSemanticModel(tree2);
                    model2.GetDiagnostics();
                    var warm = Stopwatch.StartNew();
                    await cwa.GetAnalysisResultAsync(model2, null, CancellationToken.None).ConfigureAwait(false);
                    warm.Stop();
                    if (rep >= 0)
                    {
                        warmSamples[set.Name].Add(warm.Elapsed.TotalMilliseconds);
                        samples[set.Name].Add(sw.Elapsed.TotalMilliseconds);
                        cpuSamples[set.Name].Add(cpu);
                        ownSamples[set.Name].Add(own);
                        if (set.Name == AnalyzerSet.Iommu)
                        {
                            bindSamples.Add(bind.Elapsed.TotalMilliseconds);
                            counts = Measure.CountById(diagnostics);
                        }
                    }

                    exceptions += exceptionLog.Count;
                    foreach (string e in exceptionLog.Take(3))
                    {
                        log.WriteLine("  analyzer exception: " + e);
                    }
                }
            }

            var inv = CultureInfo.InvariantCulture;
            double iommuMedian = Measure.Median(samples[AnalyzerSet.Iommu]);
            output.WriteLine();
            output.WriteLine($"One {document.Lines}-line document of a {corpus.Files.Count:N0}-file compilation, median of {reps} (ms):");
            output.WriteLine();
            output.WriteLine("| analyzers | median ms | min ms | max ms | median CPU ms | own callbacks ms | next document, same driver ms |");
            output.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
            output.WriteLine(string.Format(inv, "| compiler: bind the document (context) | {0:F1} | {1:F1} | {2:F1} | - | - | - |", Measure.Median(bindSamples), bindSamples.Min(), bindSamples.Max()));
            foreach (AnalyzerSet set in sets)
            {
                List<double> s = samples[set.Name];
                output.WriteLine(string.Format(inv, "| {0} | {1:F2} | {2:F2} | {3:F2} | {4:F2} | {5:F2} | {6:F2} |", set.Name, Measure.Median(s), s.Min(), s.Max(), Measure.Median(cpuSamples[set.Name]), Measure.Median(ownSamples[set.Name]), Measure.Median(warmSamples[set.Name])));
            }

            output.WriteLine();
            output.WriteLine("| target | measured | verdict |");
            output.WriteLine("|---|---|---|");
            double floorMedian = Measure.Median(samples[AnalyzerSet.Floor]);
            // The engine-speed issue replaced the absolute 20 ms (a no-op analyzer alone measured 44 ms on a loaded 2-core
            // machine) by two ratios: our own callbacks against the document's bind time, and against CA2000's own.
            double bindMedian = Measure.Median(bindSamples);
            double ownMedian = Measure.Median(ownSamples[AnalyzerSet.Iommu]);
            output.WriteLine(string.Format(inv, "| IDE: own callbacks on the {0}-line document <= 5% of its bind time | {1:F2} ms against {2:F1} ms bind ({3:F1}%; whole request {4:F2} ms, no-op analyzer floor {5:F2} ms) | {6} |", document.Lines, ownMedian, bindMedian, 100 * ownMedian / bindMedian, iommuMedian, floorMedian, Report.Verdict(ownMedian <= 0.05 * bindMedian, ownMedian / (0.05 * bindMedian))));
            if (ownSamples.TryGetValue(AnalyzerSet.Ca2000, out List<double>? ca2000Own))
            {
                double theirs = Measure.Median(ca2000Own);
                output.WriteLine(string.Format(inv, "| IDE: own callbacks no more than CA2000's own | {0:F2} ms against {1:F2} ms | {2} |", ownMedian, theirs, Report.Verdict(ownMedian <= theirs, theirs > 0 ? ownMedian / theirs : double.PositiveInfinity)));
            }

            output.WriteLine("IOMMU diagnostics in the document: " + (counts.Count == 0 ? "none" : string.Join(", ", counts.Select(c => c.Key + "=" + c.Value))));
            output.WriteLine();
            output.WriteLine(JsonSerializer.Serialize(new
            {
                kind = "iommu-analyzers-ide",
                date = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", inv),
                machine = Machine.Describe(),
                document = document.Path,
                lines = document.Lines,
                files = corpus.Files.Count,
                reps,
                bindMedianMs = Measure.Median(bindSamples),
                medianMs = sets.ToDictionary(s => s.Name, s => Measure.Median(samples[s.Name])),
                medianCpuMs = sets.ToDictionary(s => s.Name, s => Measure.Median(cpuSamples[s.Name])),
                medianOwnCallbacksMs = sets.ToDictionary(s => s.Name, s => Measure.Median(ownSamples[s.Name])),
                medianNextDocumentMs = sets.ToDictionary(s => s.Name, s => Measure.Median(warmSamples[s.Name])),
                exceptions,
            }));
            return exceptions == 0 ? 0 : 1;
        }
    }
}
