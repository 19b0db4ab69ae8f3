using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace IommuAnalyzers.CodeFixes
{
    /// <summary>
    /// Keeps a fix from changing the document's line structure on half-typed code: a statement whose semicolon is not
    /// typed yet has its line break on the token before the missing one, and a body written on one line stays on one.
    /// </summary>
    internal static class LineStructure
    {
        /// <summary>
        /// The statement with the trailing trivia of its last typed token moved after a missing last token (<c>_c = 1</c>
        /// with no <c>;</c>), so that <c>GetTrailingTrivia()</c> is the line break the text shows after it.
        /// </summary>
        public static TNode WithVisibleTrailingTrivia<TNode>(TNode node)
            where TNode : SyntaxNode
        {
            SyntaxToken last = node.GetLastToken(includeZeroWidth: true, includeSkipped: true);
            if (!last.IsMissing || last.HasTrailingTrivia)
            {
                return node;
            }

            SyntaxToken typed = last.GetPreviousToken(includeZeroWidth: false, includeSkipped: true);
            if (typed.RawKind == 0 || !typed.HasTrailingTrivia || !node.FullSpan.Contains(typed.Span))
            {
                return node;
            }

            SyntaxTriviaList trailing = typed.TrailingTrivia;
            return node.ReplaceTokens(new[] { typed, last }, (original, _) =>
                original == typed ? original.WithTrailingTrivia(default(SyntaxTriviaList)) : original.WithTrailingTrivia(trailing));
        }

        /// <summary>Whether the nearest block around (or at) <paramref name="node"/> opens and closes on one line: <c>void F() { _c++; }</c>.</summary>
        public static bool InOneLineBlock(SyntaxNode node)
        {
            for (SyntaxNode? current = node; current != null; current = current.Parent)
            {
                if (current is BlockSyntax block)
                {
                    return !block.OpenBraceToken.IsMissing && !block.CloseBraceToken.IsMissing && SameLine(block.OpenBraceToken, block.CloseBraceToken);
                }

                if (current is MemberDeclarationSyntax)
                {
                    return false;
                }
            }

            return false;
        }

        /// <summary>The separator between statements a fix writes: the file's line break, or a space inside a one-line block.</summary>
        public static SyntaxTrivia Separator(bool oneLine, SyntaxTrivia endOfLine) => oneLine ? SyntaxFactory.Space : endOfLine;

        private static bool SameLine(SyntaxToken a, SyntaxToken b)
        {
            SyntaxTree? tree = a.SyntaxTree;
            if (tree == null)
            {
                return false;
            }

            return tree.GetLineSpan(a.Span).StartLinePosition.Line == tree.GetLineSpan(b.Span).StartLinePosition.Line;
        }
    }
}
