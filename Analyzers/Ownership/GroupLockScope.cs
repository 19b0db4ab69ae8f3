using System;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace IommuAnalyzers.Ownership
{
    /// <summary>
    /// Decides, without flow analysis, whether an operation certainly runs with a group's mutex held: it sits inside
    /// the body of <c>using (G.Mutex.Guard())</c>, after <c>using var _ = G.Mutex.Guard();</c> in an enclosing block, or
    /// in a method marked <c>[RequiresLock("....Mutex")]</c> naming that group (__must_hold). Scoped guards cannot be
    /// released early, so these scopes are sound; explicit Lock()/Unlock() pairs need the flow engine, which IOMMU0004 asks
    /// where these scopes do not answer (<see cref="Flow.LockFlowAnalysis.IsHeldAt"/>). A lambda or local function boundary ends the search: it may run after the scope is left.
    /// </summary>
    internal static class GroupLockScope
    {
        public static bool IsHeld(IOperation operation, IOperation group, ISymbol? containingSymbol, IommuSymbols symbols)
        {
            if (symbols.GroupMutex == null || !IsStablePath(group))
            {
                return false;
            }

            IOperation child = operation;
            for (IOperation? parent = operation.Parent; parent != null; child = parent, parent = parent.Parent)
            {
                switch (parent)
                {
                    case IAnonymousFunctionOperation:
                    case ILocalFunctionOperation:
                        return false;
                    case IUsingOperation usingOperation when child == usingOperation.Body:
                        if (GuardsGroup(usingOperation.Resources, group, symbols) && !WritesPathRoot(usingOperation.Body, group))
                        {
                            return true;
                        }

                        break;
                    case IBlockOperation block:
                        int index = block.Operations.IndexOf(child);
                        for (int i = 0; i < index; i++)
                        {
                            if (block.Operations[i] is IUsingDeclarationOperation declaration
                                && GuardsGroup(declaration.DeclarationGroup, group, symbols)
                                && !WritesPathRoot(block, group))
                            {
                                return true;
                            }
                        }

                        break;
                }
            }

            return child is IMethodBodyBaseOperation || child is IBlockOperation
                ? RequiresGroupLock(containingSymbol, group, symbols) && !WritesPathRoot(child, group)
                : false;
        }

        // `g.Mutex.Guard()` as the resource of a using statement or declaration, for the same group path.
        private static bool GuardsGroup(IOperation? resources, IOperation group, IommuSymbols symbols)
        {
            if (resources == null)
            {
                return false;
            }

            foreach (IOperation operation in resources.DescendantsAndSelf())
            {
                if (operation is IInvocationOperation invocation
                    && IommuSymbols.IsMethod(invocation.TargetMethod, symbols.KMutexGuard)
                    && Strip(invocation.Instance) is IPropertyReferenceOperation mutex
                    && SymbolEqualityComparer.Default.Equals(mutex.Property.OriginalDefinition, symbols.GroupMutex)
                    && mutex.Instance != null
                    && SamePath(mutex.Instance, group))
                {
                    return true;
                }
            }

            return false;
        }

        private static bool RequiresGroupLock(ISymbol? containingSymbol, IOperation group, IommuSymbols symbols)
        {
            if (containingSymbol == null)
            {
                return false;
            }

            // On an accessor, the attribute sits on the property.
            AttributeData? attribute = IommuSymbols.FindAttribute(containingSymbol, symbols.RequiresLockAttribute)
                ?? (containingSymbol is IMethodSymbol { AssociatedSymbol: IPropertySymbol property }
                    ? IommuSymbols.FindAttribute(property, symbols.RequiresLockAttribute)
                    : null);
            if (attribute == null || attribute.ConstructorArguments.Length != 1)
            {
                return false;
            }

            string? path = PathText(group);
            if (path == null)
            {
                return false;
            }

            TypedConstant argument = attribute.ConstructorArguments[0];
            if (argument.Kind != TypedConstantKind.Array)
            {
                return false;
            }

            foreach (TypedConstant value in argument.Values)
            {
                if (value.Value is string expression)
                {
                    if (expression.StartsWith("this.", StringComparison.Ordinal))
                    {
                        expression = expression.Substring("this.".Length);
                    }

                    if (string.Equals(expression, path + ".Mutex", StringComparison.Ordinal))
                    {
                        return true;
                    }
                }
            }

            return false;
        }

        /// <summary>The group expression as a lock-expression path (<c>group</c>, <c>dev.Group</c>, <c>_group</c>), or null.</summary>
        internal static string? PathText(IOperation? operation)
        {
            switch (Strip(operation))
            {
                case IParameterReferenceOperation parameter:
                    return parameter.Parameter.Name;
                case ILocalReferenceOperation local:
                    return local.Local.Name;
                case IFieldReferenceOperation field:
                    return MemberPath(field.Instance, field.Field);
                case IPropertyReferenceOperation property when property.Arguments.IsEmpty:
                    return MemberPath(property.Instance, property.Property);
                default:
                    return null;
            }
        }

        private static string? MemberPath(IOperation? instance, ISymbol member)
        {
            if (member.IsStatic)
            {
                return member.ContainingType.Name + "." + member.Name;
            }

            if (Strip(instance) is IInstanceReferenceOperation)
            {
                return member.Name;
            }

            string? prefix = PathText(instance);
            return prefix == null ? null : prefix + "." + member.Name;
        }

        // A chain of locals, parameters, fields and argument-less properties: evaluating it twice names one object.
        private static bool IsStablePath(IOperation? operation)
        {
            switch (Strip(operation))
            {
                case IParameterReferenceOperation:
                case ILocalReferenceOperation:
                case IInstanceReferenceOperation:
                    return true;
                case IFieldReferenceOperation field:
                    return field.Field.IsStatic || IsStablePath(field.Instance);
                case IPropertyReferenceOperation property:
                    return property.Arguments.IsEmpty && (property.Property.IsStatic || IsStablePath(property.Instance));
                default:
                    return false;
            }
        }

        private static bool SamePath(IOperation? a, IOperation? b)
        {
            a = Strip(a);
            b = Strip(b);
            switch (a)
            {
                case IParameterReferenceOperation pa when b is IParameterReferenceOperation pb:
                    return SymbolEqualityComparer.Default.Equals(pa.Parameter, pb.Parameter);
                case ILocalReferenceOperation la when b is ILocalReferenceOperation lb:
                    return SymbolEqualityComparer.Default.Equals(la.Local, lb.Local);
                case IInstanceReferenceOperation when b is IInstanceReferenceOperation:
                    return true;
                case IFieldReferenceOperation fa when b is IFieldReferenceOperation fb:
                    return SymbolEqualityComparer.Default.Equals(fa.Field, fb.Field) && (fa.Field.IsStatic || SamePath(fa.Instance, fb.Instance));
                case IPropertyReferenceOperation qa when b is IPropertyReferenceOperation qb:
                    return SymbolEqualityComparer.Default.Equals(qa.Property, qb.Property) && qa.Arguments.IsEmpty && qb.Arguments.IsEmpty
                        && (qa.Property.IsStatic || SamePath(qa.Instance, qb.Instance));
                default:
                    return false;
            }
        }

        // If the path's root local or parameter is assigned inside the scope, the guard and the use may name different groups.
        private static bool WritesPathRoot(IOperation scope, IOperation group)
        {
            ISymbol? root = PathRoot(group);
            if (root == null)
            {
                return false;
            }

            foreach (IOperation operation in scope.Descendants())
            {
                IOperation? target = operation switch
                {
                    IAssignmentOperation assignment => assignment.Target,
                    IIncrementOrDecrementOperation increment => increment.Target,
                    IArgumentOperation argument when argument.Parameter?.RefKind is RefKind.Ref or RefKind.Out => argument.Value,
                    _ => null,
                };
                ISymbol? written = Strip(target) switch
                {
                    ILocalReferenceOperation local => local.Local,
                    IParameterReferenceOperation parameter => parameter.Parameter,
                    _ => null,
                };
                if (written != null && SymbolEqualityComparer.Default.Equals(written, root))
                {
                    return true;
                }
            }

            return false;
        }

        private static ISymbol? PathRoot(IOperation? operation)
        {
            switch (Strip(operation))
            {
                case IParameterReferenceOperation parameter:
                    return parameter.Parameter;
                case ILocalReferenceOperation local:
                    return local.Local;
                case IFieldReferenceOperation field:
                    return PathRoot(field.Instance);
                case IPropertyReferenceOperation property:
                    return PathRoot(property.Instance);
                default:
                    return null;
            }
        }

        private static IOperation? Strip(IOperation? operation)
        {
            while (operation is IConversionOperation conversion && conversion.IsImplicit)
            {
                operation = conversion.Operand;
            }

            return operation;
        }
    }
}
