using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using IommuAnalyzers.Benchmarks.Corpus;
using IommuAnalyzers.Flow;
using IommuAnalyzers.Tests.Reliability;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit;
using Xunit.Abstractions;

namespace IommuAnalyzers.Tests.Flow
{
    /// <summary>
    /// The rules' view of the differential: every analyzer of the package run twice on the same compilation, once as
    /// shipped (the structured pass where it covers a body) and once with <c>iommu_analyzers.lock_engine = graph</c>
    /// (the graph engine everywhere). Both runs must report the same diagnostics: IDs, locations and messages.
    /// </summary>
    [Collection(ReliabilityCollection.Name)]
    public class LockEngineDiagnosticsDifferentialTests
    {
        private readonly ITestOutputHelper _output;

        public LockEngineDiagnosticsDifferentialTests(ITestOutputHelper output)
        {
            _output = output;
        }

        [Fact]
        public async Task RuleTestsSamplesAndReliabilityInputs_SameDiagnosticsWithEitherEngine()
        {
            int compared = 0;
            var differences = new List<string>();
            foreach (CorpusProject project in CorpusSources.All.Concat(CorpusSources.FixScenarios()))
            {
                compared += await CompareAsync(AnalysisRunner.Compile(project.Name, project.Files), project.Name, differences);
            }

            Report(compared, differences);
        }

        [Fact]
        public async Task BenchmarkCorpora_SameDiagnosticsWithEitherEngine()
        {
            int compared = 0;
            var differences = new List<string>();
            ImmutableArray<DiagnosticAnalyzer> analyzers = IommuAnalyzerCatalog.CreateAll();
            foreach (IommuAnalyzers.Benchmarks.Corpus.CorpusKind kind in new[] { IommuAnalyzers.Benchmarks.Corpus.CorpusKind.Driver, IommuAnalyzers.Benchmarks.Corpus.CorpusKind.Locks })
            {
                // The driver corpus dense in planted bugs, so that every rule has diagnostics to compare.
                int files = ReliabilityMode.Full ? 1000 : 40;
                GeneratedCorpus corpus = CorpusGenerator.Generate(kind == IommuAnalyzers.Benchmarks.Corpus.CorpusKind.Driver ? CorpusSettings.Smoke(kind, files) : new CorpusSettings(kind, files));
                compared += await CompareAsync(CorpusCompilation.Create(corpus, CorpusCompilation.Parse(corpus), IommuAnalyzerCatalog.EnableAll(analyzers)), kind.ToString(), differences);
            }

            Report(compared, differences);
        }

        private void Report(int compared, List<string> differences)
        {
            _output.WriteLine(compared + " IOMMU diagnostics compared, " + differences.Count + " differences");
            foreach (string difference in differences.Take(20))
            {
                _output.WriteLine(difference);
            }

            Assert.True(differences.Count == 0, differences.Count + " diagnostics differ between the engines; the first: " + differences.FirstOrDefault());
            Assert.True(compared > 0, "nothing compared");
        }

        private static async Task<int> CompareAsync(Compilation compilation, string name, List<string> differences)
        {
            List<string> shipped = await DiagnosticsAsync(compilation, graphOnly: false);
            List<string> graph = await DiagnosticsAsync(compilation, graphOnly: true);
            foreach (string only in graph.Except(shipped))
            {
                differences.Add(name + ": graph engine only: " + only);
            }

            foreach (string only in shipped.Except(graph))
            {
                differences.Add(name + ": structured pass only: " + only);
            }

            if (differences.Count == 0 && shipped.Count != graph.Count)
            {
                differences.Add(name + ": " + shipped.Count + " diagnostics against " + graph.Count);
            }

            return graph.Count;
        }

        private static async Task<List<string>> DiagnosticsAsync(Compilation compilation, bool graphOnly)
        {
            ImmutableArray<DiagnosticAnalyzer> analyzers = IommuAnalyzerCatalog.CreateAll();
            AnalyzerOptions options = graphOnly
                ? new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty, new GlobalConfigOptions(LockEngineOption.Key, "graph"))
                : new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty);
            ImmutableArray<Diagnostic> diagnostics = await compilation.WithAnalyzers(analyzers, options).GetAnalyzerDiagnosticsAsync();
            return diagnostics.Where(d => d.Id.StartsWith("IOMMU", StringComparison.Ordinal) || d.Id.StartsWith("AD", StringComparison.Ordinal))
                .Select(d => d.Id + " " + d.Location.GetLineSpan() + " " + d.GetMessage(CultureInfo.InvariantCulture))
                .OrderBy(d => d, StringComparer.Ordinal)
                .ToList();
        }
    }
}
