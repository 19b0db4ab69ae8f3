using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;

namespace IommuAnalyzers.CodeFixes
{
    /// <summary>Collects the diagnostics a Fix All request covers, for providers that must fix across documents at once.</summary>
    internal static class FixAllDiagnostics
    {
        public static async Task<ImmutableArray<Diagnostic>> CollectAsync(FixAllContext context)
        {
            // Only the request's own rules: a batch tool's diagnostic provider may hold every rule of the analyzer, and
            // another rule's diagnostic can carry the same properties (a lock expression) and be "fixed" by mistake.
            ImmutableArray<Diagnostic> all = await CollectAnyAsync(context).ConfigureAwait(false);
            return all.RemoveAll(d => !context.DiagnosticIds.Contains(d.Id));
        }

        private static async Task<ImmutableArray<Diagnostic>> CollectAnyAsync(FixAllContext context)
        {
            switch (context.Scope)
            {
                case FixAllScope.Document:
                    return context.Document == null
                        ? ImmutableArray<Diagnostic>.Empty
                        : await context.GetDocumentDiagnosticsAsync(context.Document).ConfigureAwait(false);
                case FixAllScope.Project:
                    return await CollectProjectAsync(context, context.Project).ConfigureAwait(false);
                case FixAllScope.Solution:
                    ImmutableArray<Diagnostic>.Builder all = ImmutableArray.CreateBuilder<Diagnostic>();
                    foreach (Project project in context.Solution.Projects)
                    {
                        all.AddRange(await CollectProjectAsync(context, project).ConfigureAwait(false));
                    }

                    return all.ToImmutable();
                default:
                    return ImmutableArray<Diagnostic>.Empty;
            }
        }

        /// <summary>
        /// One action that applies <paramref name="fixDocument"/> to each document's share of the diagnostics, for fixes
        /// whose edits stay inside the document of their diagnostic.
        /// </summary>
        public static CodeAction PerDocument(
            Solution solution,
            ImmutableArray<Diagnostic> diagnostics,
            string title,
            string equivalenceKey,
            Func<Document, IEnumerable<Diagnostic>, CancellationToken, Task<Document>> fixDocument)
        {
            return CodeAction.Create(
                title,
                async cancellationToken =>
                {
                    Solution result = solution;
                    foreach (IGrouping<SyntaxTree?, Diagnostic> group in diagnostics.GroupBy(d => d.Location.SourceTree))
                    {
                        Document? document = group.Key == null ? null : solution.GetDocument(group.Key);
                        if (document == null)
                        {
                            continue;
                        }

                        Document fixedDocument = await fixDocument(document, group, cancellationToken).ConfigureAwait(false);
                        SyntaxNode? fixedRoot = await fixedDocument.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
                        if (fixedRoot != null)
                        {
                            result = result.WithDocumentSyntaxRoot(document.Id, fixedRoot);
                        }
                    }

                    return result;
                },
                equivalenceKey);
        }

        private static async Task<ImmutableArray<Diagnostic>> CollectProjectAsync(FixAllContext context, Project project)
        {
            ImmutableArray<Diagnostic>.Builder builder = ImmutableArray.CreateBuilder<Diagnostic>();
            foreach (Document document in project.Documents)
            {
                builder.AddRange(await context.GetDocumentDiagnosticsAsync(document).ConfigureAwait(false));
            }

            return builder.ToImmutable();
        }
    }
}
