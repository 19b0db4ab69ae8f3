using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace IommuAnalyzers.CodeFixes
{
    /// <summary>Adds <c>using Iommu;</c> to a file whose code does not already see the namespace.</summary>
    internal static class UsingDirectives
    {
        public const string IommuNamespace = "Iommu";

        public static CompilationUnitSyntax EnsureIommuUsing(CompilationUnitSyntax root, IEnumerable<SyntaxNode> touchedNodes, SyntaxTrivia endOfLine)
        {
            if (HasIommuUsing(root.Usings))
            {
                return root;
            }

            // Code inside `namespace Iommu` (or under a namespace with a using of its own) already sees it.
            if (touchedNodes.All(SeesIommuThroughNamespace))
            {
                return root;
            }

            UsingDirectiveSyntax directive = SyntaxFactory.UsingDirective(SyntaxFactory.IdentifierName(IommuNamespace))
                .WithTrailingTrivia(endOfLine);
            if (root.Usings.Count == 0 && root.Externs.Count == 0)
            {
                // The first using of a file goes below its banner (an SPDX line, which kernel-style sources keep first,
                // or a license header), as the IDE's own add-import does; the banner moves onto the new directive.
                SyntaxToken first = root.GetFirstToken(includeZeroWidth: true);
                int banner = FileBannerLength(first.LeadingTrivia);
                if (banner > 0)
                {
                    // A declaration that keeps trivia of its own (its doc comment) is set off from the using by a blank line.
                    SyntaxTriviaList rest = SyntaxFactory.TriviaList(first.LeadingTrivia.Skip(banner));
                    if (rest.Any(t => !t.IsKind(SyntaxKind.WhitespaceTrivia) && !t.IsKind(SyntaxKind.EndOfLineTrivia)))
                    {
                        rest = rest.Insert(0, SyntaxFactory.EndOfLine(endOfLine.ToString()));
                    }

                    directive = directive.WithLeadingTrivia(first.LeadingTrivia.Take(banner));
                    root = root.ReplaceToken(first, first.WithLeadingTrivia(rest));
                }
            }

            return root.AddUsings(directive);
        }

        /// <summary>
        /// How many leading trivia form the file banner: plain comments up to the last line break before the first
        /// documentation comment or directive (those belong to the declaration, or would put the using inside a region).
        /// </summary>
        private static int FileBannerLength(SyntaxTriviaList leading)
        {
            int length = 0;
            bool comment = false;
            for (int i = 0; i < leading.Count; i++)
            {
                SyntaxTrivia trivia = leading[i];
                if (trivia.IsKind(SyntaxKind.SingleLineCommentTrivia) || trivia.IsKind(SyntaxKind.MultiLineCommentTrivia))
                {
                    comment = true;
                }
                else if (trivia.IsKind(SyntaxKind.EndOfLineTrivia))
                {
                    if (comment)
                    {
                        length = i + 1;
                    }
                }
                else if (!trivia.IsKind(SyntaxKind.WhitespaceTrivia))
                {
                    break;
                }
            }

            return length;
        }

        private static bool SeesIommuThroughNamespace(SyntaxNode node)
        {
            foreach (BaseNamespaceDeclarationSyntax ns in node.Ancestors().OfType<BaseNamespaceDeclarationSyntax>())
            {
                string name = ns.Name.ToString();
                if (name == IommuNamespace || name.StartsWith(IommuNamespace + ".", System.StringComparison.Ordinal) || HasIommuUsing(ns.Usings))
                {
                    return true;
                }
            }

            return false;
        }

        private static bool HasIommuUsing(SyntaxList<UsingDirectiveSyntax> usings)
        {
            foreach (UsingDirectiveSyntax directive in usings)
            {
                if (directive.Alias == null && directive.StaticKeyword.IsKind(SyntaxKind.None) && directive.Name?.ToString() == IommuNamespace)
                {
                    return true;
                }
            }

            return false;
        }
    }
}
