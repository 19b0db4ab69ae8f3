using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using IommuAnalyzers.Ownership;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace IommuAnalyzers.CodeFixes.Ownership
{
    /// <summary>IOMMU0001 fix: declare <c>[SuppressAutoClaimDmaOwner]</c> on the driver class (and <c>using Iommu;</c> where needed).</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(SharedAttachWithoutSuppressAutoClaimFixer))]
    [Shared]
    public sealed class SharedAttachWithoutSuppressAutoClaimFixer : CodeFixProvider
    {
        private const string Title = "Declare [SuppressAutoClaimDmaOwner] on the driver";

        public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(RuleIdentifiers.SharedAttachWithoutSuppressAutoClaim);

        // Several calls in one driver (or in several parts of a partial driver) need one attribute: the Fix All
        // provider groups the diagnostics by driver type across the whole scope.
        public override FixAllProvider GetFixAllProvider() => AddAttributeToDriversFixAll.Instance;

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            INamedTypeSymbol? driver = await FindDriverAsync(context.Document, context.Diagnostics[0], context.CancellationToken).ConfigureAwait(false);
            if (driver == null || driver.DeclaringSyntaxReferences.IsEmpty)
            {
                return;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    Title,
                    cancellationToken => AttributeInserter.AddAttributeAsync(context.Document.Project.Solution, new[] { driver }, "SuppressAutoClaimDmaOwner", cancellationToken),
                    equivalenceKey: Title),
                context.Diagnostics);
        }

        internal static async Task<INamedTypeSymbol?> FindDriverAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            SyntaxNode? root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            SemanticModel? model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            if (root == null || model == null)
            {
                return null;
            }

            SyntaxNode node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            IommuSymbols? symbols = IommuSymbols.TryCreate(model.Compilation);
            if (symbols == null)
            {
                return null;
            }

            ISymbol? container = model.GetEnclosingSymbol(node.SpanStart, cancellationToken);
            return DriverContext.FindEnclosingDriver(container, symbols);
        }

        private sealed class AddAttributeToDriversFixAll : FixAllProvider
        {
            public static readonly AddAttributeToDriversFixAll Instance = new AddAttributeToDriversFixAll();

            public override IEnumerable<FixAllScope> GetSupportedFixAllScopes() =>
                new[] { FixAllScope.Document, FixAllScope.Project, FixAllScope.Solution };

            public override async Task<CodeAction?> GetFixAsync(FixAllContext fixAllContext)
            {
                ImmutableArray<Diagnostic> diagnostics = await FixAllDiagnostics.CollectAsync(fixAllContext).ConfigureAwait(false);
                var drivers = new List<INamedTypeSymbol>();
                foreach (Diagnostic diagnostic in diagnostics)
                {
                    Document? document = fixAllContext.Solution.GetDocument(diagnostic.Location.SourceTree);
                    if (document == null)
                    {
                        continue;
                    }

                    INamedTypeSymbol? driver = await FindDriverAsync(document, diagnostic, fixAllContext.CancellationToken).ConfigureAwait(false);
                    if (driver != null && !drivers.Contains(driver, SymbolEqualityComparer.Default))
                    {
                        drivers.Add(driver);
                    }
                }

                return CodeAction.Create(
                    Title,
                    cancellationToken => AttributeInserter.AddAttributeAsync(fixAllContext.Solution, drivers, "SuppressAutoClaimDmaOwner", cancellationToken),
                    equivalenceKey: Title);
            }
        }
    }
}
