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
    internal sealed partial class LockFlowContext
    {
        private readonly ConcurrentDictionary<ISymbol, bool> _lockRelevant = SymbolCache.Create<ISymbol, bool>();
        private readonly ConcurrentDictionary<ISymbol, bool> _needsFlow = SymbolCache.Create<ISymbol, bool>();
        private SynchronousConsumers? _consumers;

        public LockFlowContext(LockModel model, bool inferGuards = false)
        {
            Model = model;
            Resolver = new LockExpressionResolver(model);
            InfersGuards = inferGuards;
            _internalsVisible = HasInternalsVisibleTo(model.Compilation);
        }

        public LockModel Model { get; }

        /// <summary>
        /// Whether bodies the structured pass covers are analysed by it (the default) rather than by the graph engine;
        /// <see cref="LockEngineOption"/> switches it off.
        /// </summary>
        public bool UsesStructuredPass { get; set; } = true;

        public LockExpressionResolver Resolver { get; }

        /// <summary>The methods whose lambda arguments run on the spot; built on first use, as most bodies pass none.</summary>
        /// <remarks>Two threads may both build it; the tables are equal and read-only once built, so either one may win.</remarks>
        public SynchronousConsumers Consumers => _consumers ??= new SynchronousConsumers(Model.Compilation);

        /// <summary>Whether the symbol carries <c>[NoLockAnalysis]</c> (an accessor answers for its property too).</summary>
        public bool IsExcluded(ISymbol symbol)
        {
            if (Model.Annotations.NoLockAnalysisAttribute == null)
            {
                return false;
            }

            if (LockAnnotations.Find(symbol, Model.Annotations.NoLockAnalysisAttribute) != null)
            {
                return true;
            }

            return symbol is IMethodSymbol { AssociatedSymbol: { } associated } && LockAnnotations.Find(associated, Model.Annotations.NoLockAnalysisAttribute) != null;
        }

        /// <summary>
        /// The pre-scan: true when the operation tree (lambdas included) uses a lock type, a lock statement, or a member
        /// that is guarded or carries a lock annotation; or when its owner carries one. Walks the tree once, no CFG.
        /// </summary>
        public bool TouchesLocks(IOperation root, ISymbol owner) => TouchesLocks(root, owner, null);

        /// <summary>
        /// The pre-scan, also collecting into <paramref name="unguardedAccesses"/> the references to members the guard
        /// inference considers (complete only when the answer is false: the walk stops at the first lock it meets).
        /// </summary>
        public bool TouchesLocks(IOperation root, ISymbol owner, List<IOperation>? unguardedAccesses)
        {
            // Only something that can make a lock held (an acquire, a release, a [RequiresLock] contract) or that needs
            // one (a guarded member, a [RequiresLock] callee) calls for the flow analysis. A body whose only lock
            // relevance is calling [ExcludesLock] methods (every IommuCore function) holds nothing when it calls them,
            // so it can break no rule and is skipped: most driver Probe/Remove bodies, and the graph is the cost.
            if (NeedsFlow(owner))
            {
                return true;
            }

            Stack<IOperation> stack = OperationStack.Rent();
            stack.Push(root);
            bool touches = Scan(stack, unguardedAccesses);
            OperationStack.Return(stack);
            return touches;
        }

        private bool Scan(Stack<IOperation> stack, List<IOperation>? unguardedAccesses)
        {
            while (stack.Count > 0)
            {
                IOperation operation = stack.Pop();
                switch (operation)
                {
                    case ILockOperation _:
                        return true;
                    case IInvocationOperation invocation when NeedsFlow(invocation.TargetMethod):
                        return true;
                    case IPropertyReferenceOperation property when NeedsFlow(property.Property):
                        return true;
                    case IFieldReferenceOperation field when NeedsFlow(field.Field):
                        return true;
                    case IMemberReferenceOperation member when unguardedAccesses != null && IsInferenceCandidate(member.Member):
                        unguardedAccesses.Add(member);
                        break;
                    case IObjectCreationOperation creation when creation.Constructor != null && NeedsFlow(creation.Constructor):
                        return true;
                    case IRecursivePatternOperation { DeconstructSymbol: { } deconstruct } when NeedsFlow(deconstruct):
                        return true;
                    case ILocalFunctionOperation localFunction when NeedsFlow(localFunction.Symbol):
                        return true;
                    case IAnonymousFunctionOperation lambda when NeedsFlow(lambda.Symbol):
                        return true;
                    case IBinaryOperation _:
                    case IUnaryOperation _:
                    case IConversionOperation _:
                    case IIncrementOrDecrementOperation _:
                    case ICompoundAssignmentOperation _:
                        if (ContractCalls.OperatorMethod(operation, out _, out _) is IMethodSymbol userOperator && NeedsFlow(userOperator))
                        {
                            return true;
                        }

                        break;
                }

                foreach (IOperation child in operation.ChildOperations)
                {
                    stack.Push(child);
                }
            }

            return false;
        }

        /// <summary>Lock-relevant for a reason other than [ExcludesLock] alone: it takes, releases, needs or guards a lock.</summary>
        public bool NeedsFlow(ISymbol symbol)
        {
            ISymbol definition = symbol.OriginalDefinition;
            if (CannotBeLockRelevant(definition))
            {
                return false;
            }

            if (_needsFlow.TryGetValue(definition, out bool known))
            {
                return known;
            }

            bool needs = IsLockRelevant(definition) && (IsLockPrimitive(definition) ||
                !Resolver.GuardedBy(definition).IsEmpty || !Resolver.RequiresLock(definition).IsEmpty ||
                !Resolver.AcquiresLock(definition).IsEmpty || !Resolver.ReleasesLock(definition).IsEmpty ||
                (definition is IPropertySymbol property && ((property.GetMethod != null && NeedsFlow(property.GetMethod)) || (property.SetMethod != null && NeedsFlow(property.SetMethod)))));
            _needsFlow.TryAdd(definition, needs);
            return needs;
        }

        /// <summary>A lock operation (KMutex, Monitor, Lock) or a member with a lock annotation.</summary>
        public bool IsLockRelevant(ISymbol symbol)
        {
            ISymbol definition = symbol.OriginalDefinition;
            if (CannotBeLockRelevant(definition))
            {
                return false;
            }

            if (_lockRelevant.TryGetValue(definition, out bool known))
            {
                return known;
            }

            bool relevant = ComputeLockRelevant(definition);
            _lockRelevant.TryAdd(definition, relevant);
            return relevant;
        }

        /// <summary>
        /// A field, or a method that is no lock operation, that can carry no annotation: not lock-relevant, and asked too
        /// often (at every reference) to get a cache entry. A property's answer also depends on its accessors, so a
        /// property always goes to the cache.
        /// </summary>
        private bool CannotBeLockRelevant(ISymbol definition) =>
            (definition is IFieldSymbol || (definition is IMethodSymbol && !IsLockPrimitive(definition))) && Resolver.Reach.CannotCarry(definition, throughBackingField: true);

        internal bool IsType(ITypeSymbol? type, INamedTypeSymbol? expected) =>
            type != null && expected != null && SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, expected);

        private bool IsLockPrimitive(ISymbol symbol)
        {
            INamedTypeSymbol? containing = symbol.ContainingType;
            return symbol is IMethodSymbol && Model.IsLockType(containing);
        }

        private bool ComputeLockRelevant(ISymbol symbol)
        {
            if (IsLockPrimitive(symbol))
            {
                return true;
            }

            if (symbol is IPropertySymbol property && ((property.GetMethod != null && IsLockRelevant(property.GetMethod)) || (property.SetMethod != null && IsLockRelevant(property.SetMethod))))
            {
                // Contracts on the accessors themselves ([RequiresLock] on get, [AcquiresLock] on set).
                return true;
            }

            return !Resolver.GuardedBy(symbol).IsEmpty || !Resolver.RequiresLock(symbol).IsEmpty || !Resolver.ExcludesLock(symbol).IsEmpty ||
                !Resolver.AcquiresLock(symbol).IsEmpty || !Resolver.ReleasesLock(symbol).IsEmpty;
        }
    }
}
