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
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FindSymbols;
using Microsoft.CodeAnalysis.Operations;

namespace IommuAnalyzers.CodeFixes.Ownership
{
    /// <summary>
    /// IOMMU0002 fixes, as two code actions: switch every exclusive attach/detach call of the driver to the shared,
    /// counted pair (the driver keeps managing ownership itself); or remove <c>[SuppressAutoClaimDmaOwner]</c> so the
    /// driver core auto-claims and the exclusive attach is allowed again. The removal is offered only when the attribute
    /// is the driver's own, no base driver brings it too, the driver makes no shared calls and claims no group (they
    /// would then need it: IOMMU0001, IOMMU0008) and no other driver in the solution inherits it.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ExclusiveAttachWithSuppressedAutoClaimFixer))]
    [Shared]
    public sealed class ExclusiveAttachWithSuppressedAutoClaimFixer : CodeFixProvider
    {
        internal const string SwitchKey = "SwitchToSharedAttach";
        internal const string RemoveKey = "RemoveSuppressAutoClaimDmaOwner";
        private const string SwitchTitle = "Switch the driver's attach/detach to the shared variants";
        private const string RemoveTitle = "Remove [SuppressAutoClaimDmaOwner] from the driver";

        public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(RuleIdentifiers.ExclusiveAttachWithSuppressedAutoClaim);

        public override FixAllProvider GetFixAllProvider() => DriverFixAll.Instance;

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            Diagnostic diagnostic = context.Diagnostics[0];
            INamedTypeSymbol? driver = await SuppressAutoClaimDeclaration.FindDriverAsync(context.Document, diagnostic, context.CancellationToken).ConfigureAwait(false);
            if (driver == null || driver.DeclaringSyntaxReferences.IsEmpty)
            {
                return;
            }

            Solution solution = context.Document.Project.Solution;
            var drivers = new[] { driver };
            context.RegisterCodeFix(
                CodeAction.Create(SwitchTitle, cancellationToken => SwitchToSharedAsync(solution, drivers, cancellationToken), equivalenceKey: SwitchKey),
                diagnostic);

            if (await CanRemoveAttributeAsync(solution, driver, context.CancellationToken).ConfigureAwait(false))
            {
                context.RegisterCodeFix(
                    CodeAction.Create(RemoveTitle, cancellationToken => RemoveAttributeAsync(solution, drivers, cancellationToken), equivalenceKey: RemoveKey),
                    diagnostic);
            }
        }

        private static async Task<Solution> SwitchToSharedAsync(Solution solution, IReadOnlyList<INamedTypeSymbol> drivers, CancellationToken cancellationToken)
        {
            var renames = new Dictionary<DocumentId, List<(SimpleNameSyntax Name, string NewName)>>();
            foreach (INamedTypeSymbol driver in drivers)
            {
                foreach (DriverCall call in await DriverCalls.OfAsync(solution, driver, cancellationToken).ConfigureAwait(false))
                {
                    string? newName = IommuSymbols.IsMethod(call.Target, call.Symbols.AttachDevice) ? "AttachDeviceShared"
                        : IommuSymbols.IsMethod(call.Target, call.Symbols.DetachDevice) ? "DetachDeviceShared"
                        : null;
                    SimpleNameSyntax? name = call.Invocation.Expression switch
                    {
                        MemberAccessExpressionSyntax access => access.Name,
                        SimpleNameSyntax simple => simple,
                        _ => null,
                    };
                    if (newName == null || name == null)
                    {
                        continue;
                    }

                    if (!renames.TryGetValue(call.Document.Id, out List<(SimpleNameSyntax, string)>? list))
                    {
                        list = new List<(SimpleNameSyntax, string)>();
                        renames.Add(call.Document.Id, list);
                    }

                    list.Add((name, newName));
                }
            }

            foreach (KeyValuePair<DocumentId, List<(SimpleNameSyntax Name, string NewName)>> entry in renames)
            {
                Document document = solution.GetDocument(entry.Key)!;
                SyntaxNode? root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
                if (root == null)
                {
                    continue;
                }

                Dictionary<SyntaxNode, string> newNames = entry.Value.GroupBy(r => r.Name).ToDictionary(g => (SyntaxNode)g.Key, g => g.First().NewName);
                SyntaxNode newRoot = root.ReplaceNodes(newNames.Keys, (original, rewritten) =>
                    SyntaxFactory.IdentifierName(newNames[original]).WithTriviaFrom(rewritten));
                solution = solution.WithDocumentSyntaxRoot(document.Id, newRoot);
            }

            return solution;
        }

        private static async Task<Solution> RemoveAttributeAsync(Solution solution, IReadOnlyList<INamedTypeSymbol> drivers, CancellationToken cancellationToken)
        {
            var removals = new Dictionary<DocumentId, List<AttributeSyntax>>();
            foreach (INamedTypeSymbol driver in drivers)
            {
                foreach (SyntaxReference reference in driver.DeclaringSyntaxReferences)
                {
                    Document? document = solution.GetDocument(reference.SyntaxTree);
                    SemanticModel? model = document == null ? null : await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
                    IommuSymbols? symbols = model == null ? null : IommuSymbols.TryCreate(model.Compilation);
                    if (document == null || model == null || symbols?.SuppressAutoClaimDmaOwnerAttribute == null
                        || !(await reference.GetSyntaxAsync(cancellationToken).ConfigureAwait(false) is TypeDeclarationSyntax declaration))
                    {
                        continue;
                    }

                    foreach (AttributeSyntax attribute in declaration.AttributeLists.SelectMany(list => list.Attributes))
                    {
                        ISymbol? constructor = model.GetSymbolInfo(attribute, cancellationToken).Symbol;
                        if (SymbolEqualityComparer.Default.Equals(constructor?.ContainingType, symbols.SuppressAutoClaimDmaOwnerAttribute))
                        {
                            if (!removals.TryGetValue(document.Id, out List<AttributeSyntax>? list))
                            {
                                list = new List<AttributeSyntax>();
                                removals.Add(document.Id, list);
                            }

                            list.Add(attribute);
                        }
                    }
                }
            }

            foreach (KeyValuePair<DocumentId, List<AttributeSyntax>> entry in removals)
            {
                Document document = solution.GetDocument(entry.Key)!;
                SyntaxNode? root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
                if (root == null)
                {
                    continue;
                }

                IEnumerable<TypeDeclarationSyntax> declarations = entry.Value.Select(a => a.FirstAncestorOrSelf<TypeDeclarationSyntax>()!).Distinct();
                var doomed = new HashSet<AttributeSyntax>(entry.Value);
                SyntaxNode newRoot = root.ReplaceNodes(declarations, (original, rewritten) => WithoutAttributes((TypeDeclarationSyntax)rewritten, original, doomed));
                solution = solution.WithDocumentSyntaxRoot(document.Id, newRoot);
            }

            return solution;
        }

        // Drops the attributes; an emptied list goes with its brackets, and its leading trivia (doc comment,
        // indentation) moves to whatever now starts the declaration.
        private static TypeDeclarationSyntax WithoutAttributes(TypeDeclarationSyntax declaration, TypeDeclarationSyntax original, HashSet<AttributeSyntax> doomed)
        {
            var lists = new List<AttributeListSyntax>();
            SyntaxTriviaList? orphanedTrivia = null;
            for (int i = 0; i < original.AttributeLists.Count; i++)
            {
                AttributeListSyntax originalList = original.AttributeLists[i];
                AttributeListSyntax list = declaration.AttributeLists[i];
                var kept = new List<AttributeSyntax>();
                for (int j = 0; j < originalList.Attributes.Count; j++)
                {
                    if (!doomed.Contains(originalList.Attributes[j]))
                    {
                        kept.Add(list.Attributes[j]);
                    }
                }

                if (kept.Count == list.Attributes.Count)
                {
                    lists.Add(orphanedTrivia.HasValue ? list.WithLeadingTrivia(orphanedTrivia.Value) : list);
                    orphanedTrivia = null;
                }
                else if (kept.Count > 0)
                {
                    AttributeListSyntax trimmed = list.WithAttributes(SyntaxFactory.SeparatedList(kept.Select((a, k) => k == 0 ? a.WithoutLeadingTrivia() : a)));
                    lists.Add(orphanedTrivia.HasValue ? trimmed.WithLeadingTrivia(orphanedTrivia.Value) : trimmed);
                    orphanedTrivia = null;
                }
                else if (!orphanedTrivia.HasValue)
                {
                    orphanedTrivia = list.GetLeadingTrivia();
                }
            }

            TypeDeclarationSyntax updated = declaration.WithAttributeLists(SyntaxFactory.List(lists));
            if (orphanedTrivia.HasValue)
            {
                // The token that now follows the remaining attribute lists (or starts the declaration).
                SyntaxToken first = updated.Modifiers.Count > 0 ? updated.Modifiers[0] : updated.Keyword;
                updated = updated.ReplaceToken(first, first.WithLeadingTrivia(orphanedTrivia.Value));
            }

            return updated;
        }

        private static async Task<bool> CanRemoveAttributeAsync(Solution solution, INamedTypeSymbol driver, CancellationToken cancellationToken)
        {
            Compilation? compilation = solution.GetDocument(driver.DeclaringSyntaxReferences[0].SyntaxTree) is Document document
                ? await document.Project.GetCompilationAsync(cancellationToken).ConfigureAwait(false)
                : null;
            IommuSymbols? symbols = compilation == null ? null : IommuSymbols.TryCreate(compilation);
            if (symbols == null || !IommuSymbols.HasAttribute(driver, symbols.SuppressAutoClaimDmaOwnerAttribute) || symbols.SuppressesAutoClaim(driver.BaseType))
            {
                return false;
            }

            foreach (DriverCall call in await DriverCalls.OfAsync(solution, driver, cancellationToken).ConfigureAwait(false))
            {
                if (IommuSymbols.IsMethod(call.Target, call.Symbols.AttachDeviceShared) || IommuSymbols.IsMethod(call.Target, call.Symbols.DetachDeviceShared)
                    || MayClaimGroup(call, cancellationToken))
                {
                    return false;
                }
            }

            IEnumerable<INamedTypeSymbol> derived = await SymbolFinder.FindDerivedClassesAsync(driver, solution, transitive: true, cancellationToken: cancellationToken).ConfigureAwait(false);
            return !derived.Any();
        }

        // A group claim needs the attribute (IOMMU0008: with the auto-claim back, GroupSetDmaOwner is refused with -EBUSY);
        // so may a multiplexor call whose kind is chosen at run time, which can be one.
        private static bool MayClaimGroup(DriverCall call, CancellationToken cancellationToken)
        {
            if (IommuSymbols.IsMethod(call.Target, call.Symbols.GroupSetDmaOwner))
            {
                return true;
            }

            return IommuSymbols.IsMethod(call.Target, call.Symbols.DeviceSetDmaOwner)
                && !(call.Model.GetOperation(call.Invocation, cancellationToken) is IInvocationOperation operation && OwnershipApi.MultiplexorKind(operation) == 0);
        }

        /// <summary>Applies the chosen action once per driver across the Fix All scope.</summary>
        private sealed class DriverFixAll : FixAllProvider
        {
            public static readonly DriverFixAll Instance = new DriverFixAll();

            public override IEnumerable<FixAllScope> GetSupportedFixAllScopes() =>
                new[] { FixAllScope.Document, FixAllScope.Project, FixAllScope.Solution };

            public override async Task<CodeAction?> GetFixAsync(FixAllContext fixAllContext)
            {
                ImmutableArray<Diagnostic> diagnostics = await FixAllDiagnostics.CollectAsync(fixAllContext).ConfigureAwait(false);
                Solution solution = fixAllContext.Solution;
                var drivers = new List<INamedTypeSymbol>();
                foreach (Diagnostic diagnostic in diagnostics)
                {
                    Document? document = solution.GetDocument(diagnostic.Location.SourceTree);
                    INamedTypeSymbol? driver = document == null
                        ? null
                        : await SuppressAutoClaimDeclaration.FindDriverAsync(document, diagnostic, fixAllContext.CancellationToken).ConfigureAwait(false);
                    if (driver != null && !drivers.Contains(driver, SymbolEqualityComparer.Default))
                    {
                        drivers.Add(driver);
                    }
                }

                if (fixAllContext.CodeActionEquivalenceKey == RemoveKey)
                {
                    var removable = new List<INamedTypeSymbol>();
                    foreach (INamedTypeSymbol driver in drivers)
                    {
                        if (await CanRemoveAttributeAsync(solution, driver, fixAllContext.CancellationToken).ConfigureAwait(false))
                        {
                            removable.Add(driver);
                        }
                    }

                    return CodeAction.Create(RemoveTitle, cancellationToken => RemoveAttributeAsync(solution, removable, cancellationToken), equivalenceKey: RemoveKey);
                }

                return CodeAction.Create(SwitchTitle, cancellationToken => SwitchToSharedAsync(solution, drivers, cancellationToken), equivalenceKey: SwitchKey);
            }
        }
    }
}
