using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using IommuAnalyzers.Ownership;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.FindSymbols;

namespace IommuAnalyzers.CodeFixes.Ownership
{
    /// <summary>
    /// The one fix of IOMMU0001 and IOMMU0008: declare <c>[SuppressAutoClaimDmaOwner]</c> on the driver the flagged call
    /// belongs to (and <c>using Iommu;</c> where needed). Both rules flag a driver that manages DMA ownership itself
    /// (a shared attach, a group claim) while the driver core still auto-claims for it; the declaration is the cure for
    /// both, so one driver's calls of either rule need one attribute.
    /// </summary>
    internal static class SuppressAutoClaimDeclaration
    {
        public const string Title = "Declare [SuppressAutoClaimDmaOwner] on the driver";

        private const string AttributeName = "SuppressAutoClaimDmaOwner";

        /// <summary>Several calls in one driver (or in several parts of a partial driver) need one attribute: Fix All groups them by driver.</summary>
        public static FixAllProvider FixAll => DriversFixAll.Instance;

        public static async Task RegisterAsync(CodeFixContext context)
        {
            INamedTypeSymbol? driver = await FindDriverAsync(context.Document, context.Diagnostics[0], context.CancellationToken).ConfigureAwait(false);
            Solution solution = context.Document.Project.Solution;
            if (driver == null || driver.DeclaringSyntaxReferences.IsEmpty
                || !await CanDeclareAsync(solution, driver, context.CancellationToken).ConfigureAwait(false))
            {
                return;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    Title,
                    cancellationToken => AttributeInserter.AddAttributeAsync(solution, new[] { driver }, AttributeName, cancellationToken),
                    equivalenceKey: Title),
                context.Diagnostics);
        }

        /// <summary>The driver the diagnostic's call belongs to (as <see cref="DriverContext"/> decides), or null.</summary>
        public static async Task<INamedTypeSymbol?> FindDriverAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
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

        /// <summary>
        /// Whether the attribute can be declared without breaking another call: not when the driver, or a driver deriving
        /// from it that would inherit the attribute, attaches exclusively (<c>AttachDevice</c>/<c>DetachDevice</c>). Those
        /// calls rely on the auto-claim (iommu_attach_device() wants the caller's own claim as the group's only user); with
        /// it suppressed the runtime refuses them with a WARN, which is IOMMU0002. Such a driver mixes two ownership
        /// models, and which one it means is for its author to decide.
        /// </summary>
        private static async Task<bool> CanDeclareAsync(Solution solution, INamedTypeSymbol driver, CancellationToken cancellationToken)
        {
            if (await AttachesExclusivelyAsync(solution, driver, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }

            IEnumerable<INamedTypeSymbol> derived = await SymbolFinder.FindDerivedClassesAsync(driver, solution, transitive: true, cancellationToken: cancellationToken).ConfigureAwait(false);
            foreach (INamedTypeSymbol type in derived)
            {
                // One that already suppresses the auto-claim has its exclusive calls reported already.
                Compilation? compilation = type.DeclaringSyntaxReferences.IsEmpty ? null
                    : solution.GetDocument(type.DeclaringSyntaxReferences[0].SyntaxTree) is Document document ? await document.Project.GetCompilationAsync(cancellationToken).ConfigureAwait(false) : null;
                IommuSymbols? symbols = compilation == null ? null : IommuSymbols.TryCreate(compilation);
                if (symbols != null && !symbols.SuppressesAutoClaim(type) && await AttachesExclusivelyAsync(solution, type, cancellationToken).ConfigureAwait(false))
                {
                    return false;
                }
            }

            return true;
        }

        private static async Task<bool> AttachesExclusivelyAsync(Solution solution, INamedTypeSymbol driver, CancellationToken cancellationToken)
        {
            foreach (DriverCall call in await DriverCalls.OfAsync(solution, driver, cancellationToken).ConfigureAwait(false))
            {
                if (IommuSymbols.IsMethod(call.Target, call.Symbols.AttachDevice) || IommuSymbols.IsMethod(call.Target, call.Symbols.DetachDevice))
                {
                    return true;
                }
            }

            return false;
        }

        private sealed class DriversFixAll : FixAllProvider
        {
            public static readonly DriversFixAll Instance = new DriversFixAll();

            public override IEnumerable<FixAllScope> GetSupportedFixAllScopes() =>
                new[] { FixAllScope.Document, FixAllScope.Project, FixAllScope.Solution };

            public override async Task<CodeAction?> GetFixAsync(FixAllContext fixAllContext)
            {
                ImmutableArray<Diagnostic> diagnostics = await FixAllDiagnostics.CollectAsync(fixAllContext).ConfigureAwait(false);
                Solution solution = fixAllContext.Solution;
                var drivers = new List<INamedTypeSymbol>();
                var declined = new List<INamedTypeSymbol>();
                foreach (Diagnostic diagnostic in diagnostics)
                {
                    Document? document = solution.GetDocument(diagnostic.Location.SourceTree);
                    if (document == null)
                    {
                        continue;
                    }

                    INamedTypeSymbol? driver = await FindDriverAsync(document, diagnostic, fixAllContext.CancellationToken).ConfigureAwait(false);
                    if (driver == null || drivers.Contains(driver, SymbolEqualityComparer.Default) || declined.Contains(driver, SymbolEqualityComparer.Default))
                    {
                        continue;
                    }

                    (await CanDeclareAsync(solution, driver, fixAllContext.CancellationToken).ConfigureAwait(false) ? drivers : declined).Add(driver);
                }

                return CodeAction.Create(
                    Title,
                    cancellationToken => AttributeInserter.AddAttributeAsync(solution, drivers, AttributeName, cancellationToken),
                    equivalenceKey: Title);
            }
        }
    }
}
