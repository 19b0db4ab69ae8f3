using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using IommuAnalyzers.Locking;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace IommuAnalyzers.CodeFixes.Locking
{
    /// <summary>
    /// IOMMU0109 fix: add the inferred <c>[GuardedBy]</c> to the member's declaration (in whichever file it is). Fix All
    /// annotates each member once, however many of its sites were reported.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MemberLockedInconsistentlyFixer))]
    [Shared]
    public sealed class MemberLockedInconsistentlyFixer : CodeFixProvider
    {
        public const string AddGuardedByKey = "IommuLock.AddGuardedBy";

        private const string AttributeName = "GuardedBy";

        public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(RuleIdentifiers.MemberLockedInconsistently);

        public override FixAllProvider GetFixAllProvider() => new GuardedByFixAll();

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            // Only this rule's diagnostics: a batch tool may hand over another rule's of the same analyzer.
            foreach (Diagnostic diagnostic in context.Diagnostics.Where(d => FixableDiagnosticIds.Contains(d.Id)))
            {
                if (await TargetAsync(context.Document, diagnostic, context.CancellationToken).ConfigureAwait(false) is (ISymbol member, string argument))
                {
                    Solution solution = context.Document.Project.Solution;
                    context.RegisterCodeFix(
                        CodeAction.Create(
                            "Add [GuardedBy(" + argument + ")] to '" + member.Name + "'",
                            cancellationToken => MemberAttributeInserter.AddAsync(solution, new[] { (member, argument) }, AttributeName, cancellationToken),
                            AddGuardedByKey),
                        diagnostic);
                }
            }
        }

        /// <summary>The member the diagnostic's access touches and the argument its <c>[GuardedBy]</c> gets; null when either is gone.</summary>
        private static async Task<(ISymbol Member, string Argument)?> TargetAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            if (!diagnostic.Properties.TryGetValue(MemberLockedInconsistentlyRule.GuardedByArgumentProperty, out string? argument) || argument == null)
            {
                return null;
            }

            SyntaxNode? root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            SemanticModel? model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            if (root == null || model == null)
            {
                return null;
            }

            SyntaxNode node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            if (node is ArgumentSyntax wrapped)
            {
                node = wrapped.Expression;
            }

            ISymbol? member = model.GetSymbolInfo(node, cancellationToken).Symbol?.OriginalDefinition;
            if (!(member is IFieldSymbol || member is IPropertySymbol) || member.DeclaringSyntaxReferences.IsEmpty)
            {
                return null;
            }

            return (member, argument);
        }

        private sealed class GuardedByFixAll : FixAllProvider
        {
            public override IEnumerable<FixAllScope> GetSupportedFixAllScopes() =>
                new[] { FixAllScope.Document, FixAllScope.Project, FixAllScope.Solution };

            public override async Task<CodeAction?> GetFixAsync(FixAllContext fixAllContext)
            {
                // No key: dotnet format's request when its first diagnostic of the analyzer is another rule's.
                if (fixAllContext.CodeActionEquivalenceKey != AddGuardedByKey && fixAllContext.CodeActionEquivalenceKey != null)
                {
                    return null;
                }

                ImmutableArray<Diagnostic> diagnostics = await FixAllDiagnostics.CollectAsync(fixAllContext).ConfigureAwait(false);
                Solution solution = fixAllContext.Solution;
                var targets = new Dictionary<ISymbol, string>(SymbolEqualityComparer.Default);
                foreach (Diagnostic diagnostic in diagnostics)
                {
                    Document? document = diagnostic.Location.SourceTree == null ? null : solution.GetDocument(diagnostic.Location.SourceTree);
                    if (document != null && await TargetAsync(document, diagnostic, fixAllContext.CancellationToken).ConfigureAwait(false) is (ISymbol member, string argument) && !targets.ContainsKey(member))
                    {
                        targets.Add(member, argument);
                    }
                }

                return CodeAction.Create(
                    "Add [GuardedBy] to every member locked inconsistently",
                    cancellationToken => MemberAttributeInserter.AddAsync(solution, targets.Select(t => (t.Key, t.Value)), AttributeName, cancellationToken),
                    AddGuardedByKey);
            }
        }
    }
}
