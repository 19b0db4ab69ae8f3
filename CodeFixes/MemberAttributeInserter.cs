using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace IommuAnalyzers.CodeFixes
{
    /// <summary>
    /// Adds an <c>Iommu</c> attribute with one argument to field and property declarations, wherever in the solution
    /// they are declared, with <c>using Iommu;</c> where the file lacks it. A field declared with others
    /// (<c>int _head, _tail;</c>) is split off first, so that the attribute covers it alone.
    /// </summary>
    internal static class MemberAttributeInserter
    {
        public static async Task<Solution> AddAsync(Solution solution, IEnumerable<(ISymbol Member, string Argument)> targets, string attributeName, CancellationToken cancellationToken)
        {
            var byDocument = new Dictionary<DocumentId, Dictionary<SyntaxNode, string>>();
            foreach ((ISymbol member, string argument) in targets)
            {
                SyntaxReference? reference = member.DeclaringSyntaxReferences.FirstOrDefault();
                Document? document = reference == null ? null : solution.GetDocument(reference.SyntaxTree);
                SyntaxNode? declaration = reference?.GetSyntax(cancellationToken);
                if (document == null || !(declaration is VariableDeclaratorSyntax || declaration is PropertyDeclarationSyntax))
                {
                    continue;
                }

                if (!byDocument.TryGetValue(document.Id, out Dictionary<SyntaxNode, string>? nodes))
                {
                    byDocument[document.Id] = nodes = new Dictionary<SyntaxNode, string>();
                }

                nodes[declaration!] = argument;
            }

            foreach (KeyValuePair<DocumentId, Dictionary<SyntaxNode, string>> entry in byDocument)
            {
                Document document = solution.GetDocument(entry.Key)!;
                if (!(await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false) is CompilationUnitSyntax root))
                {
                    continue;
                }

                SyntaxTrivia endOfLine = SyntaxTriviaHelpers.EndOfLine(root);
                var properties = entry.Value.Keys.OfType<PropertyDeclarationSyntax>().ToList();
                var fields = entry.Value.Keys.OfType<VariableDeclaratorSyntax>().Select(v => v.Parent?.Parent).OfType<FieldDeclarationSyntax>().Distinct().ToList();
                var touched = new List<SyntaxNode>();
                var marks = fields.ToDictionary(f => (SyntaxNode)f, _ => new SyntaxAnnotation());
                SyntaxNode newRoot = root.ReplaceNodes(
                    properties.Cast<SyntaxNode>().Concat(fields),
                    (original, rewritten) =>
                    {
                        touched.Add(original);
                        return original is PropertyDeclarationSyntax
                            ? WithAttribute((MemberDeclarationSyntax)rewritten, attributeName, entry.Value[original], endOfLine)
                            : rewritten.WithAdditionalAnnotations(marks[original]);
                    });

                // Fields: each declaration is replaced by one declaration per variable, the targeted ones annotated.
                foreach (FieldDeclarationSyntax field in fields)
                {
                    if (!(newRoot.GetAnnotatedNodes(marks[field]).FirstOrDefault() is FieldDeclarationSyntax current))
                    {
                        continue;
                    }

                    var split = new List<MemberDeclarationSyntax>();
                    for (int i = 0; i < field.Declaration.Variables.Count; i++)
                    {
                        FieldDeclarationSyntax single = current.WithDeclaration(current.Declaration.WithVariables(SyntaxFactory.SingletonSeparatedList(current.Declaration.Variables[i].WithoutTrivia())));
                        if (i > 0)
                        {
                            single = single.WithLeadingTrivia(Indentation(current.GetLeadingTrivia()));
                        }

                        if (i < field.Declaration.Variables.Count - 1)
                        {
                            single = single.WithTrailingTrivia(endOfLine);
                        }

                        split.Add(entry.Value.TryGetValue(field.Declaration.Variables[i], out string? argument) ? WithAttribute(single, attributeName, argument, endOfLine) : single);
                    }

                    newRoot = newRoot.ReplaceNode(current, split);
                }

                newRoot = UsingDirectives.EnsureIommuUsing((CompilationUnitSyntax)newRoot, touched, endOfLine);
                solution = solution.WithDocumentSyntaxRoot(document.Id, newRoot);
            }

            return solution;
        }

        /// <summary>Whether the member already carries the attribute (by its simple or full name): a second one would not compile.</summary>
        public static bool HasAttribute(MemberDeclarationSyntax member, string attributeName) =>
            member.AttributeLists.SelectMany(l => l.Attributes).Any(a => IsNamed(a, attributeName));

        /// <summary>Whether the attribute is written as <paramref name="attributeName"/>, with or without its <c>Attribute</c> suffix or a qualifier.</summary>
        public static bool IsNamed(AttributeSyntax attribute, string attributeName)
        {
            string name = attribute.Name.ToString();
            return name == attributeName || name == attributeName + "Attribute" || name.EndsWith("." + attributeName, System.StringComparison.Ordinal) || name.EndsWith("." + attributeName + "Attribute", System.StringComparison.Ordinal);
        }

        private static MemberDeclarationSyntax WithAttribute(MemberDeclarationSyntax member, string attributeName, string argument, SyntaxTrivia endOfLine)
        {
            if (HasAttribute(member, attributeName))
            {
                return member;
            }

            AttributeListSyntax list = SyntaxFactory.AttributeList(SyntaxFactory.SingletonSeparatedList(
                SyntaxFactory.Attribute(SyntaxFactory.IdentifierName(attributeName), SyntaxFactory.AttributeArgumentList(SyntaxFactory.SingletonSeparatedList(
                    SyntaxFactory.AttributeArgument(SyntaxFactory.ParseExpression(argument)))))));
            SyntaxTriviaList leading = member.GetLeadingTrivia();
            list = list.WithLeadingTrivia(leading).WithTrailingTrivia(endOfLine);
            MemberDeclarationSyntax rest = member.WithLeadingTrivia(Indentation(leading));
            return rest.WithAttributeLists(rest.AttributeLists.Insert(0, list));
        }

        /// <summary>The whitespace that starts the member's own line (what follows the last line break of its leading trivia).</summary>
        private static SyntaxTriviaList Indentation(SyntaxTriviaList leading)
        {
            int start = leading.Count;
            while (start > 0 && leading[start - 1].IsKind(SyntaxKind.WhitespaceTrivia))
            {
                start--;
            }

            return SyntaxFactory.TriviaList(leading.Skip(start));
        }
    }
}
