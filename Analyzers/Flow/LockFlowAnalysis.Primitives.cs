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
                if (_model.IsLockType(type))
                {
                    // A lock type's own methods: the model's table says what each does (AssertHeld and the like do nothing).
                    return _model.Primitive(method) is LockPrimitive primitive ? ApplyPrimitive(invocation, primitive, state, record) : state;
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
                    Add(new LockEvent(LockEventKind.Call, invocation.Syntax.GetLocation(), AtSite(state, invocation), invocation, null, LockKind.Monitor, method));
                }

                // A helper called with some lock held may rely on it (IOMMU0110): what its this and parameters denote here.
                if (record && !state.Locks.IsEmpty && _context.IsHelperCandidate(method))
                {
                    Add(new LockEvent(LockEventKind.HelperCall, invocation.Syntax.GetLocation(), AtSite(state, invocation), invocation, null, LockKind.Monitor, method)
                    {
                        Receiver = CallReceiver(method, invocation.Instance, state),
                        Arguments = ArgumentPaths(method, invocation, state),
                    });
                }

                if (!_context.IsLockRelevant(method))
                {
                    return state;
                }

                return ApplyCallContracts(invocation, method, state, record);
            }

            // Apart from VisitInvocation, which sees every call of the body: the lambdas' closure is allocated only for a
            // call of a lock-relevant method.
            private LockState ApplyCallContracts(IInvocationOperation invocation, IMethodSymbol method, LockState state, bool record)
            {
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

            private ImmutableArray<LockPath?> ArgumentPaths(IMethodSymbol method, IInvocationOperation invocation, LockState state)
            {
                ImmutableArray<LockPath?>.Builder paths = ImmutableArray.CreateBuilder<LockPath?>(method.Parameters.Length);
                foreach (IParameterSymbol parameter in method.Parameters)
                {
                    paths.Add(ArgumentPath(invocation.Arguments, parameter, state));
                }

                return paths.MoveToImmutable();
            }

            private LockState ApplyPrimitive(IInvocationOperation invocation, LockPrimitive primitive, LockState state, bool record)
            {
                LockPath? path = _paths.ObjectOf(primitive.Operand == LockOperand.Receiver ? invocation.Instance : ArgumentFor(invocation, 0), state);
                ILocalSymbol? taken = primitive.TakenFlag && ArgumentFor(invocation, invocation.TargetMethod.Parameters.Length - 1) is ILocalReferenceOperation flag ? flag.Local : null;
                Location location = invocation.Syntax.GetLocation();
                switch (primitive.Action)
                {
                    case LockAction.Acquire:
                        state = Acquire(invocation, path, primitive.Kind, state, record);
                        return taken != null && path != null ? state.WithWitness(new LockWitness(taken, path, primitive.Kind, LockFlag.Taken, location)) : state;
                    case LockAction.ScopedAcquire:
                        return _paths.RememberGuard(Acquire(invocation, path, primitive.Kind, state, record), invocation, path);
                    case LockAction.TryAcquire:
                        state = TryAcquire(invocation, path, primitive.Kind, state, record);
                        return taken != null && path != null ? state.WithWitness(new LockWitness(taken, path, primitive.Kind, LockFlag.Undecided, location)) : state;
                    default:
                        return Release(invocation, path, primitive.Kind, state, record, scoped: false);
                }
            }

            /// <summary>A try-acquire that returns whether it took the lock (<c>m.TryLock()</c>, <c>Monitor.TryEnter(o)</c>, <c>l.TryEnter()</c>).</summary>
            private bool TryAcquireTarget(IInvocationOperation invocation, LockState state, out LockPath? path, out LockKind kind)
            {
                path = null;
                kind = LockKind.Monitor;
                if (!(_model.Primitive(invocation.TargetMethod) is { Action: LockAction.TryAcquire } primitive) || invocation.TargetMethod.ReturnType.SpecialType != SpecialType.System_Boolean)
                {
                    return false;
                }

                kind = primitive.Kind;
                path = _paths.ObjectOf(primitive.Operand == LockOperand.Receiver ? invocation.Instance : ArgumentFor(invocation, 0), state);
                return true;
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
