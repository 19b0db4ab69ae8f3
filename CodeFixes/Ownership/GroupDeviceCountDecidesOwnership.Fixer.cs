using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using IommuAnalyzers.Ownership;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace IommuAnalyzers.CodeFixes.Ownership
{
    /// <summary>
    /// IOMMU0004 fix, offered only where the call already runs under the group's mutex (the analyzer says so): read
    /// <c>group.OwnerCount</c> (owner_cnt) instead. Elsewhere reading it would need the lock the code does not hold,
    /// so no fix is offered. Under the lock the fix also removes a self-deadlock: GroupDeviceCount takes the mutex itself.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(GroupDeviceCountDecidesOwnershipFixer))]
    [Shared]
    public sealed class GroupDeviceCountDecidesOwnershipFixer : CodeFixProvider
    {
        private const string Title = "Use OwnerCount";

        public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(RuleIdentifiers.GroupDeviceCountDecidesOwnership);

        public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            Diagnostic diagnostic = context.Diagnostics[0];
            if (!diagnostic.Properties.ContainsKey(GroupDeviceCountDecidesOwnershipAnalyzer.UnderLockProperty))
            {
                return;
            }

            SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            if (root == null
                || !(root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is InvocationExpressionSyntax invocation)
                || invocation.ArgumentList.Arguments.Count != 1)
            {
                return;
            }

            ExpressionSyntax group = invocation.ArgumentList.Arguments[0].Expression.WithoutTrivia();
            ExpressionSyntax ownerCount = SyntaxFactory.MemberAccessExpression(
                    SyntaxKind.SimpleMemberAccessExpression, ExpressionFacts.Parenthesize(group), SyntaxFactory.IdentifierName("OwnerCount"))
                .WithTriviaFrom(invocation);
            context.RegisterCodeFix(
                CodeAction.Create(
                    Title,
                    _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(invocation, ownerCount))),
                    equivalenceKey: Title),
                diagnostic);
        }
    }
}
