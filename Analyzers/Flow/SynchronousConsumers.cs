using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace IommuAnalyzers.Flow
{
    /// <summary>
    /// The methods that run a lambda passed to them before they return, on the calling thread: a lambda passed
    /// straight to one of them starts with the locks held at the call (DESIGN.md section 4). Every other lambda may
    /// run later or elsewhere and starts with nothing held. The one table of them; resolved to symbols once per
    /// compilation.
    /// </summary>
    internal sealed class SynchronousConsumers
    {
        /// <summary><c>System.Linq.Enumerable</c> operators that enumerate their source (and run its lambdas) before returning.</summary>
        internal static readonly string[] MaterializingEnumerableOperators =
        {
            "Aggregate", "All", "Any", "Average", "Contains", "Count", "ElementAt", "ElementAtOrDefault", "First",
            "FirstOrDefault", "Last", "LastOrDefault", "LongCount", "Max", "MaxBy", "Min", "MinBy", "SequenceEqual",
            "Single", "SingleOrDefault", "Sum", "ToArray", "ToDictionary", "ToHashSet", "ToList", "ToLookup",
        };

        /// <summary>
        /// <c>System.Linq.Enumerable</c> operators that only wrap their source: their lambdas run when the result is
        /// enumerated, so on the spot only when a materializing operator consumes the result in the same expression.
        /// </summary>
        internal static readonly string[] DeferredEnumerableOperators =
        {
            "Append", "Cast", "Chunk", "Concat", "DefaultIfEmpty", "Distinct", "DistinctBy", "Except", "ExceptBy",
            "GroupBy", "GroupJoin", "Intersect", "IntersectBy", "Join", "OfType", "OrderBy", "OrderByDescending",
            "Prepend", "Reverse", "Select", "SelectMany", "Skip", "SkipLast", "SkipWhile", "Take", "TakeLast",
            "TakeWhile", "ThenBy", "ThenByDescending", "Union", "UnionBy", "Where", "Zip",
        };

        /// <summary><c>System.Collections.Generic.List&lt;T&gt;</c> methods that call their delegate before returning.</summary>
        internal static readonly string[] ListMethods =
        {
            "ConvertAll", "Exists", "Find", "FindAll", "FindIndex", "FindLast", "FindLastIndex", "ForEach", "RemoveAll",
            "Sort", "TrueForAll",
        };

        /// <summary><c>System.Array</c> methods that call their delegate before returning.</summary>
        internal static readonly string[] ArrayMethods =
        {
            "ConvertAll", "Exists", "Find", "FindAll", "FindIndex", "FindLast", "FindLastIndex", "ForEach", "Sort",
            "TrueForAll",
        };

        // Lambdas nest a handful deep at most; the walk up a query chain is bounded so a pathological one stays cheap.
        private const int MaxChainLength = 32;

        // true: runs its lambdas before returning; false: deferred, runs them when its result is enumerated.
        private readonly Dictionary<ISymbol, bool> _consumers = new Dictionary<ISymbol, bool>(SymbolEqualityComparer.Default);

        public SynchronousConsumers(Compilation compilation)
        {
            INamedTypeSymbol? enumerable = compilation.GetTypeByMetadataName("System.Linq.Enumerable");
            Add(enumerable, MaterializingEnumerableOperators, materializing: true);
            Add(enumerable, DeferredEnumerableOperators, materializing: false);
            Add(compilation.GetTypeByMetadataName("System.Collections.Generic.List`1"), ListMethods, materializing: true);
            Add(compilation.GetSpecialType(SpecialType.System_Array), ArrayMethods, materializing: true);
        }

        /// <summary>
        /// Whether <paramref name="lambda"/> is an argument of a consumer that runs it before returning, directly
        /// (<c>items.Sum(i =&gt; ...)</c>) or through deferred operators whose result such a consumer takes in the same
        /// expression (<c>items.Where(i =&gt; ...).Select(...).Sum()</c>). A lambda stored, returned or handed to
        /// anything else (Task.Run, a Thread, Parallel.ForEach, a field) does not.
        /// </summary>
        public bool RunsOnTheSpot(IOperation lambda)
        {
            IOperation? current = lambda.Parent;
            for (int step = 0; step < MaxChainLength && current != null; step++)
            {
                while (current is IDelegateCreationOperation || current is IConversionOperation { IsImplicit: true })
                {
                    current = current.Parent;
                }

                if (!(current is IArgumentOperation { Parent: IInvocationOperation invocation }))
                {
                    return false;
                }

                IMethodSymbol method = invocation.TargetMethod.ReducedFrom ?? invocation.TargetMethod;
                if (!_consumers.TryGetValue(method.OriginalDefinition, out bool materializing))
                {
                    return false;
                }

                if (materializing)
                {
                    return true;
                }

                current = invocation.Parent;
            }

            return false;
        }

        private void Add(INamedTypeSymbol? type, string[] names, bool materializing)
        {
            if (type == null)
            {
                return;
            }

            foreach (string name in names)
            {
                foreach (ISymbol member in type.GetMembers(name))
                {
                    if (member is IMethodSymbol method)
                    {
                        _consumers[method.OriginalDefinition] = materializing;
                    }
                }
            }
        }
    }
}
