using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Xunit;

namespace IommuAnalyzers.Tests.Reliability
{
    /// <summary>
    /// One <c>dotnet format analyzers --diagnostics A B ...</c> run over several rules of one analyzer, the way the tool
    /// drives fixers (SDK 10.0.401): rule by rule, it re-runs the analyzer on the current solution, takes the first of
    /// all the diagnostics it reported (of any of the requested rules), asks the rule's fixer for its actions on that
    /// one, and requests a Solution-scope Fix All with the first action's equivalence key, or with none when the fixer
    /// offered nothing for a diagnostic of another rule. Which diagnostic comes first depends on the analyzer driver's
    /// scheduling, so both orders are run here: the result must not depend on it.
    /// </summary>
    [Collection(ReliabilityCollection.Name)]
    public class DotnetFormatBatchTests
    {
        private static readonly string[] s_inferenceRules = { RuleIdentifiers.HelperReliesOnCallersLock, RuleIdentifiers.MemberLockedInconsistently };

        private static readonly string[] s_readmeLockRules =
        {
            RuleIdentifiers.GuardedMemberWithoutLock, RuleIdentifiers.LockHeldAtExit, RuleIdentifiers.RequiresLockCallWithoutLock,
            RuleIdentifiers.MemberLockedInconsistently, RuleIdentifiers.HelperReliesOnCallersLock,
        };

        [Fact]
        public async Task InferencePass_AsOneCommand_AnnotatesTheUnannotatedPort_WhicheverRuleIsSeenFirst()
        {
            CorpusProject port = Sample("Samples/LegacyPortUnannotated");

            string ownRuleFirst = await RunAsync(port, s_inferenceRules, FirstDiagnostic.OfTheRuleBeingFixed);
            string otherRuleFirst = await RunAsync(port, s_inferenceRules, FirstDiagnostic.OfAnotherRule);

            string ring = Section(otherRuleFirst, "TxRing.cs");
            Assert.Equal(2, Count(ring, "[RequiresLock("));
            Assert.Equal(4, Count(ring, "[GuardedBy("));
            Assert.Equal(ownRuleFirst, otherRuleFirst);
        }

        [Fact]
        public async Task InferencePass_AsOneCommand_ReachesWhatOneCommandPerRuleReaches()
        {
            CorpusProject port = Sample("Samples/LegacyPortUnannotated");

            string together = await RunAsync(port, s_inferenceRules, FirstDiagnostic.OfAnotherRule);
            string oneByOne = await RunAsync(port, new[] { RuleIdentifiers.MemberLockedInconsistently }, FirstDiagnostic.OfTheRuleBeingFixed);
            oneByOne = await RunAsync(Reparse(port, oneByOne), new[] { RuleIdentifiers.HelperReliesOnCallersLock }, FirstDiagnostic.OfTheRuleBeingFixed);

            Assert.Equal(oneByOne, together);
        }

        [Fact]
        public async Task ReadmeRefactor_OfTheLegacyPort_DoesNotDependOnWhichRuleIsSeenFirst()
        {
            CorpusProject port = Sample("Samples/LegacyPort");

            string ownRuleFirst = await RunAsync(port, s_readmeLockRules, FirstDiagnostic.OfTheRuleBeingFixed);
            string otherRuleFirst = await RunAsync(port, s_readmeLockRules, FirstDiagnostic.OfAnotherRule);

            Assert.NotEqual(Text(port), ownRuleFirst);
            Assert.Equal(ownRuleFirst, otherRuleFirst);
        }

        [Fact]
        public async Task FixAllWithoutEquivalenceKey_FixesOnlyTheRequestedRule()
        {
            // IOMMU0101 diagnostics carry a lock expression as IOMMU0100's do: a provider that handed them to the wrap
            // fix would wrap an exit that leaks the lock.
            const string source = @"
using Iommu;

public sealed class Ring
{
    private readonly KMutex _lock = new KMutex(""ring"");

    [GuardedBy(nameof(_lock))]
    private int _head;

    public int Leak(bool fail)
    {
        _lock.Lock();
        if (fail)
        {
            return -1;
        }

        _lock.Unlock();
        return 0;
    }

    public void Race()
    {
        _head++;
    }
}
";
            var port = new CorpusProject("Ring", CorpusKind.TestSnippet, ImmutableArray.Create(new CorpusFile("Ring.cs", source)));
            string fixedText = await RunAsync(port, new[] { RuleIdentifiers.GuardedMemberWithoutLock, RuleIdentifiers.LockHeldAtExit }, FirstDiagnostic.OfAnotherRule);

            using AdhocWorkspace workspace = FixHarness.CreateWorkspace();
            ImmutableArray<Diagnostic> left = await FixHarness.AnalyzeAsync(FixHarness.CreateProject(workspace, "Fixed", new[] { new CorpusFile("Ring.cs", Section(fixedText, "Ring.cs")) }));
            Assert.Empty(left.Where(d => d.Id.StartsWith("IOMMU", StringComparison.Ordinal)).Select(FixHarness.LineOf));
            Assert.Equal(1, Count(fixedText, "_lock.Unlock();\n            return -1;"));
        }

        private enum FirstDiagnostic
        {
            OfTheRuleBeingFixed,
            OfAnotherRule,
        }

        /// <summary>The project's text after one emulated <c>dotnet format</c> run over <paramref name="rules"/>.</summary>
        private static async Task<string> RunAsync(CorpusProject port, string[] rules, FirstDiagnostic first)
        {
            using AdhocWorkspace workspace = FixHarness.CreateWorkspace();
            Solution solution = FixHarness.CreateProject(workspace, "Port", port.Files).Solution;
            foreach (string rule in rules)
            {
                Project project = solution.Projects.Single();
                ImmutableArray<Diagnostic> reported = (await FixHarness.AnalyzeAsync(project)).Where(d => rules.Contains(d.Id) && d.Location.IsInSource).ToImmutableArray();
                if (!reported.Any(d => d.Id == rule))
                {
                    continue;
                }

                Diagnostic chosen = first == FirstDiagnostic.OfAnotherRule
                    ? reported.FirstOrDefault(d => d.Id != rule) ?? reported[0]
                    : reported.First(d => d.Id == rule);
                CodeFixProvider fixer = AnalyzerCatalog.Fixers.Single(f => f.FixableDiagnosticIds.Contains(rule));
                Document document = solution.GetDocument(chosen.Location.SourceTree)!;
                ImmutableArray<CodeAction> actions = await FixHarness.ActionsAsync(fixer, document, chosen);
                if (first == FirstDiagnostic.OfAnotherRule && chosen.Id != rule)
                {
                    Assert.Empty(actions);
                }

                var context = new FixAllContext(
                    document,
                    fixer,
                    FixAllScope.Solution,
                    actions.IsEmpty ? null : actions[0].EquivalenceKey,
                    new[] { rule },
                    new SnapshotDiagnostics(reported),
                    CancellationToken.None);
                CodeAction? fixAll = await fixer.GetFixAllProvider()!.GetFixAsync(context);
                Assert.True(fixAll != null, rule + ": " + fixer.GetType().Name + " returned no Fix All action (first diagnostic " + chosen.Id + ")");
                solution = await FixHarness.ApplyAsync(fixAll!) ?? solution;
            }

            return await JoinedTextAsync(solution);
        }

        /// <summary>Every document's text under a "// ---- name" line, in name order.</summary>
        private static async Task<string> JoinedTextAsync(Solution solution)
        {
            var parts = new List<string>();
            foreach (Document document in solution.Projects.Single().Documents.OrderBy(d => d.Name, StringComparer.Ordinal))
            {
                parts.Add(Marker + document.Name + "\n" + (await document.GetTextAsync()).ToString());
            }

            return string.Concat(parts);
        }

        private const string Marker = "// ---- ";

        private static CorpusProject Sample(string name) => CorpusSources.Samples().Single(p => p.Name == name);

        private static string Text(CorpusProject port) => string.Concat(port.Files.OrderBy(f => f.Name, StringComparer.Ordinal).Select(f => Marker + f.Name + "\n" + f.Text));

        /// <summary>The project again, from the joined text a run gave for it.</summary>
        private static CorpusProject Reparse(CorpusProject port, string text) =>
            new CorpusProject(port.Name, port.Kind, port.Files.Select(f => new CorpusFile(f.Name, Section(text, f.Name))).ToImmutableArray());

        /// <summary>The text of the document whose name is or ends with <paramref name="fileName"/>.</summary>
        private static string Section(string text, string fileName)
        {
            int start = -1;
            foreach (string candidate in new[] { Marker + fileName + "\n", "/" + fileName + "\n" })
            {
                int at = text.IndexOf(candidate, StringComparison.Ordinal);
                if (at >= 0)
                {
                    start = at + candidate.Length;
                    break;
                }
            }

            Assert.True(start >= 0, "no " + fileName + " in the fixed text");
            int end = text.IndexOf(Marker, start, StringComparison.Ordinal);
            return end < 0 ? text.Substring(start) : text.Substring(start, end - start);
        }

        private static int Count(string text, string part)
        {
            int count = 0;
            for (int at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal))
            {
                count++;
            }

            return count;
        }

        /// <summary>What dotnet format's provider holds: the analyzer's diagnostics as reported before the rule's fix, by file.</summary>
        private sealed class SnapshotDiagnostics : FixAllContext.DiagnosticProvider
        {
            private readonly ImmutableArray<Diagnostic> _diagnostics;

            public SnapshotDiagnostics(ImmutableArray<Diagnostic> diagnostics)
            {
                _diagnostics = diagnostics;
            }

            public override Task<IEnumerable<Diagnostic>> GetDocumentDiagnosticsAsync(Document document, CancellationToken cancellationToken) =>
                Task.FromResult(_diagnostics.Where(d => d.Location.SourceTree?.FilePath == document.FilePath));

            public override Task<IEnumerable<Diagnostic>> GetProjectDiagnosticsAsync(Project project, CancellationToken cancellationToken) =>
                Task.FromResult(_diagnostics.AsEnumerable());

            public override Task<IEnumerable<Diagnostic>> GetAllDiagnosticsAsync(Project project, CancellationToken cancellationToken) =>
                Task.FromResult(_diagnostics.AsEnumerable());
        }
    }
}
