using System.Collections.Concurrent;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace IommuAnalyzers.Flow
{
    /// <summary>
    /// Per-compilation knowledge the engine needs: the lock types and annotations, the cached lock expressions, and the
    /// cheap pre-scan that keeps the flow analysis off bodies that touch nothing lock-related.
    /// </summary>
    internal sealed class LockFlowContext
    {
        private readonly ConcurrentDictionary<ISymbol, bool> _lockRelevant = new ConcurrentDictionary<ISymbol, bool>(SymbolEqualityComparer.Default);

        public LockFlowContext(IommuSymbols symbols)
        {
            Symbols = symbols;
            Resolver = new LockExpressionResolver(symbols);
        }

        public IommuSymbols Symbols { get; }

        public LockExpressionResolver Resolver { get; }

        /// <summary>Whether the symbol carries <c>[NoLockAnalysis]</c> (an accessor answers for its property too).</summary>
        public bool IsExcluded(ISymbol symbol)
        {
            if (Symbols.NoLockAnalysisAttribute == null)
            {
                return false;
            }

            if (IommuSymbols.HasAttribute(symbol, Symbols.NoLockAnalysisAttribute))
            {
                return true;
            }

            return symbol is IMethodSymbol { AssociatedSymbol: { } associated } && IommuSymbols.HasAttribute(associated, Symbols.NoLockAnalysisAttribute);
        }

        /// <summary>
        /// The pre-scan: true when the operation tree (lambdas included) uses a lock type, a lock statement, or a member
        /// that is guarded or carries a lock annotation; or when its owner carries one. Walks the tree once, no CFG.
        /// </summary>
        public bool TouchesLocks(IOperation root, ISymbol owner)
        {
            if (IsLockRelevant(owner))
            {
                return true;
            }

            var stack = new Stack<IOperation>();
            stack.Push(root);
            while (stack.Count > 0)
            {
                IOperation operation = stack.Pop();
                switch (operation)
                {
                    case ILockOperation _:
                        return true;
                    case IInvocationOperation invocation when IsLockRelevant(invocation.TargetMethod):
                        return true;
                    case IPropertyReferenceOperation property when IsLockRelevant(property.Property):
                        return true;
                    case IFieldReferenceOperation field when IsLockRelevant(field.Field):
                        return true;
                    case IObjectCreationOperation creation when creation.Constructor != null && IsLockRelevant(creation.Constructor):
                        return true;
                    case ILocalFunctionOperation localFunction when IsLockRelevant(localFunction.Symbol):
                        return true;
                    case IAnonymousFunctionOperation lambda when IsLockRelevant(lambda.Symbol):
                        return true;
                }

                foreach (IOperation child in operation.ChildOperations)
                {
                    stack.Push(child);
                }
            }

            return false;
        }

        /// <summary>A lock operation (KMutex, Monitor, Lock) or a member with a lock annotation.</summary>
        public bool IsLockRelevant(ISymbol symbol)
        {
            ISymbol definition = symbol.OriginalDefinition;
            if (_lockRelevant.TryGetValue(definition, out bool known))
            {
                return known;
            }

            bool relevant = ComputeLockRelevant(definition);
            _lockRelevant.TryAdd(definition, relevant);
            return relevant;
        }

        internal bool IsType(ITypeSymbol? type, INamedTypeSymbol? expected) =>
            type != null && expected != null && SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, expected);

        private bool ComputeLockRelevant(ISymbol symbol)
        {
            INamedTypeSymbol? containing = symbol.ContainingType;
            if (symbol is IMethodSymbol && (IsType(containing, Symbols.KMutex) || IsType(containing, Symbols.Monitor) || IsType(containing, Symbols.SystemThreadingLock)))
            {
                return true;
            }

            return !Resolver.GuardedBy(symbol).IsEmpty || !Resolver.RequiresLock(symbol).IsEmpty || !Resolver.ExcludesLock(symbol).IsEmpty ||
                !Resolver.AcquiresLock(symbol).IsEmpty || !Resolver.ReleasesLock(symbol).IsEmpty;
        }
    }
}
