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
using Microsoft.CodeAnalysis.Formatting;

namespace IommuAnalyzers.CodeFixes.Ownership
{
    /// <summary>
    /// IOMMU0005 fix, in a function that returns int: capture the result and return it when it is an error, the
    /// kernel's <c>ret = f(); if (ret) return ret;</c>. An existing int local <c>ret</c> whose current value is not needed
    /// any more is reused; otherwise a fresh name that clashes with nothing in the member is declared.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MustCheckResultIgnoredFixer))]
    [Shared]
    public sealed class MustCheckResultIgnoredFixer : CodeFixProvider
    {
        private const string Title = "Return the error when the result is not 0";
        private const string PreferredName = "ret";

        public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(RuleIdentifiers.MustCheckResultIgnored);

        public override FixAllProvider GetFixAllProvider() => new SequentialFixAll(Title, Locate, FixAsync, _ => Title);

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            if (root == null)
            {
                return;
            }

            Diagnostic diagnostic = context.Diagnostics[0];
            ImmutableArray<SyntaxNode> nodes = Locate(root, diagnostic);
            if (nodes.IsEmpty)
            {
                return;
            }

            // Only offer what can be applied: the function must return int and the statement must have a fixable shape.
            Document? probe = await FixDocumentAsync(context.Document, nodes, diagnostic, context.CancellationToken).ConfigureAwait(false);
            if (probe == null)
            {
                return;
            }

            context.RegisterCodeFix(
                CodeAction.Create(Title, cancellationToken => FixDocumentAsync(context.Document, nodes, diagnostic, cancellationToken)!, equivalenceKey: Title),
                diagnostic);
        }

        private static ImmutableArray<SyntaxNode> Locate(SyntaxNode root, Diagnostic diagnostic)
        {
            SyntaxNode node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            InvocationExpressionSyntax? invocation = node as InvocationExpressionSyntax ?? node.FirstAncestorOrSelf<InvocationExpressionSyntax>();
            return invocation == null ? ImmutableArray<SyntaxNode>.Empty : ImmutableArray.Create<SyntaxNode>(invocation);
        }

        private static async Task<Solution?> FixAsync(Document document, ImmutableArray<SyntaxNode> nodes, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            Document? fixedDocument = await FixDocumentAsync(document, nodes, diagnostic, cancellationToken).ConfigureAwait(false);
            return fixedDocument?.Project.Solution;
        }

        private static async Task<Document?> FixDocumentAsync(Document document, ImmutableArray<SyntaxNode> nodes, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            SyntaxNode? root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            SemanticModel? model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            if (root == null || model == null || !(nodes[0] is InvocationExpressionSyntax invocation))
            {
                return null;
            }

            StatementSyntax? statement = invocation.FirstAncestorOrSelf<StatementSyntax>();
            SyntaxNode? function = EnclosingFunction(invocation);
            if (statement == null || function == null || !ReturnsInt(model, function, cancellationToken))
            {
                return null;
            }

            SyntaxTrivia endOfLine = SyntaxTriviaHelpers.EndOfLine(root);
            StatementSyntax[] replacement;
            if (diagnostic.Properties.TryGetValue(MustCheckResultIgnoredAnalyzer.UnreadLocalProperty, out string? unread) && unread != null)
            {
                // `int r = Call();` or `r = Call();`: keep it and check r right after.
                bool stored = statement is LocalDeclarationStatementSyntax { Declaration.Variables.Count: 1 } declaration
                        && declaration.Declaration.Variables[0].Initializer?.Value == invocation
                    || statement is ExpressionStatementSyntax { Expression: AssignmentExpressionSyntax assignment } && assignment.Right == invocation;
                if (!stored || !NamesTheStoredLocal(model, statement, unread, cancellationToken))
                {
                    return null;
                }

                replacement = new[] { statement, ReturnIfError(unread, endOfLine) };
            }
            else
            {
                if (!(statement is ExpressionStatementSyntax expressionStatement) || expressionStatement.Expression != invocation)
                {
                    return null;
                }

                (string name, bool reuse) = ResultLocal(model, statement, function, cancellationToken);
                StatementSyntax capture = reuse
                    ? SyntaxFactory.ExpressionStatement(SyntaxFactory.AssignmentExpression(
                        SyntaxKind.SimpleAssignmentExpression, SyntaxFactory.IdentifierName(name), invocation.WithoutTrivia()))
                    : SyntaxFactory.LocalDeclarationStatement(SyntaxFactory.VariableDeclaration(
                        SyntaxFactory.PredefinedType(SyntaxFactory.Token(SyntaxKind.IntKeyword)),
                        SyntaxFactory.SingletonSeparatedList(SyntaxFactory.VariableDeclarator(SyntaxFactory.Identifier(name))
                            .WithInitializer(SyntaxFactory.EqualsValueClause(invocation.WithoutTrivia())))));
                capture = capture.WithLeadingTrivia(statement.GetLeadingTrivia()).WithTrailingTrivia(statement.GetTrailingTrivia())
                    .WithAdditionalAnnotations(Formatter.Annotation);
                replacement = new[] { capture, ReturnIfError(name, endOfLine) };
            }

            SyntaxNode newRoot = StatementInserter.ReplaceWithStatements(root, statement, replacement, endOfLine);
            return document.WithSyntaxRoot(newRoot);
        }

        private static StatementSyntax ReturnIfError(string name, SyntaxTrivia endOfLine)
        {
            // if (ret != 0) { return ret; }
            return SyntaxFactory.IfStatement(
                    SyntaxFactory.BinaryExpression(
                        SyntaxKind.NotEqualsExpression,
                        SyntaxFactory.IdentifierName(name),
                        SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, SyntaxFactory.Literal(0))),
                    SyntaxFactory.Block(SyntaxFactory.ReturnStatement(SyntaxFactory.IdentifierName(name))))
                .WithTrailingTrivia(endOfLine)
                .WithAdditionalAnnotations(Formatter.Annotation);
        }

        internal static SyntaxNode? EnclosingFunction(SyntaxNode node)
        {
            foreach (SyntaxNode ancestor in node.Ancestors())
            {
                switch (ancestor)
                {
                    case AnonymousFunctionExpressionSyntax:
                    case LocalFunctionStatementSyntax:
                    case BaseMethodDeclarationSyntax:
                    case AccessorDeclarationSyntax:
                        return ancestor;
                    case MemberDeclarationSyntax:
                        return null;
                }
            }

            return null;
        }

        private static bool ReturnsInt(SemanticModel model, SyntaxNode function, CancellationToken cancellationToken)
        {
            IMethodSymbol? method = function is AnonymousFunctionExpressionSyntax lambda
                ? model.GetSymbolInfo(lambda, cancellationToken).Symbol as IMethodSymbol
                : model.GetDeclaredSymbol(function, cancellationToken) as IMethodSymbol;
            return method != null && !method.IsAsync && !method.ReturnsByRef && !method.ReturnsByRefReadonly
                && method.ReturnType.SpecialType == SpecialType.System_Int32;
        }

        /// <summary>
        /// Whether <paramref name="name"/> right after the statement binds to the local the statement stores the result
        /// in: in half-typed code a second declaration of the same name (CS0128) takes the reads, and a check of the
        /// name would test the other variable and leave the result unchecked.
        /// </summary>
        private static bool NamesTheStoredLocal(SemanticModel model, StatementSyntax statement, string name, CancellationToken cancellationToken)
        {
            ISymbol? stored = statement switch
            {
                LocalDeclarationStatementSyntax declaration => model.GetDeclaredSymbol(declaration.Declaration.Variables[0], cancellationToken),
                ExpressionStatementSyntax { Expression: AssignmentExpressionSyntax assignment } => model.GetSymbolInfo(assignment.Left, cancellationToken).Symbol,
                _ => null,
            };

            // The statement's own last token: the position after it may be the block's close brace, out of the scope.
            ISymbol? named = model.GetSpeculativeSymbolInfo(statement.Span.End - 1, SyntaxFactory.IdentifierName(name), SpeculativeBindingOption.BindAsExpression).Symbol;
            return stored != null && SymbolEqualityComparer.Default.Equals(stored, named);
        }

        // An int local `ret` of this function, declared before the statement, whose current value nothing reads any
        // more, is reused (the kernel's habit); otherwise the first of ret, ret2, ... that appears nowhere in the member.
        private static (string Name, bool Reuse) ResultLocal(SemanticModel model, StatementSyntax statement, SyntaxNode function, CancellationToken cancellationToken)
        {
            ISymbol? owner = function is AnonymousFunctionExpressionSyntax lambda
                ? model.GetSymbolInfo(lambda, cancellationToken).Symbol
                : model.GetDeclaredSymbol(function, cancellationToken);
            ISymbol? existing = model.LookupSymbols(statement.SpanStart, name: PreferredName).FirstOrDefault();
            if (existing is ILocalSymbol local
                && local.Type.SpecialType == SpecialType.System_Int32 && !local.IsConst && !local.IsRef
                && SymbolEqualityComparer.Default.Equals(local.ContainingSymbol, owner)
                && local.DeclaringSyntaxReferences.All(r => r.SyntaxTree == statement.SyntaxTree && r.Span.End <= statement.SpanStart)
                && ValueIsDead(model, local, statement, function))
            {
                return (PreferredName, true);
            }

            SyntaxNode member = function.AncestorsAndSelf().OfType<MemberDeclarationSyntax>().FirstOrDefault() ?? function;
            var used = new System.Collections.Generic.HashSet<string>(
                member.DescendantTokens().Where(t => t.IsKind(SyntaxKind.IdentifierToken)).Select(t => t.ValueText));
            for (int i = 1; ; i++)
            {
                string candidate = i == 1 ? PreferredName : PreferredName + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                if (!used.Contains(candidate) && model.LookupSymbols(statement.SpanStart, name: candidate).IsEmpty)
                {
                    return (candidate, false);
                }
            }
        }

        // Overwriting `ret` here is safe when no later statement reads the value it holds now: not inside a loop (the
        // next iteration could), not read in the rest of its block before being written, not read after the block.
        private static bool ValueIsDead(SemanticModel model, ILocalSymbol local, StatementSyntax statement, SyntaxNode function)
        {
            for (SyntaxNode? node = statement.Parent; node != null && node != function; node = node.Parent)
            {
                if (node is ForStatementSyntax || node is ForEachStatementSyntax || node is WhileStatementSyntax || node is DoStatementSyntax
                    || node is LabeledStatementSyntax || node is SwitchSectionSyntax)
                {
                    return false;
                }
            }

            if (!(statement.Parent is BlockSyntax block) || function.DescendantNodes().OfType<GotoStatementSyntax>().Any())
            {
                return false;
            }

            int index = block.Statements.IndexOf(statement);
            DataFlowAnalysis? flow = model.AnalyzeDataFlow(block.Statements[index], block.Statements[block.Statements.Count - 1]);
            if (flow == null || !flow.Succeeded || flow.DataFlowsIn.Contains(local, SymbolEqualityComparer.Default))
            {
                return false;
            }

            foreach (IdentifierNameSyntax name in function.DescendantNodes().OfType<IdentifierNameSyntax>())
            {
                if (name.SpanStart > block.Span.End && name.Identifier.ValueText == local.Name
                    && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(name).Symbol, local))
                {
                    return false;
                }
            }

            return true;
        }
    }
}
