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
        // The transfer function: what one operation does to the lock state, and the events it records.
        private sealed partial class BodyAnalysis
        {
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
                if (operation is IFlowAnonymousFunctionOperation lambda)
                {
                    // Lambdas are analysed on their own; one that runs on the spot starts with the state recorded here.
                    RecordSynchronousLambda(lambda, state, record);
                    return state;
                }

                foreach (IOperation child in operation.ChildOperations)
                {
                    state = Visit(child, state, record);
                }

                switch (operation)
                {
                    case IInvocationOperation invocation:
                        if (record && Probe != null && invocation.Syntax == Probe.Site)
                        {
                            AnswerProbe(invocation, state);
                        }

                        return VisitInvocation(invocation, state, record);
                    case IPropertyReferenceOperation property:
                        return VisitAccessorCalls(property, VisitMember(property, property.Property, property.Instance, state, record), record);
                    case IFieldReferenceOperation field:
                        return VisitMember(field, field.Field, field.Instance, state, record);
                    case IObjectCreationOperation creation when creation.Constructor != null:
                        CheckCallContracts(creation, creation.Constructor, null, creation.Arguments, state, record);
                        return state;
                    case ISimpleAssignmentOperation assignment when assignment.Target is ILocalReferenceOperation local:
                        return TrackWitness(local.Local, assignment.Value, _paths.Write(state, local.Local, assignment.IsRef ? null : assignment.Value, assignment.Syntax));
                    case ILocalReferenceOperation local when OperationPaths.IsWrite(local, out IOperation? value) && !(local.Parent is ISimpleAssignmentOperation):
                        return _paths.Write(state.WithoutWitness(local.Local), local.Local, value, local.Parent!.Syntax);
                    case IParameterReferenceOperation parameter when OperationPaths.IsWrite(parameter, out IOperation? value):
                        return _paths.Write(state, parameter.Parameter, value, parameter.Parent!.Syntax);
                    case IFlowCaptureOperation capture:
                        return _paths.Capture(state, capture.Id, capture.Value);
                    case IIsPatternOperation isPattern:
                        return WritePatternVariables(isPattern.Pattern, state);
                    case IRecursivePatternOperation { DeconstructSymbol: IMethodSymbol deconstruct } positional when !deconstruct.IsStatic:
                        // A positional pattern calls Deconstruct on what it tests: that call's contracts apply here.
                        CheckCallContracts(positional, deconstruct, _paths.ObjectOf(OperationPaths.PatternInput(positional), state), ImmutableArray<IArgumentOperation>.Empty, state, record);
                        return state;
                    case IAwaitOperation _:
                    case IReturnOperation { Kind: OperationKind.YieldReturn }:
                        RecordSuspension(operation, state, record);
                        return state;
                    default:
                        return VisitOperatorCall(operation, state, record);
                }
            }

            /// <summary>Pattern variables (<c>is { } g</c>, <c>is IommuGroup g</c>, <c>{ Group: var grp }</c>) denote what their pattern tests.</summary>
            private LockState WritePatternVariables(IPatternOperation pattern, LockState state)
            {
                switch (pattern)
                {
                    case IDeclarationPatternOperation declaration when declaration.DeclaredSymbol is ILocalSymbol local:
                        return _paths.Write(state, local, OperationPaths.PatternInput(declaration), declaration.Syntax);
                    case IRecursivePatternOperation recursive:
                        if (recursive.DeclaredSymbol is ILocalSymbol declared)
                        {
                            state = _paths.Write(state, declared, OperationPaths.PatternInput(recursive), recursive.Syntax);
                        }

                        foreach (IPropertySubpatternOperation subpattern in recursive.PropertySubpatterns)
                        {
                            state = WritePatternVariables(subpattern.Pattern, state);
                        }

                        return state;
                    case INegatedPatternOperation negated:
                        return WritePatternVariables(negated.Pattern, state);
                    case IBinaryPatternOperation binary:
                        return WritePatternVariables(binary.RightPattern, WritePatternVariables(binary.LeftPattern, state));
                    default:
                        return state;
                }
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

                if (record)
                {
                    // Most references are to members nothing guards, that the inference does not look at and that
                    // require no lock: they record nothing, so their receiver's path is not worth computing.
                    ImmutableArray<LockExpression> guards = _context.Resolver.GuardedBy(member);
                    bool candidate = _context.IsInferenceCandidate(member);
                    ImmutableArray<LockExpression> required = member is IPropertySymbol property ? AccessorRequires(reference, property) : ImmutableArray<LockExpression>.Empty;
                    if (guards.IsEmpty && !candidate && required.IsEmpty)
                    {
                        return state;
                    }

                    LockPath? receiver = member.IsStatic ? null : _paths.ObjectOf(instance, state);
                    foreach (LockExpression expression in guards)
                    {
                        LockPath? path = expression.Bind(receiver, _ => null, member.ContainingType);
                        if (path != null)
                        {
                            var access = new LockEvent(LockEventKind.GuardedAccess, reference.Syntax.GetLocation(), AtSite(state, reference), reference, path, expression.Kind, member) { IsWrite = IsWrite(reference) };
                            access.NameLockAt(expression, instance, null);
                            access.NameAccessFrom(receiver);
                            Add(access);
                        }
                    }

                    if (candidate)
                    {
                        // Raw material of the guard inference (IOMMU0109/IOMMU0110): which locks are held where an
                        // unannotated member is touched, and whose member it is.
                        Add(new LockEvent(LockEventKind.UnguardedAccess, reference.Syntax.GetLocation(), AtSite(state, reference), reference, null, LockKind.Monitor, member)
                        {
                            IsWrite = IsWrite(reference),
                            Receiver = receiver,
                        });
                    }

                    if (!required.IsEmpty)
                    {
                        RecordRequiredLocks(reference, member, instance, receiver, required, state);
                    }
                }

                return state;
            }

            // Apart from VisitMember so that the lambda's closure is allocated only for a property that requires a lock,
            // not on every member reference the walk visits.
            private void RecordRequiredLocks(IOperation reference, ISymbol member, IOperation? instance, LockPath? receiver, ImmutableArray<LockExpression> required, LockState state)
            {
                foreach (LockExpression expression in required)
                {
                    LockPath? path = expression.Bind(receiver, parameter => PropertyArgument(reference, parameter, state), member.ContainingType);
                    if (path != null)
                    {
                        var needed = new LockEvent(LockEventKind.RequiredLock, reference.Syntax.GetLocation(), AtSite(state, reference), reference, path, expression.Kind, member);
                        needed.NameLockAt(expression, instance, null);
                        Add(needed);
                    }
                }
            }

            private bool IsOwnObjectUnderConstruction(ISymbol member, IOperation? instance) => ConstructionScope.IsOwnObjectUnderConstruction(_owner, member, instance);

            private static bool IsWrite(IOperation reference) => AccessKinds.IsWrite(reference);

            private void CheckCallContracts(IOperation call, IMethodSymbol method, LockPath? receiver, ImmutableArray<IArgumentOperation> arguments, LockState state, bool record)
            {
                if (!record)
                {
                    return;
                }

                ImmutableArray<LockExpression> requires = _context.Resolver.RequiresLock(method);
                ImmutableArray<LockExpression> excludes = _context.Resolver.ExcludesLock(method);
                if (!requires.IsEmpty || !excludes.IsEmpty)
                {
                    RecordCallContracts(call, method, receiver, arguments, requires, excludes, state);
                }
            }

            // Apart from CheckCallContracts so that the lambdas' closure is allocated only for a call with a contract.
            private void RecordCallContracts(IOperation call, IMethodSymbol method, LockPath? receiver, ImmutableArray<IArgumentOperation> arguments, ImmutableArray<LockExpression> requires, ImmutableArray<LockExpression> excludes, LockState state)
            {
                foreach (LockExpression expression in requires)
                {
                    LockPath? path = expression.Bind(receiver, parameter => ArgumentPath(arguments, parameter, state), method.ContainingType);
                    if (path != null)
                    {
                        var required = new LockEvent(LockEventKind.RequiredLock, call.Syntax.GetLocation(), AtSite(state, call), call, path, expression.Kind, method);
                        required.NameLockAt(expression, (call as IInvocationOperation)?.Instance, arguments);
                        Add(required);
                    }
                }

                foreach (LockExpression expression in excludes)
                {
                    LockPath? path = expression.Bind(receiver, parameter => ArgumentPath(arguments, parameter, state), method.ContainingType);
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

            private LockPath? ArgumentPath(ImmutableArray<IArgumentOperation> arguments, IParameterSymbol parameter, LockState state)
            {
                foreach (IArgumentOperation argument in arguments)
                {
                    if (argument.Parameter != null && argument.Parameter.Ordinal == parameter.Ordinal)
                    {
                        return _paths.ObjectOf(argument.Value, state);
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
        }
    }
}
