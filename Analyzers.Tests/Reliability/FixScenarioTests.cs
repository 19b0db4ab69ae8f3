using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Xunit;
using Xunit.Abstractions;

namespace IommuAnalyzers.Tests.Reliability
{
    /// <summary>
    /// The fix-correctness oracle (<see cref="FixScenarioOracle"/>) over the scenario inputs of
    /// <c>Reliability/Inputs/FixScenarios</c>: shapes where a fix that compiles can still be wrong where it lands, each
    /// with a <c>Scenario.Run()</c> that drives the fixed code against the runtime. Fixes known to be wrong today are
    /// listed in <c>KnownWrongFixes.txt</c> beside the inputs, one check a line: a failure not on the list fails the test,
    /// and so does a listed one that no longer fails (the list only ever shrinks as fixes get right).
    /// </summary>
    [Collection(ReliabilityCollection.Name)]
    public class FixScenarioTests
    {
        private readonly ITestOutputHelper _output;

        public FixScenarioTests(ITestOutputHelper output)
        {
            _output = output;
        }

        private static string ScenarioFolder => RepositoryPaths.InRepo("Analyzers.Tests", "Reliability", "Inputs", CorpusSources.FixScenarioFolder);

        [Fact]
        public async Task EveryFixOnTheScenarios_PassesTheOracle_OrIsListedAsKnownWrong()
        {
            List<CorpusProject> scenarios = CorpusSources.FixScenarios().ToList();
            Assert.NotEmpty(scenarios);
            var outcome = new FixScenarioOracle.Outcome();
            foreach (CorpusProject scenario in scenarios)
            {
                await FixScenarioOracle.CheckAsync(scenario, outcome);
            }

            var known = new HashSet<string>(KnownWrong(), StringComparer.Ordinal);
            var actual = new HashSet<string>(outcome.Failures.Select(f => f.Key), StringComparer.Ordinal);
            _output.WriteLine(scenarios.Count + " scenarios: " + outcome.Applied + " actions applied alone, " + outcome.FixAlls + " Fix All runs, " + outcome.Ran + " fixed scenarios run (" + outcome.Unrun + " not run: diagnostics left); " +
                actual.Count + " failed checks (" + string.Join(", ", outcome.Failures.GroupBy(f => f.Check).OrderBy(g => g.Key).Select(g => g.Key + "=" + g.Count())) + "), " + known.Count + " listed as known wrong");
            foreach (FixVerdict failure in outcome.Failures.OrderBy(f => f.Key, StringComparer.Ordinal))
            {
                _output.WriteLine((known.Contains(failure.Key) ? "known  " : "NEW    ") + failure.Key + "\n        " + failure.Detail.Split('\n')[0]);
            }

            List<FixVerdict> unexpected = outcome.Failures.Where(f => !known.Contains(f.Key)).ToList();
            List<string> stale = known.Where(k => !actual.Contains(k)).OrderBy(k => k, StringComparer.Ordinal).ToList();
            Assert.True(unexpected.Count == 0, unexpected.Count + " fixes fail the oracle and are not known wrong:\n" + string.Join("\n", unexpected.Select(f => f.Key)) + "\n\nThe first in full:\n" + unexpected.Select(f => f.Detail).FirstOrDefault());
            Assert.True(stale.Count == 0, "listed as known wrong but now right (remove them from KnownWrongFixes.txt):\n" + string.Join("\n", stale));
        }

        [Fact]
        public void Runner_ReportsAThrow_ADeadlock_AndALockOrderWarn_AndPassesCorrectCode()
        {
            // The run-time check must be able to fail: each kind of wrong outcome once, and the right code passes.
            Assert.Equal("", ScenarioRunner.Run(Scenario("var m = new KMutex(); m.Lock(); m.Unlock();")));
            Assert.Contains("threw LockRecursionException", ScenarioRunner.Run(Scenario("var m = new KMutex(); m.Lock(); m.Lock();")), StringComparison.Ordinal);
            Assert.Contains("threw SynchronizationLockException", ScenarioRunner.Run(Scenario("var m = new KMutex(); m.Unlock();")), StringComparison.Ordinal);
            Assert.Contains("WARN", ScenarioRunner.Run(Scenario(@"
                var a = new KMutex(lockClass: ""a"");
                var b = new KMutex(lockClass: ""b"");
                a.Lock(); b.Lock(); b.Unlock(); a.Unlock();
                b.Lock(); a.Lock(); a.Unlock(); b.Unlock();")), StringComparison.Ordinal);
            Assert.Contains("deadlock", ScenarioRunner.Run(Scenario(@"
                var a = new KMutex(lockClass: ""x"");
                var b = new KMutex(lockClass: ""y"");
                var both = new Barrier(2);
                var t = new Thread(() => { b.Lock(); both.SignalAndWait(); a.Lock(); });
                t.Start();
                a.Lock(); both.SignalAndWait(); b.Lock();"), TimeSpan.FromSeconds(1)), StringComparison.Ordinal);
        }

        private static IEnumerable<string> KnownWrong()
        {
            string path = Path.Combine(ScenarioFolder, "KnownWrongFixes.txt");
            return File.Exists(path)
                ? File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith("#", StringComparison.Ordinal))
                : Enumerable.Empty<string>();
        }

        private static string Scenario(string body) =>
            "using System.Threading;\nusing Iommu;\n\npublic static class Scenario\n{\n    public static void Run()\n    {\n" + body + "\n    }\n}\n";
    }
}
