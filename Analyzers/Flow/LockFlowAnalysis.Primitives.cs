using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace IommuAnalyzers.Flow
{
    internal static partial class LockFlowAnalysis
    {
        // Lock primitives: acquire, release and try-acquire of KMutex, Monitor, Lock and annotated methods.
        private sealed partial class BodyAnalysis
        {
            private LockState VisitInvocation(IInvocationOperation invocation, LockState state, bool record)
            {
                IMethodSymbol method = invocation.TargetMethod;
                INamedTypeSymbol? type = method.ContainingType;
                Location location = invocation.Syntax.GetLocation();

                if (_context.IsType(type, _symbols.KMutex))
                {
                    LockPath? mutex = _paths.ObjectOf(invocation.Instance, state);
                    switch (method.Name)
                    {
                        case "Lock":
                            return Acquire(invocation, mutex, LockKind.KMutex, state, record);
                        case "Guard":
                            return _paths.RememberGuard(Acquire(invocation, mutex, LockKind.KMutex, state, record), invocation, mutex);
                        case "Unlock":
                            return Release(invocation, mutex, LockKind.KMutex, state, record, scoped: false);
                        case "TryLock":
                            return TryAcquire(invocation, mutex, LockKind.KMutex, state, record);
                    }

                    return state;
                }

                if (_context.IsType(type, _symbols.Monitor) && invocation.Arguments.Length > 0)
                {
                    LockPath? monitor = _paths.ObjectOf(ArgumentFor(invocation, 0), state);
                    IOperation? takenArgument = invocation.Arguments.Length > 1 ? ArgumentFor(invocation, method.Parameters.Length - 1) : null;
                    ILocalSymbol? taken = method.Parameters[method.Parameters.Length - 1].RefKind == RefKind.Ref && takenArgument is ILocalReferenceOperation local ? local.Local : null;
                    switch (method.Name)
                    {
                        case "Enter":
                            state = Acquire(invocation, monitor, LockKind.Monitor, state, record);
                            return taken != null && monitor != null ? state.WithWitness(new LockWitness(taken, monitor, LockKind.Monitor, LockFlag.Taken, location)) : state;
                        case "TryEnter":
                            state = TryAcquire(invocation, monitor, LockKind.Monitor, state, record);
                            return taken != null && monitor != null ? state.WithWitness(new LockWitness(taken, monitor, LockKind.Monitor, LockFlag.Undecided, location)) : state;
                        case "Exit":
                            return Release(invocation, monitor, LockKind.Monitor, state, record, scoped: false);
                    }

                    return state;
                }

                if (_context.IsType(type, _symbols.SystemThreadingLock))
                {
                    LockPath? threadingLock = _paths.ObjectOf(invocation.Instance, state);
                    switch (method.Name)
                    {
                        case "Enter":
                            return Acquire(invocation, threadingLock, LockKind.ThreadingLock, state, record);
                        case "EnterScope":
                            return _paths.RememberGuard(Acquire(invocation, threadingLock, LockKind.ThreadingLock, state, record), invocation, threadingLock);
                        case "TryEnter":
                            return TryAcquire(invocation, threadingLock, LockKind.ThreadingLock, state, record);
                        case "Exit":
                            return Release(invocation, threadingLock, LockKind.ThreadingLock, state, record, scoped: false);
                    }

                    return state;
                }

                if (method.Name == "Dispose" && method.Parameters.IsEmpty && invocation.Instance != null)
                {
                    LockPath? guarded = _paths.GuardedLockOf(invocation.Instance, state, out LockKind guardKind);
                    if (guarded != null)
                    {
                        return Release(invocation, guarded, guardKind, state, record, scoped: true);
                    }

                    state = ReleaseScopedGuard(invocation, state, record, out bool released);
                    if (released)
                    {
                        return state;
                    }
                }

                // Lock order follows calls into source made while a lock is held (IOMMU0108's per-method summaries).
                if (record && !state.Locks.IsEmpty && !method.Locations.IsEmpty && method.Locations[0].IsInSource)
                {
                    Add(new LockEvent(LockEventKind.Call, location, AtSite(state, invocation), invocation, null, LockKind.Monitor, method));
                }

                if (!_context.IsLockRelevant(method))
                {
                    return state;
                }

                LockPath? receiver = CallReceiver(method, invocation.Instance, state);
                CheckCallContracts(invocation, method, receiver, invocation.Arguments, state, record);
                foreach (LockExpression expression in _context.Resolver.AcquiresLock(method))
                {
                    state = Acquire(invocation, expression.Bind(receiver, parameter => ArgumentPath(invocation.Arguments, parameter, state), method.ContainingType), expression.Kind, state, record);
                }

                foreach (LockExpression expression in _context.Resolver.ReleasesLock(method))
                {
                    state = Release(invocation, expression.Bind(receiver, parameter => ArgumentPath(invocation.Arguments, parameter, state), method.ContainingType), expression.Kind, state, record, scoped: false);
                }

                return state;
            }

            private bool TryAcquireTarget(IInvocationOperation invocation, LockState state, out LockPath? path, out LockKind kind)
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
                    path = _paths.ObjectOf(invocation.Instance, state);
                    return true;
                }

                if (method.Name == "TryEnter" && _context.IsType(method.ContainingType, _symbols.Monitor))
                {
                    kind = LockKind.Monitor;
                    path = _paths.ObjectOf(ArgumentFor(invocation, 0), state);
                    return true;
                }

                if (method.Name == "TryEnter" && _context.IsType(method.ContainingType, _symbols.SystemThreadingLock))
                {
                    kind = LockKind.ThreadingLock;
                    path = _paths.ObjectOf(invocation.Instance, state);
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
        }
    }
}
