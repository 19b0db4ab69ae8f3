using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Xunit;
using Xunit.Abstractions;

namespace IommuAnalyzers.Tests.Reliability
{
    /// <summary>
    /// Issue 6, item 2: every fix, on every sample and test input where its diagnostic appears, compiles, removes the
    /// diagnostic at that place and adds no IOMMU diagnostic; Fix All over a document with 100+ diagnostics of a rule
    /// compiles, removes them all and is a fixed point.
    /// </summary>
    [Collection(ReliabilityCollection.Name)]
    public class FixRoundTripTests
    {
        private const string SiteAnnotationKind = "ReliabilitySite";

        private readonly ITestOutputHelper _output;

        public FixRoundTripTests(ITestOutputHelper output)
        {
            _output = output;
        }

        public static IEnumerable<object[]> FixableIds() =>
            AnalyzerCatalog.FixableIds.OrderBy(id => id, StringComparer.Ordinal).Select(id => new object[] { id });

        [Fact]
        public async Task EveryFix_OnEveryInputWhereItApplies_Compiles_RemovesItsDiagnostic_AndAddsNone()
        {
            var failures = new List<string>();
            var roundTrips = new Dictionary<string, int>(StringComparer.Ordinal);
            int declined = 0;
            int seen = 0;
            int inputs = 0;
            Stopwatch wall = Stopwatch.StartNew();
            foreach (CodeFixProvider fixer in AnalyzerCatalog.Fixers)
            {
                roundTrips[fixer.GetType().Name] = 0;
            }

            // Each input is analyzed once; every fixer then works from that state.
            foreach (CorpusProject corpus in CorpusSources.All)
            {
                using AdhocWorkspace workspace = FixHarness.CreateWorkspace();
                Project project = FixHarness.CreateProject(workspace, "RoundTrip", corpus.Files);
                ImmutableArray<Diagnostic> diagnostics = await FixHarness.AnalyzeAsync(project);
                foreach (CodeFixProvider fixer in AnalyzerCatalog.Fixers)
                {
                    string fixerName = fixer.GetType().Name;
                    List<Diagnostic> fixable = diagnostics.Where(d => d.Location.IsInSource && fixer.FixableDiagnosticIds.Contains(d.Id)).ToList();
                    if (fixable.Count == 0)
                    {
                        continue;
                    }

                    inputs++;
                    seen += fixable.Count;
                    fixable = Sample(fixable);
                    Dictionary<string, int> errorsBefore = FixHarness.Census(await FixHarness.CompilerErrorsAsync(project));
                    Dictionary<string, int> iommuBefore = FixHarness.Census(diagnostics.Where(IsIommu));
                    foreach (Diagnostic diagnostic in fixable)
                    {
                        string where = corpus.Name + " " + diagnostic.Id + " at " + diagnostic.Location.GetLineSpan();

                        // Mark the flagged node so it can be found again after the fix has moved the text.
                        Document document = project.GetDocument(diagnostic.Location.SourceTree)!;
                        SyntaxNode root = (await document.GetSyntaxRootAsync())!;
                        SyntaxNode site = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
                        var annotation = new SyntaxAnnotation(SiteAnnotationKind);
                        Document marked = document.WithSyntaxRoot(root.ReplaceNode(site, site.WithAdditionalAnnotations(annotation)));
                        SyntaxTree markedTree = (await marked.GetSyntaxTreeAsync())!;
                        Diagnostic? target = (await FixHarness.AnalyzeAsync(marked.Project))
                            .FirstOrDefault(d => d.Id == diagnostic.Id && d.Location.SourceTree == markedTree && d.Location.SourceSpan == diagnostic.Location.SourceSpan);
                        if (target == null)
                        {
                            failures.Add(where + ": the diagnostic is not reported again on the same text (non-deterministic analyzer)");
                            continue;
                        }

                        int sameIdBefore = diagnostics.Count(d => d.Id == diagnostic.Id && d.Location.SourceTree == diagnostic.Location.SourceTree);
                        ImmutableArray<CodeAction> actions = await FixHarness.ActionsAsync(fixer, marked, target);
                        if (actions.IsEmpty)
                        {
                            declined++;
                            continue;
                        }

                        foreach (CodeAction action in actions)
                        {
                            string failure = await CheckOneFixAsync(action, marked, annotation, target.Id, sameIdBefore, errorsBefore, iommuBefore, FixHarness.Key(target));
                            if (failure.Length > 0)
                            {
                                failures.Add(fixerName + " '" + action.Title + "' on " + where + ": " + failure);
                            }
                            else
                            {
                                roundTrips[fixerName]++;
                            }
                        }
                    }
                }
            }

            wall.Stop();
            _output.WriteLine(
                ReliabilityMode.Name + " mode: fix round trips " + string.Join(", ", roundTrips.Select(e => e.Key + "=" + e.Value)) + " over " + inputs + " inputs where a fix applied (" + seen + " fixable diagnostics), " +
                declined + " diagnostics with no action offered, wall " + wall.Elapsed.TotalSeconds.ToString("F1") + " s");

            Assert.True(failures.Count == 0, failures.Count + " fixes broke something:\n" + string.Join("\n", failures.Select(f => f.Split('\n')[0])) + "\n\nThe first in full:\n\n" + string.Join("\n\n", failures.Take(3)));

            // Every fixer met its diagnostic somewhere in the samples or the rule tests: else this test proved nothing for it.
            Assert.All(roundTrips, e => Assert.True(e.Value > 0, e.Key + " was never applied: no sample or test input has its diagnostic"));
        }

        [Fact]
        public async Task EveryFix_OnHalfTypedMutants_NeverThrows_AddsNoCompilerError_RemovesItsDiagnostic_AndAddsNone()
        {
            // The IDE offers fixes while the buffer is broken: a fixer must not throw there, nor make it worse.
            int wanted = ReliabilityMode.Full ? 1000 : 100;
            int seed = ReliabilityMode.Seed;
            ImmutableHashSet<string> fixableIds = AnalyzerCatalog.FixableIds;

            // Only files that have a fixable diagnostic before mutation are worth mutating here.
            var bases = new List<(CorpusProject Project, int FileIndex)>();
            foreach (CorpusProject port in CorpusSources.DriverPorts)
            {
                using AdhocWorkspace probe = FixHarness.CreateWorkspace();
                ImmutableArray<Diagnostic> found = await FixHarness.AnalyzeAsync(FixHarness.CreateProject(probe, "Base", port.Files));
                for (int i = 0; i < port.Files.Length; i++)
                {
                    if (found.Any(d => fixableIds.Contains(d.Id) && d.Location.SourceTree?.FilePath == port.Files[i].Name))
                    {
                        bases.Add((port, i));
                    }
                }
            }

            Assert.NotEmpty(bases);
            var failures = new List<string>();
            int applied = 0;
            int tried = 0;
            Stopwatch wall = Stopwatch.StartNew();
            for (int index = 0; applied < wanted && index < wanted * 50; index++)
            {
                (CorpusProject corpus, int fileIndex) = bases[index % bases.Count];
                CorpusFile original = corpus.Files[fileIndex];

                // Its own stream of mutants (offset indices), so it does not repeat the analyzer corpus test's.
                Mutant mutant = SourceMutator.Create(seed, 1_000_000 + index, original.Name, original.Text);
                using AdhocWorkspace workspace = FixHarness.CreateWorkspace();
                Project project = FixHarness.CreateProject(workspace, "Mutant", corpus.Files.SetItem(fileIndex, new CorpusFile(original.Name, mutant.Text)));
                ImmutableArray<Diagnostic> diagnostics = await FixHarness.AnalyzeAsync(project);
                List<Diagnostic> fixable = diagnostics.Where(d => d.Location.IsInSource && fixableIds.Contains(d.Id)).ToList();
                tried++;
                if (fixable.Count == 0)
                {
                    continue;
                }

                Diagnostic flagged = fixable[index % fixable.Count];

                // Marked as in the round trips, so that checks (b) and (c) find the fixed place again.
                Document unmarked = project.GetDocument(flagged.Location.SourceTree)!;
                SyntaxNode unmarkedRoot = (await unmarked.GetSyntaxRootAsync())!;
                var annotation = new SyntaxAnnotation(SiteAnnotationKind);
                SyntaxNode site = unmarkedRoot.FindNode(flagged.Location.SourceSpan, getInnermostNodeForTie: true);
                Document document = unmarked.WithSyntaxRoot(unmarkedRoot.ReplaceNode(site, site.WithAdditionalAnnotations(annotation)));
                SyntaxTree markedTree = (await document.GetSyntaxTreeAsync())!;
                ImmutableArray<Diagnostic> markedDiagnostics = await FixHarness.AnalyzeAsync(document.Project);
                Diagnostic? diagnostic = markedDiagnostics.FirstOrDefault(d => d.Id == flagged.Id && d.Location.SourceTree == markedTree && d.Location.SourceSpan == flagged.Location.SourceSpan);
                if (diagnostic == null)
                {
                    failures.Add(mutant + ": " + flagged + " is not reported again on the same text (non-deterministic analyzer)");
                    continue;
                }

                int sameIdBefore = markedDiagnostics.Count(d => d.Id == diagnostic.Id && d.Location.SourceTree == markedTree);
                Dictionary<string, int> iommuBefore = FixHarness.Census(markedDiagnostics.Where(IsIommu));
                ImmutableArray<Diagnostic> broken = await FixHarness.CompilerErrorsAsync(project);
                Dictionary<string, int> errorsBefore = FixHarness.Census(broken);
                HashSet<string> brokenLines = FixHarness.LinesOf(broken);
                foreach (CodeFixProvider fixer in AnalyzerCatalog.Fixers.Where(f => f.FixableDiagnosticIds.Contains(diagnostic.Id)))
                {
                    string where = fixer.GetType().Name + " on " + mutant + " (seed " + seed + "), " + diagnostic;
                    try
                    {
                        foreach (CodeAction action in await FixHarness.ActionsAsync(fixer, document, diagnostic))
                        {
                            Solution? changed = await FixHarness.ApplyAsync(action);
                            applied++;
                            if (changed == null)
                            {
                                continue;
                            }

                            // On code that is already broken, a using the fix adds can change how a broken line fails
                            // (CS0103 becomes CS0029): errors on lines that failed before are that line's, not the fix's.
                            ImmutableArray<Diagnostic> errorsAfter = await FixHarness.CompilerErrorsAsync(changed.GetProject(project.Id)!);
                            List<string> added = FixHarness.Added(errorsBefore, FixHarness.Census(errorsAfter.Where(e => !brokenLines.Contains(FixHarness.LineOf(e)))));
                            if (added.Count > 0)
                            {
                                failures.Add(where + ": new compiler errors " + string.Join(", ", added) + "\n--- mutant ---\n" + SourceMutator.Excerpt(mutant.Text) +
                                    "\n--- fixed ---\n" + SourceMutator.Excerpt(await FixHarness.TextAsync(changed)));
                                continue;
                            }

                            string verdict = await DiagnosticVerdictAsync(action, document, changed.GetProject(project.Id)!, annotation, diagnostic.Id, sameIdBefore, iommuBefore,
                                FixHarness.Key(diagnostic), SourceMutator.Excerpt(await FixHarness.TextAsync(changed)));
                            if (verdict.Length > 0)
                            {
                                failures.Add(where + " '" + action.Title + "': " + verdict + "\n--- mutant ---\n" + SourceMutator.Excerpt(mutant.Text));
                            }
                        }
                    }
                    catch (Exception e) when (e is not OutOfMemoryException)
                    {
                        failures.Add(where + ": threw " + e + "\n--- mutant ---\n" + SourceMutator.Excerpt(mutant.Text));
                    }
                }
            }

            wall.Stop();
            _output.WriteLine(ReliabilityMode.Name + " mode: " + applied + " fixes applied to half-typed mutants (" + tried + " mutants analyzed), " + failures.Count + " failures of (a) no new compiler error, (b) its diagnostic gone, (c) no new IOMMU diagnostic; wall " + wall.Elapsed.TotalSeconds.ToString("F1") + " s");
            Assert.True(failures.Count == 0, failures.Count + " fixes failed on half-typed code; first ones:\n\n" + string.Join("\n\n", failures.Take(3)));
            Assert.True(applied >= wanted, "only " + applied + " fixes could be applied to mutants");
        }

        [Theory]
        [MemberData(nameof(FixableIds))]
        public async Task FixAll_OnADocumentWithAHundredDiagnostics_Compiles_RemovesThemAll_AndIsAFixedPoint(string id)
        {
            string? template = FixAllTemplates.For(id);
            Assert.True(template != null, "No Fix All template for " + id + ": add a generator to FixAllTemplates.");

            foreach (CodeFixProvider fixer in AnalyzerCatalog.Fixers.Where(f => f.FixableDiagnosticIds.Contains(id)))
            {
                using AdhocWorkspace workspace = FixHarness.CreateWorkspace();
                Project project = FixHarness.CreateProject(workspace, "FixAll" + id, new[] { new CorpusFile("FixAll_" + id + ".cs", template!) });
                Document document = project.Documents.Single();

                ImmutableArray<Diagnostic> errors = await FixHarness.CompilerErrorsAsync(project);
                Assert.True(errors.IsEmpty, "the " + id + " template does not compile:\n" + string.Join("\n", errors));
                ImmutableArray<Diagnostic> diagnostics = await FixHarness.AnalyzeAsync(project);
                List<Diagnostic> ofRule = diagnostics.Where(d => d.Id == id).ToList();
                Assert.True(ofRule.Count >= FixAllTemplates.MinimumDiagnostics, "the " + id + " template yields " + ofRule.Count + " diagnostics of the rule");
                Dictionary<string, int> othersBefore = FixHarness.Census(diagnostics.Where(d => IsIommu(d) && d.Id != id));

                FixAllProvider? provider = fixer.GetFixAllProvider();
                Assert.True(provider != null, fixer.GetType().Name + " has no Fix All provider");
                Assert.Contains(FixAllScope.Document, provider!.GetSupportedFixAllScopes());

                // Each kind of action the fixer offers (its equivalence key) is one Fix All.
                ImmutableArray<CodeAction> offered = await FixHarness.ActionsAsync(fixer, document, ofRule[0]);
                Assert.NotEmpty(offered);
                foreach (string? key in offered.Select(a => a.EquivalenceKey).Distinct())
                {
                    Stopwatch wall = Stopwatch.StartNew();
                    Solution once = await FixAllAsync(provider, fixer, document, key, id) ?? throw new Xunit.Sdk.XunitException("Fix All '" + key + "' offered no action");
                    wall.Stop();
                    Project fixedProject = once.GetProject(project.Id)!;

                    ImmutableArray<Diagnostic> newErrors = await FixHarness.CompilerErrorsAsync(fixedProject);
                    Assert.True(newErrors.IsEmpty, "Fix All '" + key + "' broke the build:\n" + string.Join("\n", newErrors.Take(10)) + "\n" + SourceMutator.Excerpt(await FixHarness.TextAsync(once)));

                    ImmutableArray<Diagnostic> after = await FixHarness.AnalyzeAsync(fixedProject);
                    Diagnostic[] left = after.Where(d => d.Id == id).ToArray();
                    Assert.True(left.Length == 0, "Fix All '" + key + "' left " + left.Length + " of " + ofRule.Count + " diagnostics, first: " + left.FirstOrDefault());
                    List<string> added = FixHarness.Added(othersBefore, FixHarness.Census(after.Where(IsIommu)));
                    if (FixHarness.RevealedBy(id) is string revealed)
                    {
                        added.RemoveAll(entry => entry.StartsWith(revealed + ":", StringComparison.Ordinal));
                    }

                    Assert.True(added.Count == 0, "Fix All '" + key + "' added diagnostics:\n" + string.Join("\n", added.Take(10)));
                    string? banner = await FixHarness.MovedBannerAsync(project, fixedProject);
                    Assert.True(banner == null, "Fix All '" + key + "' moved the file header: " + banner);

                    // Running it again changes nothing.
                    Document fixedDocument = fixedProject.GetDocument(document.Id)!;
                    Solution? twice = await FixAllAsync(provider, fixer, fixedDocument, key, id);
                    if (twice != null)
                    {
                        Assert.Equal(await FixHarness.TextAsync(once), await FixHarness.TextAsync(twice));
                    }

                    _output.WriteLine(fixer.GetType().Name + " Fix All '" + key + "' on " + id + ": " + ofRule.Count + " diagnostics fixed in " + wall.Elapsed.TotalMilliseconds.ToString("F0") + " ms; second run changed nothing");
                }
            }
        }

        [Fact]
        public async Task FixAllTemplates_AllCompile_AndEachYieldsAHundredDiagnosticsOnceItsFixExists()
        {
            // Every template must compile; the hundred-diagnostic count is checked for each ID that has a fixer (a
            // template for an ID without one is kept ready but not used).
            ImmutableHashSet<string> supported = AnalyzerCatalog.FixableIds.Intersect(AnalyzerCatalog.SupportedIds);
            foreach (string id in FixAllTemplates.Ids)
            {
                using AdhocWorkspace workspace = FixHarness.CreateWorkspace();
                Project project = FixHarness.CreateProject(workspace, "Template" + id, new[] { new CorpusFile("Template_" + id + ".cs", FixAllTemplates.For(id)!) });
                ImmutableArray<Diagnostic> errors = await FixHarness.CompilerErrorsAsync(project);
                Assert.True(errors.IsEmpty, "the " + id + " template does not compile:\n" + string.Join("\n", errors.Take(10)));
                if (supported.Contains(id))
                {
                    int count = (await FixHarness.AnalyzeAsync(project)).Count(d => d.Id == id);
                    Assert.True(count >= FixAllTemplates.MinimumDiagnostics, "the " + id + " template yields " + count + " diagnostics of the rule");
                    _output.WriteLine(id + " template: " + count + " diagnostics");
                }
            }
        }

        [Fact]
        public async Task Harness_CatchesAFixThatBreaksTheBuild_AndOneThatLeavesTheDiagnostic()
        {
            // The checks must be able to fail: one action deletes the flagged call's semicolon, one puts a using above the
            // file's header comment, one only adds a comment at the end.
            using AdhocWorkspace workspace = FixHarness.CreateWorkspace();
            CorpusProject input = CorpusSources.ReliabilityInputs().Single(p => p.Name.EndsWith("Host1xClients.cs", StringComparison.Ordinal));
            Project project = FixHarness.CreateProject(workspace, "Canary", input.Files);
            ImmutableArray<Diagnostic> diagnostics = await FixHarness.AnalyzeAsync(project);
            Diagnostic diagnostic = diagnostics.First(d => d.Id == RuleIdentifiers.SharedAttachWithoutSuppressAutoClaim);
            Document document = project.GetDocument(diagnostic.Location.SourceTree)!;
            SyntaxNode root = (await document.GetSyntaxRootAsync())!;
            var annotation = new SyntaxAnnotation(SiteAnnotationKind);
            SyntaxNode site = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            document = document.WithSyntaxRoot(root.ReplaceNode(site, site.WithAdditionalAnnotations(annotation)));
            Microsoft.CodeAnalysis.Text.SourceText text = await document.GetTextAsync();
            int semicolon = text.ToString().IndexOf(';', diagnostic.Location.SourceSpan.End);
            int sameId = diagnostics.Count(d => d.Id == diagnostic.Id);
            Dictionary<string, int> errors = FixHarness.Census(await FixHarness.CompilerErrorsAsync(project));
            Dictionary<string, int> iommu = FixHarness.Census(diagnostics.Where(IsIommu));

            CodeAction breaks = CodeAction.Create("break", _ => Task.FromResult(document.WithText(text.Replace(semicolon, 1, "")).Project.Solution));
            SyntaxNode marked = (await document.GetSyntaxRootAsync())!;
            SyntaxToken endOfFile = marked.GetLastToken(includeZeroWidth: true);
            SyntaxNode commented = marked.ReplaceToken(endOfFile, endOfFile.WithLeadingTrivia(endOfFile.LeadingTrivia.Add(Microsoft.CodeAnalysis.CSharp.SyntaxFactory.Comment("// touched"))));
            CodeAction idle = CodeAction.Create("comment", _ => Task.FromResult(document.WithSyntaxRoot(commented).Project.Solution));

            Assert.Contains("new compiler errors", await CheckOneFixAsync(breaks, document, annotation, diagnostic.Id, sameId, errors, iommu), StringComparison.Ordinal);
            CodeAction aboveHeader = CodeAction.Create("using above the header", _ => Task.FromResult(document.WithText(text.Replace(0, 0, "using System;\n")).Project.Solution));
            Assert.Contains("the file header moved", await CheckOneFixAsync(aboveHeader, document, annotation, diagnostic.Id, sameId, errors, iommu), StringComparison.Ordinal);
            Assert.Contains("still reported at the fixed place", await CheckOneFixAsync(idle, document, annotation, diagnostic.Id, sameId, errors, iommu), StringComparison.Ordinal);
        }

        /// <summary>
        /// All diagnostics in the full run; in the short run at most <see cref="ShortModeDiagnosticsPerInput"/> per input and
        /// fixer, spread over the input, so samples full of diagnostics keep CI short.
        /// </summary>
        private static List<Diagnostic> Sample(List<Diagnostic> fixable)
        {
            if (ReliabilityMode.Full || fixable.Count <= ShortModeDiagnosticsPerInput)
            {
                return fixable;
            }

            return Enumerable.Range(0, ShortModeDiagnosticsPerInput).Select(i => fixable[i * fixable.Count / ShortModeDiagnosticsPerInput]).ToList();
        }

        private const int ShortModeDiagnosticsPerInput = 25;

        private static bool IsIommu(Diagnostic diagnostic) => diagnostic.Id.StartsWith("IOMMU", StringComparison.Ordinal);

        private static async Task<Solution?> FixAllAsync(FixAllProvider provider, CodeFixProvider fixer, Document document, string? key, string id)
        {
            var context = new FixAllContext(document, fixer, FixAllScope.Document, key, new[] { id }, new FixHarness.DiagnosticProvider(new[] { id }), default);
            CodeAction? action = await provider.GetFixAsync(context);
            return action == null ? null : await FixHarness.ApplyAsync(action);
        }

        /// <summary>Applies one action and returns what it broke, or an empty string.</summary>
        private static async Task<string> CheckOneFixAsync(
            CodeAction action,
            Document document,
            SyntaxAnnotation site,
            string id,
            int sameIdBefore,
            Dictionary<string, int> errorsBefore,
            Dictionary<string, int> iommuBefore,
            string? fixedKey = null)
        {
            Solution? changed = await FixHarness.ApplyAsync(action);
            if (changed == null)
            {
                return "the action changes nothing";
            }

            Project project = changed.GetProject(document.Project.Id)!;
            string text = SourceMutator.Excerpt(await FixHarness.TextAsync(changed));
            List<string> newErrors = FixHarness.Added(errorsBefore, FixHarness.Census(await FixHarness.CompilerErrorsAsync(project)));
            if (newErrors.Count > 0)
            {
                return "new compiler errors:\n" + string.Join("\n", newErrors) + "\n--- fixed text ---\n" + text;
            }

            string? banner = await FixHarness.MovedBannerAsync(document.Project, project);
            if (banner != null)
            {
                return "the file header moved: " + banner + "\n--- fixed text ---\n" + text;
            }

            return await DiagnosticVerdictAsync(action, document, project, site, id, sameIdBefore, iommuBefore, fixedKey, text);
        }

        /// <summary>Checks (b) and (c) of a fix applied to <paramref name="document"/>: its diagnostic gone at the fixed place, and no new IOMMU diagnostic.</summary>
        private static async Task<string> DiagnosticVerdictAsync(
            CodeAction action,
            Document document,
            Project project,
            SyntaxAnnotation site,
            string id,
            int sameIdBefore,
            Dictionary<string, int> iommuBefore,
            string? fixedKey,
            string text)
        {
            ImmutableArray<Diagnostic> after = await FixHarness.AnalyzeAsync(project);
            List<string> added = FixHarness.Added(iommuBefore, FixHarness.Census(after.Where(IsIommu)));

            added.RemoveAll(entry => FixHarness.IsDesignedConsequence(id, action.EquivalenceKey, entry));

            // Rule-test inputs plant several bugs at once. A fix that writes more of the code an existing finding is
            // about (the Remove of a driver that still lacks its attribute draws that driver's IOMMU0001 once more)
            // extends a defect the input already had; a rule the input did not already break must never appear.
            var rulesBefore = new HashSet<string>(iommuBefore.Keys.Select(k => k.Substring(0, k.IndexOf(':'))), System.StringComparer.Ordinal);
            added.RemoveAll(entry => rulesBefore.Contains(entry.Substring(0, entry.IndexOf(':'))));

            if (added.Count > 0)
            {
                return "new IOMMU diagnostics:\n" + string.Join("\n", added) + "\n--- fixed text ---\n" + text;
            }

            Document fixedDocument = project.GetDocument(document.Id)!;
            SyntaxTree tree = (await fixedDocument.GetSyntaxTreeAsync())!;
            SyntaxNode? moved = (await fixedDocument.GetSyntaxRootAsync())!.GetAnnotatedNodes(site).FirstOrDefault();
            // Another finding of the same rule may share the place (two locks leaking through one exit): only the one
            // this action fixed must be gone.
            if (moved != null && after.Any(d => d.Id == id && (fixedKey == null || FixHarness.Key(d) == fixedKey) && d.Location.SourceTree == tree && d.Location.SourceSpan.IntersectsWith(moved.Span)))
            {
                return "the diagnostic is still reported at the fixed place\n--- fixed text ---\n" + text;
            }

            int sameIdAfter = after.Count(d => d.Id == id && d.Location.SourceTree == tree);
            return sameIdAfter < sameIdBefore ? "" : "the document still has " + sameIdAfter + " " + id + " diagnostics (had " + sameIdBefore + ")\n--- fixed text ---\n" + text;
        }
    }
}
