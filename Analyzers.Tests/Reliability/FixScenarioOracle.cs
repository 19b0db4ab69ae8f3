using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;

namespace IommuAnalyzers.Tests.Reliability
{
    /// <summary>One check of one applied fix that failed.</summary>
    internal sealed class FixVerdict
    {
        public FixVerdict(string input, string rule, string action, string check, string detail)
        {
            Input = input;
            Rule = rule;
            Action = action;
            Check = check;
            Detail = detail;
        }

        public string Input { get; }

        public string Rule { get; }

        public string Action { get; }

        /// <summary>a compiles, b diagnostic gone, c no new IOMMU diagnostic, d runs, e one at a time = Fix All.</summary>
        public string Check { get; }

        public string Detail { get; }

        /// <summary>What the known-wrong list records: stable across runs (no text positions, no fixed text).</summary>
        public string Key => Input + " | " + Rule + " | " + Action + " | " + Check;
    }

    /// <summary>
    /// The fix-correctness oracle: every action a fixer offers on an input, applied alone, and every Fix All (one per
    /// equivalence key and rule, per document), checked for (a) no new compiler error, (b) its diagnostic gone, (c) no
    /// new IOMMU diagnostic of any rule, (d) where the input has a <c>Scenario.Run()</c>, the fixed code runs against the
    /// runtime with no exception, no deadlock within the timeout and no WARN (LockDep's lock-order WARN included), and
    /// (e) applying the action one diagnostic at a time reaches the text Fix All reaches.
    /// </summary>
    internal static class FixScenarioOracle
    {
        private const int MaxOneAtATimeSteps = 40;

        public sealed class Outcome
        {
            public List<FixVerdict> Failures { get; } = new List<FixVerdict>();

            public int Applied { get; set; }

            public int FixAlls { get; set; }

            public int Ran { get; set; }

            /// <summary>Fixes after which diagnostics were left, so that their scenario was not run.</summary>
            public int Unrun { get; set; }
        }

        public static async Task CheckAsync(CorpusProject input, Outcome outcome)
        {
            using AdhocWorkspace workspace = FixHarness.CreateWorkspace();
            Project project = FixHarness.CreateProject(workspace, "Scenario", input.Files);
            string name = input.Name.Substring(input.Name.LastIndexOf('/') + 1);
            ImmutableArray<Diagnostic> errors = await FixHarness.CompilerErrorsAsync(project);
            if (!errors.IsEmpty)
            {
                outcome.Failures.Add(new FixVerdict(name, "-", "-", "input", "the input does not compile: " + errors[0]));
                return;
            }

            ImmutableArray<Diagnostic> diagnostics = await FixHarness.AnalyzeAsync(project);
            Dictionary<string, int> iommuBefore = FixHarness.Census(diagnostics.Where(IsIommu));
            foreach (Diagnostic diagnostic in diagnostics.Where(d => IsIommu(d) && d.Location.IsInSource))
            {
                foreach (CodeFixProvider fixer in AnalyzerCatalog.Fixers.Where(f => f.FixableDiagnosticIds.Contains(diagnostic.Id)))
                {
                    Document document = project.GetDocument(diagnostic.Location.SourceTree)!;
                    foreach (CodeAction action in await FixHarness.ActionsAsync(fixer, document, diagnostic))
                    {
                        Solution? changed = await FixHarness.ApplyAsync(action);
                        outcome.Applied++;
                        string label = action.Title;
                        if (changed == null)
                        {
                            outcome.Failures.Add(new FixVerdict(name, diagnostic.Id, label, "b", "the action changes nothing"));
                            continue;
                        }

                        Project fixedProject = changed.GetProject(project.Id)!;
                        ImmutableArray<Diagnostic> after = await FixHarness.AnalyzeAsync(fixedProject);
                        bool gone = !after.Any(d => FixHarness.Key(d) == FixHarness.Key(diagnostic) && FixHarness.LineOf(d) == FixHarness.LineOf(diagnostic)) &&
                            after.Count(d => d.Id == diagnostic.Id) < diagnostics.Count(d => d.Id == diagnostic.Id);
                        await JudgeAsync(name, diagnostic.Id, label, action.EquivalenceKey, fixedProject, after, iommuBefore, gone, outcome);
                    }
                }
            }

            // Fix All: per rule and per kind of action (equivalence key) its fixer offers anywhere in the document.
            foreach (IGrouping<string, Diagnostic> rule in diagnostics.Where(d => IsIommu(d) && d.Location.IsInSource).GroupBy(d => d.Id))
            {
                foreach (CodeFixProvider fixer in AnalyzerCatalog.Fixers.Where(f => f.FixableDiagnosticIds.Contains(rule.Key)))
                {
                    FixAllProvider? provider = fixer.GetFixAllProvider();
                    Document document = project.GetDocument(rule.First().Location.SourceTree)!;
                    var keys = new List<string>();
                    foreach (Diagnostic diagnostic in rule)
                    {
                        foreach (CodeAction action in await FixHarness.ActionsAsync(fixer, document, diagnostic))
                        {
                            if (action.EquivalenceKey != null && !keys.Contains(action.EquivalenceKey))
                            {
                                keys.Add(action.EquivalenceKey);
                            }
                        }
                    }

                    foreach (string key in keys)
                    {
                        string label = "Fix All " + key;
                        Solution? all = provider == null ? null : await FixAllAsync(provider, fixer, document, key, rule.Key);
                        outcome.FixAlls++;
                        if (all == null)
                        {
                            outcome.Failures.Add(new FixVerdict(name, rule.Key, label, "b", "Fix All offered no action"));
                            continue;
                        }

                        Project fixedProject = all.GetProject(project.Id)!;
                        ImmutableArray<Diagnostic> after = await FixHarness.AnalyzeAsync(fixedProject);
                        int offeredBefore = await CountOfferingAsync(fixer, project, diagnostics, rule.Key, key);
                        int offeredAfter = await CountOfferingAsync(fixer, fixedProject, after, rule.Key, key);
                        bool gone = offeredAfter == 0 && after.Count(d => d.Id == rule.Key) <= rule.Count() - offeredBefore;
                        await JudgeAsync(name, rule.Key, label, key, fixedProject, after, iommuBefore, gone, outcome);

                        string? oneByOne = await OneAtATimeAsync(fixer, project, rule.Key, key);
                        string allText = await FixHarness.TextAsync(all);
                        if (oneByOne != null && oneByOne != allText)
                        {
                            outcome.Failures.Add(new FixVerdict(name, rule.Key, label, "e", "one at a time reaches another text than Fix All:\n--- one at a time ---\n" + oneByOne + "\n--- Fix All ---\n" + allText));
                        }
                    }
                }
            }
        }

        private static async Task JudgeAsync(string name, string id, string label, string? key, Project fixedProject, ImmutableArray<Diagnostic> after, Dictionary<string, int> iommuBefore, bool gone, Outcome outcome)
        {
            string text = await FixHarness.TextAsync(fixedProject.Solution);
            ImmutableArray<Diagnostic> errors = await FixHarness.CompilerErrorsAsync(fixedProject);
            if (!errors.IsEmpty)
            {
                outcome.Failures.Add(new FixVerdict(name, id, label, "a", "new compiler errors: " + string.Join("; ", errors.Take(3)) + "\n--- fixed ---\n" + text));
                return;
            }

            if (!gone)
            {
                outcome.Failures.Add(new FixVerdict(name, id, label, "b", "the diagnostic is still reported\n--- fixed ---\n" + text));
            }

            List<string> added = FixHarness.Added(iommuBefore, FixHarness.Census(after.Where(IsIommu)));
            added.RemoveAll(entry => FixHarness.IsDesignedConsequence(id, key, entry));
            if (added.Count > 0)
            {
                outcome.Failures.Add(new FixVerdict(name, id, label, "c", "new IOMMU diagnostics: " + string.Join("; ", added) + "\n--- fixed ---\n" + text));
            }

            // The run says whether the fixed code is right only once nothing is left to fix: a second bug of the input
            // that this fix did not touch (a sibling diagnostic, the callers' IOMMU0104 after a [RequiresLock]) would
            // fail it on its own. Inputs with one bug each get every action run; the others get their Fix All run.
            var sources = new List<string>();
            foreach (Document document in fixedProject.Documents)
            {
                sources.Add((await document.GetTextAsync()).ToString());
            }

            if (after.Any(d => IsIommu(d) && d.Severity >= DiagnosticSeverity.Warning))
            {
                outcome.Unrun++;
            }
            else if (sources.Any(ScenarioRunner.HasScenario))
            {
                outcome.Ran++;
                string run = ScenarioRunner.Run(sources, ScenarioRunner.Timeout);
                if (run.Length > 0)
                {
                    outcome.Failures.Add(new FixVerdict(name, id, label, "d", "Scenario.Run() " + run + "\n--- fixed ---\n" + text));
                }
            }
        }

        /// <summary>How many diagnostics of <paramref name="id"/> the fixer offers an action with <paramref name="key"/> for.</summary>
        private static async Task<int> CountOfferingAsync(CodeFixProvider fixer, Project project, ImmutableArray<Diagnostic> diagnostics, string id, string key)
        {
            int count = 0;
            foreach (Diagnostic diagnostic in diagnostics.Where(d => d.Id == id && d.Location.IsInSource))
            {
                Document document = project.GetDocument(diagnostic.Location.SourceTree)!;
                if ((await FixHarness.ActionsAsync(fixer, document, diagnostic)).Any(a => a.EquivalenceKey == key))
                {
                    count++;
                }
            }

            return count;
        }

        /// <summary>The text after applying the action with <paramref name="key"/> to the first such diagnostic, re-analysing, until none is left; null when it does not settle.</summary>
        private static async Task<string?> OneAtATimeAsync(CodeFixProvider fixer, Project project, string id, string key)
        {
            Solution solution = project.Solution;
            for (int step = 0; step < MaxOneAtATimeSteps; step++)
            {
                Project current = solution.GetProject(project.Id)!;
                CodeAction? next = null;
                foreach (Diagnostic diagnostic in (await FixHarness.AnalyzeAsync(current)).Where(d => d.Id == id && d.Location.IsInSource))
                {
                    next = (await FixHarness.ActionsAsync(fixer, current.GetDocument(diagnostic.Location.SourceTree)!, diagnostic)).FirstOrDefault(a => a.EquivalenceKey == key);
                    if (next != null)
                    {
                        break;
                    }
                }

                if (next == null)
                {
                    return await FixHarness.TextAsync(solution);
                }

                Solution? changed = await FixHarness.ApplyAsync(next);
                if (changed == null)
                {
                    return null;
                }

                solution = changed;
            }

            return null;
        }

        private static async Task<Solution?> FixAllAsync(FixAllProvider provider, CodeFixProvider fixer, Document document, string key, string id)
        {
            var context = new FixAllContext(document, fixer, FixAllScope.Document, key, new[] { id }, new FixHarness.DiagnosticProvider(new[] { id }), default);
            CodeAction? action = await provider.GetFixAsync(context);
            return action == null ? null : await FixHarness.ApplyAsync(action);
        }

        private static bool IsIommu(Diagnostic diagnostic) => diagnostic.Id.StartsWith("IOMMU", StringComparison.Ordinal);
    }
}
