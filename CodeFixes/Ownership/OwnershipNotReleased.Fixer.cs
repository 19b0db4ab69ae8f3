using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using IommuAnalyzers.Ownership;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;

namespace IommuAnalyzers.CodeFixes.Ownership
{
    /// <summary>
    /// IOMMU0006 fix: insert the matching release. For ownership kept after a successful probe, at the end of
    /// <c>Remove</c> (the override is created when the driver has none; the kernel's remove() undoes probe()); for an
    /// error path, just before the error return (the kernel's goto-unwind label). The release repeats the acquiring
    /// call's device, group or domain arguments; the fix is offered only when they are plain paths that mean the same
    /// thing at the new place.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(OwnershipNotReleasedFixer))]
    [Shared]
    public sealed class OwnershipNotReleasedFixer : CodeFixProvider
    {
        private const string RemoveTitle = "Give the ownership back in Remove";
        private const string ErrorPathTitle = "Give the ownership back before this error return";

        public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(RuleIdentifiers.OwnershipNotReleased);

        // One equivalence key for both places, so that Fix All gives back everything the rule reports in one pass.
        private const string EquivalenceKey = "GiveOwnershipBack";

        public override FixAllProvider GetFixAllProvider() => new SequentialFixAll("Give the ownership back", Locate, FixAsync, _ => EquivalenceKey);

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            if (root == null)
            {
                return;
            }

            Diagnostic diagnostic = context.Diagnostics[0];
            ImmutableArray<SyntaxNode> nodes = Locate(root, diagnostic);
            if (nodes.IsEmpty || await FixAsync(context.Document, nodes, diagnostic, context.CancellationToken).ConfigureAwait(false) == null)
            {
                return;
            }

            string title = TitleOf(diagnostic);
            context.RegisterCodeFix(
                CodeAction.Create(
                    title,
                    async cancellationToken => await FixAsync(context.Document, nodes, diagnostic, cancellationToken).ConfigureAwait(false) ?? context.Document.Project.Solution,
                    equivalenceKey: EquivalenceKey),
                diagnostic);
        }

        private static string TitleOf(Diagnostic diagnostic) =>
            diagnostic.Properties.TryGetValue(OwnershipNotReleasedAnalyzer.WhereProperty, out string? where) && where == OwnershipNotReleasedAnalyzer.OnErrorPath
                ? ErrorPathTitle
                : RemoveTitle;

        // The diagnostic's node (the acquiring call, or the error return) and the acquiring call.
        private static ImmutableArray<SyntaxNode> Locate(SyntaxNode root, Diagnostic diagnostic)
        {
            if (!diagnostic.Properties.TryGetValue(OwnershipNotReleasedAnalyzer.AcquisitionProperty, out string? text)
                || !int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int position)
                || position < 0 || position >= root.FullSpan.End)
            {
                return ImmutableArray<SyntaxNode>.Empty;
            }

            InvocationExpressionSyntax? acquisition = root.FindToken(position).Parent?.FirstAncestorOrSelf<InvocationExpressionSyntax>();
            if (acquisition == null || acquisition.SpanStart != position)
            {
                return ImmutableArray<SyntaxNode>.Empty;
            }

            SyntaxNode node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            return ImmutableArray.Create(node, (SyntaxNode)acquisition);
        }

        private static async Task<Solution?> FixAsync(Document document, ImmutableArray<SyntaxNode> nodes, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            SyntaxNode? root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            SemanticModel? model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            if (root == null || model == null || nodes.Length != 2 || !(nodes[1] is InvocationExpressionSyntax acquisition)
                || !diagnostic.Properties.TryGetValue(OwnershipNotReleasedAnalyzer.ReleaseProperty, out string? release) || release == null
                || !diagnostic.Properties.TryGetValue(OwnershipNotReleasedAnalyzer.FixableProperty, out string? fixable) || fixable != "true")
            {
                return null;
            }

            List<ExpressionSyntax>? arguments = ReleaseArguments(model, acquisition, cancellationToken);
            ExpressionSyntax? callee = acquisition.Expression switch
            {
                MemberAccessExpressionSyntax access => access.WithName(SyntaxFactory.IdentifierName(release)),
                IdentifierNameSyntax => SyntaxFactory.IdentifierName(release),
                _ => null,
            };
            if (arguments == null || callee == null)
            {
                return null;
            }

            SyntaxTrivia endOfLine = SyntaxTriviaHelpers.EndOfLine(root);
            if (TitleOf(diagnostic) == ErrorPathTitle)
            {
                StatementSyntax? exit = nodes[0] as ReturnStatementSyntax ?? nodes[0].FirstAncestorOrSelf<ReturnStatementSyntax>();
                if (exit == null || !VisibleAt(model, arguments, exit.SpanStart, cancellationToken))
                {
                    return null;
                }

                StatementSyntax call = Call(callee, arguments).WithLeadingTrivia(exit.GetLeadingTrivia());
                StatementSyntax kept = exit.WithLeadingTrivia(Indentation(exit)).WithAdditionalAnnotations(Formatter.Annotation);
                return document.WithSyntaxRoot(StatementInserter.ReplaceWithStatements(root, exit, new[] { call, kept }, endOfLine)).Project.Solution;
            }

            return await AddToRemoveAsync(document, model, acquisition, callee, arguments, endOfLine, cancellationToken).ConfigureAwait(false);
        }

        // The acquiring call's arguments the release takes: the device (DeviceUseDmaApi), the group (GroupSetDmaOwner),
        // or the domain and the device (AttachDevice, AttachDeviceShared). Positional, side-effect free.
        private static List<ExpressionSyntax>? ReleaseArguments(SemanticModel model, InvocationExpressionSyntax acquisition, CancellationToken cancellationToken)
        {
            if (!(model.GetSymbolInfo(acquisition, cancellationToken).Symbol is IMethodSymbol method))
            {
                return null;
            }

            IommuSymbols? symbols = IommuSymbols.TryCreate(model.Compilation);
            OwnershipKind kind = symbols == null ? OwnershipKind.None : OwnershipApi.AcquisitionKind(method, symbols);
            int count = kind switch
            {
                OwnershipKind.DmaApi => 1,
                OwnershipKind.GroupOwner => 1,
                OwnershipKind.Attach => 2,
                OwnershipKind.AttachShared => 2,
                _ => 0,
            };
            SeparatedSyntaxList<ArgumentSyntax> list = acquisition.ArgumentList.Arguments;
            if (count == 0 || list.Count < count)
            {
                return null;
            }

            var arguments = new List<ExpressionSyntax>();
            for (int i = 0; i < count; i++)
            {
                ArgumentSyntax argument = list[i];
                if (argument.NameColon != null || !argument.RefKindKeyword.IsKind(SyntaxKind.None) || !ExpressionFacts.IsSideEffectFree(argument.Expression))
                {
                    return null;
                }

                arguments.Add(argument.Expression);
            }

            return arguments;
        }

        // The locals and parameters the arguments start from must be the same ones at the new position.
        private static bool VisibleAt(SemanticModel model, List<ExpressionSyntax> arguments, int position, CancellationToken cancellationToken)
        {
            foreach (IdentifierNameSyntax name in arguments.SelectMany(RootNames))
            {
                ISymbol? symbol = model.GetSymbolInfo(name, cancellationToken).Symbol;
                if (symbol is ILocalSymbol || symbol is IParameterSymbol)
                {
                    if (!model.LookupSymbols(position, name: name.Identifier.ValueText).Contains(symbol, SymbolEqualityComparer.Default))
                    {
                        return false;
                    }
                }
                else if (symbol == null)
                {
                    return false;
                }
            }

            return true;
        }

        // The identifiers a path starts from (`dev` in `dev.Group!`, `_domain` in `_domain`), not member names after a dot.
        private static IEnumerable<IdentifierNameSyntax> RootNames(ExpressionSyntax expression)
        {
            foreach (IdentifierNameSyntax name in expression.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>())
            {
                if (!(name.Parent is MemberAccessExpressionSyntax access && access.Name == name))
                {
                    yield return name;
                }
            }
        }

        private static async Task<Solution?> AddToRemoveAsync(
            Document document, SemanticModel model, InvocationExpressionSyntax acquisition, ExpressionSyntax callee, List<ExpressionSyntax> arguments, SyntaxTrivia endOfLine, CancellationToken cancellationToken)
        {
            MethodDeclarationSyntax? probe = acquisition.FirstAncestorOrSelf<MethodDeclarationSyntax>();
            IMethodSymbol? probeSymbol = probe == null ? null : model.GetDeclaredSymbol(probe, cancellationToken);
            IommuSymbols? symbols = IommuSymbols.TryCreate(model.Compilation);
            if (probe == null || probeSymbol == null || symbols == null || probeSymbol.Parameters.Length != 1 || probe.ParameterList.Parameters.Count != 1)
            {
                return null;
            }

            // Probe's device parameter becomes Remove's; any other local or parameter has no meaning in Remove.
            IParameterSymbol device = probeSymbol.Parameters[0];
            IMethodSymbol? remove = probeSymbol.ContainingType.GetMembers().OfType<IMethodSymbol>()
                .FirstOrDefault(m => IommuSymbols.IsOverrideOf(m, symbols.DriverRemove) && !m.IsAbstract);
            string deviceName = remove != null && remove.Parameters.Length == 1 ? remove.Parameters[0].Name : device.Name;
            var renames = new Dictionary<SyntaxNode, SyntaxNode>();
            foreach (IdentifierNameSyntax name in arguments.SelectMany(RootNames))
            {
                ISymbol? symbol = model.GetSymbolInfo(name, cancellationToken).Symbol;
                if (SymbolEqualityComparer.Default.Equals(symbol, device))
                {
                    renames[name] = SyntaxFactory.IdentifierName(deviceName).WithTriviaFrom(name);
                }
                else if (symbol == null || symbol is ILocalSymbol || symbol is IParameterSymbol || symbol is IRangeVariableSymbol)
                {
                    return null;
                }
            }

            List<ExpressionSyntax> translated = arguments.Select(a => a.ReplaceNodes(a.DescendantNodesAndSelf().Where(renames.ContainsKey), (original, _) => renames[original])).ToList();
            StatementSyntax call = Call(callee, translated);
            Solution solution = document.Project.Solution;

            if (remove == null)
            {
                // public override void Remove(Device dev) { release; }
                MethodDeclarationSyntax created = SyntaxFactory.MethodDeclaration(SyntaxFactory.PredefinedType(SyntaxFactory.Token(SyntaxKind.VoidKeyword)), "Remove")
                    .WithModifiers(SyntaxFactory.TokenList(SyntaxFactory.Token(SyntaxKind.PublicKeyword), SyntaxFactory.Token(SyntaxKind.OverrideKeyword)))
                    .WithParameterList(SyntaxFactory.ParameterList(SyntaxFactory.SingletonSeparatedList(
                        SyntaxFactory.Parameter(SyntaxFactory.Identifier(device.Name)).WithType(probe.ParameterList.Parameters[0].Type!.WithoutTrivia()))))
                    .WithBody(SyntaxFactory.Block(call))
                    .WithLeadingTrivia(endOfLine)
                    .WithTrailingTrivia(endOfLine)
                    .WithAdditionalAnnotations(Formatter.Annotation);
                SyntaxNode root = (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false))!;
                return solution.WithDocumentSyntaxRoot(document.Id, root.InsertNodesAfter(probe, new[] { created }));
            }

            SyntaxReference? reference = remove.DeclaringSyntaxReferences.FirstOrDefault();
            Document? removeDocument = reference == null ? null : solution.GetDocument(reference.SyntaxTree);
            if (reference == null || removeDocument == null
                || !(await reference.GetSyntaxAsync(cancellationToken).ConfigureAwait(false) is MethodDeclarationSyntax declaration))
            {
                return null;
            }

            MethodDeclarationSyntax updated;
            if (declaration.Body != null)
            {
                // At the end, or before a final `return;`.
                SyntaxList<StatementSyntax> statements = declaration.Body.Statements;
                int index = statements.Count > 0 && statements.Last() is ReturnStatementSyntax ? statements.Count - 1 : statements.Count;
                updated = declaration.WithBody(declaration.Body.WithStatements(statements.Insert(index, call)));
            }
            else if (declaration.ExpressionBody != null)
            {
                BlockSyntax body = SyntaxFactory.Block(
                    SyntaxFactory.ExpressionStatement(declaration.ExpressionBody.Expression.WithoutTrivia()).WithAdditionalAnnotations(Formatter.Annotation),
                    call);
                updated = declaration.WithExpressionBody(null).WithSemicolonToken(default)
                    .WithParameterList(declaration.ParameterList.WithTrailingTrivia(endOfLine))
                    .WithBody(body.WithAdditionalAnnotations(Formatter.Annotation))
                    .WithTrailingTrivia(declaration.GetTrailingTrivia());
            }
            else
            {
                return null;
            }

            SyntaxNode removeRoot = (await removeDocument.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false))!;
            return solution.WithDocumentSyntaxRoot(removeDocument.Id, removeRoot.ReplaceNode(declaration, updated));
        }

        private static StatementSyntax Call(ExpressionSyntax callee, IEnumerable<ExpressionSyntax> arguments)
        {
            return SyntaxFactory.ExpressionStatement(SyntaxFactory.InvocationExpression(
                    callee.WithoutTrivia(),
                    SyntaxFactory.ArgumentList(SyntaxFactory.SeparatedList(arguments.Select(a => SyntaxFactory.Argument(a.WithoutTrivia()))))))
                .WithAdditionalAnnotations(Formatter.Annotation);
        }

        private static SyntaxTriviaList Indentation(StatementSyntax statement)
        {
            SyntaxTriviaList leading = statement.GetLeadingTrivia();
            return leading.Count > 0 && leading.Last().IsKind(SyntaxKind.WhitespaceTrivia)
                ? SyntaxFactory.TriviaList(leading.Last())
                : SyntaxTriviaList.Empty;
        }
    }
}
