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
        // Conditions: the state on each edge of a branch on TryLock, a lock-taken flag or a witness local.
        private sealed partial class BodyAnalysis
        {
            private LockState TrackWitness(ILocalSymbol local, IOperation value, LockState state)
            {
                // bool ok = m.TryLock(); bool busy = !ok; bool t2 = taken; -- the local tells whether the lock is held.
                if (TryConditionLock(value, state, out LockPath? path, out LockKind kind, out bool heldWhenTrue, out LockFlag flag, out Location? site, 0) && path != null)
                {
                    return state.WithWitness(new LockWitness(local, path, kind, flag, site, heldWhenTrue));
                }

                return state.WithoutWitness(local);
            }

            /// <summary>The state on an edge of a conditional branch: TryLock and lock-taken flags decide what is held.</summary>
            private LockState ApplyCondition(IOperation condition, bool valueOnEdge, LockState state)
            {
                state = ApplyGuardNullCheck(condition, valueOnEdge, state);
                if (!TryConditionLock(condition, state, out LockPath? path, out LockKind kind, out bool heldWhenTrue, out LockFlag flag, out Location? site, 0) || path == null)
                {
                    return state;
                }

                // The branch decides the flag, and every flag set by the same call with it (ok and busy = !ok), so a
                // later test of it on this branch changes nothing.
                bool held = valueOnEdge == heldWhenTrue;
                if (held)
                {
                    return flag == LockFlag.Taken ? state : MarkFlags(state.Acquire(path, kind, site), path, site, LockFlag.Taken);
                }

                LockState decided = MarkFlags(state, path, site, LockFlag.NotTaken);
                return flag == LockFlag.Taken ? decided.Release(path) : decided;
            }

            private static LockState MarkFlags(LockState state, LockPath path, Location? site, LockFlag flag)
            {
                if (site == null)
                {
                    return state;
                }

                foreach (LockWitness witness in state.Witnesses)
                {
                    if (witness.Path.Equals(path) && Equals(witness.Site, site) && witness.Flag != flag)
                    {
                        state = state.WithWitness(witness.With(flag));
                    }
                }

                return state;
            }

            private bool TryConditionLock(IOperation condition, LockState state, out LockPath? path, out LockKind kind, out bool heldWhenTrue, out LockFlag flag, out Location? site, int depth)
            {
                path = null;
                kind = LockKind.Monitor;
                heldWhenTrue = true;
                flag = LockFlag.Undecided;
                site = null;
                if (depth > 8)
                {
                    return false;
                }

                switch (OperationPaths.Unwrap(condition))
                {
                    case IInvocationOperation invocation when TryAcquireTarget(invocation, state, out path, out kind):
                        site = invocation.Syntax.GetLocation();
                        return true;
                    case ILocalReferenceOperation local when state.FindWitness(local.Local) is LockWitness witness:
                        path = witness.Path;
                        kind = witness.Kind;
                        heldWhenTrue = witness.HeldWhen;
                        flag = witness.Flag;
                        site = witness.Site;
                        return true;
                    case IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } not:
                        if (TryConditionLock(not.Operand, state, out path, out kind, out heldWhenTrue, out flag, out site, depth + 1))
                        {
                            heldWhenTrue = !heldWhenTrue;
                            return true;
                        }

                        return false;
                    case IIsPatternOperation isPattern:
                        bool? matches = BoolPattern(isPattern.Pattern);
                        if (matches.HasValue && TryConditionLock(isPattern.Value, state, out path, out kind, out heldWhenTrue, out flag, out site, depth + 1))
                        {
                            heldWhenTrue = heldWhenTrue == matches.Value;
                            return true;
                        }

                        return false;
                    case IBinaryOperation binary when binary.OperatorKind == BinaryOperatorKind.Equals || binary.OperatorKind == BinaryOperatorKind.NotEquals:
                        IOperation? other = BoolConstant(binary.RightOperand).HasValue ? binary.LeftOperand : BoolConstant(binary.LeftOperand).HasValue ? binary.RightOperand : null;
                        bool? constant = BoolConstant(binary.RightOperand) ?? BoolConstant(binary.LeftOperand);
                        if (other != null && constant.HasValue && TryConditionLock(other, state, out path, out kind, out heldWhenTrue, out flag, out site, depth + 1))
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
        }
    }
}
