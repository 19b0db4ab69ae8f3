using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;

namespace IommuAnalyzers.CodeFixes
{
    /// <summary>Replaces one statement by several, wrapping them in a block where the statement is embedded (<c>if (x) f();</c>).</summary>
    internal static class StatementInserter
    {
        public static SyntaxNode ReplaceWithStatements(SyntaxNode root, StatementSyntax statement, StatementSyntax[] statements, SyntaxTrivia endOfLine)
        {
            if (statement.Parent is BlockSyntax || statement.Parent is SwitchSectionSyntax)
            {
                return root.ReplaceNode(statement, statements);
            }

            // An embedded statement becomes a block holding the new statements.
            BlockSyntax block = SyntaxFactory.Block(statements.Select(s => s.WithoutLeadingTrivia().WithTrailingTrivia(endOfLine)))
                .WithLeadingTrivia(statement.GetLeadingTrivia())
                .WithTrailingTrivia(statement.GetTrailingTrivia())
                .WithAdditionalAnnotations(Formatter.Annotation);
            return root.ReplaceNode(statement, block);
        }
    }
}
