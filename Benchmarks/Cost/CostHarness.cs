using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using IommuAnalyzers.Benchmarks.Corpus;
using Microsoft.CodeAnalysis;

namespace IommuAnalyzers.Benchmarks.Cost
{
    /// <summary>Measured cost of one analyzer set on one corpus size (medians over the repetitions).</summary>
    internal sealed class SetCost
    {
        public string Set { get; init; } = "";

        public double AnalyzerMs { get; init; }

        public double Ratio { get; init; }

        public double MsPerKLoc { get; init; }

        public double WallMs { get; init; }

        public double WallOverCompile { get; init; }

        /// <summary>CPU time of compile plus analysis over CPU time of compile alone (robust to other load on the machine).</summary>
        public double CpuOverCompile { get; init; }

        public IReadOnlyDictionary<string, double> PerAnalyzerMs { get; init; } = new Dictionary<string, double>();

        public IReadOnlyDictionary<string, int> Diagnostics { get; init; } = new Dictionary<string, int>();

        public int Exceptions { get; init; }
    }

    internal sealed class CorpusCost
    {
        public string Corpus { get; init; } = "";

        public int Files { get; init; }

        public int Lines { get; init; }

        public int Methods { get; init; }

        public double ParseMs { get; init; }

        public double CompileMs { get; init; }

        public double CompileCpuMs { get; init; }

        public double[] CompileSamples { get; init; } = Array.Empty<double>();

        public IReadOnlyDictionary<string, int> Planted { get; init; } = new Dictionary<string, int>();

        public List<SetCost> Sets { get; } = new List<SetCost>();

        /// <summary>Driver corpus with <c>--sonar</c>: the Monitor-written IOMMU0101 leaks and who found them.</summary>
        public MonitorLeakFinds? MonitorLeaks { get; set; }
    }

    /// <summary>
    /// The planted IOMMU0101 leaks written with Monitor.Enter/Exit (the ones S2222 can see), how many of them each side
    /// reports inside the leaking member, and where else S2222 reported (from the first repetition).
    /// </summary>
    internal sealed class MonitorLeakFinds
    {
        public int Planted { get; init; }

        public int IommuFound { get; init; }

        public int S2222Found { get; init; }

        /// <summary>Every S2222 diagnostic on the corpus.</summary>
        public int S2222Diagnostics { get; init; }

        /// <summary>S2222 diagnostics outside every Monitor-written leak: false positives, the rest of the corpus being correct.</summary>
        public int S2222Outside { get; init; }
    }

    /// <summary>
    /// `cost` mode: compile time against the analyzers' time on the same compilation, side by side in one run, for
    /// both corpora and several sizes, medians over repetitions.
    /// </summary>
    internal static class CostHarness
    {
        public static async Task<int> RunAsync(HarnessOptions options, TextWriter output)
        {
            TextWriter log = Console.Error;
            var sets = new List<AnalyzerSet> { AnalyzerSet.IommuAnalyzers() };
            if (options.LockOrder)
            {
                sets.Add(AnalyzerSet.IommuAnalyzersWithoutLockOrder());
            }

            if (options.Inference)
            {
                sets.Add(AnalyzerSet.IommuAnalyzersWithoutInference());
            }

            if (options.GraphEngine)
            {
                sets.Add(AnalyzerSet.IommuAnalyzersGraphEngine());
            }

            if (options.Sonar)
            {
                AnalyzerSet? s2222 = AnalyzerSet.S2222Alone(log);
                if (s2222 != null)
                {
                    sets.Add(s2222);
                }
            }

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

            if (options.Floor)
            {
                sets.Add(new AnalyzerSet(AnalyzerSet.Floor, ImmutableArray.Create<Microsoft.CodeAnalysis.Diagnostics.DiagnosticAnalyzer>(new NoOpOperationAnalyzer()), Array.Empty<KeyValuePair<string, ReportDiagnostic>>(), "one no-op invocation operation action"));
            }

            foreach (AnalyzerSet set in sets)
            {
                log.WriteLine("analyzer set " + set.Name + ": " + set.Source);
            }

            // JIT and first-use costs of the compiler and every analyzer are paid here, not in the first measurement.
            log.WriteLine("warming up...");
            foreach (CorpusKind kind in options.Corpora)
            {
                GeneratedCorpus warm = CorpusGenerator.Generate(new CorpusSettings(kind, 30) { Seed = options.Seed + 1 });
                ImmutableArray<SyntaxTree> warmTrees = CorpusCompilation.Parse(warm);
                Measure.Compile(CorpusCompilation.Create(warm, warmTrees));
                foreach (AnalyzerSet set in sets)
                {
                    await Measure.AnalyzeAsync(CorpusCompilation.Create(warm, warmTrees, set.Options, set.TreeOptions), set.Analyzers, configOptions: set.ConfigOptions).ConfigureAwait(false);
                }
            }

            var results = new List<CorpusCost>();
            int failures = 0;
            foreach (CorpusKind kind in options.Corpora)
            {
                foreach (int files in options.Files)
                {
                    List<AnalyzerSet> here = options.PeerFiles == null || options.PeerFiles.Contains(files) ? sets : sets.Take(1).ToList();
                    CorpusCost? cost = await MeasureCorpusAsync(kind, files, here, options, log).ConfigureAwait(false);
                    if (cost == null)
                    {
                        failures++;
                        continue;
                    }

                    results.Add(cost);
                }
            }

            output.WriteLine();
            output.Write(Report.CostTable(results, sets));
            output.WriteLine();
            output.Write(Report.Breakdown(results));
            output.WriteLine();
            output.Write(Report.Targets(results));
            output.WriteLine();
            string leaks = Report.MonitorLeaks(results);
            if (leaks.Length > 0)
            {
                output.Write(leaks);
                output.WriteLine();
            }

            string json = JsonSerializer.Serialize(new
            {
                kind = "iommu-analyzers-cost",
                date = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
                machine = Machine.Describe(),
                seed = options.Seed,
                reps = options.Reps,
                sets = sets.Select(s => new { name = s.Name, source = s.Source }),
                results,
            });
            output.WriteLine(json);
            if (options.JsonPath != null)
            {
                File.AppendAllText(options.JsonPath, json + Environment.NewLine);
            }

            // Every loaded rule must report exactly what was planted; in smoke mode (CI) a difference fails the run.
            ImmutableHashSet<string> supported = IommuAnalyzerCatalog.SupportedIds(sets[0].Analyzers);
            foreach (CorpusCost result in results)
            {
                SetCost iommu = result.Sets.First(s => s.Set == AnalyzerSet.Iommu);
                foreach (string id in supported.Where(i => i.StartsWith("IOMMU", StringComparison.Ordinal)))
                {
                    result.Planted.TryGetValue(id, out int planted);
                    iommu.Diagnostics.TryGetValue(id, out int reported);
                    if (planted != reported)
                    {
                        log.WriteLine($"{result.Corpus} corpus, {result.Files} files: {id} reported {reported}, planted {planted}");
                        failures += options.Smoke ? 1 : 0;
                    }
                }

                failures += result.Sets.Sum(s => s.Exceptions) > 0 && options.Smoke ? 1 : 0;
            }

            return failures == 0 ? 0 : 1;
        }

        private static async Task<CorpusCost?> MeasureCorpusAsync(CorpusKind kind, int files, List<AnalyzerSet> sets, HarnessOptions options, TextWriter log)
        {
            GeneratedCorpus corpus = CorpusGenerator.Generate(new CorpusSettings(kind, files) { Seed = options.Seed });
            var parse = System.Diagnostics.Stopwatch.StartNew();
            ImmutableArray<SyntaxTree> trees = CorpusCompilation.Parse(corpus);
            parse.Stop();
            log.WriteLine($"{kind} corpus, {files} files: {corpus.TotalLines:N0} lines, {corpus.TotalMethods:N0} methods, {corpus.Bugs.Count} planted bugs; parsed in {parse.Elapsed.TotalMilliseconds:F0} ms");

            var compileSamples = new List<double>();
            var compileCpuSamples = new List<double>();
            var runs = sets.ToDictionary(s => s.Name, _ => new List<(AnalyzerRun Run, double Compile, double CompileCpu)>());
            bool countLeaks = kind == CorpusKind.Driver && sets.Any(s => s.Name == AnalyzerSet.S2222);
            string[]? keepIds = countLeaks ? new[] { RuleIdentifiers.LockHeldAtExit, AnalyzerSet.S2222 } : null;
            for (int rep = 0; rep < options.Reps; rep++)
            {
                Measure.Quiesce();
                (double compileMs, double compileCpuMs, ImmutableArray<Diagnostic> compilerDiagnostics) = Measure.Compile(CorpusCompilation.Create(corpus, trees));
                if (rep == 0)
                {
                    Diagnostic[] errors = compilerDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
                    if (errors.Length > 0)
                    {
                        log.WriteLine($"  the generated corpus does not compile ({errors.Length} errors):");
                        foreach (Diagnostic error in errors.Take(10))
                        {
                            log.WriteLine("    " + error);
                        }

                        return null;
                    }
                }

                compileSamples.Add(compileMs);
                compileCpuSamples.Add(compileCpuMs);
                log.Write($"  rep {rep + 1}: compile {compileMs:F0} ms (cpu {compileCpuMs:F0})");

                // Rotate the order so that no set always runs right after the compile (warm caches, GC debt).
                for (int i = 0; i < sets.Count; i++)
                {
                    AnalyzerSet set = sets[(i + rep) % sets.Count];
                    Measure.Quiesce();
                    AnalyzerRun run = await Measure.AnalyzeAsync(CorpusCompilation.Create(corpus, trees, set.Options, set.TreeOptions), set.Analyzers, rep == 0 ? keepIds : null, set.ConfigOptions).ConfigureAwait(false);
                    runs[set.Name].Add((run, compileMs, compileCpuMs));
                    log.Write($", {set.Name} {run.AnalyzerMs:F0} ms (wall {run.WallMs:F0}, cpu {run.CpuMs:F0}, GC pause {run.GcPauseMs:F0}, allocated {run.AllocatedMb:F0} MB)");
                    foreach (string exception in run.Exceptions.Take(3))
                    {
                        log.WriteLine();
                        log.Write("    analyzer exception: " + exception);
                    }
                }

                log.WriteLine();
            }

            var cost = new CorpusCost
            {
                Corpus = kind.ToString().ToLowerInvariant(),
                Files = files,
                Lines = corpus.TotalLines,
                Methods = corpus.TotalMethods,
                ParseMs = parse.Elapsed.TotalMilliseconds,
                CompileMs = Measure.Median(compileSamples),
                CompileSamples = compileSamples.ToArray(),
                CompileCpuMs = Measure.Median(compileCpuSamples),
                Planted = corpus.PlantedDiagnostics.ToDictionary(p => p.Key, p => p.Value),
            };
            foreach (AnalyzerSet set in sets)
            {
                List<(AnalyzerRun Run, double Compile, double CompileCpu)> samples = runs[set.Name];
                double analyzerMs = Measure.Median(samples.Select(s => s.Run.AnalyzerMs));
                cost.Sets.Add(new SetCost
                {
                    Set = set.Name,
                    AnalyzerMs = analyzerMs,
                    Ratio = Measure.Median(samples.Select(s => s.Run.AnalyzerMs / s.Compile)),
                    MsPerKLoc = analyzerMs / (corpus.TotalLines / 1000.0),
                    WallMs = Measure.Median(samples.Select(s => s.Run.WallMs)),
                    WallOverCompile = Measure.Median(samples.Select(s => s.Run.WallMs / s.Compile)),
                    CpuOverCompile = Measure.Median(samples.Select(s => s.Run.CpuMs / s.CompileCpu)),
                    PerAnalyzerMs = samples[0].Run.PerAnalyzerMs.Keys.ToDictionary(k => k, k => Measure.Median(samples.Select(s => s.Run.PerAnalyzerMs[k]))),
                    Diagnostics = samples[0].Run.DiagnosticsById
                        .Where(d => d.Key.StartsWith(set.DiagnosticPrefix, StringComparison.Ordinal))
                        .ToDictionary(d => d.Key, d => d.Value),
                    Exceptions = samples.Sum(s => s.Run.Exceptions.Count),
                });
            }

            if (countLeaks)
            {
                cost.MonitorLeaks = CountMonitorLeaks(corpus, runs[AnalyzerSet.Iommu][0].Run, runs[AnalyzerSet.S2222][0].Run, log);
            }

            return cost;
        }

        private static MonitorLeakFinds CountMonitorLeaks(GeneratedCorpus corpus, AnalyzerRun iommu, AnalyzerRun sonar, TextWriter log)
        {
            IReadOnlyList<PlantedBug> leaks = PlantedSites.MonitorWritten(corpus);
            Diagnostic[] s2222 = sonar.Kept.Where(d => d.Id == AnalyzerSet.S2222).ToArray();
            (int iommuFound, _) = PlantedSites.Match(leaks, iommu.Kept.Where(d => d.Id == RuleIdentifiers.LockHeldAtExit));
            (int sonarFound, int outside) = PlantedSites.Match(leaks, s2222);

            // Name the false positives, so that a reader can look at them.
            var inLeaks = new PlantedSites(leaks);
            var anyBug = new PlantedSites(corpus.Bugs);
            foreach (Diagnostic d in s2222.Where(d => inLeaks.Find(d) == null).Take(10))
            {
                FileLinePositionSpan span = d.Location.GetLineSpan();
                string where = anyBug.Find(d) is { } other ? " (inside planted " + other + ")" : string.Empty;
                log.WriteLine($"  S2222 outside the Monitor-written leaks: {span.Path}:{span.StartLinePosition.Line + 1} {PlantedSites.PlaceOf(d)?.Member}{where}");
            }

            return new MonitorLeakFinds
            {
                Planted = leaks.Count,
                IommuFound = iommuFound,
                S2222Found = sonarFound,
                S2222Diagnostics = s2222.Length,
                S2222Outside = outside,
            };
        }
    }
}
