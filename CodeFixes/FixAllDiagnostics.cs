using System.Collections.Immutable;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;

namespace IommuAnalyzers.CodeFixes
{
    /// <summary>Collects the diagnostics a Fix All request covers, for providers that must fix across documents at once.</summary>
    internal static class FixAllDiagnostics
    {
        public static async Task<ImmutableArray<Diagnostic>> CollectAsync(FixAllContext context)
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
