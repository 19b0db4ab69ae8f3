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
                        return VisitAccessorCalls(property, VisitMember(property, property.Property, property.Instance, state, record), record);
                    case IFieldReferenceOperation field:
                        return VisitMember(field, field.Field, field.Instance, state, record);
                    case IObjectCreationOperation creation when creation.Constructor != null:
                        CheckCallContracts(creation, creation.Constructor, null, creation.Arguments, state, record);
                        return state;
                    case ISimpleAssignmentOperation assignment when assignment.Target is ILocalReferenceOperation local:
                        return TrackWitness(local.Local, assignment.Value, state);
                    default:
                        return VisitOperatorCall(operation, state, record);
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
                        foreach (LockExpression expression in AccessorRequires(reference, property))
                        {
                            LockPath? path = expression.Bind(receiver, parameter => PropertyArgument(reference, parameter));
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

            private static bool IsWrite(IOperation reference) => AccessKinds.IsWrite(reference);

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
        }
    }
}
