using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Simplification;

namespace IommuAnalyzers.CodeFixes
{
    /// <summary>Adds an <c>Iommu</c> attribute to type declarations, with <c>using Iommu;</c> where the file lacks it.</summary>
    internal static class AttributeInserter
    {
        public static async Task<Solution> AddAttributeAsync(Solution solution, IReadOnlyList<INamedTypeSymbol> types, string attributeName, CancellationToken cancellationToken)
        {
            // One declaration per type gets the attribute: for a partial type, the first part in source order, so
            // that fixes made from different parts agree and never duplicate it (CS0579).
            var targets = new Dictionary<DocumentId, List<SyntaxReference>>();
            foreach (INamedTypeSymbol type in types)
            {
                SyntaxReference? reference = type.DeclaringSyntaxReferences.FirstOrDefault();
                Document? document = reference == null ? null : solution.GetDocument(reference.SyntaxTree);
                if (reference == null || document == null)
                {
                    continue;
                }

                if (!targets.TryGetValue(document.Id, out List<SyntaxReference>? list))
                {
                    list = new List<SyntaxReference>();
                    targets.Add(document.Id, list);
                }

                list.Add(reference);
            }

            foreach (KeyValuePair<DocumentId, List<SyntaxReference>> entry in targets)
            {
                Document document = solution.GetDocument(entry.Key)!;
                SyntaxNode? root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
                if (root == null)
                {
                    continue;
                }

                List<SyntaxNode> declarations = entry.Value.Select(r => r.GetSyntax(cancellationToken)).Where(n => n is TypeDeclarationSyntax).ToList();
                SemanticModel? model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
                var alreadyNamed = new HashSet<SyntaxNode>(declarations.Where(d => model != null && HasUnboundAttribute((TypeDeclarationSyntax)d, attributeName, model, cancellationToken)));
                SyntaxTrivia endOfLine = SyntaxTriviaHelpers.EndOfLine(root);
                SyntaxNode newRoot = root.ReplaceNodes(
                    declarations,
                    (original, rewritten) => alreadyNamed.Contains(original) ? rewritten : AddAttribute((TypeDeclarationSyntax)rewritten, attributeName, endOfLine));
                newRoot = UsingDirectives.EnsureIommuUsing((CompilationUnitSyntax)newRoot, declarations, endOfLine);
                solution = solution.WithDocumentSyntaxRoot(document.Id, newRoot);
            }

            return solution;
        }

        /// <summary>
        /// Whether the declaration already carries the attribute by its simple name but it does not bind, because the file
        /// lacks <c>using Iommu;</c> (CS0246). The using alone fixes it; a second copy would bind too and clash (CS0579).
        /// </summary>
        private static bool HasUnboundAttribute(TypeDeclarationSyntax declaration, string attributeName, SemanticModel model, CancellationToken cancellationToken)
        {
            foreach (AttributeListSyntax list in declaration.AttributeLists)
            {
                foreach (AttributeSyntax attribute in list.Attributes)
                {
                    if (attribute.Name is IdentifierNameSyntax name &&
                        (name.Identifier.ValueText == attributeName || name.Identifier.ValueText == attributeName + "Attribute") &&
                        model.GetSymbolInfo(attribute, cancellationToken) is { Symbol: null } info && info.CandidateSymbols.IsEmpty)
                    {
                        return true;
                    }
                }
            }

            return false;
        }

        private static TypeDeclarationSyntax AddAttribute(TypeDeclarationSyntax declaration, string attributeName, SyntaxTrivia endOfLine)
        {
            // Only the new line is written, nothing else of the driver is reformatted: the declaration's leading trivia
            // (comments, directives, indentation) goes in front of the new attribute, and the line pushed down below it
            // (an existing attribute, or the modifiers) keeps the declaration's indentation.
            SyntaxTriviaList leading = declaration.GetLeadingTrivia();
            AttributeListSyntax list = SyntaxFactory.AttributeList(
                    SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Attribute(SyntaxFactory.IdentifierName(attributeName))))
                .WithLeadingTrivia(leading)
                .WithTrailingTrivia(SyntaxFactory.EndOfLine(endOfLine.ToString()));
            TypeDeclarationSyntax pushedDown = declaration.WithLeadingTrivia(Indentation(leading));
            return pushedDown.WithAttributeLists(pushedDown.AttributeLists.Insert(0, list));
        }

        /// <summary>The whitespace that starts the declaration's line: what follows the last line break of its leading trivia.</summary>
        private static SyntaxTriviaList Indentation(SyntaxTriviaList leading)
        {
            int start = leading.Count;
            while (start > 0 && leading[start - 1].IsKind(SyntaxKind.WhitespaceTrivia))
            {
                start--;
            }

            bool startsLine = start == 0 || leading[start - 1].IsKind(SyntaxKind.EndOfLineTrivia);
            return startsLine ? SyntaxFactory.TriviaList(leading.Skip(start)) : SyntaxFactory.TriviaList();
        }
    }
}
