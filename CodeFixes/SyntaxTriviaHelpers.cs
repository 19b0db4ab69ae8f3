using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace IommuAnalyzers.CodeFixes
{
    /// <summary>Trivia that matches the file being edited, so fixes never mix line endings.</summary>
    internal static class SyntaxTriviaHelpers
    {
        /// <summary>The file's own line ending (the first one in it), or a line feed for a one-line file.</summary>
        public static SyntaxTrivia EndOfLine(SyntaxNode root)
        {
            foreach (SyntaxTrivia trivia in root.DescendantTrivia())
            {
                if (trivia.IsKind(SyntaxKind.EndOfLineTrivia))
                {
                    return SyntaxFactory.ElasticEndOfLine(trivia.ToString());
                }
            }

            return SyntaxFactory.ElasticEndOfLine("\n");
        }
    }
}
