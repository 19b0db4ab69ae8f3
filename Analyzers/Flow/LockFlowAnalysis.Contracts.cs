using System;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace IommuAnalyzers.Flow
{
    internal static partial class LockFlowAnalysis
    {
        // Contracts on every member kind at its use: local functions (enclosing instance), extension members (the block's
        // receiver), user-defined operators and conversions (operands as arguments), property accessors and indexers
        // (the accessor that runs, the indexer's arguments), and [AcquiresLock] methods whose guard a using disposes.
        private sealed partial class BodyAnalysis
        {
            /// <summary>The instance a body's own receiver-rooted contracts name: <c>this</c>, or an extension block's receiver parameter.</summary>
            private LockPath? ContractReceiver() => _owner.IsStatic ? null : InstanceRoot(_owner.ContainingType);

            private static LockPath? InstanceRoot(ITypeSymbol? type)
            {
                IParameterSymbol? receiver = LockExpressionScope.ExtensionReceiver(type);
                if (receiver != null)
                {
                    return LockPath.ForParameter(receiver);
                }

                return type != null && type.IsExtension ? null : LockPath.ForThis(type);
            }

            /// <summary>The receiver a call's contracts bind to; a local function runs on the caller's own instance.</summary>
            private LockPath? CallReceiver(IMethodSymbol method, IOperation? instance, LockState state)
            {
                if (method.IsStatic)
                {
                    return null;
                }

                return method.MethodKind == MethodKind.LocalFunction ? InstanceRoot(method.ContainingType) : _paths.ObjectOf(instance, state);
            }

            /// <summary>A user-defined operator or conversion: a call of its method with the operands as arguments.</summary>
            private LockState VisitOperatorCall(IOperation operation, LockState state, bool record)
            {
                IMethodSymbol? method = ContractCalls.OperatorMethod(operation, out IOperation? left, out IOperation? right);
                if (method == null || !_context.IsLockRelevant(method))
                {
                    return state;
                }

                return ApplyOperatorContracts(operation, method, left, right, state, record);
            }

            // Apart from VisitOperatorCall, which sees every conversion and operator of the body: the lambda's closure is
            // allocated only for a lock-relevant user-defined operator.
            private LockState ApplyOperatorContracts(IOperation operation, IMethodSymbol method, IOperation? left, IOperation? right, LockState state, bool record) =>
                ApplyContracts(operation, method, null, parameter => parameter.Ordinal == 0 ? _paths.ObjectOf(left, state) : parameter.Ordinal == 1 ? _paths.ObjectOf(right, state) : null, state, record);

            /// <summary>[ExcludesLock], [AcquiresLock] and [ReleasesLock] of the accessors a property reference runs ([RequiresLock] is checked with the access).</summary>
            private LockState VisitAccessorCalls(IPropertyReferenceOperation reference, LockState state, bool record)
            {
                IPropertySymbol property = reference.Property;
                if (!_context.IsLockRelevant(property) || IsOwnObjectUnderConstruction(property, reference.Instance))
                {
                    return state;
                }

                return ApplyAccessorContracts(reference, property, state, record);
            }

            // Apart from VisitAccessorCalls, which sees every property reference: the closure is allocated only for a
            // lock-relevant property.
            private LockState ApplyAccessorContracts(IPropertyReferenceOperation reference, IPropertySymbol property, LockState state, bool record)
            {
                ContractCalls.Accessors(reference, out IMethodSymbol? getter, out IMethodSymbol? setter);
                LockPath? receiver = property.IsStatic ? null : _paths.ObjectOf(reference.Instance, state);
                Func<IParameterSymbol, LockPath?> argument = parameter => PropertyArgument(reference, parameter, state);
                if (getter != null && _context.IsLockRelevant(getter))
                {
                    state = ApplyContracts(reference, getter, receiver, argument, state, record, requires: false);
                }

                if (setter != null && _context.IsLockRelevant(setter))
                {
                    state = ApplyContracts(reference, setter, receiver, argument, state, record, requires: false);
                }

                return state;
            }

            /// <summary>The [RequiresLock] expressions of the accessors <paramref name="reference"/> runs, each once.</summary>
            private ImmutableArray<LockExpression> AccessorRequires(IOperation reference, IPropertySymbol property)
            {
                if (!(reference is IPropertyReferenceOperation propertyReference))
                {
                    return _context.Resolver.RequiresLock(property);
                }

                ContractCalls.Accessors(propertyReference, out IMethodSymbol? getter, out IMethodSymbol? setter);
                ImmutableArray<LockExpression> read = getter == null ? ImmutableArray<LockExpression>.Empty : _context.Resolver.RequiresLock(getter);
                ImmutableArray<LockExpression> write = setter == null ? ImmutableArray<LockExpression>.Empty : _context.Resolver.RequiresLock(setter);
                if (getter == null && setter == null)
                {
                    return _context.Resolver.RequiresLock(property);
                }

                if (write.IsEmpty)
                {
                    return read;
                }

                if (read.IsEmpty)
                {
                    return write;
                }

                // Both accessors run (g.Count++): the property's own expressions come back from both, as the same objects.
                ImmutableArray<LockExpression>.Builder both = read.ToBuilder();
                foreach (LockExpression expression in write)
                {
                    if (!read.Contains(expression))
                    {
                        both.Add(expression);
                    }
                }

                return both.ToImmutable();
            }

            /// <summary>The path an indexer argument (or a setter's <c>value</c>) names, for parameter-rooted lock expressions.</summary>
            private LockPath? PropertyArgument(IOperation reference, IParameterSymbol parameter, LockState state)
            {
                if (!(reference is IPropertyReferenceOperation property))
                {
                    return null;
                }

                if (parameter.Ordinal < property.Property.Parameters.Length)
                {
                    return ArgumentPath(property.Arguments, parameter, state);
                }

                return property.Parent is ISimpleAssignmentOperation assignment && assignment.Target == property && parameter.Name == "value" ? _paths.ObjectOf(assignment.Value, state) : null;
            }

            private LockState ApplyContracts(IOperation call, IMethodSymbol method, LockPath? receiver, Func<IParameterSymbol, LockPath?> argument, LockState state, bool record, bool requires = true)
            {
                if (record)
                {
                    if (requires)
                    {
                        foreach (LockExpression expression in _context.Resolver.RequiresLock(method))
                        {
                            LockPath? path = expression.Bind(receiver, argument);
                            if (path != null)
                            {
                                Add(new LockEvent(LockEventKind.RequiredLock, call.Syntax.GetLocation(), AtSite(state, call), call, path, expression.Kind, method));
                            }
                        }
                    }

                    foreach (LockExpression expression in _context.Resolver.ExcludesLock(method))
                    {
                        LockPath? path = expression.Bind(receiver, argument);
                        if (path != null)
                        {
                            Add(new LockEvent(LockEventKind.ExcludedLock, call.Syntax.GetLocation(), AtSite(state, call), call, path, expression.Kind, method));
                        }
                    }
                }

                foreach (LockExpression expression in _context.Resolver.AcquiresLock(method))
                {
                    state = Acquire(call, expression.Bind(receiver, argument), expression.Kind, state, record);
                }

                foreach (LockExpression expression in _context.Resolver.ReleasesLock(method))
                {
                    state = Release(call, expression.Bind(receiver, argument), expression.Kind, state, record, scoped: false);
                }

                return state;
            }

            /// <summary>
            /// Disposing the guard an [AcquiresLock] method returned (<c>using var g = Holder.Lock();</c>) releases what the
            /// call acquired, as a scoped release: the same as <c>KMutex.Guard()</c>.
            /// </summary>
            private LockState ReleaseScopedGuard(IInvocationOperation dispose, LockState state, bool record, out bool released)
            {
                released = false;
                if (!(_paths.GuardSource(dispose.Instance) is IInvocationOperation acquire) || !IsScopedAcquire(acquire.TargetMethod))
                {
                    return state;
                }

                LockPath? receiver = CallReceiver(acquire.TargetMethod, acquire.Instance, state);
                foreach (LockExpression expression in _context.Resolver.AcquiresLock(acquire.TargetMethod))
                {
                    LockPath? path = expression.Bind(receiver, parameter => ArgumentPath(acquire.Arguments, parameter, state));
                    if (path != null)
                    {
                        released = true;
                        state = Release(dispose, path, expression.Kind, state, record, scoped: true);
                    }
                }

                return state;
            }

            /// <summary>
            /// On the edge where a using's null check finds its guard null, the [AcquiresLock] call that made it took
            /// nothing to give back: a guard that call returns is never null once the lock is held.
            /// </summary>
            private LockState ApplyGuardNullCheck(IOperation condition, bool valueOnEdge, LockState state)
            {
                if (!(condition is IIsNullOperation isNull) || !valueOnEdge || !(_paths.GuardSource(isNull.Operand) is IInvocationOperation acquire) || !IsScopedAcquire(acquire.TargetMethod))
                {
                    return state;
                }

                LockPath? receiver = CallReceiver(acquire.TargetMethod, acquire.Instance, state);
                foreach (LockExpression expression in _context.Resolver.AcquiresLock(acquire.TargetMethod))
                {
                    LockPath? path = expression.Bind(receiver, parameter => ArgumentPath(acquire.Arguments, parameter, state));
                    if (path != null)
                    {
                        state = state.Release(path);
                    }
                }

                return state;
            }

            /// <summary>An [AcquiresLock] method whose result is disposable: a scoped lock (the result is the guard).</summary>
            private bool IsScopedAcquire(IMethodSymbol method)
            {
                if (_context.Resolver.AcquiresLock(method).IsEmpty)
                {
                    return false;
                }

                ITypeSymbol type = method.ReturnType;
                if (_context.IsType(type, _model.ScopedGuardType) || type.SpecialType == SpecialType.System_IDisposable)
                {
                    return true;
                }

                foreach (INamedTypeSymbol face in type.AllInterfaces)
                {
                    if (face.SpecialType == SpecialType.System_IDisposable)
                    {
                        return true;
                    }
                }

                return false;
            }
        }
    }

    /// <summary>How an operation calls a member that can carry lock contracts, besides invocations and object creations.</summary>
    internal static class ContractCalls
    {
        /// <summary>The user-defined operator or conversion <paramref name="operation"/> calls, with its operands in parameter order.</summary>
        public static IMethodSymbol? OperatorMethod(IOperation operation, out IOperation? first, out IOperation? second)
        {
            second = null;
            switch (operation)
            {
                case IBinaryOperation binary when binary.OperatorMethod != null:
                    first = binary.LeftOperand;
                    second = binary.RightOperand;
                    return binary.OperatorMethod;
                case IUnaryOperation unary when unary.OperatorMethod != null:
                    first = unary.Operand;
                    return unary.OperatorMethod;
                case IIncrementOrDecrementOperation increment when increment.OperatorMethod != null:
                    first = increment.Target;
                    return increment.OperatorMethod;
                case ICompoundAssignmentOperation compound when compound.OperatorMethod != null:
                    first = compound.Target;
                    second = compound.Value;
                    return compound.OperatorMethod;
                case IConversionOperation conversion when conversion.OperatorMethod != null:
                    first = conversion.Operand;
                    return conversion.OperatorMethod;
                default:
                    first = null;
                    return null;
            }
        }

        /// <summary>Which accessors a property reference runs: the getter to read, the setter (or init) to write, both for <c>++</c>, <c>+=</c>.</summary>
        public static void Accessors(IPropertyReferenceOperation reference, out IMethodSymbol? getter, out IMethodSymbol? setter)
        {
            IPropertySymbol property = reference.Property;
            getter = null;
            setter = null;
            switch (AccessKinds.Classify(reference))
            {
                case AccessKind.Write:
                    setter = property.SetMethod;
                    break;
                case AccessKind.ReadWrite:
                    getter = property.GetMethod;
                    setter = property.SetMethod;
                    break;
                default:
                    getter = property.GetMethod;
                    break;
            }
        }
    }
}
