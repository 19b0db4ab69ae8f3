using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace IommuAnalyzers.Flow
{
    /// <summary>
    /// Lock-path canonicalisation for one control-flow graph: turns an operation into a <see cref="LockPath"/>,
    /// following flow captures (the graph's temporaries), local aliases and pattern variables, element accesses with
    /// invariant indices, and naming every other object (a call result, a creation) by its expression alone.
    /// <para>
    /// A variable written once from a path is a plain alias (<c>var g = dev.Group;</c>), resolved without state. A
    /// reassigned variable, and one whose value depends on a reassigned one, is flow-sensitive: the lock state carries
    /// what it denotes at each point (<see cref="LockState.Values"/>), so a reassigned local names its current target.
    /// </para>
    /// </summary>
    internal sealed class OperationPaths
    {
        private const int MaxAliasDepth = 8;

        private readonly Dictionary<CaptureId, IOperation?> _captures = new Dictionary<CaptureId, IOperation?>();
        private readonly Dictionary<ISymbol, List<IOperation?>> _writes = new Dictionary<ISymbol, List<IOperation?>>(SymbolEqualityComparer.Default);
        private readonly HashSet<ISymbol> _flowSensitive = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        private readonly HashSet<ISymbol> _pathRelevant = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        private HashSet<string>? _namesInLambdas;
        private readonly HashSet<CaptureId> _stateCaptures = new HashSet<CaptureId>();
        private readonly LockFlowContext _context;
        private readonly OperationPaths? _enclosing;

        /// <param name="enclosing">The paths of the body a lambda run on the spot is created in: its captured variables are named as there.</param>
        public OperationPaths(ControlFlowGraph graph, LockFlowContext context, OperationPaths? enclosing = null)
            : this(context, enclosing)
        {
            var roots = new List<IOperation>();
            foreach (BasicBlock block in graph.Blocks)
            {
                roots.AddRange(block.Operations);
                if (block.BranchValue != null)
                {
                    roots.Add(block.BranchValue);
                }
            }

            RecordAll(roots);
        }

        /// <summary>
        /// The paths of a body read from its operation tree, for the structured pass: there are no graph captures, a
        /// declaration's initializer is its local's write, and <c>a?.B</c> names <c>a.B</c>.
        /// </summary>
        public OperationPaths(IOperation body, LockFlowContext context)
            : this(context, null)
        {
            RecordAll(new List<IOperation> { body });
        }

        private OperationPaths(LockFlowContext context, OperationPaths? enclosing)
        {
            _enclosing = enclosing;
            ScopedLocks = new List<(Microsoft.CodeAnalysis.Text.TextSpan Span, LockPath Path, LockKind Kind, Location Site)>();
            _context = context;
        }

        private void RecordAll(List<IOperation> roots)
        {
            Stack<IOperation> stack = OperationStack.Rent();
            foreach (IOperation root in roots)
            {
                stack.Push(root);
            }

            var captureValues = new List<(CaptureId Id, IOperation Value)>();
            while (stack.Count > 0)
            {
                IOperation operation = stack.Pop();
                if (operation is IFlowAnonymousFunctionOperation lambda)
                {
                    RecordNamesInLambda(lambda);
                    continue;
                }

                Record(operation, captureValues);
                foreach (IOperation child in operation.ChildOperations)
                {
                    stack.Push(child);
                }
            }

            OperationStack.Return(stack);
            FindFlowSensitive(captureValues);
        }

        /// <summary>Whether some variable of the body is flow-sensitive (the structured pass does not track values).</summary>
        public bool HasFlowSensitive => _flowSensitive.Count > 0 || _stateCaptures.Count > 0;

        /// <summary>
        /// <c>lock</c> statements the graph did not lower (Roslyn 4.14 leaves a <c>lock</c> on a System.Threading.Lock as an
        /// invalid operation when nullable analysis is on): their lock counts as held for everything inside their body.
        /// </summary>
        public List<(Microsoft.CodeAnalysis.Text.TextSpan Span, LockPath Path, LockKind Kind, Location Site)> ScopedLocks { get; }

        /// <summary>Whether the lock state must carry what <paramref name="variable"/> denotes (it is reassigned, or depends on one that is).</summary>
        public bool IsFlowSensitive(ISymbol variable) => _flowSensitive.Contains(variable);

        /// <summary>Whether a capture's value must be taken when the capture is made (it names a flow-sensitive variable).</summary>
        public bool IsStateCapture(CaptureId capture) => _stateCaptures.Contains(capture);

        /// <summary>The canonical path of the object <paramref name="operation"/> evaluates to, or null when no path names it.</summary>
        public LockPath? PathOf(IOperation? operation, LockState state) => PathOf(operation, state, 0);

        /// <summary>
        /// The object <paramref name="operation"/> evaluates to: its path, or else the object only that expression names
        /// (a call result is never the same object as another call's result). Null only without an operation.
        /// </summary>
        public LockPath? ObjectOf(IOperation? operation, LockState state)
        {
            IOperation? value = Unwrap(operation);
            if (value == null)
            {
                return null;
            }

            return PathOf(value, state, 0) ?? LockPath.ForOpaque(value.Syntax, value.Type);
        }

        /// <summary>After a write of <paramref name="variable"/> (at <paramref name="site"/>): what it denotes from here on.</summary>
        public LockState Write(LockState state, ISymbol variable, IOperation? value, SyntaxNode site)
        {
            if (!_flowSensitive.Contains(variable))
            {
                return state;
            }

            LockPath? path = value == null ? null : PathOf(value, state, 0);
            path ??= variable switch
            {
                IParameterSymbol parameter => LockPath.ForParameter(parameter, LockVersion.AtWrite(site)),
                ILocalSymbol local => LockPath.ForLocal(local, LockVersion.AtWrite(site)),
                _ => null,
            };

            return path == null ? state : state.WithValue(variable, path);
        }

        /// <summary>After a capture of a flow-sensitive value: the capture keeps what it denoted when it was made.</summary>
        public LockState Capture(LockState state, CaptureId capture, IOperation value) =>
            _stateCaptures.Contains(capture) && ObjectOf(value, state) is LockPath path ? state.WithValue(capture, path) : state;

        /// <summary>
        /// After <c>m.Guard()</c> / <c>l.EnterScope()</c> on a lock whose path names a reassigned variable: the guard
        /// remembers the lock it took, so disposing it later releases that lock even if the variable moved on
        /// (<c>using (g.Mutex.Guard()) { g = other; }</c>).
        /// </summary>
        public LockState RememberGuard(LockState state, IInvocationOperation guard, LockPath? taken) =>
            taken != null && DependsOnFlowSensitive(guard.Instance) ? state.WithValue(LockVersion.AtWrite(guard.Syntax), taken) : state;

        /// <summary>The lock released by disposing <paramref name="instance"/>, when it is a KMutex guard or a Lock scope.</summary>
        public LockPath? GuardedLockOf(IOperation? instance, LockState state, out LockKind kind)
        {
            kind = LockKind.KMutex;
            if (!(GuardSource(instance) is IInvocationOperation invocation) || !(_context.Model.Primitive(invocation.TargetMethod) is { Action: LockAction.ScopedAcquire } scoped))
            {
                return null;
            }

            kind = scoped.Kind;
            return state.ValueOf(LockVersion.AtWrite(invocation.Syntax)) is LockPath remembered
                ? remembered
                : ObjectOf(scoped.Operand == LockOperand.Receiver ? invocation.Instance : FirstArgument(invocation), state);
        }

        /// <summary>
        /// The operation that produced the value <paramref name="instance"/> refers to, through the graph's captures and
        /// single-write locals (<c>using var g = Holder.Lock();</c> names the call), or null.
        /// </summary>
        public IOperation? GuardSource(IOperation? instance)
        {
            IOperation? value = Unwrap(instance);
            for (int depth = 0; depth < MaxAliasDepth && value != null; depth++)
            {
                switch (value)
                {
                    case IFlowCaptureReferenceOperation capture:
                        value = _captures.TryGetValue(capture.Id, out IOperation? captured) ? Unwrap(captured) : null;
                        continue;
                    case ILocalReferenceOperation local:
                        value = SingleWrite(local.Local) is IOperation written ? Unwrap(written) : null;
                        continue;
                    default:
                        return value;
                }
            }

            return null;
        }

        /// <summary>The argument passed for a call's first parameter, unwrapped.</summary>
        public static IOperation? FirstArgument(IInvocationOperation invocation)
        {
            foreach (IArgumentOperation argument in invocation.Arguments)
            {
                if (argument.Parameter != null && argument.Parameter.Ordinal == 0)
                {
                    return Unwrap(argument.Value);
                }
            }

            return null;
        }

        public static IOperation? Unwrap(IOperation? operation)
        {
            while (operation is IConversionOperation conversion && !conversion.Conversion.IsUserDefined)
            {
                operation = conversion.Operand;
            }

            return operation;
        }

        /// <summary>
        /// The operation whose value a pattern tests: the <c>is</c> operand, the switch's value, or the member a
        /// property subpattern reads (<c>{ Group: { } grp }</c> tests <c>x.Group</c>).
        /// </summary>
        public static IOperation? PatternInput(IOperation pattern)
        {
            for (int depth = 0; depth < 16; depth++)
            {
                switch (pattern.Parent)
                {
                    case IIsPatternOperation isPattern:
                        return isPattern.Value;
                    case IPropertySubpatternOperation subpattern:
                        return subpattern.Member;
                    case ISwitchExpressionArmOperation arm:
                        return (arm.Parent as ISwitchExpressionOperation)?.Value;
                    case IPatternCaseClauseOperation clause:
                        return (clause.Parent?.Parent as ISwitchOperation)?.Value;
                    case INegatedPatternOperation _:
                    case IBinaryPatternOperation _:
                        pattern = pattern.Parent;
                        continue;
                    default:
                        return null;
                }
            }

            return null;
        }

        private LockPath? PathOf(IOperation? operation, LockState state, int depth)
        {
            operation = Unwrap(operation);
            if (operation == null || depth > MaxAliasDepth)
            {
                return null;
            }

            switch (operation)
            {
                case IInstanceReferenceOperation instance:
                    return InstancePath(instance, state, depth);
                case IParameterReferenceOperation parameter:
                    if (_enclosing != null && !_writes.ContainsKey(parameter.Parameter) && _enclosing.IsFlowSensitive(parameter.Parameter))
                    {
                        return state.ValueOf(parameter.Parameter) ?? LockPath.ForParameter(parameter.Parameter);
                    }

                    return (_flowSensitive.Contains(parameter.Parameter) ? state.ValueOf(parameter.Parameter) : null) ?? LockPath.ForParameter(parameter.Parameter);
                case ILocalReferenceOperation local:
                    if (_flowSensitive.Contains(local.Local))
                    {
                        return state.ValueOf(local.Local) ?? LockPath.ForLocal(local.Local);
                    }

                    if (_enclosing != null && !_writes.ContainsKey(local.Local))
                    {
                        return _enclosing.CapturedPath(local.Local, state, depth + 1) ?? LockPath.ForLocal(local.Local);
                    }

                    return (SingleWrite(local.Local) is IOperation value ? PathOf(value, state, depth + 1) : null) ?? LockPath.ForLocal(local.Local);
                case IFieldReferenceOperation field:
                    return field.Field.IsStatic ? LockPath.ForStatic(field.Field) : ReceiverOf(field.Instance, state, depth)?.Append(field.Field);
                case IPropertyReferenceOperation property when property.Arguments.IsEmpty:
                    return property.Property.IsStatic ? LockPath.ForStatic(property.Property) : ReceiverOf(property.Instance, state, depth)?.Append(property.Property);
                case IPropertyReferenceOperation indexer:
                    return Index(indexer.Arguments, state, depth) is ImmutableArray<object> keys && !indexer.Property.IsStatic
                        ? ReceiverOf(indexer.Instance, state, depth)?.AppendElement(indexer.Property, keys, indexer.Type)
                        : null;
                case IArrayElementReferenceOperation element:
                    return Index(element.Indices, state, depth) is ImmutableArray<object> indices
                        ? ReceiverOf(element.ArrayReference, state, depth)?.AppendElement(null, indices, element.Type)
                        : null;
                case IConditionalAccessInstanceOperation conditionalInstance:
                    // Only in an operation tree: the receiver of a?.B is a, as a graph's capture of a names it.
                    return FindConditionalAccess(conditionalInstance) is IConditionalAccessOperation access ? PathOf(access.Operation, state, depth + 1) : null;
                case IFlowCaptureReferenceOperation capture:
                    if (_stateCaptures.Contains(capture.Id) && state.ValueOf(capture.Id) is LockPath held)
                    {
                        return held;
                    }

                    return _captures.TryGetValue(capture.Id, out IOperation? captured) ? PathOf(captured, state, depth + 1) : null;
                default:
                    return null;
            }
        }

        /// <summary>The conditional access whose tested value <paramref name="instance"/> stands for (the nearest one whose WhenNotNull contains it).</summary>
        private static IConditionalAccessOperation? FindConditionalAccess(IConditionalAccessInstanceOperation instance)
        {
            IOperation child = instance;
            for (IOperation? node = instance.Parent; node != null; child = node, node = node.Parent)
            {
                if (node is IConditionalAccessOperation access && access.WhenNotNull == child)
                {
                    return access;
                }
            }

            return null;
        }

        /// <summary>What a local of this body denotes when a lambda run on the spot reads it: its current value or its alias.</summary>
        private LockPath? CapturedPath(ILocalSymbol local, LockState state, int depth)
        {
            if (_flowSensitive.Contains(local))
            {
                return state.ValueOf(local);
            }

            return SingleWrite(local) is IOperation value ? PathOf(value, state, depth) : null;
        }

        /// <summary>The receiver of a member access: its path, or the object its expression alone names.</summary>
        private LockPath? ReceiverOf(IOperation? instance, LockState state, int depth)
        {
            IOperation? value = Unwrap(instance);
            if (value == null)
            {
                return null;
            }

            return PathOf(value, state, depth) ?? LockPath.ForOpaque(value.Syntax, value.Type);
        }

        private LockPath? InstancePath(IInstanceReferenceOperation instance, LockState state, int depth)
        {
            switch (instance.ReferenceKind)
            {
                case InstanceReferenceKind.ContainingTypeInstance:
                    return LockPath.ForThis(instance.Type);
                case InstanceReferenceKind.PatternInput:
                    // The receiver of a property subpattern's member: climb the member chain of an extended pattern
                    // ({ Group.OwnerCount: > 0 }) to the subpattern, then ask what its pattern tests.
                    IOperation? node = instance.Parent;
                    while (node is IMemberReferenceOperation)
                    {
                        node = node.Parent;
                    }

                    return node is IPropertySubpatternOperation { Parent: IPatternOperation pattern } && PatternInput(pattern) is IOperation input
                        ? ReceiverOf(input, state, depth + 1)
                        : null;
                default:
                    // The object of an object or with initializer (new IommuGroup(1) { OwnerCount = 0 }): named by its creation.
                    return null;
            }
        }

        /// <summary>The index keys of an element access: constants, parameters and locals only (an invariant index).</summary>
        private ImmutableArray<object>? Index(ImmutableArray<IArgumentOperation> arguments, LockState state, int depth)
        {
            ImmutableArray<object>.Builder keys = ImmutableArray.CreateBuilder<object>(arguments.Length);
            foreach (IArgumentOperation argument in arguments)
            {
                if (!(IndexKey(argument.Value, state, depth) is object key))
                {
                    return null;
                }

                keys.Add(key);
            }

            return keys.MoveToImmutable();
        }

        private ImmutableArray<object>? Index(ImmutableArray<IOperation> indices, LockState state, int depth)
        {
            ImmutableArray<object>.Builder keys = ImmutableArray.CreateBuilder<object>(indices.Length);
            foreach (IOperation index in indices)
            {
                if (!(IndexKey(index, state, depth) is object key))
                {
                    return null;
                }

                keys.Add(key);
            }

            return keys.MoveToImmutable();
        }

        private object? IndexKey(IOperation index, LockState state, int depth)
        {
            IOperation? value = Unwrap(index);
            if (value == null)
            {
                return null;
            }

            if (value.ConstantValue.HasValue)
            {
                return new LockIndexConstant(value.ConstantValue.Value);
            }

            if (value is ILocalReferenceOperation || value is IParameterReferenceOperation || value is IFlowCaptureReferenceOperation)
            {
                LockPath? path = PathOf(value, state, depth + 1);
                return path != null && path.Steps.IsEmpty && (path.RootKind == LockPathRootKind.Local || path.RootKind == LockPathRootKind.Parameter) ? path : null;
            }

            return null;
        }

        private IOperation? SingleWrite(ILocalSymbol local) =>
            _writes.TryGetValue(local, out List<IOperation?>? writes) && writes.Count == 1 && !local.IsRef ? writes[0] : null;

        private void Record(IOperation operation, List<(CaptureId Id, IOperation Value)> captureValues)
        {
            switch (operation)
            {
                case IInvalidOperation invalid when invalid.Parent is IExpressionStatementOperation statement &&
                    statement.Syntax is Microsoft.CodeAnalysis.CSharp.Syntax.LockStatementSyntax lockStatement:
                    foreach (IOperation child in invalid.ChildOperations)
                    {
                        if (PathOf(child, LockState.Empty) is LockPath path)
                        {
                            LockKind kind = _context.Model.KindOf(child.Type) == LockKind.ThreadingLock ? LockKind.ThreadingLock : LockKind.Monitor;
                            ScopedLocks.Add((lockStatement.Statement.Span, path, kind, lockStatement.Expression.GetLocation()));
                        }

                        break;
                    }

                    break;
                case IFlowCaptureOperation capture:
                    captureValues.Add((capture.Id, capture.Value));
                    // A capture assigned on several branches (a ?: b) names one path only if every branch agrees.
                    if (_captures.TryGetValue(capture.Id, out IOperation? previous))
                    {
                        if (previous != null && !Equals(PathOf(previous, LockState.Empty), PathOf(capture.Value, LockState.Empty)))
                        {
                            _captures[capture.Id] = null;
                        }
                    }
                    else
                    {
                        _captures.Add(capture.Id, capture.Value);
                    }

                    break;
                case ILocalReferenceOperation local:
                    RecordWrite(local.Local, local);
                    if (IsPathUse(local))
                    {
                        _pathRelevant.Add(local.Local);
                    }

                    break;
                case IParameterReferenceOperation parameter:
                    RecordWrite(parameter.Parameter, parameter);
                    if (IsPathUse(parameter))
                    {
                        _pathRelevant.Add(parameter.Parameter);
                    }

                    break;
                case IVariableDeclaratorOperation { Initializer: { } initializer } declarator:
                    // Only in an operation tree: a graph turns the initializer into an assignment of the local.
                    AddWrite(declarator.Symbol, initializer.Value);
                    break;
                case IDeclarationPatternOperation declaration when declaration.DeclaredSymbol is ILocalSymbol declared:
                    AddWrite(declared, PatternInput(declaration));
                    break;
                case IRecursivePatternOperation recursive when recursive.DeclaredSymbol is ILocalSymbol declared:
                    AddWrite(declared, PatternInput(recursive));
                    break;
            }
        }

        /// <summary>
        /// The names a lambda's body mentions: a written variable it may capture is tracked (a lambda run on the spot
        /// reads it as the caller does). By name, from the syntax, so no graph is built for it; a wider set only costs time.
        /// </summary>
        private void RecordNamesInLambda(IFlowAnonymousFunctionOperation lambda)
        {
            foreach (SyntaxNode node in lambda.Syntax.DescendantNodes())
            {
                if (node is Microsoft.CodeAnalysis.CSharp.Syntax.IdentifierNameSyntax name)
                {
                    (_namesInLambdas ??= new HashSet<string>(System.StringComparer.Ordinal)).Add(name.Identifier.ValueText);
                }
            }
        }

        /// <summary>
        /// Whether a variable is used where its identity matters to a lock path: as a receiver, an index, an
        /// argument, a pattern input, a lock operand, a tuple element, or in a capture. A counter only compared and
        /// decremented (<c>while (x-- > n)</c>) is not, and is never tracked in the state however often it is written.
        /// </summary>
        private static bool IsPathUse(IOperation reference)
        {
            IOperation operation = reference;
            IOperation? parent = reference.Parent;
            while (parent is IConversionOperation conversion && !conversion.Conversion.IsUserDefined)
            {
                operation = parent;
                parent = parent.Parent;
            }

            switch (parent)
            {
                case IMemberReferenceOperation member:
                    return member.Instance == operation;
                case IInvocationOperation invocation:
                    return invocation.Instance == operation;
                case IArrayElementReferenceOperation _:
                case IArgumentOperation _:
                case IFlowCaptureOperation _:
                case IIsPatternOperation _:
                case ISwitchExpressionOperation _:
                case ISwitchOperation _:
                case ITupleOperation _:
                case ILockOperation _:
                case IUsingOperation _:
                case IConditionalAccessOperation _:
                    return true;
                default:
                    return false;
            }
        }

        /// <summary>Records a write of <paramref name="variable"/> through <paramref name="reference"/>, with the value written when it is known.</summary>
        private void RecordWrite(ISymbol variable, IOperation reference)
        {
            if (IsWrite(reference, out IOperation? value))
            {
                // A graph assigns a foreach variable from the enumerator's Current: the variable names each element
                // itself, not "collection.Current" (which no code can write, nor lock).
                AddWrite(variable, IsIterationVariable(variable) ? null : value);
            }
        }

        private static bool IsIterationVariable(ISymbol variable) =>
            variable is ILocalSymbol local && !local.DeclaringSyntaxReferences.IsEmpty &&
            local.DeclaringSyntaxReferences[0].GetSyntax() is Microsoft.CodeAnalysis.CSharp.Syntax.ForEachStatementSyntax;

        /// <summary>
        /// Whether <paramref name="reference"/> is written, and the value when the write assigns one whole value
        /// (<c>x = v</c>, an element of <c>(x, y) = (v, w)</c>); null for increments, compound and by-reference writes.
        /// </summary>
        public static bool IsWrite(IOperation reference, out IOperation? value)
        {
            value = null;
            IOperation? parent = reference.Parent;
            if (parent is IDeclarationExpressionOperation declaration)
            {
                reference = declaration;
                parent = declaration.Parent;
            }

            switch (parent)
            {
                case ISimpleAssignmentOperation assignment when assignment.Target == reference:
                    value = assignment.IsRef ? null : assignment.Value;
                    return true;
                case ICompoundAssignmentOperation compound when compound.Target == reference:
                case ICoalesceAssignmentOperation coalesce when coalesce.Target == reference:
                case IIncrementOrDecrementOperation _:
                case IAddressOfOperation _:
                    return true;
                case IArgumentOperation argument:
                    return argument.Parameter != null && argument.Parameter.RefKind != RefKind.None && argument.Parameter.RefKind != RefKind.In;
                case ITupleOperation tuple:
                    value = DeconstructedValue(tuple, reference, out bool written);
                    return written;
                default:
                    return false;
            }
        }

        /// <summary>The value a deconstruction gives to one element of its target tuple, when the right side is a tuple literal.</summary>
        private static IOperation? DeconstructedValue(ITupleOperation tuple, IOperation element, out bool written)
        {
            written = false;
            IOperation target = tuple.Parent is IDeclarationExpressionOperation declaration ? declaration : tuple;
            if (!(target.Parent is IDeconstructionAssignmentOperation deconstruction) || deconstruction.Target != target)
            {
                return null;
            }

            written = true;
            int index = tuple.Elements.IndexOf(element);
            return index >= 0 && Unwrap(deconstruction.Value) is ITupleOperation values && index < values.Elements.Length ? values.Elements[index] : null;
        }

        private void AddWrite(ISymbol variable, IOperation? value)
        {
            if (!_writes.TryGetValue(variable, out List<IOperation?>? writes))
            {
                writes = new List<IOperation?>(1);
                _writes.Add(variable, writes);
            }

            writes.Add(value);
        }

        /// <summary>
        /// The flow-sensitive variables: parameters written in the body, locals written more than once (or by
        /// reference), then every variable or capture whose value depends on one of them, to a fixed point.
        /// </summary>
        private void FindFlowSensitive(List<(CaptureId Id, IOperation Value)> captureValues)
        {
            if (_namesInLambdas != null)
            {
                foreach (ISymbol variable in _writes.Keys)
                {
                    if (_namesInLambdas.Contains(variable.Name))
                    {
                        _pathRelevant.Add(variable);
                    }
                }
            }

            // A variable copied into a path-relevant one is path-relevant too (prev = next).
            bool grew = true;
            for (int round = 0; grew && round < 8; round++)
            {
                grew = false;
                foreach (KeyValuePair<ISymbol, List<IOperation?>> writes in _writes)
                {
                    if (!_pathRelevant.Contains(writes.Key))
                    {
                        continue;
                    }

                    foreach (IOperation? value in writes.Value)
                    {
                        ISymbol? source = Unwrap(value) switch
                        {
                            ILocalReferenceOperation local => local.Local,
                            IParameterReferenceOperation parameter => parameter.Parameter,
                            _ => null,
                        };
                        if (source != null && _pathRelevant.Add(source))
                        {
                            grew = true;
                        }
                    }
                }
            }

            foreach (KeyValuePair<ISymbol, List<IOperation?>> writes in _writes)
            {
                if (_pathRelevant.Contains(writes.Key) && (writes.Key is IParameterSymbol || writes.Value.Count > 1 || (writes.Key is ILocalSymbol { IsRef: true })))
                {
                    _flowSensitive.Add(writes.Key);
                }
            }

            if (_flowSensitive.Count == 0)
            {
                return;
            }

            bool changed = true;
            for (int round = 0; changed && round < 8; round++)
            {
                changed = false;
                foreach (KeyValuePair<ISymbol, List<IOperation?>> writes in _writes)
                {
                    if (!_flowSensitive.Contains(writes.Key) && _pathRelevant.Contains(writes.Key) && writes.Value.Count == 1 && DependsOnFlowSensitive(writes.Value[0]))
                    {
                        _flowSensitive.Add(writes.Key);
                        changed = true;
                    }
                }

                foreach ((CaptureId id, IOperation value) in captureValues)
                {
                    if (!_stateCaptures.Contains(id) && DependsOnFlowSensitive(value))
                    {
                        _stateCaptures.Add(id);
                        changed = true;
                    }
                }
            }
        }

        /// <summary>Whether <paramref name="value"/> reads a flow-sensitive variable (so its path may change as the body runs).</summary>
        public bool DependsOnFlowSensitive(IOperation? value)
        {
            if (value == null || (_flowSensitive.Count == 0 && _stateCaptures.Count == 0))
            {
                return false;
            }

            Stack<IOperation> stack = OperationStack.Rent();
            stack.Push(value);
            while (stack.Count > 0)
            {
                IOperation operation = stack.Pop();
                switch (operation)
                {
                    case ILocalReferenceOperation local when _flowSensitive.Contains(local.Local):
                    case IParameterReferenceOperation parameter when _flowSensitive.Contains(parameter.Parameter):
                    case IFlowCaptureReferenceOperation capture when _stateCaptures.Contains(capture.Id):
                        OperationStack.Return(stack);
                        return true;
                    case IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.PatternInput } input when input.Parent != null:
                        // A subpattern's member reads the pattern's input: depends on whatever the pattern tests.
                        IOperation? node = input.Parent;
                        while (node is IMemberReferenceOperation)
                        {
                            node = node.Parent;
                        }

                        if (node is IPropertySubpatternOperation { Parent: IPatternOperation pattern } && PatternInput(pattern) is IOperation tested)
                        {
                            stack.Push(tested);
                        }

                        continue;
                }

                foreach (IOperation child in operation.ChildOperations)
                {
                    stack.Push(child);
                }
            }

            OperationStack.Return(stack);
            return false;
        }
    }
}
