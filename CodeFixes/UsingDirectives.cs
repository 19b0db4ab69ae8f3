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
            return root.AddUsings(directive);
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
