using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace IommuAnalyzers.Flow
{
    /// <summary>
    /// The forward lock-set data flow over one body's <see cref="ControlFlowGraph"/>: block entry states to a fixed
    /// point, then one replay that reports every <see cref="LockEvent"/> once. A finally region is run as a function
    /// of its input state for every branch that leaves its try (returns and explicit throws included), so a release
    /// in a finally covers every exit of the try. Implicit exceptions from calls are not paths: a catch handler starts
    /// from the explicit throws of its try, or from the try's entry state when there are none.
    /// </summary>
    internal static class LockFlowAnalysis
    {
        /// <summary>Analyses one body. <paramref name="owner"/> is the method, accessor, local function or lambda the graph belongs to.</summary>
        public static LockFlowResult Analyze(ControlFlowGraph graph, ISymbol owner, LockFlowContext context, CancellationToken cancellationToken)
        {
            var analysis = new BodyAnalysis(graph, owner, context, cancellationToken);
            return analysis.Run();
        }

        private sealed class BodyAnalysis
        {
            private readonly ControlFlowGraph _graph;
            private readonly ISymbol _owner;
            private readonly LockFlowContext _context;
            private readonly IommuSymbols _symbols;
            private readonly CancellationToken _cancellationToken;
            private readonly OperationPaths _paths;
            private readonly ImmutableArray<BasicBlock> _blocks;
            private readonly ControlFlowRegion?[] _innermostFinally;
            private readonly Dictionary<int, List<int>> _catchSeeds = new Dictionary<int, List<int>>();
            private readonly Dictionary<(int Region, LockState Input), LockState?> _finallyMemo = new Dictionary<(int, LockState), LockState?>();
            private readonly Dictionary<int, LockState> _finallyInputs = new Dictionary<int, LockState>();
            private readonly Queue<ControlFlowRegion> _finallyQueue = new Queue<ControlFlowRegion>();
            private readonly LockState?[] _replayEntries;
            private List<LockEvent>? _events;
            private ExitLocator? _exits;
            private int _budget;
            private bool _exhausted;

            public BodyAnalysis(ControlFlowGraph graph, ISymbol owner, LockFlowContext context, CancellationToken cancellationToken)
            {
                _graph = graph;
                _owner = owner;
                _context = context;
                _symbols = context.Symbols;
                _cancellationToken = cancellationToken;
                _paths = new OperationPaths(graph, context);
                _blocks = graph.Blocks;
                _innermostFinally = new ControlFlowRegion?[_blocks.Length];
                _replayEntries = new LockState?[_blocks.Length];

                // Generous but finite: the lattice is short (a lock goes all -> some -> none), so real bodies settle in a few passes.
                _budget = Math.Max(2000, _blocks.Length * 64);
                IndexRegions();
            }

            public LockFlowResult Run()
            {
                ImmutableArray<LockPath> heldOnEntry = ContractLocks(_context.Resolver.RequiresLock(_owner), _context.Resolver.ReleasesLock(_owner), out LockState entryState);
                ImmutableArray<LockPath> heldAtExit = ContractLocks(_context.Resolver.RequiresLock(_owner), _context.Resolver.AcquiresLock(_owner), out _);

                LockState?[]? entries = Solve(null, 0, entryState);
                if (entries == null)
                {
                    return Incomplete(heldOnEntry, heldAtExit);
                }

                _events = new List<LockEvent>();
                Replay(null, entries);
                while (_finallyQueue.Count > 0)
                {
                    ControlFlowRegion region = _finallyQueue.Dequeue();
                    LockState?[]? finallyEntries = Solve(region, region.FirstBlockOrdinal, _finallyInputs[region.FirstBlockOrdinal]);
                    if (finallyEntries == null)
                    {
                        return Incomplete(heldOnEntry, heldAtExit);
                    }

                    Replay(region, finallyEntries);
                }

                return new LockFlowResult(_owner, true, _events.ToImmutableArray(), heldOnEntry, heldAtExit, _replayEntries.ToImmutableArray());
            }

            private LockFlowResult Incomplete(ImmutableArray<LockPath> heldOnEntry, ImmutableArray<LockPath> heldAtExit) =>
                new LockFlowResult(_owner, false, ImmutableArray<LockEvent>.Empty, heldOnEntry, heldAtExit, ImmutableArray<LockState?>.Empty);

            private ImmutableArray<LockPath> ContractLocks(ImmutableArray<LockExpression> first, ImmutableArray<LockExpression> second, out LockState state)
            {
                state = LockState.Empty;
                ImmutableArray<LockPath>.Builder paths = ImmutableArray.CreateBuilder<LockPath>();
                LockPath self = LockPath.ForThis(_owner.ContainingType);
                foreach (ImmutableArray<LockExpression> expressions in new[] { first, second })
                {
                    foreach (LockExpression expression in expressions)
                    {
                        LockPath? path = expression.Bind(_owner.IsStatic ? null : self, parameter => OwnParameter(parameter));
                        if (path != null && !paths.Contains(path))
                        {
                            paths.Add(path);
                            state = state.Acquire(path, expression.Kind, null);
                        }
                    }
                }

                return paths.ToImmutable();
            }

            private LockPath? OwnParameter(IParameterSymbol parameter)
            {
                ImmutableArray<IParameterSymbol> parameters = _owner is IMethodSymbol method ? method.Parameters : ImmutableArray<IParameterSymbol>.Empty;
                return parameter.Ordinal < parameters.Length ? LockPath.ForParameter(parameters[parameter.Ordinal]) : null;
            }

            private void IndexRegions()
            {
                var throwingTries = new HashSet<ControlFlowRegion>();
                foreach (BasicBlock block in _blocks)
                {
                    for (ControlFlowRegion? region = block.EnclosingRegion; region != null; region = region.EnclosingRegion)
                    {
                        if (region.Kind == ControlFlowRegionKind.Finally)
                        {
                            _innermostFinally[block.Ordinal] = region;
                            break;
                        }
                    }

                    if (IsThrow(block.FallThroughSuccessor) || IsThrow(block.ConditionalSuccessor))
                    {
                        ControlFlowRegion? tryRegion = EnclosingTryWithCatch(block.EnclosingRegion);
                        if (tryRegion != null)
                        {
                            throwingTries.Add(tryRegion);
                        }
                    }
                }

                // A handler reached only by implicit exceptions starts from its try's entry state.
                foreach (BasicBlock block in _blocks)
                {
                    ControlFlowRegion? region = block.EnclosingRegion;
                    if (region != null && region.Kind == ControlFlowRegionKind.Try && region.FirstBlockOrdinal == block.Ordinal &&
                        region.EnclosingRegion is { Kind: ControlFlowRegionKind.TryAndCatch } tryAndCatch && !throwingTries.Contains(region))
                    {
                        var handlers = new List<int>();
                        for (int i = 1; i < tryAndCatch.NestedRegions.Length; i++)
                        {
                            handlers.Add(tryAndCatch.NestedRegions[i].FirstBlockOrdinal);
                        }

                        _catchSeeds[block.Ordinal] = handlers;
                    }
                }
            }

            private static bool IsThrow(ControlFlowBranch? branch) =>
                branch != null && (branch.Semantics == ControlFlowBranchSemantics.Throw || branch.Semantics == ControlFlowBranchSemantics.Rethrow);

            private static ControlFlowRegion? EnclosingTryWithCatch(ControlFlowRegion? region)
            {
                for (; region != null; region = region.EnclosingRegion)
                {
                    if (region.Kind == ControlFlowRegionKind.Try && region.EnclosingRegion?.Kind == ControlFlowRegionKind.TryAndCatch)
                    {
                        return region;
                    }
                }

                return null;
            }

            private bool InRun(ControlFlowRegion? run, int ordinal) => ReferenceEquals(_innermostFinally[ordinal], run);

            /// <summary>The fixed point for the main body (<paramref name="run"/> null) or one finally region; null when the budget ran out.</summary>
            private LockState?[]? Solve(ControlFlowRegion? run, int entryOrdinal, LockState input)
            {
                var entries = new LockState?[_blocks.Length];
                var pending = new SortedSet<int>();
                var flows = new List<Flow>();
                Merge(entries, pending, entryOrdinal, input);
                while (pending.Count > 0)
                {
                    _cancellationToken.ThrowIfCancellationRequested();
                    if (--_budget < 0)
                    {
                        return null;
                    }

                    int ordinal = pending.Min;
                    pending.Remove(ordinal);
                    BasicBlock block = _blocks[ordinal];
                    LockState state = Transfer(block, entries[ordinal]!, record: false);
                    flows.Clear();
                    if (!Successors(block, state, flows, replay: false))
                    {
                        return null;
                    }

                    foreach (Flow flow in flows)
                    {
                        if (flow.Target >= 0 && InRun(run, flow.Target))
                        {
                            Merge(entries, pending, flow.Target, flow.State);
                        }
                    }
                }

                return entries;
            }

            private void Merge(LockState?[] entries, SortedSet<int> pending, int ordinal, LockState state)
            {
                LockState? old = entries[ordinal];
                LockState merged = old == null ? state : LockState.Join(old, state);
                if (old == null || !merged.Equals(old))
                {
                    entries[ordinal] = merged;
                    pending.Add(ordinal);
                    if (_catchSeeds.TryGetValue(ordinal, out List<int>? handlers))
                    {
                        foreach (int handler in handlers)
                        {
                            Merge(entries, pending, handler, merged);
                        }
                    }
                }
            }

            private void Replay(ControlFlowRegion? run, LockState?[] entries)
            {
                var incoming = new Dictionary<int, List<LockState>>();
                var flows = new List<Flow>();
                for (int ordinal = 0; ordinal < _blocks.Length; ordinal++)
                {
                    LockState? entry = entries[ordinal];
                    if (entry == null || !InRun(run, ordinal))
                    {
                        continue;
                    }

                    _replayEntries[ordinal] = entry;
                    BasicBlock block = _blocks[ordinal];
                    LockState state = Transfer(block, entry, record: true);
                    flows.Clear();
                    Successors(block, state, flows, replay: true);
                    foreach (Flow flow in flows)
                    {
                        if (flow.Target >= 0 && InRun(run, flow.Target) && !flow.IsHandlerEntry)
                        {
                            if (!incoming.TryGetValue(flow.Target, out List<LockState>? list))
                            {
                                list = new List<LockState>();
                                incoming.Add(flow.Target, list);
                            }

                            list.Add(flow.State);
                        }
                    }
                }

                foreach (KeyValuePair<int, List<LockState>> join in incoming)
                {
                    if (join.Value.Count > 1)
                    {
                        ReportDivergence(_blocks[join.Key], join.Value, entries[join.Key]!);
                    }
                }
            }

            private void ReportDivergence(BasicBlock block, List<LockState> inputs, LockState joined)
            {
                foreach (HeldLock candidate in joined.Locks)
                {
                    if (candidate.OnAllPaths)
                    {
                        continue;
                    }

                    // A new divergence only: some input holds it on all paths, some not at all, none is already unsure.
                    bool someHeld = false, someFree = false, someUnsure = false;
                    foreach (LockState input in inputs)
                    {
                        HeldLock? held = input.Find(candidate.Path);
                        someHeld |= held is { OnAllPaths: true };
                        someUnsure |= held is { OnAllPaths: false };
                        someFree |= held == null;
                    }

                    Location? location = JoinLocation(block);
                    if (someHeld && someFree && !someUnsure && location != null)
                    {
                        _events!.Add(new LockEvent(LockEventKind.Join, location, joined, null, candidate.Path, candidate.Kind, null));
                    }
                }
            }

            private Location? JoinLocation(BasicBlock block)
            {
                for (int steps = 0; steps < 4 && block != null; steps++)
                {
                    foreach (IOperation operation in block.Operations)
                    {
                        if (!operation.Syntax.Span.IsEmpty)
                        {
                            return operation.Syntax.GetLocation();
                        }
                    }

                    if (block.BranchValue != null)
                    {
                        return block.BranchValue.Syntax.GetLocation();
                    }

                    if (block.ConditionalSuccessor != null || block.FallThroughSuccessor?.Destination == null)
                    {
                        return null;
                    }

                    block = block.FallThroughSuccessor.Destination;
                }

                return null;
            }

            // ---- transfer function ----

            private LockState Transfer(BasicBlock block, LockState state, bool record)
            {
                foreach (IOperation operation in block.Operations)
                {
                    state = Visit(operation, state, record);
                }

                if (block.BranchValue != null)
                {
                    state = Visit(block.BranchValue, state, record);
                }

                return state;
            }

            private LockState Visit(IOperation operation, LockState state, bool record)
            {
                if (operation is IFlowAnonymousFunctionOperation)
                {
                    // Lambdas are analysed on their own and start with nothing held.
                    return state;
                }

                foreach (IOperation child in operation.ChildOperations)
                {
                    state = Visit(child, state, record);
                }

                switch (operation)
                {
                    case IInvocationOperation invocation:
                        return VisitInvocation(invocation, state, record);
                    case IPropertyReferenceOperation property:
                        return VisitMember(property, property.Property, property.Instance, state, record);
                    case IFieldReferenceOperation field:
                        return VisitMember(field, field.Field, field.Instance, state, record);
                    case IObjectCreationOperation creation when creation.Constructor != null:
                        CheckCallContracts(creation, creation.Constructor, null, creation.Arguments, state, record);
                        return state;
                    case ISimpleAssignmentOperation assignment when assignment.Target is ILocalReferenceOperation local:
                        return TrackWitness(local.Local, assignment.Value, state);
                    default:
                        return state;
                }
            }

            private LockState TrackWitness(ILocalSymbol local, IOperation value, LockState state)
            {
                // bool ok = m.TryLock(); -- ok tells whether the lock is held.
                if (OperationPaths.Unwrap(value) is IInvocationOperation invocation && TryAcquireTarget(invocation, out LockPath? path, out LockKind kind) && path != null)
                {
                    return state.WithWitness(new LockWitness(local, path, kind, alreadyAcquired: false, invocation.Syntax.GetLocation()));
                }

                return state.WithoutWitness(local);
            }

            private LockState VisitMember(IOperation reference, ISymbol member, IOperation? instance, LockState state, bool record)
            {
                if (!record && !_context.IsLockRelevant(member))
                {
                    return state;
                }

                if (IsOwnObjectUnderConstruction(member, instance))
                {
                    return state;
                }

                LockPath? receiver = member.IsStatic ? null : _paths.PathOf(instance);
                if (record)
                {
                    foreach (LockExpression expression in _context.Resolver.GuardedBy(member))
                    {
                        LockPath? path = expression.Bind(receiver, _ => null);
                        if (path != null)
                        {
                            Add(new LockEvent(LockEventKind.GuardedAccess, reference.Syntax.GetLocation(), AtSite(state, reference), reference, path, expression.Kind, member)
                            {
                                IsWrite = IsWrite(reference),
                                LockText = LockTextAt(expression, instance, null),
                            });
                        }
                    }

                    if (member is IPropertySymbol property)
                    {
                        foreach (LockExpression expression in _context.Resolver.RequiresLock(property))
                        {
                            LockPath? path = expression.Bind(receiver, _ => null);
                            if (path != null)
                            {
                                Add(new LockEvent(LockEventKind.RequiredLock, reference.Syntax.GetLocation(), AtSite(state, reference), reference, path, expression.Kind, member) { LockText = LockTextAt(expression, instance, null) });
                            }
                        }
                    }
                }

                return state;
            }

            private bool IsOwnObjectUnderConstruction(ISymbol member, IOperation? instance)
            {
                if (OperationPaths.Unwrap(instance) is IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ImplicitReceiver })
                {
                    // new IommuGroup(1) { OwnerCount = 0 }: nobody else can see the object yet.
                    return true;
                }

                if (!(_owner is IMethodSymbol method))
                {
                    return false;
                }

                bool constructor = member.IsStatic
                    ? method.MethodKind == MethodKind.StaticConstructor
                    : method.MethodKind == MethodKind.Constructor && OperationPaths.Unwrap(instance) is IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance };
                return constructor && InheritsFrom(method.ContainingType, member.ContainingType);
            }

            private static bool InheritsFrom(ITypeSymbol? type, ITypeSymbol? baseType)
            {
                for (ITypeSymbol? current = type; current != null; current = current.BaseType)
                {
                    if (SymbolEqualityComparer.Default.Equals(current.OriginalDefinition, baseType?.OriginalDefinition))
                    {
                        return true;
                    }
                }

                return false;
            }

            private static bool IsWrite(IOperation reference)
            {
                switch (reference.Parent)
                {
                    case IAssignmentOperation assignment:
                        return assignment.Target == reference;
                    case IIncrementOrDecrementOperation _:
                        return true;
                    default:
                        return false;
                }
            }

            private LockState VisitInvocation(IInvocationOperation invocation, LockState state, bool record)
            {
                IMethodSymbol method = invocation.TargetMethod;
                INamedTypeSymbol? type = method.ContainingType;
                Location location = invocation.Syntax.GetLocation();

                if (_context.IsType(type, _symbols.KMutex))
                {
                    LockPath? mutex = _paths.PathOf(invocation.Instance);
                    switch (method.Name)
                    {
                        case "Lock":
                        case "Guard":
                            return Acquire(invocation, mutex, LockKind.KMutex, state, record);
                        case "Unlock":
                            return Release(invocation, mutex, LockKind.KMutex, state, record, scoped: false);
                        case "TryLock":
                            return TryAcquire(invocation, mutex, LockKind.KMutex, state, record);
                    }

                    return state;
                }

                if (_context.IsType(type, _symbols.Monitor) && invocation.Arguments.Length > 0)
                {
                    LockPath? monitor = _paths.PathOf(ArgumentFor(invocation, 0));
                    IOperation? takenArgument = invocation.Arguments.Length > 1 ? ArgumentFor(invocation, method.Parameters.Length - 1) : null;
                    ILocalSymbol? taken = method.Parameters[method.Parameters.Length - 1].RefKind == RefKind.Ref && takenArgument is ILocalReferenceOperation local ? local.Local : null;
                    switch (method.Name)
                    {
                        case "Enter":
                            state = Acquire(invocation, monitor, LockKind.Monitor, state, record);
                            return taken != null && monitor != null ? state.WithWitness(new LockWitness(taken, monitor, LockKind.Monitor, alreadyAcquired: true, location)) : state;
                        case "TryEnter":
                            state = TryAcquire(invocation, monitor, LockKind.Monitor, state, record);
                            return taken != null && monitor != null ? state.WithWitness(new LockWitness(taken, monitor, LockKind.Monitor, alreadyAcquired: false, location)) : state;
                        case "Exit":
                            return Release(invocation, monitor, LockKind.Monitor, state, record, scoped: false);
                    }

                    return state;
                }

                if (_context.IsType(type, _symbols.SystemThreadingLock))
                {
                    LockPath? threadingLock = _paths.PathOf(invocation.Instance);
                    switch (method.Name)
                    {
                        case "Enter":
                        case "EnterScope":
                            return Acquire(invocation, threadingLock, LockKind.ThreadingLock, state, record);
                        case "TryEnter":
                            return TryAcquire(invocation, threadingLock, LockKind.ThreadingLock, state, record);
                        case "Exit":
                            return Release(invocation, threadingLock, LockKind.ThreadingLock, state, record, scoped: false);
                    }

                    return state;
                }

                if (method.Name == "Dispose" && method.Parameters.IsEmpty && invocation.Instance != null)
                {
                    LockPath? guarded = _paths.GuardedLockOf(invocation.Instance, out LockKind guardKind);
                    if (guarded != null)
                    {
                        return Release(invocation, guarded, guardKind, state, record, scoped: true);
                    }
                }

                if (record && !state.Locks.IsEmpty && !method.Locations.IsEmpty && method.Locations[0].IsInSource)
                {
                    Add(new LockEvent(LockEventKind.Call, location, AtSite(state, invocation), invocation, null, LockKind.Monitor, method));
                }

                if (!_context.IsLockRelevant(method))
                {
                    return state;
                }

                LockPath? receiver = method.IsStatic ? null : _paths.PathOf(invocation.Instance);
                CheckCallContracts(invocation, method, receiver, invocation.Arguments, state, record);
                foreach (LockExpression expression in _context.Resolver.AcquiresLock(method))
                {
                    state = Acquire(invocation, expression.Bind(receiver, parameter => ArgumentPath(invocation.Arguments, parameter)), expression.Kind, state, record);
                }

                foreach (LockExpression expression in _context.Resolver.ReleasesLock(method))
                {
                    state = Release(invocation, expression.Bind(receiver, parameter => ArgumentPath(invocation.Arguments, parameter)), expression.Kind, state, record, scoped: false);
                }

                return state;
            }

            private void CheckCallContracts(IOperation call, IMethodSymbol method, LockPath? receiver, ImmutableArray<IArgumentOperation> arguments, LockState state, bool record)
            {
                if (!record)
                {
                    return;
                }

                foreach (LockExpression expression in _context.Resolver.RequiresLock(method))
                {
                    LockPath? path = expression.Bind(receiver, parameter => ArgumentPath(arguments, parameter));
                    if (path != null)
                    {
                        Add(new LockEvent(LockEventKind.RequiredLock, call.Syntax.GetLocation(), AtSite(state, call), call, path, expression.Kind, method)
                        {
                            LockText = LockTextAt(expression, (call as IInvocationOperation)?.Instance, arguments),
                        });
                    }
                }

                foreach (LockExpression expression in _context.Resolver.ExcludesLock(method))
                {
                    LockPath? path = expression.Bind(receiver, parameter => ArgumentPath(arguments, parameter));
                    if (path != null)
                    {
                        Add(new LockEvent(LockEventKind.ExcludedLock, call.Syntax.GetLocation(), AtSite(state, call), call, path, expression.Kind, method));
                    }
                }
            }

            /// <summary>
            /// The lock as this site's own code names it: the receiver or argument as written, followed by the lock
            /// expression's members (<c>group.Mutex</c> where the canonical path is <c>dev.Group.Mutex</c>). Only for
            /// simple receivers (names, member accesses, <c>this</c>, <c>x!</c>), so appending members keeps the meaning.
            /// </summary>
            private static string? LockTextAt(LockExpression expression, IOperation? instance, ImmutableArray<IArgumentOperation>? arguments)
            {
                string? root;
                switch (expression.Root)
                {
                    case LockExpressionRoot.Receiver:
                        if (instance == null)
                        {
                            return null;
                        }

                        root = instance.IsImplicit && instance is IInstanceReferenceOperation ? string.Empty : SimpleText(instance.Syntax);
                        break;
                    case LockExpressionRoot.Parameter when arguments != null && expression.Parameter != null:
                        root = null;
                        foreach (IArgumentOperation argument in arguments.Value)
                        {
                            if (argument.Parameter != null && argument.Parameter.Ordinal == expression.Parameter.Ordinal && !argument.IsImplicit)
                            {
                                root = SimpleText(argument.Value.Syntax);
                            }
                        }

                        break;
                    default:
                        return null;
                }

                if (root == null)
                {
                    return null;
                }

                var text = new System.Text.StringBuilder(root);
                foreach (ISymbol member in expression.Members)
                {
                    if (text.Length > 0)
                    {
                        text.Append('.');
                    }

                    text.Append(member.Name);
                }

                return text.Length == 0 ? "this" : text.ToString();
            }

            private static string? SimpleText(SyntaxNode syntax)
            {
                for (SyntaxNode? node = syntax; node != null;)
                {
                    switch (node)
                    {
                        case Microsoft.CodeAnalysis.CSharp.Syntax.IdentifierNameSyntax _:
                        case Microsoft.CodeAnalysis.CSharp.Syntax.ThisExpressionSyntax _:
                            return syntax.ToString();
                        case Microsoft.CodeAnalysis.CSharp.Syntax.MemberAccessExpressionSyntax access when access.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.SimpleMemberAccessExpression):
                            node = access.Expression;
                            continue;
                        case Microsoft.CodeAnalysis.CSharp.Syntax.PostfixUnaryExpressionSyntax suppress when suppress.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.SuppressNullableWarningExpression):
                            node = suppress.Operand;
                            continue;
                        default:
                            return null;
                    }
                }

                return null;
            }

            private LockPath? ArgumentPath(ImmutableArray<IArgumentOperation> arguments, IParameterSymbol parameter)
            {
                foreach (IArgumentOperation argument in arguments)
                {
                    if (argument.Parameter != null && argument.Parameter.Ordinal == parameter.Ordinal)
                    {
                        return _paths.PathOf(argument.Value);
                    }
                }

                return null;
            }

            private static IOperation? ArgumentFor(IInvocationOperation invocation, int ordinal)
            {
                foreach (IArgumentOperation argument in invocation.Arguments)
                {
                    if (argument.Parameter != null && argument.Parameter.Ordinal == ordinal)
                    {
                        return OperationPaths.Unwrap(argument.Value);
                    }
                }

                return null;
            }

            private bool TryAcquireTarget(IInvocationOperation invocation, out LockPath? path, out LockKind kind)
            {
                IMethodSymbol method = invocation.TargetMethod;
                path = null;
                kind = LockKind.Monitor;
                if (method.ReturnType.SpecialType != SpecialType.System_Boolean)
                {
                    return false;
                }

                if (method.Name == "TryLock" && _context.IsType(method.ContainingType, _symbols.KMutex))
                {
                    kind = LockKind.KMutex;
                    path = _paths.PathOf(invocation.Instance);
                    return true;
                }

                if (method.Name == "TryEnter" && _context.IsType(method.ContainingType, _symbols.Monitor))
                {
                    kind = LockKind.Monitor;
                    path = _paths.PathOf(ArgumentFor(invocation, 0));
                    return true;
                }

                if (method.Name == "TryEnter" && _context.IsType(method.ContainingType, _symbols.SystemThreadingLock))
                {
                    kind = LockKind.ThreadingLock;
                    path = _paths.PathOf(invocation.Instance);
                    return true;
                }

                return false;
            }

            private LockState Acquire(IOperation operation, LockPath? path, LockKind kind, LockState state, bool record)
            {
                if (path == null)
                {
                    return state;
                }

                Location location = operation.Syntax.GetLocation();
                Add(record, new LockEvent(LockEventKind.Acquire, location, state, operation, path, kind, (operation as IInvocationOperation)?.TargetMethod));
                return state.Acquire(path, kind, location);
            }

            private LockState TryAcquire(IOperation operation, LockPath? path, LockKind kind, LockState state, bool record)
            {
                if (path != null)
                {
                    Add(record, new LockEvent(LockEventKind.Acquire, operation.Syntax.GetLocation(), state, operation, path, kind, (operation as IInvocationOperation)?.TargetMethod) { IsTry = true });
                }

                // The lock is taken on the branch where the call returned true (see ApplyCondition).
                return state;
            }

            private LockState Release(IOperation operation, LockPath? path, LockKind kind, LockState state, bool record, bool scoped)
            {
                if (path == null)
                {
                    return state;
                }

                Add(record, new LockEvent(LockEventKind.Release, operation.Syntax.GetLocation(), state, operation, path, kind, (operation as IInvocationOperation)?.TargetMethod) { IsScoped = scoped });
                return state.Release(path);
            }

            private void Add(bool record, LockEvent lockEvent)
            {
                if (record)
                {
                    Add(lockEvent);
                }
            }

            private void Add(LockEvent lockEvent) => _events?.Add(lockEvent);

            // Several edges can leave through one statement (the end of the body after an if without else): one event per state.
            private void AddExit(LockEvent exit)
            {
                foreach (LockEvent seen in _events!)
                {
                    if (seen.Kind == LockEventKind.Exit && seen.Location == exit.Location && seen.State.Equals(exit.State))
                    {
                        return;
                    }
                }

                Add(exit);
            }

            /// <summary>The state at a site, with the lock of an enclosing un-lowered <c>lock</c> statement (see <see cref="OperationPaths.ScopedLocks"/>).</summary>
            private LockState AtSite(LockState state, IOperation operation)
            {
                foreach ((Microsoft.CodeAnalysis.Text.TextSpan span, LockPath path, LockKind kind, Location site) in _paths.ScopedLocks)
                {
                    if (span.Contains(operation.Syntax.Span) && state.IsNotHeld(path))
                    {
                        state = state.Acquire(path, kind, site);
                    }
                }

                return state;
            }

            // ---- edges ----

            private readonly struct Flow
            {
                public Flow(int target, LockState state, bool isHandlerEntry)
                {
                    Target = target;
                    State = state;
                    IsHandlerEntry = isHandlerEntry;
                }

                /// <summary>The destination block, or -1 when control leaves the region being run.</summary>
                public int Target { get; }

                public LockState State { get; }

                public bool IsHandlerEntry { get; }
            }

            /// <summary>Adds the block's outgoing flows; false when a finally run ran out of budget.</summary>
            private bool Successors(BasicBlock block, LockState state, List<Flow> flows, bool replay)
            {
                if (block.ConditionalSuccessor != null && block.BranchValue != null)
                {
                    bool jumpWhen = block.ConditionKind == ControlFlowConditionKind.WhenTrue;
                    return Follow(block, block.ConditionalSuccessor, ApplyCondition(block.BranchValue, jumpWhen, state), flows, replay, jumpWhen) &&
                        (block.FallThroughSuccessor == null || Follow(block, block.FallThroughSuccessor, ApplyCondition(block.BranchValue, !jumpWhen, state), flows, replay, !jumpWhen));
                }

                return block.FallThroughSuccessor == null || Follow(block, block.FallThroughSuccessor, state, flows, replay, null);
            }

            private bool Follow(BasicBlock source, ControlFlowBranch branch, LockState state, List<Flow> flows, bool replay, bool? conditionValue)
            {
                switch (branch.Semantics)
                {
                    case ControlFlowBranchSemantics.Throw:
                    case ControlFlowBranchSemantics.Rethrow:
                        return FollowThrow(source, branch, state, flows, replay);
                    case ControlFlowBranchSemantics.StructuredExceptionHandling:
                        flows.Add(new Flow(-1, state, false));
                        return true;
                    case ControlFlowBranchSemantics.ProgramTermination:
                    case ControlFlowBranchSemantics.Error:
                    case ControlFlowBranchSemantics.None:
                        return true;
                }

                LockState? current = state;
                foreach (ControlFlowRegion region in branch.FinallyRegions)
                {
                    current = ApplyFinally(region, current, replay);
                    if (current == null)
                    {
                        return !_exhausted;
                    }
                }

                BasicBlock? destination = branch.Destination;
                if (destination == null)
                {
                    return true;
                }

                if (destination.Kind == BasicBlockKind.Exit)
                {
                    if (replay)
                    {
                        LockExitKind kind = Exits.Locate(source, branch, conditionValue, out Location location);
                        AddExit(new LockEvent(LockEventKind.Exit, location, current, source.BranchValue, null, LockKind.Monitor, null) { ExitKind = kind });
                    }

                    return true;
                }

                flows.Add(new Flow(destination.Ordinal, current, false));
                return true;
            }

            private bool FollowThrow(BasicBlock source, ControlFlowBranch branch, LockState state, List<Flow> flows, bool replay)
            {
                LockState? current = state;
                for (ControlFlowRegion? region = source.EnclosingRegion; region != null; region = region.EnclosingRegion)
                {
                    if (region.Kind != ControlFlowRegionKind.Try)
                    {
                        continue;
                    }

                    ControlFlowRegion? parent = region.EnclosingRegion;
                    if (parent?.Kind == ControlFlowRegionKind.TryAndCatch)
                    {
                        // The explicit throw may be caught here: it flows to every handler, not out of the body.
                        for (int i = 1; i < parent.NestedRegions.Length; i++)
                        {
                            flows.Add(new Flow(parent.NestedRegions[i].FirstBlockOrdinal, current, true));
                        }

                        return true;
                    }

                    if (parent?.Kind == ControlFlowRegionKind.TryAndFinally && parent.NestedRegions.Length > 1)
                    {
                        current = ApplyFinally(parent.NestedRegions[1], current, replay);
                        if (current == null)
                        {
                            return !_exhausted;
                        }
                    }
                }

                if (replay)
                {
                    LockExitKind kind = Exits.Locate(source, branch, null, out Location location);
                    AddExit(new LockEvent(LockEventKind.Exit, location, current, source.BranchValue, null, LockKind.Monitor, null) { ExitKind = kind });
                }

                return true;
            }

            /// <summary>The state after running a finally region from <paramref name="input"/>; null when no path leaves it (or the budget ran out).</summary>
            private LockState? ApplyFinally(ControlFlowRegion region, LockState input, bool replay)
            {
                if (replay)
                {
                    if (_finallyInputs.TryGetValue(region.FirstBlockOrdinal, out LockState? seen))
                    {
                        _finallyInputs[region.FirstBlockOrdinal] = LockState.Join(seen, input);
                    }
                    else
                    {
                        _finallyInputs.Add(region.FirstBlockOrdinal, input);
                        _finallyQueue.Enqueue(region);
                    }
                }

                if (_finallyMemo.TryGetValue((region.FirstBlockOrdinal, input), out LockState? memo))
                {
                    return memo;
                }

                LockState?[]? entries = Solve(region, region.FirstBlockOrdinal, input);
                if (entries == null)
                {
                    _exhausted = true;
                    return null;
                }

                // The region's output: the join over the blocks that leave it (the end of the finally).
                LockState? output = null;
                var flows = new List<Flow>();
                for (int ordinal = region.FirstBlockOrdinal; ordinal <= region.LastBlockOrdinal; ordinal++)
                {
                    LockState? entry = entries[ordinal];
                    if (entry == null || !InRun(region, ordinal))
                    {
                        continue;
                    }

                    BasicBlock block = _blocks[ordinal];
                    if (block.FallThroughSuccessor?.Semantics != ControlFlowBranchSemantics.StructuredExceptionHandling)
                    {
                        continue;
                    }

                    LockState exit = Transfer(block, entry, record: false);
                    output = output == null ? exit : LockState.Join(output, exit);
                }

                _finallyMemo[(region.FirstBlockOrdinal, input)] = output;
                return output;
            }

            /// <summary>The state on an edge of a conditional branch: TryLock and lock-taken flags decide what is held.</summary>
            private LockState ApplyCondition(IOperation condition, bool valueOnEdge, LockState state)
            {
                if (!TryConditionLock(condition, state, out LockPath? path, out LockKind kind, out bool heldWhenTrue, out bool alreadyAcquired, out Location? site, 0) || path == null)
                {
                    return state;
                }

                bool held = valueOnEdge == heldWhenTrue;
                if (held)
                {
                    return alreadyAcquired ? state : state.Acquire(path, kind, site);
                }

                return alreadyAcquired ? state.Release(path) : state;
            }

            private bool TryConditionLock(IOperation condition, LockState state, out LockPath? path, out LockKind kind, out bool heldWhenTrue, out bool alreadyAcquired, out Location? site, int depth)
            {
                path = null;
                kind = LockKind.Monitor;
                heldWhenTrue = true;
                alreadyAcquired = false;
                site = null;
                if (depth > 8)
                {
                    return false;
                }

                switch (OperationPaths.Unwrap(condition))
                {
                    case IInvocationOperation invocation when TryAcquireTarget(invocation, out path, out kind):
                        site = invocation.Syntax.GetLocation();
                        return true;
                    case ILocalReferenceOperation local when state.FindWitness(local.Local) is LockWitness witness:
                        path = witness.Path;
                        kind = witness.Kind;
                        alreadyAcquired = witness.AlreadyAcquired;
                        site = witness.Site;
                        return true;
                    case IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } not:
                        if (TryConditionLock(not.Operand, state, out path, out kind, out heldWhenTrue, out alreadyAcquired, out site, depth + 1))
                        {
                            heldWhenTrue = !heldWhenTrue;
                            return true;
                        }

                        return false;
                    case IIsPatternOperation isPattern:
                        bool? matches = BoolPattern(isPattern.Pattern);
                        if (matches.HasValue && TryConditionLock(isPattern.Value, state, out path, out kind, out heldWhenTrue, out alreadyAcquired, out site, depth + 1))
                        {
                            heldWhenTrue = heldWhenTrue == matches.Value;
                            return true;
                        }

                        return false;
                    case IBinaryOperation binary when binary.OperatorKind == BinaryOperatorKind.Equals || binary.OperatorKind == BinaryOperatorKind.NotEquals:
                        IOperation? other = BoolConstant(binary.RightOperand).HasValue ? binary.LeftOperand : BoolConstant(binary.LeftOperand).HasValue ? binary.RightOperand : null;
                        bool? constant = BoolConstant(binary.RightOperand) ?? BoolConstant(binary.LeftOperand);
                        if (other != null && constant.HasValue && TryConditionLock(other, state, out path, out kind, out heldWhenTrue, out alreadyAcquired, out site, depth + 1))
                        {
                            bool equalsTrue = constant.Value == (binary.OperatorKind == BinaryOperatorKind.Equals);
                            heldWhenTrue = heldWhenTrue == equalsTrue;
                            return true;
                        }

                        return false;
                    default:
                        return false;
                }
            }

            private static bool? BoolPattern(IPatternOperation pattern)
            {
                switch (pattern)
                {
                    case IConstantPatternOperation constant:
                        return BoolConstant(constant.Value);
                    case INegatedPatternOperation negated:
                        bool? inner = BoolPattern(negated.Pattern);
                        return inner.HasValue ? !inner.Value : (bool?)null;
                    default:
                        return null;
                }
            }

            private static bool? BoolConstant(IOperation operation) =>
                OperationPaths.Unwrap(operation)?.ConstantValue is { HasValue: true, Value: bool value } ? value : (bool?)null;

            private ExitLocator Exits => _exits ??= new ExitLocator(_graph);
        }
    }
}
