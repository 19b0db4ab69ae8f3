using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using IommuAnalyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Host.Mef;
using Microsoft.CodeAnalysis.Text;

namespace IommuAnalyzers.Tests.Reliability
{
    /// <summary>Workspace plumbing for applying fixes the way the IDE and <c>dotnet format</c> do.</summary>
    internal static class FixHarness
    {
        /// <summary>A project of the given files in a workspace with the C# services (formatting, simplification).</summary>
        public static Project CreateProject(AdhocWorkspace workspace, string name, IEnumerable<CorpusFile> files)
        {
            List<CorpusFile> list = files.ToList();
            var projectId = ProjectId.CreateNewId(name);
            var trees = list.Select(f => Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(f.Text, AnalysisRunner.ParseOptions)).ToList();
            Solution solution = workspace.CurrentSolution.AddProject(ProjectInfo.Create(
                projectId,
                VersionStamp.Create(),
                name,
                "FixRoundTrip",
                LanguageNames.CSharp,
                compilationOptions: AnalysisRunner.CompilationOptionsFor(trees),
                parseOptions: AnalysisRunner.ParseOptions,
                metadataReferences: TestReferences.WithRuntime));
            foreach (CorpusFile file in list)
            {
                solution = solution.AddDocument(DocumentId.CreateNewId(projectId, file.Name), file.Name, SourceText.From(file.Text), filePath: file.Name);
            }

            return solution.GetProject(projectId)!;
        }

        public static AdhocWorkspace CreateWorkspace() => new AdhocWorkspace(MefHostServices.DefaultHost);

        public static async Task<ImmutableArray<Diagnostic>> AnalyzeAsync(Project project, CancellationToken cancellationToken = default)
        {
            Compilation compilation = (await project.GetCompilationAsync(cancellationToken).ConfigureAwait(false))!;
            ImmutableArray<Diagnostic> diagnostics = await AnalysisRunner.DiagnosticsAsync(compilation, AnalyzerCatalog.Analyzers, cancellationToken).ConfigureAwait(false);

            // In source order: which diagnostic a seeded test picks must not depend on the analyzer driver's scheduling.
            return diagnostics
                .OrderBy(d => d.Location.SourceTree?.FilePath ?? "", StringComparer.Ordinal)
                .ThenBy(d => d.Location.SourceSpan.Start)
                .ThenBy(d => d.Id, StringComparer.Ordinal)
                .ToImmutableArray();
        }

        public static async Task<ImmutableArray<Diagnostic>> CompilerErrorsAsync(Project project, CancellationToken cancellationToken = default)
        {
            Compilation compilation = (await project.GetCompilationAsync(cancellationToken).ConfigureAwait(false))!;
            return compilation.GetDiagnostics(cancellationToken).Where(d => d.Severity == DiagnosticSeverity.Error).ToImmutableArray();
        }

        /// <summary>The actions a fixer offers for one diagnostic, nested ones flattened (each leaf is one choice).</summary>
        public static async Task<ImmutableArray<CodeAction>> ActionsAsync(CodeFixProvider fixer, Document document, Diagnostic diagnostic, CancellationToken cancellationToken = default)
        {
            var actions = new List<CodeAction>();
            var context = new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), cancellationToken);
            await fixer.RegisterCodeFixesAsync(context).ConfigureAwait(false);
            return actions.SelectMany(Leaves).ToImmutableArray();
        }

        /// <summary>The actions <paramref name="fixer"/> offers for the first <paramref name="id"/> diagnostic of a one-file project.</summary>
        public static async Task<ImmutableArray<CodeAction>> ActionsForFirstAsync(CodeFixProvider fixer, string id, string source, string fileName = "Port.cs")
        {
            using AdhocWorkspace workspace = CreateWorkspace();
            Project project = CreateProject(workspace, "Offer", new[] { new CorpusFile(fileName, source) });
            Diagnostic diagnostic = (await AnalyzeAsync(project).ConfigureAwait(false)).First(d => d.Id == id);
            return await ActionsAsync(fixer, project.Documents.Single(), diagnostic).ConfigureAwait(false);
        }

        /// <summary>The solution an action produces (its one ApplyChangesOperation), or null when it changes nothing.</summary>
        public static async Task<Solution?> ApplyAsync(CodeAction action, CancellationToken cancellationToken = default)
        {
            ImmutableArray<CodeActionOperation> operations = await action.GetOperationsAsync(cancellationToken).ConfigureAwait(false);
            return operations.OfType<ApplyChangesOperation>().Select(o => o.ChangedSolution).LastOrDefault();
        }

        /// <summary>Diagnostics as (ID, message) pairs with counts: what "new" means once the text has moved.</summary>
        public static Dictionary<string, int> Census(IEnumerable<Diagnostic> diagnostics)
        {
            var census = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (Diagnostic diagnostic in diagnostics)
            {
                string key = Key(diagnostic);
                census[key] = census.TryGetValue(key, out int n) ? n + 1 : 1;
            }

            return census;
        }

        /// <summary>
        /// A diagnostic as "ID: message". Messages that cite a line ("taken at line 93") change when a fix inserts
        /// lines above: that is not a new finding, so the number is left out.
        /// </summary>
        public static string Key(Diagnostic diagnostic) =>
            diagnostic.Id + ": " + System.Text.RegularExpressions.Regex.Replace(diagnostic.GetMessage(CultureInfo.InvariantCulture), @"\bline \d+", "line #");

        /// <summary>Where a diagnostic is, as its file and the text of its line (which survives edits elsewhere in the file).</summary>
        public static string LineOf(Diagnostic diagnostic)
        {
            SyntaxTree? tree = diagnostic.Location.SourceTree;
            if (tree == null)
            {
                return "";
            }

            SourceText text = tree.GetText();
            return tree.FilePath + "|" + text.Lines.GetLineFromPosition(diagnostic.Location.SourceSpan.Start).ToString().Trim();
        }

        public static HashSet<string> LinesOf(IEnumerable<Diagnostic> diagnostics) => new HashSet<string>(diagnostics.Select(LineOf), StringComparer.Ordinal);

        /// <summary>Entries of <paramref name="after"/> beyond what <paramref name="before"/> had.</summary>
        public static List<string> Added(Dictionary<string, int> before, Dictionary<string, int> after) =>
            after.Where(e => e.Value > before.GetValueOrDefault(e.Key)).Select(e => e.Key + " (x" + (e.Value - before.GetValueOrDefault(e.Key)) + ")").ToList();

        public static async Task<string> TextAsync(Solution solution, CancellationToken cancellationToken = default)
        {
            var parts = new List<string>();
            foreach (Document document in solution.Projects.SelectMany(p => p.Documents).OrderBy(d => d.Name, StringComparer.Ordinal))
            {
                parts.Add("// " + document.Name + "\n" + (await document.GetTextAsync(cancellationToken).ConfigureAwait(false)));
            }

            return string.Join("\n", parts);
        }

        /// <summary>
        /// A fix must keep a file's header where it is: when a document began with a comment line (an SPDX line, a
        /// license banner), the fixed document begins with the same line. Returns the first document where it did not.
        /// </summary>
        public static async Task<string?> MovedBannerAsync(Project before, Project after, CancellationToken cancellationToken = default)
        {
            foreach (Document original in before.Documents)
            {
                Document? changed = after.GetDocument(original.Id);
                if (changed == null)
                {
                    continue;
                }

                string first = FirstLine((await original.GetTextAsync(cancellationToken).ConfigureAwait(false)).ToString());
                if ((first.StartsWith("//", StringComparison.Ordinal) || first.StartsWith("/*", StringComparison.Ordinal)) &&
                    FirstLine((await changed.GetTextAsync(cancellationToken).ConfigureAwait(false)).ToString()) != first)
                {
                    return original.Name + " no longer begins with '" + first + "'";
                }
            }

            return null;
        }

        private static string FirstLine(string text)
        {
            int end = text.IndexOfAny(new[] { '\r', '\n' });
            return end < 0 ? text : text.Substring(0, end);
        }

        private static IEnumerable<CodeAction> Leaves(CodeAction action) =>
            action.NestedActions.IsDefaultOrEmpty ? new[] { action } : action.NestedActions.SelectMany(Leaves);

        // Fixes that make an existing defect visible rather than add one; each pair is documented on the rule's page.
        //   IOMMU0003 -> IOMMU0006: the multiplexor call becomes DeviceUseDmaApi/GroupSetDmaOwner, which IOMMU0006
        //     tracks; a Probe that never gave it back leaked before the rewrite too.
        //   IOMMU0005 -> IOMMU0006: the inserted `return ret;` is an error path of Probe; ownership taken before it
        //     and not given back leaked on that failure before the fix too, silently.
        private static readonly Dictionary<string, string> s_revealedBy = new Dictionary<string, string>(System.StringComparer.Ordinal)
        {
            [RuleIdentifiers.OldDmaOwnerMultiplexor] = RuleIdentifiers.OwnershipNotReleased,
            [RuleIdentifiers.MustCheckResultIgnored] = RuleIdentifiers.OwnershipNotReleased,
            //   IOMMU0109 -> IOMMU0100: the inferred [GuardedBy] is the declaration that lets IOMMU0100 check the
            //     member; the unlocked sites it then reports are the races IOMMU0109 pointed at, with their own fixes.
            [RuleIdentifiers.MemberLockedInconsistently] = RuleIdentifiers.GuardedMemberWithoutLock,
        };

        /// <summary>The rule whose new diagnostics a fix of <paramref name="id"/> reveals by design, or null.</summary>
        public static string? RevealedBy(string id) => s_revealedBy.TryGetValue(id, out string? revealed) ? revealed : null;

        /// <summary>
        /// Whether a diagnostic a fix added ("ID: message") is one the fix brings on by design, documented on the rule
        /// pages: a revealed defect (above), or, for "Add [RequiresLock] to the method", the callers' IOMMU0104, which is
        /// the point of moving the requirement to them.
        /// </summary>
        public static bool IsDesignedConsequence(string id, string? equivalenceKey, string added) =>
            (equivalenceKey == IommuAnalyzers.CodeFixes.Locking.LockRequirementFixes.RequiresKey && added.StartsWith(RuleIdentifiers.RequiresLockCallWithoutLock + ":", StringComparison.Ordinal)) ||
            (RevealedBy(id) is string revealed && added.StartsWith(revealed + ":", StringComparison.Ordinal));

        /// <summary>Diagnostics for Fix All, computed with every shipped analyzer, restricted to the requested IDs.</summary>
        internal sealed class DiagnosticProvider : FixAllContext.DiagnosticProvider
        {
            private readonly ImmutableHashSet<string> _ids;

            public DiagnosticProvider(IEnumerable<string> ids)
            {
                _ids = ids.ToImmutableHashSet(StringComparer.Ordinal);
            }

            public override async Task<IEnumerable<Diagnostic>> GetDocumentDiagnosticsAsync(Document document, CancellationToken cancellationToken)
            {
                SyntaxTree? tree = await document.GetSyntaxTreeAsync(cancellationToken).ConfigureAwait(false);
                return (await AnalyzeAsync(document.Project, cancellationToken).ConfigureAwait(false))
                    .Where(d => _ids.Contains(d.Id) && d.Location.SourceTree == tree);
            }

            public override async Task<IEnumerable<Diagnostic>> GetProjectDiagnosticsAsync(Project project, CancellationToken cancellationToken) =>
                (await AnalyzeAsync(project, cancellationToken).ConfigureAwait(false)).Where(d => _ids.Contains(d.Id) && !d.Location.IsInSource);

            public override async Task<IEnumerable<Diagnostic>> GetAllDiagnosticsAsync(Project project, CancellationToken cancellationToken) =>
                (await AnalyzeAsync(project, cancellationToken).ConfigureAwait(false)).Where(d => _ids.Contains(d.Id));
        }
    }
}
