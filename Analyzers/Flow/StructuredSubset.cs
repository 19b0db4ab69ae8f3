using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace IommuAnalyzers.Flow
{
    /// <summary>
    /// Which bodies the structured pass (<see cref="LockFlowAnalysis.TryAnalyzeStructured"/>) models exactly: those whose
    /// lock operations are scopes (<c>lock</c> statements on monitor objects, <c>using</c> statements and declarations of
    /// one scoped guard: <c>m.Guard()</c>, <c>l.EnterScope()</c>) and plain acquires and releases (<c>Lock()</c>,
    /// <c>Unlock()</c>, <c>Monitor.Enter(o)</c>/<c>Exit(o)</c>, <c>[AcquiresLock]</c>/<c>[ReleasesLock]</c> methods
    /// that return nothing to dispose), which change the state where they stand. The walk carries the state, with what
    /// reassigned variables denote (<see cref="TracksValues"/>), and hands the body over where paths meet with different
    /// locks held. Everything the pass does not model sends the whole body to the graph engine, which stays the
    /// reference:
    /// <list type="bullet">
    /// <item>acquires decided by a test (TryLock, TryEnter, Enter with a lock-taken flag: the graph's conditional edges)
    /// other than a try-acquire that is an if statement's whole condition (<see cref="IsTestedTryAcquire"/>),
    /// a Guard() outside a using, an [AcquiresLock] method that returns a guard or a bool, and any Dispose() (it may end
    /// a guard);</item>
    /// <item>lambdas and local functions (bodies of their own, some run on the spot with the caller's state);</item>
    /// <item>await and yield (suspension events), goto and labels, using statements and declarations other than of
    /// one scoped guard (lowered to a try/finally with a Dispose call), rethrow and throw expressions, constant
    /// conditions (the graph prunes branches), a foreach whose enumerator is declared in source (its lowered calls are
    /// events);</item>
    /// <item>a <c>lock</c> on a System.Threading.Lock (lowered to EnterScope and Dispose), invalid code;</item>
    /// <item>reassigned variables written inside a conditional expression, a finally or a catch filter, or naming a
    /// scope's lock (<see cref="TracksValues"/>); and, found during the walk, paths that meet with different locks
    /// held.</item>
    /// </list>
    /// </summary>
    internal static class StructuredSubset
    {
        /// <summary>Whether every operation of <paramref name="body"/> is one the structured pass models.</summary>
        public static bool Covers(IOperation body, LockFlowContext context, SemanticModel? model) => FirstUnmodeled(body, context, model) == null;

        /// <summary>An operation of <paramref name="body"/> the structured pass does not model (why it falls back), or null.</summary>
        public static IOperation? FirstUnmodeled(IOperation body, LockFlowContext context, SemanticModel? model)
        {
            System.Collections.Generic.Stack<IOperation> stack = OperationStack.Rent();
            stack.Push(body);
            IOperation? unmodeled = null;
            while (stack.Count > 0)
            {
                IOperation operation = stack.Pop();
                if (!IsModeled(operation, context, model))
                {
                    unmodeled = operation;
                    break;
                }

                foreach (IOperation child in operation.ChildOperations)
                {
                    stack.Push(child);
                }
            }

            OperationStack.Return(stack);
            return unmodeled;
        }

        /// <summary>
        /// Whether the pass can track what the body's reassigned variables denote: each is written where a statement
        /// runs (not inside a conditional expression, where the graph joins paths the walk does not see, nor in a
        /// finally or a catch filter), and no lock or guard taken by a scope is named through one (a join could rename
        /// a held lock the scope then releases by its old name).
        /// </summary>
        public static bool TracksValues(IOperation body, OperationPaths paths)
        {
            foreach (IOperation operation in body.DescendantsAndSelf())
            {
                switch (operation)
                {
                    case ILockOperation locked when paths.DependsOnFlowSensitive(locked.LockedValue):
                        return false;
                    case IUsingOperation scoped when paths.DependsOnFlowSensitive(scoped.Resources):
                        return false;
                    case IUsingDeclarationOperation declaration when paths.DependsOnFlowSensitive(declaration.DeclarationGroup):
                        return false;
                    case ILocalReferenceOperation local when paths.IsFlowSensitive(local.Local) && OperationPaths.IsWrite(local, out _) && !WrittenAtStatementLevel(local):
                    case IParameterReferenceOperation parameter when paths.IsFlowSensitive(parameter.Parameter) && OperationPaths.IsWrite(parameter, out _) && !WrittenAtStatementLevel(parameter):
                    case IDeclarationPatternOperation pattern when pattern.DeclaredSymbol != null && paths.IsFlowSensitive(pattern.DeclaredSymbol):
                    case IRecursivePatternOperation recursive when recursive.DeclaredSymbol != null && paths.IsFlowSensitive(recursive.DeclaredSymbol):
                        return false;
                }
            }

            return true;
        }

        private static bool WrittenAtStatementLevel(IOperation write)
        {
            for (IOperation? node = write.Parent; node != null; node = node.Parent)
            {
                switch (node)
                {
                    case IConditionalOperation conditional when !(conditional.Syntax is IfStatementSyntax):
                    case IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalAnd }:
                    case IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalOr }:
                    case ICoalesceOperation _:
                    case ICoalesceAssignmentOperation _:
                    case IConditionalAccessOperation _:
                    case ISwitchExpressionOperation _:
                    case ICatchClauseOperation clause when clause.Filter != null && clause.Filter.Syntax.Span.Contains(write.Syntax.Span):
                        return false;
                    case ITryOperation attempt when attempt.Finally != null && attempt.Finally.Syntax.Span.Contains(write.Syntax.Span):
                        return false;
                    case IMethodBodyOperation _:
                    case IConstructorBodyOperation _:
                        return true;
                }
            }

            return true;
        }

        private static bool IsModeled(IOperation operation, LockFlowContext context, SemanticModel? model)
        {
            switch (operation)
            {
                case IInvalidOperation _:
                case IOperation { Kind: OperationKind.None }:
                case IAnonymousFunctionOperation _:
                case ILocalFunctionOperation _:
                case IAwaitOperation _:
                case IDeconstructionAssignmentOperation _:
                case IObjectOrCollectionInitializerOperation _:
                    return false;
                case IMethodBodyOperation methodBody:
                    return methodBody.BlockBody == null || methodBody.ExpressionBody == null;
                case IReturnOperation returned:
                    return returned.Kind == OperationKind.Return;
                case IBranchOperation branch:
                    return branch.BranchKind == BranchKind.Break || branch.BranchKind == BranchKind.Continue || (branch.BranchKind == BranchKind.GoTo && IsForwardGoto(branch));
                case IThrowOperation thrown:
                    // A throw statement (a throw expression would need the graph's branches).
                    return thrown.Exception != null && thrown.Syntax is ThrowStatementSyntax;
                case IConditionalOperation conditional when conditional.Syntax is IfStatementSyntax:
                    return !conditional.Condition.ConstantValue.HasValue;
                case IWhileLoopOperation loop:
                    // while (true): the graph engine reports an end-of-body exit after it, which no path reaches; the walk
                    // would not, so such a body stays with the reference until the two agree.
                    return loop.Condition == null || !loop.Condition.ConstantValue.HasValue;
                case IForLoopOperation loop:
                    return loop.Condition == null || !loop.Condition.ConstantValue.HasValue;
                case IForEachLoopOperation loop:
                    return !loop.IsAsynchronous && EnumeratesMetadata(loop, model);
                case ILockOperation locked:
                    return context.Model.MonitorType != null && context.Model.KindOf(locked.LockedValue.Type) != LockKind.ThreadingLock;
                case IUsingOperation scoped:
                    return !scoped.IsAsynchronous && IsScopedAcquire(GuardOf(scoped.Resources), context);
                case IUsingDeclarationOperation declaration:
                    return !declaration.IsAsynchronous && declaration.Parent is IBlockOperation && IsScopedAcquire(GuardOf(declaration.DeclarationGroup), context);
                case IInvocationOperation invocation:
                    return !ChangesLocks(invocation.TargetMethod, context) || IsGuardOfUsing(invocation, context) || IsTestedTryAcquire(invocation, context);
                case ITryOperation attempt:
                    return attempt.Finally == null || !HasThrow(attempt.Finally);
                default:
                    return true;
            }
        }

        /// <summary>
        /// A try-acquire without a lock-taken flag (<c>m.TryLock()</c>, <c>Monitor.TryEnter(o, timeout)</c>) that is the
        /// whole condition of an if statement, under any number of <c>!</c>: the walk gives each branch the state its
        /// outcome decides, as the graph's two edges do. Anywhere else (a loop condition, <c>&amp;&amp;</c>, a stored
        /// result) the outcome flows where only the graph follows it, and the body goes to the graph engine.
        /// </summary>
        private static bool IsTestedTryAcquire(IInvocationOperation invocation, LockFlowContext context)
        {
            IOperation node = invocation;
            while (node.Parent is IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } not)
            {
                node = not;
            }

            return node.Parent is IConditionalOperation branch && branch.Syntax is IfStatementSyntax && ReferenceEquals(branch.Condition, node) &&
                IsTryAcquire(invocation, context);
        }

        /// <summary>Whether an if statement's condition is a tested try-acquire (<see cref="IsTestedTryAcquire"/>).</summary>
        public static bool TestsTryAcquire(IOperation condition, LockFlowContext context)
        {
            IOperation node = condition;
            while (node is IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } not)
            {
                node = not.Operand;
            }

            return node is IInvocationOperation invocation && IsTryAcquire(invocation, context);
        }

        private static bool IsTryAcquire(IInvocationOperation invocation, LockFlowContext context) =>
            context.Model.Primitive(invocation.TargetMethod) is { Action: LockAction.TryAcquire, TakenFlag: false } &&
            invocation.TargetMethod.ReturnType.SpecialType == SpecialType.System_Boolean;

        /// <summary>
        /// A goto to a label further down (the kernel's error ladder: <c>goto err_unlock;</c>), which the walk resolves
        /// when it reaches the label. A backward goto would need the label's state to a fixed point, and <c>goto case</c>
        /// a switch's labels: those bodies go to the graph engine, as do gotos after a using declaration.
        /// </summary>
        private static bool IsForwardGoto(IBranchOperation branch)
        {
            if (branch.Target.DeclaringSyntaxReferences.Length != 1 || !(branch.Target.DeclaringSyntaxReferences[0].GetSyntax() is LabeledStatementSyntax label) ||
                label.SyntaxTree != branch.Syntax.SyntaxTree || label.SpanStart < branch.Syntax.Span.End)
            {
                return false;
            }

            // Any using declaration before the goto in a block around it, the label's own block included: the
            // declaration's scope is the rest of its block, which the walk does not tell from a scope the goto leaves.
            for (IOperation child = branch, parent = branch.Parent!; parent != null; child = parent, parent = parent.Parent!)
            {
                if (parent is IBlockOperation block)
                {
                    foreach (IOperation statement in block.Operations)
                    {
                        if (ReferenceEquals(statement, child))
                        {
                            break;
                        }

                        if (statement is IUsingDeclarationOperation)
                        {
                            return false;
                        }
                    }
                }
            }

            return true;
        }

        /// <summary>
        /// The call a using statement or declaration takes as its one resource (<c>using (m.Guard())</c>,
        /// <c>using (var g = m.Guard())</c>, <c>using var g = m.Guard();</c>), or null.
        /// </summary>
        public static IInvocationOperation? GuardOf(IOperation? resource)
        {
            if (resource is IVariableDeclarationGroupOperation { Declarations.Length: 1 } group && group.Declarations[0].Declarators.Length == 1)
            {
                resource = group.Declarations[0].Declarators[0].Initializer?.Value;
            }

            return OperationPaths.Unwrap(resource) as IInvocationOperation;
        }

        private static bool IsScopedAcquire(IInvocationOperation? guard, LockFlowContext context) =>
            guard != null && context.Model.Primitive(guard.TargetMethod) is { Action: LockAction.ScopedAcquire };

        private static bool IsGuardOfUsing(IInvocationOperation invocation, LockFlowContext context)
        {
            if (!(context.Model.Primitive(invocation.TargetMethod) is { Action: LockAction.ScopedAcquire }))
            {
                return false;
            }

            for (IOperation? node = invocation.Parent; node != null; node = node.Parent)
            {
                switch (node)
                {
                    case IUsingOperation scoped:
                        return ReferenceEquals(GuardOf(scoped.Resources), invocation);
                    case IUsingDeclarationOperation declaration:
                        return ReferenceEquals(GuardOf(declaration.DeclarationGroup), invocation);
                    case IConversionOperation _:
                    case IVariableInitializerOperation _:
                    case IVariableDeclaratorOperation _:
                    case IVariableDeclarationOperation _:
                    case IVariableDeclarationGroupOperation _:
                        continue;
                    default:
                        return false;
                }
            }

            return false;
        }

        /// <summary>A call that may take or give back a lock (or end a guard), which the pass leaves to the graph.</summary>
        private static bool ChangesLocks(IMethodSymbol method, LockFlowContext context)
        {
            if (context.Model.IsLockType(method.ContainingType))
            {
                // A plain acquire or release changes the state where it stands, as the walk visits it; a try-acquire
                // or an Enter with a lock-taken flag decides it on the branches of a test (the graph's conditional
                // edges), and a scoped acquire outside a using is released by whatever disposes its guard.
                return context.Model.Primitive(method) is LockPrimitive primitive &&
                    (primitive.TakenFlag || !(primitive.Action == LockAction.Acquire || primitive.Action == LockAction.Release));
            }

            if (method.Name == "Dispose" && method.Parameters.IsEmpty)
            {
                return true;
            }

            // An [AcquiresLock] method that returns its guard is a scoped acquire; other annotated ones act where they are called.
            return context.IsLockRelevant(method) && !context.Resolver.AcquiresLock(method).IsEmpty && !method.ReturnsVoid && method.ReturnType.SpecialType != SpecialType.System_Boolean;
        }

        /// <summary>Whether the loop's lowered calls (GetEnumerator, MoveNext, Current, Dispose) come from metadata: then they are no events.</summary>
        private static bool EnumeratesMetadata(IForEachLoopOperation loop, SemanticModel? model)
        {
            if (model == null || !(loop.Syntax is ForEachStatementSyntax statement) || !(loop.LoopControlVariable is IVariableDeclaratorOperation))
            {
                return false;
            }

            Microsoft.CodeAnalysis.CSharp.ForEachStatementInfo info = Microsoft.CodeAnalysis.CSharp.CSharpExtensions.GetForEachStatementInfo(model, statement);
            return FromMetadata(info.GetEnumeratorMethod) && FromMetadata(info.MoveNextMethod) && FromMetadata(info.CurrentProperty) && FromMetadata(info.DisposeMethod) &&
                info.GetEnumeratorMethod != null;
        }

        private static bool FromMetadata(ISymbol? symbol) => symbol == null || symbol.Locations.IsEmpty || !symbol.Locations[0].IsInSource;

        private static bool HasThrow(IOperation region)
        {
            foreach (IOperation operation in region.DescendantsAndSelf())
            {
                if (operation is IThrowOperation)
                {
                    return true;
                }
            }

            return false;
        }
    }
}
