using System.Linq;
using IommuAnalyzers.Benchmarks.Corpus;
using CorpusFile = IommuAnalyzers.Tests.Reliability.CorpusFile;
using IommuAnalyzers.Tests.Reliability;
using Microsoft.CodeAnalysis;
using Xunit;
using Xunit.Abstractions;

namespace IommuAnalyzers.Tests.Flow
{
    /// <summary>
    /// The structured pass against its oracle, the graph engine (<see cref="StructuredPassOracle"/>), on every body of
    /// the rule tests' snippets and input files, the samples, the reliability inputs and fix scenarios, mutants of the
    /// reliability inputs, and the generated benchmark corpora (a prefix in CI; 1,000 files each with <c>IOMMU_FULL=1</c>).
    /// </summary>
    [Collection(ReliabilityCollection.Name)]
    public class StructuredPassDifferentialTests
    {
        private readonly ITestOutputHelper _output;

        public StructuredPassDifferentialTests(ITestOutputHelper output)
        {
            _output = output;
        }

        [Fact]
        public void RuleTestsSamplesAndReliabilityInputs_SameEventsAsTheGraphEngine()
        {
            var oracle = new StructuredPassOracle();
            foreach (CorpusProject project in CorpusSources.All.Concat(CorpusSources.FixScenarios()))
            {
                oracle.Check(AnalysisRunner.Compile(project.Name, project.Files));
            }

            AssertAgrees(oracle, minimumCovered: 50);
        }

        [Fact]
        public void MutantsOfTheReliabilityInputs_SameEventsAsTheGraphEngine()
        {
            var oracle = new StructuredPassOracle();
            var bases = CorpusSources.ReliabilityInputs().SelectMany(p => p.Files.Select((f, i) => (Project: p, Index: i))).ToList();
            int count = ReliabilityMode.Full ? 2000 : 120;
            for (int index = 0; index < count; index++)
            {
                (CorpusProject project, int fileIndex) = bases[index % bases.Count];
                CorpusFile original = project.Files[fileIndex];
                Mutant mutant = SourceMutator.Create(ReliabilityMode.Seed, index, original.Name, original.Text);
                oracle.Check(AnalysisRunner.Compile("Mutant" + index, project.Files.SetItem(fileIndex, new CorpusFile(original.Name, mutant.Text))));
            }

            AssertAgrees(oracle, minimumCovered: 1);
        }

        [Fact]
        public void DriverCorpus_SameEventsAsTheGraphEngine() => CheckCorpus(IommuAnalyzers.Benchmarks.Corpus.CorpusKind.Driver);

        [Fact]
        public void LocksCorpus_SameEventsAsTheGraphEngine() => CheckCorpus(IommuAnalyzers.Benchmarks.Corpus.CorpusKind.Locks);

        private void CheckCorpus(IommuAnalyzers.Benchmarks.Corpus.CorpusKind kind)
        {
            GeneratedCorpus corpus = CorpusGenerator.Generate(new CorpusSettings(kind, ReliabilityMode.Full ? 1000 : 40));
            var oracle = new StructuredPassOracle();
            oracle.Check(CorpusCompilation.Create(corpus, CorpusCompilation.Parse(corpus)));
            AssertAgrees(oracle, minimumCovered: 10);
        }

        private void AssertAgrees(StructuredPassOracle oracle, int minimumCovered)
        {
            _output.WriteLine(oracle.Summary);
            foreach (string mismatch in oracle.Mismatches.Take(12))
            {
                _output.WriteLine(mismatch);
            }

            Assert.True(oracle.Mismatches.Count == 0, oracle.Mismatches.Count + " bodies where the structured pass and the graph engine disagree; the first:\n" + oracle.Mismatches.FirstOrDefault());

            // The comparison must have something to compare, or it would pass with the pass switched off.
            Assert.True(oracle.Covered >= minimumCovered, "only " + oracle.Covered + " bodies covered: " + oracle.Summary);
        }
    }
}
