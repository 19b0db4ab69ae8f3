using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;

namespace IommuAnalyzers.CodeFixes
{
    /// <summary>Fixes one diagnostic given its nodes (the diagnostic's own node first) in the current solution.</summary>
    internal delegate Task<Solution?> NodeFix(Document document, ImmutableArray<SyntaxNode> nodes, Diagnostic diagnostic, CancellationToken cancellationToken);

    /// <summary>Finds the nodes a fix needs for a diagnostic in a document's root (the diagnostic's own node first); empty when none.</summary>
    internal delegate ImmutableArray<SyntaxNode> NodeLocator(SyntaxNode root, Diagnostic diagnostic);

    /// <summary>
    /// A Fix All that applies the fixes one after another, each on the solution the previous one produced, instead of
    /// merging independently computed edits. Fixes that choose a fresh local name, reuse a local the previous fix
    /// declared, or create a member the next fix extends (a Remove override) need this to stay correct and compiling.
    /// The nodes of every diagnostic are annotated up front so they are found again after earlier edits.
    /// </summary>
    internal sealed class SequentialFixAll : FixAllProvider
    {
        private readonly NodeLocator _locate;
        private readonly NodeFix _fix;
        private readonly Func<Diagnostic, string?> _equivalenceKeyOf;
        private readonly string _title;

        public SequentialFixAll(string title, NodeLocator locate, NodeFix fix, Func<Diagnostic, string?> equivalenceKeyOf)
        {
            _title = title;
            _locate = locate;
            _fix = fix;
            _equivalenceKeyOf = equivalenceKeyOf;
        }

        public override IEnumerable<FixAllScope> GetSupportedFixAllScopes() =>
            new[] { FixAllScope.Document, FixAllScope.Project, FixAllScope.Solution };

        public override async Task<CodeAction?> GetFixAsync(FixAllContext fixAllContext)
        {
            ImmutableArray<Diagnostic> diagnostics = await FixAllDiagnostics.CollectAsync(fixAllContext).ConfigureAwait(false);
            string? key = fixAllContext.CodeActionEquivalenceKey;
            ImmutableArray<Diagnostic> chosen = diagnostics.Where(d => key == null || _equivalenceKeyOf(d) == key).ToImmutableArray();
            if (chosen.IsEmpty)
            {
                return null;
            }

            Solution original = fixAllContext.Solution;
            return CodeAction.Create(
                _title,
                cancellationToken => ApplyAsync(original, chosen, cancellationToken),
                equivalenceKey: key);
        }

        private async Task<Solution> ApplyAsync(Solution solution, ImmutableArray<Diagnostic> diagnostics, CancellationToken cancellationToken)
        {
            // Mark every diagnostic's nodes, document by document, in the original trees.
            var work = new List<(DocumentId Document, SyntaxAnnotation[] Annotations, Diagnostic Diagnostic)>();
            foreach (IGrouping<SyntaxTree?, Diagnostic> group in diagnostics.GroupBy(d => d.Location.SourceTree))
            {
                Document? document = group.Key == null ? null : solution.GetDocument(group.Key);
                SyntaxNode? root = document == null ? null : await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
                if (document == null || root == null)
                {
                    continue;
                }

                var annotated = new Dictionary<SyntaxNode, List<SyntaxAnnotation>>();
                foreach (Diagnostic diagnostic in group.OrderBy(d => d.Location.SourceSpan.Start))
                {
                    ImmutableArray<SyntaxNode> nodes = _locate(root, diagnostic);
                    if (nodes.IsEmpty)
                    {
                        continue;
                    }

                    var annotations = new SyntaxAnnotation[nodes.Length];
                    for (int i = 0; i < nodes.Length; i++)
                    {
                        annotations[i] = new SyntaxAnnotation("IommuFixAll");
                        if (!annotated.TryGetValue(nodes[i], out List<SyntaxAnnotation>? list))
                        {
                            list = new List<SyntaxAnnotation>();
                            annotated.Add(nodes[i], list);
                        }

                        list.Add(annotations[i]);
                    }

                    work.Add((document.Id, annotations, diagnostic));
                }

                SyntaxNode newRoot = root.ReplaceNodes(annotated.Keys, (node, rewritten) => rewritten.WithAdditionalAnnotations(annotated[node]));
                solution = solution.WithDocumentSyntaxRoot(document.Id, newRoot);
            }

            foreach ((DocumentId documentId, SyntaxAnnotation[] annotations, Diagnostic diagnostic) in work)
            {
                Document? document = solution.GetDocument(documentId);
                SyntaxNode? root = document == null ? null : await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
                if (document == null || root == null)
                {
                    continue;
                }

                var nodes = ImmutableArray.CreateBuilder<SyntaxNode>(annotations.Length);
                foreach (SyntaxAnnotation annotation in annotations)
                {
                    SyntaxNode? node = root.GetAnnotatedNodes(annotation).FirstOrDefault();
                    if (node == null)
                    {
                        break;
                    }

                    nodes.Add(node);
                }

                if (nodes.Count != annotations.Length)
                {
                    continue;
                }

                Solution? fixedSolution = await _fix(document, nodes.MoveToImmutable(), diagnostic, cancellationToken).ConfigureAwait(false);
                if (fixedSolution != null)
                {
                    solution = fixedSolution;
                }
            }

            return solution;
        }
    }
}
