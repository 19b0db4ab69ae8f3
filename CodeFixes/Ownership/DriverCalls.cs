using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using IommuAnalyzers.Ownership;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace IommuAnalyzers.CodeFixes.Ownership
{
    /// <summary>One call into the iommu core made by a driver's own code, with what is needed to rewrite or classify it.</summary>
    internal readonly struct DriverCall
    {
        public DriverCall(Document document, SemanticModel model, InvocationExpressionSyntax invocation, IMethodSymbol target, IommuSymbols symbols)
        {
            Document = document;
            Model = model;
            Invocation = invocation;
            Target = target;
            Symbols = symbols;
        }

        public Document Document { get; }

        public SemanticModel Model { get; }

        public InvocationExpressionSyntax Invocation { get; }

        public IMethodSymbol Target { get; }

        public IommuSymbols Symbols { get; }
    }

    /// <summary>Finds the iommu core calls that belong to a driver, the way the ownership rules scope them (<see cref="DriverContext"/>).</summary>
    internal static class DriverCalls
    {
        /// <summary>
        /// Every call to the iommu core made by the driver's own code: all parts of a partial class, its lambdas, local
        /// functions and nested helper types, but not a nested driver of its own.
        /// </summary>
        public static async Task<List<DriverCall>> OfAsync(Solution solution, INamedTypeSymbol driver, CancellationToken cancellationToken)
        {
            var calls = new List<DriverCall>();
            foreach (SyntaxReference reference in driver.DeclaringSyntaxReferences)
            {
                Document? document = solution.GetDocument(reference.SyntaxTree);
                SemanticModel? model = document == null ? null : await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
                IommuSymbols? symbols = model == null ? null : IommuSymbols.TryCreate(model.Compilation);
                if (document == null || model == null || symbols?.IommuCore == null)
                {
                    continue;
                }

                SyntaxNode declaration = await reference.GetSyntaxAsync(cancellationToken).ConfigureAwait(false);
                foreach (InvocationExpressionSyntax invocation in declaration.DescendantNodes().OfType<InvocationExpressionSyntax>())
                {
                    if (model.GetSymbolInfo(invocation, cancellationToken).Symbol is IMethodSymbol target
                        && SymbolEqualityComparer.Default.Equals(target.ContainingType, symbols.IommuCore)
                        && SymbolEqualityComparer.Default.Equals(
                            DriverContext.FindEnclosingDriver(model.GetEnclosingSymbol(invocation.SpanStart, cancellationToken), symbols), driver))
                    {
                        calls.Add(new DriverCall(document, model, invocation, target, symbols));
                    }
                }
            }

            return calls;
        }
    }
}
