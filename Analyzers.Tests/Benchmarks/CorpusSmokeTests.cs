using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using IommuAnalyzers.Benchmarks.Corpus;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit;

namespace IommuAnalyzers.Tests.Benchmarks
{
    /// <summary>
    /// The CI side of the benchmarks: a tiny generated corpus, dense in planted bugs, run through every analyzer of the
    /// IommuAnalyzers assembly. Not timed: it checks that the analyzers never throw and that each loaded rule reports
    /// exactly the bugs the generator planted for it, no more and no fewer.
    /// </summary>
    public class CorpusSmokeTests
    {
        [Fact]
        public void Generator_PlantsEveryRule_InTheSmokeCorpus()
        {
            GeneratedCorpus corpus = CorpusGenerator.Generate(CorpusSettings.Smoke(CorpusKind.Driver));

            // Each rule must have something to find, or the count check below would pass vacuously when it lands.
            string[] missing = CorpusGenerator.PlantableRules.Where(id => corpus.PlantedCount(id) == 0).ToArray();
            Assert.True(missing.Length == 0, "not planted: " + string.Join(", ", missing));
            Assert.Equal(14, CorpusGenerator.PlantableRules.Count);
        }

        [Fact]
        public void Generator_IsDeterministic_AndASmallerCorpusIsAPrefixOfALargerOne()
        {
            GeneratedCorpus first = CorpusGenerator.Generate(new CorpusSettings(CorpusKind.Driver, 12));
            GeneratedCorpus again = CorpusGenerator.Generate(new CorpusSettings(CorpusKind.Driver, 12));
            GeneratedCorpus larger = CorpusGenerator.Generate(new CorpusSettings(CorpusKind.Driver, 20));
            GeneratedCorpus otherSeed = CorpusGenerator.Generate(new CorpusSettings(CorpusKind.Driver, 12) { Seed = 7 });

            Assert.Equal(first.Files.Select(f => f.Text), again.Files.Select(f => f.Text));
            Assert.Equal(first.PlantedDiagnostics, again.PlantedDiagnostics);
            Assert.Equal(first.Files.Select(f => f.Text), larger.Files.Take(12).Select(f => f.Text));
            Assert.NotEqual(first.Files.Select(f => f.Text), otherSeed.Files.Select(f => f.Text));
        }

        [Fact]
        public void BenchmarkCorpus_HasTheAdvertisedShape()
        {
            GeneratedCorpus corpus = CorpusGenerator.Generate(new CorpusSettings(CorpusKind.Driver, 250));

            Assert.All(corpus.Files, f => Assert.InRange(f.Lines, 150, 400));
            double bugsPerHundredMethods = 100.0 * corpus.Bugs.Count / corpus.TotalMethods;
            Assert.InRange(bugsPerHundredMethods, 1.0, 6.0);
            Assert.All(CorpusGenerator.PlantableRules, id => Assert.True(corpus.PlantedCount(id) > 0, id + " not planted"));
        }

        [Fact]
        public async Task DriverCorpus_EveryLoadedRuleReportsExactlyThePlantedBugs_AndNoAnalyzerThrows()
        {
            GeneratedCorpus corpus = CorpusGenerator.Generate(CorpusSettings.Smoke(CorpusKind.Driver));
            ImmutableArray<DiagnosticAnalyzer> analyzers = IommuAnalyzerCatalog.CreateAll();
            Assert.Contains(analyzers, a => a is IommuAnalyzers.Ownership.SharedAttachWithoutSuppressAutoClaimAnalyzer);

            CSharpCompilation compilation = CorpusCompilation.Create(corpus, CorpusCompilation.Parse(corpus), IommuAnalyzerCatalog.EnableAll(analyzers));
            AssertCompiles(compilation);

            (ImmutableArray<Diagnostic> diagnostics, string[] exceptions) = await AnalyzeAsync(compilation, analyzers);
            Assert.True(exceptions.Length == 0, "analyzer exceptions:\n" + string.Join("\n", exceptions));
            Assert.DoesNotContain(diagnostics, d => d.Id == "AD0001");

            var mismatches = new List<string>();
            foreach (string id in IommuAnalyzerCatalog.SupportedIds(analyzers).OrderBy(i => i, StringComparer.Ordinal))
            {
                Diagnostic[] reported = diagnostics.Where(d => d.Id == id).ToArray();
                int planted = corpus.PlantedCount(id);
                if (reported.Length != planted)
                {
                    mismatches.Add(
                        $"{id}: reported {reported.Length}, planted {planted}\n  planted: " +
                        string.Join("; ", corpus.Bugs.Where(b => b.RuleId == id)) + "\n  reported: " +
                        string.Join("; ", reported.Select(d => d.Location.GetLineSpan().Path + ":" + (d.Location.GetLineSpan().StartLinePosition.Line + 1))));
                }
            }

            Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
        }

        [Fact]
        public async Task DriverCorpus_EverySecondLockHeldAtExitBug_IsWrittenWithMonitor_AndReportedInsideItsMember()
        {
            GeneratedCorpus corpus = CorpusGenerator.Generate(CorpusSettings.Smoke(CorpusKind.Driver));
            PlantedBug[] leaks = corpus.Bugs.Where(b => b.RuleId == RuleIdentifiers.LockHeldAtExit).ToArray();
            IReadOnlyList<PlantedBug> monitor = PlantedSites.MonitorWritten(corpus);

            // The second, fourth, ... by a counter: half of them, rounded down, and never the first.
            Assert.True(leaks.Length >= 2, "too few IOMMU0101 bugs planted to check the share: " + leaks.Length);
            Assert.Equal(leaks.Length / 2, monitor.Count);
            Assert.False(leaks[0].WithMonitor);
            Assert.True(leaks[1].WithMonitor);
            Assert.All(monitor, b => Assert.Contains("Monitor.Enter(_lock);", corpus.Files.Single(f => f.Path == b.FilePath).Text, StringComparison.Ordinal));

            ImmutableArray<DiagnosticAnalyzer> analyzers = IommuAnalyzerCatalog.CreateAll();
            CSharpCompilation compilation = CorpusCompilation.Create(corpus, CorpusCompilation.Parse(corpus), IommuAnalyzerCatalog.EnableAll(analyzers));
            (ImmutableArray<Diagnostic> diagnostics, string[] exceptions) = await AnalyzeAsync(compilation, analyzers);
            Assert.Empty(exceptions);

            // Each Monitor-written leak has its IOMMU0101 inside its own member, and nothing else reports there.
            var sites = new PlantedSites(monitor);
            Diagnostic[] inside = diagnostics.Where(d => sites.Find(d) != null).ToArray();
            Assert.All(inside, d => Assert.Equal(RuleIdentifiers.LockHeldAtExit, d.Id));
            Assert.Equal(monitor.Count, PlantedSites.Match(monitor, inside).Found);
            Assert.Equal(monitor.Count, inside.Length);
        }

        [Fact]
        public async Task PlainCorpus_ReferencesNothingOfTheRuntime_AndGetsNoIommuDiagnostic()
        {
            GeneratedCorpus corpus = CorpusGenerator.Generate(CorpusSettings.Smoke(CorpusKind.Plain));
            ImmutableArray<DiagnosticAnalyzer> analyzers = IommuAnalyzerCatalog.CreateAll();
            CSharpCompilation compilation = CorpusCompilation.Create(corpus, CorpusCompilation.Parse(corpus), IommuAnalyzerCatalog.EnableAll(analyzers));
            AssertCompiles(compilation);
            Assert.Null(compilation.GetTypeByMetadataName("Iommu.KMutex"));
            Assert.Null(compilation.GetTypeByMetadataName("Iommu.GuardedByAttribute"));
            Assert.Empty(corpus.Bugs);

            (ImmutableArray<Diagnostic> diagnostics, string[] exceptions) = await AnalyzeAsync(compilation, analyzers);
            Assert.Empty(exceptions);
            Assert.DoesNotContain(diagnostics, d => d.Id.StartsWith("IOMMU", StringComparison.Ordinal) || d.Id == "AD0001");
        }

        private static void AssertCompiles(Compilation compilation)
        {
            Diagnostic[] errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
            Assert.True(errors.Length == 0, "the generated corpus does not compile:\n" + string.Join("\n", errors.Take(10)));
        }

        private static async Task<(ImmutableArray<Diagnostic> Diagnostics, string[] Exceptions)> AnalyzeAsync(Compilation compilation, ImmutableArray<DiagnosticAnalyzer> analyzers)
        {
            var exceptions = new ConcurrentQueue<string>();
            var options = new CompilationWithAnalyzersOptions(
                new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
                onAnalyzerException: (exception, analyzer, diagnostic) => exceptions.Enqueue(analyzer.GetType().Name + ": " + exception),
                concurrentAnalysis: true,
                logAnalyzerExecutionTime: false,
                reportSuppressedDiagnostics: false);
            ImmutableArray<Diagnostic> diagnostics = await compilation.WithAnalyzers(analyzers, options).GetAnalyzerDiagnosticsAsync(CancellationToken.None);
            return (diagnostics, exceptions.ToArray());
        }
    }
}
