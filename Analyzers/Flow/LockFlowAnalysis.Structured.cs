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
        /// The structured pass: analyses a body by walking its operation tree in order, without a control-flow graph or
        /// a fixed point, when <see cref="StructuredSubset"/> covers it; null when it does not (the caller then runs
        /// <see cref="Analyze(Microsoft.CodeAnalysis.FlowAnalysis.ControlFlowGraph, ISymbol, LockFlowContext, CancellationToken)"/>).
        /// It reports the events the graph engine reports for the same body: the differential tests hold it to that.
        /// </summary>
        public static LockFlowResult? TryAnalyzeStructured(IOperation body, ISymbol owner, LockFlowContext context, CancellationToken cancellationToken)
        {
            if (!(body is IMethodBodyOperation || body is IConstructorBodyOperation || (body is IBlockOperation && body.Parent == null)) ||
                !StructuredSubset.Covers(body, context, body.SemanticModel))
            {
                return null;
            }

            var paths = new OperationPaths(body, context);
            if (paths.HasFlowSensitive)
            {
                return null;
            }

            return new BodyAnalysis(body, owner, context, paths, cancellationToken).RunStructured();
        }

        private sealed partial class BodyAnalysis
        {
            private readonly IOperation? _tree;
            private readonly List<LockScope> _scopes = new List<LockScope>();
            private readonly List<ITryOperation> _catchingTries = new List<ITryOperation>();
            private readonly HashSet<ILabelSymbol> _reachedLabels = new HashSet<ILabelSymbol>(SymbolEqualityComparer.Default);

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
                _innermostFinally = new Microsoft.CodeAnalysis.FlowAnalysis.ControlFlowRegion?[0];
                _replayEntries = new LockState?[0];
            }

            public LockFlowResult RunStructured()
            {
                ImmutableArray<LockPath> heldOnEntry = ContractLocks(_context.Resolver.RequiresLock(_owner), _context.Resolver.ReleasesLock(_owner), out LockState entryState);
                ImmutableArray<LockPath> heldAtExit = ContractLocks(_context.Resolver.RequiresLock(_owner), _context.Resolver.AcquiresLock(_owner), out _);
                _events = new List<LockEvent>();
                if (Statement(_tree!, entryState))
                {
                    AddExit(new LockEvent(LockEventKind.Exit, _tree!.Syntax.GetLastToken().GetLocation(), entryState, null, null, LockKind.Monitor, null) { ExitKind = LockExitKind.EndOfBody });
                }

                return new LockFlowResult(_owner, true, _events.ToImmutableArray(), heldOnEntry, heldAtExit, ImmutableArray<LockState?>.Empty);
            }

            /// <summary>Walks one statement with <paramref name="state"/> held; returns whether its end is reachable.</summary>
            private bool Statement(IOperation statement, LockState state)
            {
                _cancellationToken.ThrowIfCancellationRequested();
                switch (statement)
                {
                    case IMethodBodyOperation body:
                        return Statement((IOperation?)body.BlockBody ?? body.ExpressionBody!, state);
                    case IConstructorBodyOperation constructor:
                        if (constructor.Initializer != null)
                        {
                            Visit(constructor.Initializer, state, record: true);
                        }

                        return constructor.BlockBody == null || Statement(constructor.BlockBody, state);
                    case IBlockOperation block:
                        return Statements(block.Operations, 0, state);
                    case IConditionalOperation branch:
                        Visit(branch.Condition, state, record: true);
                        bool thenEnds = Statement(branch.WhenTrue, state);
                        return (branch.WhenFalse == null || Statement(branch.WhenFalse, state)) | thenEnds;
                    case IWhileLoopOperation loop:
                        return InScope(LockScope.ForJumps(loop, loop.ExitLabel, loop.ContinueLabel), () => WhileLoop(loop, state));
                    case IForLoopOperation loop:
                        return InScope(LockScope.ForJumps(loop, loop.ExitLabel, loop.ContinueLabel), () => ForLoop(loop, state));
                    case IForEachLoopOperation loop:
                        Visit(loop.Collection, state, record: true);
                        InScope(LockScope.ForJumps(loop, loop.ExitLabel, loop.ContinueLabel), () => Statement(loop.Body, state));
                        return true;
                    case ISwitchOperation choice:
                        return InScope(LockScope.ForJumps(choice, choice.ExitLabel, null), () => Switch(choice, state));
                    case ITryOperation attempt:
                        return Try(attempt, state);
                    case ILockOperation locked:
                        return Lock(locked, state);
                    case IUsingOperation scoped:
                        return Using(scoped, state);
                    case IReturnOperation returned:
                        return Return(returned, state);
                    case IThrowOperation thrown:
                        Visit(thrown.Exception!, state, record: true);
                        Throw(thrown, state);
                        return false;
                    case IBranchOperation jump:
                        _reachedLabels.Add(jump.Target);
                        LeaveScopes(ScopeDepthOf(jump.Target), state, out _);
                        return false;
                    case IEmptyOperation _:
                        return true;
                    default:
                        Visit(statement, state, record: true);
                        return true;
                }
            }

            private bool InScope(LockScope scope, System.Func<bool> walk)
            {
                _scopes.Add(scope);
                bool ends = walk();
                _scopes.RemoveAt(_scopes.Count - 1);
                return ends;
            }

            private bool ForLoop(IForLoopOperation loop, LockState state)
            {
                        foreach (IOperation before in loop.Before)
                        {
                            Statement(before, state);
                        }

                        if (loop.Condition != null)
                        {
                            Visit(loop.Condition, state, record: true);
                        }

                        if (Statement(loop.Body, state) || _reachedLabels.Contains(loop.ContinueLabel))
                        {
                            foreach (IOperation bottom in loop.AtLoopBottom)
                            {
                                Statement(bottom, state);
                            }
                        }

                        return loop.Condition != null || _reachedLabels.Contains(loop.ExitLabel);
            }

            private bool Return(IReturnOperation returned, LockState state)
            {
                if (returned.ReturnedValue != null)
                {
                    Visit(returned.ReturnedValue, state, record: true);
                }

                LeaveScopes(0, state, out LockState exitState);
                Location location = returned.ReturnedValue != null ? ExitLocator.ValueExit(returned.ReturnedValue.Syntax) : returned.Syntax.GetLocation();
                AddExit(new LockEvent(LockEventKind.Exit, location, exitState, returned.ReturnedValue, null, LockKind.Monitor, null) { ExitKind = LockExitKind.Return });
                return false;
            }

            /// <summary>The statements of a block from <paramref name="start"/> on; a using declaration scopes the rest of them.</summary>
            private bool Statements(ImmutableArray<IOperation> statements, int start, LockState state)
            {
                for (int i = start; i < statements.Length; i++)
                {
                    if (statements[i] is IUsingDeclarationOperation declaration)
                    {
                        return UsingDeclaration(declaration, statements, i + 1, state);
                    }

                    // Code after a statement whose end is unreachable is never run (there are no labels here).
                    if (!Statement(statements[i], state))
                    {
                        return false;
                    }
                }

                return true;
            }

            private bool WhileLoop(IWhileLoopOperation loop, LockState state)
            {
                bool forever = loop.Condition?.ConstantValue.HasValue == true;
                if (loop.ConditionIsTop && loop.Condition != null && !forever)
                {
                    Visit(loop.Condition, state, record: true);
                }

                bool bodyEnds = Statement(loop.Body, state);
                if (!loop.ConditionIsTop && loop.Condition != null && (bodyEnds || _reachedLabels.Contains(loop.ContinueLabel)))
                {
                    Visit(loop.Condition, state, record: true);
                }

                return !forever || _reachedLabels.Contains(loop.ExitLabel);
            }

            private bool Switch(ISwitchOperation choice, LockState state)
            {
                Visit(choice.Value, state, record: true);
                bool hasDefault = false;
                foreach (ISwitchCaseOperation section in choice.Cases)
                {
                    foreach (ICaseClauseOperation clause in section.Clauses)
                    {
                        hasDefault |= clause.CaseKind == CaseKind.Default;
                        Visit(clause, state, record: true);
                    }

                    foreach (IOperation inner in section.Body)
                    {
                        if (!Statement(inner, state))
                        {
                            break;
                        }
                    }
                }

                return !hasDefault || _reachedLabels.Contains(choice.ExitLabel);
            }

            private bool Try(ITryOperation attempt, LockState state)
            {
                bool catches = !attempt.Catches.IsEmpty;
                if (catches)
                {
                    _catchingTries.Add(attempt);
                }

                _scopes.Add(LockScope.ForJumps(attempt, null, null));
                bool ends = Statement(attempt.Body, state);
                _scopes.RemoveAt(_scopes.Count - 1);
                if (catches)
                {
                    _catchingTries.RemoveAt(_catchingTries.Count - 1);
                }

                foreach (ICatchClauseOperation handler in attempt.Catches)
                {
                    if (handler.ExceptionDeclarationOrExpression != null)
                    {
                        Visit(handler.ExceptionDeclarationOrExpression, state, record: true);
                    }

                    if (handler.Filter != null)
                    {
                        Visit(handler.Filter, state, record: true);
                    }

                    ends |= Statement(handler.Handler, state);
                }

                if (attempt.Finally != null)
                {
                    // A finally that holds nothing of its own runs with the state of the try (the locks around it).
                    Statement(attempt.Finally, state);
                }

                return ends;
            }

            private bool Lock(ILockOperation locked, LockState state)
            {
                Visit(locked.LockedValue, state, record: true);
                LockPath? path = _paths.ObjectOf(locked.LockedValue, state);
                if (path == null)
                {
                    return Statement(locked.Body, state);
                }

                // The graph lowers lock (x) to Monitor.Enter(x, ref taken) and a finally with Monitor.Exit(x), both at x.
                Location site = locked.LockedValue.Syntax.GetLocation();
                Add(new LockEvent(LockEventKind.Acquire, site, state, locked.LockedValue, path, LockKind.Monitor, MonitorMethod("Enter", 2)));
                LockState inside = state.Acquire(path, LockKind.Monitor, site);
                var release = new LockEvent(LockEventKind.Release, site, inside, locked.LockedValue, path, LockKind.Monitor, MonitorMethod("Exit", 1));
                return Scoped(locked, path, inside, release, body => Statement(locked.Body, body));
            }

            /// <summary><c>using (m.Guard())</c> and <c>using (var g = l.EnterScope())</c>: held in the body, released by the guard's Dispose.</summary>
            private bool Using(IUsingOperation scoped, LockState state) =>
                Guarded(scoped, scoped.Resources, StructuredSubset.GuardOf(scoped.Resources)!, state, inside => Statement(scoped.Body, inside));

            /// <summary><c>using var g = m.Guard();</c>: held in the rest of the block, released by the guard's Dispose at its end.</summary>
            private bool UsingDeclaration(IUsingDeclarationOperation declaration, ImmutableArray<IOperation> statements, int next, LockState state) =>
                Guarded(declaration, declaration.DeclarationGroup, StructuredSubset.GuardOf(declaration.DeclarationGroup)!, state, inside => Statements(statements, next, inside),
                    declaration.DeclarationGroup.Declarations[0].Declarators[0]);

            /// <param name="releaseSite">Where the graph puts the lowered Dispose: the declarator of a using declaration, else the resource.</param>
            private bool Guarded(IOperation statement, IOperation resource, IInvocationOperation guard, LockState state, System.Func<LockState, bool> body, IOperation? releaseSite = null)
            {
                LockState inside = Visit(resource, state, record: true);
                LockPath? path = _paths.GuardedLockOf(guard, inside, out LockKind kind);

                // The graph's lowered Dispose call is the interface's (IDisposable.Dispose), but a ref struct's own
                // (Lock.Scope), which is disposed by pattern.
                ITypeSymbol guardType = guard.TargetMethod.ReturnType;
                IMethodSymbol? dispose = DisposeOf(guardType.IsRefLikeType ? guardType : _model.Compilation.GetSpecialType(SpecialType.System_IDisposable));
                if (path == null || dispose == null)
                {
                    return body(inside);
                }

                IOperation site = releaseSite ?? resource;
                var release = new LockEvent(LockEventKind.Release, site.Syntax.GetLocation(), inside, site, path, kind, dispose) { IsScoped = true };
                return Scoped(statement, path, inside, release, body);
            }

            /// <summary>Walks the body of a lock scope; its release is an event when some path leaves the scope.</summary>
            private bool Scoped(IOperation statement, LockPath path, LockState inside, LockEvent release, System.Func<LockState, bool> body)
            {
                var scope = LockScope.ForLock(statement, path);
                _scopes.Add(scope);
                bool ends = body(inside);
                _scopes.RemoveAt(_scopes.Count - 1);
                if (ends || scope.Left)
                {
                    Add(release);
                }

                return ends;
            }

            private static IMethodSymbol? DisposeOf(ITypeSymbol guardType)
            {
                foreach (ISymbol member in guardType.GetMembers("Dispose"))
                {
                    if (member is IMethodSymbol { Parameters.IsEmpty: true } method)
                    {
                        return method;
                    }
                }

                return null;
            }

            /// <summary>An explicit throw: caught by an enclosing try of the body, or an exit after every lock it leaves.</summary>
            private void Throw(IThrowOperation thrown, LockState state)
            {
                int depth = 0;
                if (_catchingTries.Count > 0)
                {
                    ITryOperation catcher = _catchingTries[_catchingTries.Count - 1];
                    depth = _scopes.FindIndex(s => ReferenceEquals(s.Statement, catcher)) + 1;
                }

                LeaveScopes(depth, state, out LockState after);
                if (_catchingTries.Count == 0)
                {
                    AddExit(new LockEvent(LockEventKind.Exit, ExitLocator.ValueExit(thrown.Exception!.Syntax), after, thrown.Exception, null, LockKind.Monitor, null) { ExitKind = LockExitKind.Throw });
                }
            }

            /// <summary>Marks the lock scopes above <paramref name="depth"/> as left, and gives the state once they are released.</summary>
            private void LeaveScopes(int depth, LockState state, out LockState after)
            {
                after = state;
                for (int i = _scopes.Count - 1; i >= depth; i--)
                {
                    LockScope scope = _scopes[i];
                    if (scope.Path != null)
                    {
                        scope.Left = true;
                        after = after.Release(scope.Path);
                    }
                }
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

            private IMethodSymbol? MonitorMethod(string name, int parameters)
            {
                foreach (ISymbol member in _model.MonitorType!.GetMembers(name))
                {
                    if (member is IMethodSymbol method && method.Parameters.Length == parameters && (parameters < 2 || method.Parameters[1].RefKind == RefKind.Ref))
                    {
                        return method;
                    }
                }

                return null;
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

                /// <summary>Whether some path left the scope (so its lowered release runs).</summary>
                public bool Left { get; set; }

                public bool IsTargetOf(ILabelSymbol label) =>
                    SymbolEqualityComparer.Default.Equals(label, _exit) || SymbolEqualityComparer.Default.Equals(label, _continue);
            }
        }
    }
}
