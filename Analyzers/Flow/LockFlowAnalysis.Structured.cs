using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace IommuAnalyzers.Flow
{
    internal static partial class LockFlowAnalysis
    {
        /// <summary>
        /// The structured pass: analyses a body by walking its operation tree in order, without a control-flow graph (a
        /// loop is walked to a fixed point of its head state; a join gives reassigned variables a phi), when
        /// <see cref="StructuredSubset"/> covers it; null when it does not (the caller then runs
        /// <see cref="Analyze(Microsoft.CodeAnalysis.FlowAnalysis.ControlFlowGraph, ISymbol, LockFlowContext, CancellationToken)"/>).
        /// It reports the events the graph engine reports for the same body: the differential tests hold it to that.
        /// </summary>
        public static LockFlowResult? TryAnalyzeStructured(IOperation body, ISymbol owner, LockFlowContext context, CancellationToken cancellationToken) =>
            TryAnalyzeStructured(body, owner, context, cancellationToken, null);

        private static LockFlowResult? TryAnalyzeStructured(IOperation body, ISymbol owner, LockFlowContext context, CancellationToken cancellationToken, LockProbe? probe)
        {
            if (!IsBodyRoot(body) || !StructuredSubset.Covers(body, context, body.SemanticModel))
            {
                return null;
            }

            var paths = new OperationPaths(body, context);
            if (paths.HasFlowSensitive && !StructuredSubset.TracksValues(body, paths))
            {
                return null;
            }

            return new BodyAnalysis(body, owner, context, paths, cancellationToken) { Probe = probe }.RunStructured();
        }

        private sealed partial class BodyAnalysis
        {
            private readonly IOperation? _tree;
            private readonly List<LockScope> _scopes = new List<LockScope>();
            private readonly List<ITryOperation> _catchingTries = new List<ITryOperation>();
            private readonly Dictionary<ILabelSymbol, LockState> _jumps = new Dictionary<ILabelSymbol, LockState>(SymbolEqualityComparer.Default);
            private readonly Dictionary<ITryOperation, LockState> _thrown = new Dictionary<ITryOperation, LockState>();
            private readonly Dictionary<object, int> _joinIds = new Dictionary<object, int>();

            // False while a loop body is walked towards its fixed point: its events are recorded on the last walk only.
            private bool _recording = true;

            // Set when the walk meets what it leaves to the graph engine: paths that meet with different locks held (the
            // graph reports such joins, IOMMU0105), or a finally that never completes.
            private bool _handedOver;

            /// <summary>The structured pass over an operation tree: no graph, so none of the graph engine's tables.</summary>
            public BodyAnalysis(IOperation tree, ISymbol owner, LockFlowContext context, OperationPaths paths, CancellationToken cancellationToken)
            {
                _tree = tree;
                _owner = owner;
                _context = context;
                _model = context.Model;
                _cancellationToken = cancellationToken;
                _paths = paths;
                _blocks = ImmutableArray<Microsoft.CodeAnalysis.FlowAnalysis.BasicBlock>.Empty;
                _innermostFinally = System.Array.Empty<Microsoft.CodeAnalysis.FlowAnalysis.ControlFlowRegion?>();
                _replayEntries = System.Array.Empty<LockState?>();
                _tables = null!; // graph engine only: no region of a graph is ever asked for here
                _budget = 2000;
            }

            /// <summary>The body's result; null when a join met different lock sets (the graph engine reports such joins).</summary>
            public LockFlowResult? RunStructured()
            {
                ImmutableArray<LockPath> heldOnEntry = ContractLocks(_context.Resolver.RequiresLock(_owner), _context.Resolver.ReleasesLock(_owner), out LockState entryState);
                ImmutableArray<LockPath> heldAtExit = ContractLocks(_context.Resolver.RequiresLock(_owner), _context.Resolver.AcquiresLock(_owner), out _);
                _events = new List<LockEvent>();
                LockState? end = Statement(_tree!, entryState);
                if (end != null)
                {
                    AddExit(new LockEvent(LockEventKind.Exit, _tree!.Syntax.GetLastToken().GetLocation(), end, null, null, LockKind.Monitor, null) { ExitKind = LockExitKind.EndOfBody });
                }

                if (_handedOver)
                {
                    return null;
                }

                return new LockFlowResult(_owner, !_exhausted, _exhausted ? ImmutableArray<LockEvent>.Empty : _events.ToImmutableArray(), heldOnEntry, heldAtExit, ImmutableArray<LockState?>.Empty);
            }

            /// <summary>Walks one statement from <paramref name="state"/>; returns the state at its end, or null when its end is unreachable.</summary>
            private LockState? Statement(IOperation statement, LockState state)
            {
                _cancellationToken.ThrowIfCancellationRequested();
                switch (statement)
                {
                    case IMethodBodyOperation body:
                        return Statement((IOperation?)body.BlockBody ?? body.ExpressionBody!, state);
                    case IConstructorBodyOperation constructor:
                        if (constructor.Initializer != null)
                        {
                            state = Visit(constructor.Initializer, state, _recording);
                        }

                        return constructor.BlockBody == null ? state : Statement(constructor.BlockBody, state);
                    case IBlockOperation block:
                        return Statements(block.Operations, 0, state);
                    case IVariableDeclarationGroupOperation group:
                        return Declarations(group, state);
                    case IConditionalOperation branch:
                        LockState tested = Visit(branch.Condition, state, _recording);
                        LockState enterTrue = tested;
                        LockState enterFalse = tested;
                        if (StructuredSubset.TestsTryAcquire(branch.Condition, _context))
                        {
                            // if (m.TryLock()) / if (!m.TryLock()): held on the branch where the call returned true.
                            enterTrue = ApplyCondition(branch.Condition, true, tested);
                            enterFalse = ApplyCondition(branch.Condition, false, tested);
                        }

                        LockState? whenTrue = Statement(branch.WhenTrue, enterTrue);
                        LockState? whenFalse = branch.WhenFalse == null ? enterFalse : Statement(branch.WhenFalse, enterFalse);
                        return Join(whenTrue, whenFalse, branch);
                    // The loops are walked by methods of their own: a lambda here would capture the loop, and C# would
                    // allocate its closure on entry to every call of Statement, whatever the statement.
                    case IWhileLoopOperation loop:
                        return WhileLoop(loop, state);
                    case IForLoopOperation loop:
                        return ForLoop(loop, state);
                    case IForEachLoopOperation loop:
                        return ForEachLoop(loop, state);
                    case ISwitchOperation choice:
                        return Switch(choice, state);
                    case ITryOperation attempt:
                        return Try(attempt, state);
                    case ILockOperation locked:
                        return Lock(locked, state);
                    case IUsingOperation scoped:
                        return Using(scoped, state);
                    case IReturnOperation returned:
                        Return(returned, state);
                        return null;
                    case IThrowOperation thrown:
                        Throw(thrown, Visit(thrown.Exception!, state, _recording));
                        return null;
                    case IBranchOperation jump:
                        Jump(jump.Target, LeaveScopes(jump.BranchKind == BranchKind.GoTo ? ScopeDepthOfLabel(jump.Target) : ScopeDepthOf(jump.Target), state));
                        return null;
                    case ILabeledOperation labeled:
                        // Only forward gotos reach a label here (StructuredSubset): all of them are walked by now.
                        LockState arrived = Join(state, Jumped(labeled.Label), labeled)!;
                        _jumps.Remove(labeled.Label);
                        return labeled.Operation == null ? arrived : Statement(labeled.Operation, arrived);
                    case IEmptyOperation _:
                        return state;
                    default:
                        return Visit(statement, state, _recording);
                }
            }

            /// <summary>The statements of a block from <paramref name="start"/> on; a using declaration scopes the rest of them.</summary>
            private LockState? Statements(ImmutableArray<IOperation> statements, int start, LockState state)
            {
                for (int i = start; i < statements.Length; i++)
                {
                    if (statements[i] is IUsingDeclarationOperation declaration)
                    {
                        return UsingDeclaration(declaration, statements, i + 1, state);
                    }

                    // Code after a statement whose end is unreachable runs only from a label a forward goto reached.
                    LockState? next = Statement(statements[i], state);
                    while (next == null)
                    {
                        int label = NextReachedLabel(statements, i + 1);
                        if (label < 0)
                        {
                            return null;
                        }

                        var labeled = (ILabeledOperation)statements[label];
                        LockState arrived = Jumped(labeled.Label)!;
                        _jumps.Remove(labeled.Label);
                        i = label;
                        next = labeled.Operation == null ? arrived : Statement(labeled.Operation, arrived);
                    }

                    state = next;
                }

                return state;
            }

            private int NextReachedLabel(ImmutableArray<IOperation> statements, int start)
            {
                for (int i = start; i < statements.Length; i++)
                {
                    if (statements[i] is ILabeledOperation labeled && _jumps.ContainsKey(labeled.Label))
                    {
                        return i;
                    }
                }

                return -1;
            }

            /// <summary>Local declarations: each initializer, then the write of its local (the assignment the graph makes of it).</summary>
            private LockState Declarations(IVariableDeclarationGroupOperation group, LockState state)
            {
                foreach (IVariableDeclarationOperation declaration in group.Declarations)
                {
                    foreach (IVariableDeclaratorOperation declarator in declaration.Declarators)
                    {
                        if (declarator.Initializer != null)
                        {
                            state = Visit(declarator.Initializer.Value, state, _recording);
                            state = _paths.Write(state, declarator.Symbol, declarator.Initializer.Value, declarator.Syntax);
                        }
                    }
                }

                return state;
            }

            /// <summary>
            /// A loop: its head state to a fixed point (entry joined with the back edges), the body walked without
            /// recording until the head is stable, then once more recording. Returns the state after the loop: the
            /// condition's false edge joined with every break.
            /// </summary>
            /// <param name="body">From the head state: the state on the condition's false edge (null: none) and at the body's end.</param>
            private LockState? Loop(ILoopOperation loop, LockState entry, System.Func<LockState, (LockState? Exit, LockState? End)> body)
            {
                bool recording = _recording;
                _recording = false;
                LockState head = entry;

                // The gotos out of the body that the walks towards the fixed point took are forgotten: only those of
                // the recorded walk, from the stable head, reach their labels (as break and continue do).
                Dictionary<ILabelSymbol, LockState>? outerJumps = _jumps.Count == 0 ? null : new Dictionary<ILabelSymbol, LockState>(_jumps, SymbolEqualityComparer.Default);
                for (int round = 0; ; round++)
                {
                    if (round > 16 || --_budget < 0)
                    {
                        _exhausted = true;
                        _recording = recording;
                        return null;
                    }

                    RestoreJumps(outerJumps);
                    _jumps.Remove(loop.ContinueLabel);
                    _jumps.Remove(loop.ExitLabel);

                    // The first round records when the walk does: where the body leaves the head as it found it (most
                    // loops: their body takes no lock, or gives back what it takes), that round is the recorded walk
                    // from the stable head, and the loop is walked once instead of twice (four times for a nested one).
                    // Otherwise its events and its probe answer are taken back before the next round.
                    bool speculative = round == 0 && recording;
                    int recorded = _events?.Count ?? 0;
                    bool? probeAnswer = Probe?.Held;
                    _recording = speculative;
                    (LockState? firstExit, LockState? end) = InScope(LockScope.ForJumps(loop, loop.ExitLabel, loop.ContinueLabel), () => body(head));
                    _recording = false;
                    LockState? back = Join(end, Jumped(loop.ContinueLabel), loop.Body);
                    LockState next = back == null ? head : JoinAt(entry, back, loop);
                    if (next.Equals(head))
                    {
                        if (speculative)
                        {
                            _recording = recording;
                            return Join(firstExit, Jumped(loop.ExitLabel), loop);
                        }

                        break;
                    }

                    if (speculative)
                    {
                        _events!.RemoveRange(recorded, _events.Count - recorded);
                        if (Probe != null)
                        {
                            Probe.Held = probeAnswer;
                        }
                    }

                    head = next;
                }

                _recording = recording;
                RestoreJumps(outerJumps);
                _jumps.Remove(loop.ContinueLabel);
                _jumps.Remove(loop.ExitLabel);
                (LockState? exit, _) = InScope(LockScope.ForJumps(loop, loop.ExitLabel, loop.ContinueLabel), () => body(head));
                return Join(exit, Jumped(loop.ExitLabel), loop);
            }

            private LockState? WhileLoop(IWhileLoopOperation loop, LockState state) => Loop(loop, state, head => WhileBody(loop, head));

            private LockState? ForLoop(IForLoopOperation loop, LockState state)
            {
                foreach (IOperation before in loop.Before)
                {
                    state = Statement(before, state)!;
                }

                return Loop(loop, state, head => ForBody(loop, head));
            }

            private LockState? ForEachLoop(IForEachLoopOperation loop, LockState state)
            {
                LockState collection = Visit(loop.Collection, state, _recording);
                return Loop(loop, collection, head => (head, Statement(loop.Body, head)));
            }

            private void RestoreJumps(Dictionary<ILabelSymbol, LockState>? outer)
            {
                _jumps.Clear();
                if (outer != null)
                {
                    foreach (KeyValuePair<ILabelSymbol, LockState> jump in outer)
                    {
                        _jumps.Add(jump.Key, jump.Value);
                    }
                }
            }

            private (LockState? Exit, LockState? End) WhileBody(IWhileLoopOperation loop, LockState head)
            {
                // A constant condition never gets here (StructuredSubset hands while (true) to the graph engine), so the
                // false edge of the condition always leaves the loop.
                if (loop.ConditionIsTop)
                {
                    LockState tested = loop.Condition != null ? Visit(loop.Condition, head, _recording) : head;
                    return (tested, Statement(loop.Body, tested));
                }

                // do ... while: the condition runs after the body (and after a continue).
                LockState? end = Join(Statement(loop.Body, head), Jumped(loop.ContinueLabel), loop.Body);
                _jumps.Remove(loop.ContinueLabel);
                LockState? afterCondition = end == null || loop.Condition == null ? end : Visit(loop.Condition, end, _recording);
                return (afterCondition, afterCondition);
            }

            private (LockState? Exit, LockState? End) ForBody(IForLoopOperation loop, LockState head)
            {
                LockState tested = loop.Condition != null ? Visit(loop.Condition, head, _recording) : head;
                LockState? end = Join(Statement(loop.Body, tested), Jumped(loop.ContinueLabel), loop.Body);
                _jumps.Remove(loop.ContinueLabel);
                if (end != null)
                {
                    foreach (IOperation bottom in loop.AtLoopBottom)
                    {
                        end = Statement(bottom, end)!;
                    }
                }

                return (loop.Condition != null ? tested : null, end);
            }

            private LockState? Switch(ISwitchOperation choice, LockState state)
            {
                LockState tested = Visit(choice.Value, state, _recording);
                bool hasDefault = false;
                _jumps.Remove(choice.ExitLabel);
                LockState? ends = null;
                _scopes.Add(LockScope.ForJumps(choice, choice.ExitLabel, null));
                foreach (ISwitchCaseOperation section in choice.Cases)
                {
                    // Each section is entered after the tests of the clauses before it, and of its own.
                    foreach (ICaseClauseOperation clause in section.Clauses)
                    {
                        hasDefault |= clause.CaseKind == CaseKind.Default;
                        tested = Visit(clause, tested, _recording);
                    }

                    ends = Join(ends, Statements(section.Body, 0, tested), choice);
                }

                _scopes.RemoveAt(_scopes.Count - 1);
                return Join(Join(ends, hasDefault ? null : tested, choice), Jumped(choice.ExitLabel), choice);
            }

            private LockState? Try(ITryOperation attempt, LockState state)
            {
                bool catches = !attempt.Catches.IsEmpty;
                if (catches)
                {
                    _catchingTries.Add(attempt);
                    _thrown.Remove(attempt);
                }

                // One scope for the body and the handlers: whatever leaves either runs the finally.
                var scope = LockScope.ForJumps(attempt, null, null);
                _scopes.Add(scope);
                LockState? ends = Statement(attempt.Body, state);
                _scopes.RemoveAt(_scopes.Count - 1);
                if (catches)
                {
                    _catchingTries.RemoveAt(_catchingTries.Count - 1);
                }

                // A handler starts from the explicit throws of its try; without any, from the try's entry state.
                LockState handlerEntry = _thrown.TryGetValue(attempt, out LockState? thrown) ? thrown : state;
                _thrown.Remove(attempt);
                _scopes.Add(scope);
                foreach (ICatchClauseOperation handler in attempt.Catches)
                {
                    LockState caught = handlerEntry;
                    if (handler.ExceptionDeclarationOrExpression != null)
                    {
                        caught = Visit(handler.ExceptionDeclarationOrExpression, caught, _recording);
                    }

                    if (handler.Filter != null)
                    {
                        caught = Visit(handler.Filter, caught, _recording);
                    }

                    ends = Join(ends, Statement(handler.Handler, caught), attempt);
                }

                _scopes.RemoveAt(_scopes.Count - 1);
                if (attempt.Finally == null)
                {
                    return ends;
                }

                // As the graph does: the finally's events once, from the join of everything that enters it; its effect
                // applied to each path on its own (here the normal end; exits apply it as they leave, LeaveScopes).
                LockState? entered = Join(ends, scope.Leaving, attempt.Finally);
                if (entered != null)
                {
                    Statement(attempt.Finally, entered);
                }

                return ends == null ? null : ThroughFinally(attempt.Finally, ends);
            }

            /// <summary>The state after running a finally from <paramref name="state"/>, without recording its events again.</summary>
            private LockState ThroughFinally(IBlockOperation region, LockState state)
            {
                bool recording = _recording;
                _recording = false;
                LockState? after = Statement(region, state);
                _recording = recording;
                if (after == null)
                {
                    _handedOver = true;
                    return state;
                }

                return after;
            }

            private LockState? Lock(ILockOperation locked, LockState state)
            {
                state = Visit(locked.LockedValue, state, _recording);
                LockPath? path = _paths.ObjectOf(locked.LockedValue, state);
                if (path == null)
                {
                    return Statement(locked.Body, state);
                }

                // The graph lowers lock (x) to Monitor.Enter(x, ref taken) and a finally with Monitor.Exit(x), both at x.
                Location site = locked.LockedValue.Syntax.GetLocation();
                Add(_recording, new LockEvent(LockEventKind.Acquire, site, state, locked.LockedValue, path, LockKind.Monitor, _model.MonitorEnterWithFlag));
                LockState inside = state.Acquire(path, LockKind.Monitor, site);
                return Scoped(locked, path, inside, held => new LockEvent(LockEventKind.Release, site, held, locked.LockedValue, path, LockKind.Monitor, _model.MonitorExit), body => Statement(locked.Body, body));
            }

            /// <summary><c>using (m.Guard())</c> and <c>using (var g = l.EnterScope())</c>: held in the body, released by the guard's Dispose.</summary>
            private LockState? Using(IUsingOperation scoped, LockState state) =>
                Guarded(scoped, scoped.Resources, StructuredSubset.GuardOf(scoped.Resources)!, state, inside => Statement(scoped.Body, inside));

            /// <summary><c>using var g = m.Guard();</c>: held in the rest of the block, released by the guard's Dispose at its end.</summary>
            private LockState? UsingDeclaration(IUsingDeclarationOperation declaration, ImmutableArray<IOperation> statements, int next, LockState state) =>
                Guarded(declaration, declaration.DeclarationGroup, StructuredSubset.GuardOf(declaration.DeclarationGroup)!, state, inside => Statements(statements, next, inside),
                    declaration.DeclarationGroup.Declarations[0].Declarators[0]);

            /// <param name="releaseSite">Where the graph puts the lowered Dispose: the declarator of a using declaration, else the resource.</param>
            private LockState? Guarded(IOperation statement, IOperation resource, IInvocationOperation guard, LockState state, System.Func<LockState, LockState?> body, IOperation? releaseSite = null)
            {
                LockState inside = resource is IVariableDeclarationGroupOperation group ? Declarations(group, state) : Visit(resource, state, _recording);
                LockPath? path = _paths.GuardedLockOf(guard, inside, out LockKind kind);

                // The graph's lowered Dispose call is the interface's (IDisposable.Dispose), but a ref struct's own
                // (Lock.Scope), which is disposed by pattern.
                ITypeSymbol guardType = guard.TargetMethod.ReturnType;
                IMethodSymbol? dispose = guardType.IsRefLikeType ? LockModel.FindMethod(guardType, "Dispose", m => m.Parameters.IsEmpty) : _model.DisposableDispose;
                if (path == null || dispose == null)
                {
                    return body(inside);
                }

                IOperation site = releaseSite ?? resource;
                return Scoped(statement, path, inside, held => new LockEvent(LockEventKind.Release, site.Syntax.GetLocation(), held, site, path, kind, dispose) { IsScoped = true }, body);
            }

            /// <summary>
            /// Walks the body of a lock scope. Its release runs with the join of every state that leaves the scope (as
            /// the graph's finally does), and is an event when some path leaves it.
            /// </summary>
            private LockState? Scoped(IOperation statement, LockPath path, LockState inside, System.Func<LockState, LockEvent> release, System.Func<LockState, LockState?> body)
            {
                var scope = LockScope.ForLock(statement, path);
                _scopes.Add(scope);
                LockState? end = body(inside);
                _scopes.RemoveAt(_scopes.Count - 1);
                LockState? leaving = Join(end, scope.Leaving, statement);
                if (leaving != null && _recording)
                {
                    Add(release(leaving));
                }

                return end?.Release(path);
            }

            private void Return(IReturnOperation returned, LockState state)
            {
                if (returned.ReturnedValue != null)
                {
                    state = Visit(returned.ReturnedValue, state, _recording);
                }

                LockState exitState = LeaveScopes(0, state);
                Location location = returned.ReturnedValue != null ? ExitLocator.ValueExit(returned.ReturnedValue.Syntax) : returned.Syntax.GetLocation();
                if (_recording)
                {
                    AddExit(new LockEvent(LockEventKind.Exit, location, exitState, returned.ReturnedValue, null, LockKind.Monitor, null) { ExitKind = LockExitKind.Return });
                }
            }

            /// <summary>An explicit throw: to the handlers of the innermost try it is in, or an exit after every lock it leaves.</summary>
            private void Throw(IThrowOperation thrown, LockState state)
            {
                if (_catchingTries.Count > 0)
                {
                    ITryOperation catcher = _catchingTries[_catchingTries.Count - 1];
                    LockState caught = LeaveScopes(_scopes.FindIndex(s => ReferenceEquals(s.Statement, catcher)) + 1, state);
                    _thrown[catcher] = _thrown.TryGetValue(catcher, out LockState? seen) ? JoinAt(seen, caught, catcher) : caught;
                    return;
                }

                LockState after = LeaveScopes(0, state);
                if (_recording)
                {
                    AddExit(new LockEvent(LockEventKind.Exit, ExitLocator.ValueExit(thrown.Exception!.Syntax), after, thrown.Exception, null, LockKind.Monitor, null) { ExitKind = LockExitKind.Throw });
                }
            }

            /// <summary>A break or continue: its state joins the others at its target.</summary>
            private void Jump(ILabelSymbol target, LockState state)
            {
                _jumps[target] = _jumps.TryGetValue(target, out LockState? seen) ? JoinAt(seen, state, target) : state;
            }

            private LockState? Jumped(ILabelSymbol? target) => target != null && _jumps.TryGetValue(target, out LockState? state) ? state : null;

            /// <summary>
            /// Leaves the scopes above <paramref name="depth"/> (innermost first): each records the state that leaves
            /// it, lock scopes release their lock. Returns the state once they are left.
            /// </summary>
            private LockState LeaveScopes(int depth, LockState state)
            {
                for (int i = _scopes.Count - 1; i >= depth; i--)
                {
                    LockScope scope = _scopes[i];
                    scope.Leaving = Join(scope.Leaving, state, scope.Statement);
                    if (scope.Path != null)
                    {
                        state = state.Release(scope.Path);
                    }
                    else if (scope.Statement is ITryOperation { Finally: { } region })
                    {
                        state = ThroughFinally(region, state);
                    }
                }

                return state;
            }

            /// <summary>How many scopes enclose the loop or switch a break or continue jumps to (it leaves the ones inside).</summary>
            private int ScopeDepthOf(ILabelSymbol target)
            {
                for (int i = _scopes.Count - 1; i >= 0; i--)
                {
                    if (_scopes[i].IsTargetOf(target))
                    {
                        return i + 1;
                    }
                }

                return 0;
            }

            /// <summary>How many scopes enclose the label a goto jumps to (it leaves the ones that do not).</summary>
            private int ScopeDepthOfLabel(ILabelSymbol target)
            {
                SyntaxReference? declaration = target.DeclaringSyntaxReferences.Length == 1 ? target.DeclaringSyntaxReferences[0] : null;
                int depth = 0;
                while (declaration != null && depth < _scopes.Count && _scopes[depth].Statement.Syntax.Span.Contains(declaration.Span))
                {
                    depth++;
                }

                return depth;
            }

            private (LockState? Exit, LockState? End) InScope(LockScope scope, System.Func<(LockState? Exit, LockState? End)> walk)
            {
                _scopes.Add(scope);
                (LockState? Exit, LockState? End) result = walk();
                _scopes.RemoveAt(_scopes.Count - 1);
                return result;
            }

            /// <summary>Paths meeting at <paramref name="site"/>: a variable whose values differ gets the site's phi.</summary>
            private LockState? Join(LockState? left, LockState? right, object site)
            {
                if (left == null)
                {
                    return right;
                }

                return right == null ? left : JoinAt(left, right, site);
            }

            private LockState JoinAt(LockState left, LockState right, object site)
            {
                if (!SameLocks(left, right))
                {
                    _handedOver = true;
                }

                return LockState.JoinAt(left, right, JoinId(site));
            }

            private static bool SameLocks(LockState left, LockState right)
            {
                if (left.Locks.Length != right.Locks.Length)
                {
                    return false;
                }

                foreach (HeldLock held in left.Locks)
                {
                    if (!(right.Find(held.Path) is HeldLock other) || other.Kind != held.Kind || other.OnAllPaths != held.OnAllPaths || other.Depth != held.Depth || !Equals(other.AcquiredAt, held.AcquiredAt))
                    {
                        return false;
                    }
                }

                return true;
            }

            /// <summary>A join site's number for its phis: negative, so never a graph ordinal, and the same on every round of a loop.</summary>
            private int JoinId(object site)
            {
                if (!_joinIds.TryGetValue(site, out int id))
                {
                    id = -1 - _joinIds.Count;
                    _joinIds.Add(site, id);
                }

                return id;
            }

            /// <summary>
            /// A statement the walk is inside that matters to control leaving it: a <c>lock</c> (its lock is released when
            /// control leaves), a loop or switch (the target of break and continue), a try (the catcher of a throw).
            /// </summary>
            private sealed class LockScope
            {
                private readonly ILabelSymbol? _exit;
                private readonly ILabelSymbol? _continue;

                private LockScope(IOperation statement, LockPath? path, ILabelSymbol? exit, ILabelSymbol? next)
                {
                    Statement = statement;
                    Path = path;
                    _exit = exit;
                    _continue = next;
                }

                public static LockScope ForLock(IOperation statement, LockPath path) => new LockScope(statement, path, null, null);

                public static LockScope ForJumps(IOperation statement, ILabelSymbol? exit, ILabelSymbol? next) => new LockScope(statement, null, exit, next);

                public IOperation Statement { get; }

                /// <summary>The lock of a <c>lock</c> statement; null for the other scopes.</summary>
                public LockPath? Path { get; }

                /// <summary>The join of the states that left the scope early (return, break, continue, throw); null: none did.</summary>
                public LockState? Leaving { get; set; }

                public bool IsTargetOf(ILabelSymbol label) =>
                    SymbolEqualityComparer.Default.Equals(label, _exit) || SymbolEqualityComparer.Default.Equals(label, _continue);
            }
        }
    }
}
