using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace IommuAnalyzers.Flow
{
    /// <summary>
    /// A constructor (or field initializer) touching its own object's state: nobody else can see the object yet. An
    /// object or with initializer is not a constructor (<c>new IommuGroup(1) { OwnerCount = 0 }</c> runs the guarded
    /// setter, which checks the lock at run time), so it gets no such pass.
    /// </summary>
    internal static class ConstructionScope
    {
        /// <summary>Whether <paramref name="owner"/>'s body reaching <paramref name="member"/> through <paramref name="instance"/> touches the object it constructs.</summary>
        public static bool IsOwnObjectUnderConstruction(ISymbol owner, ISymbol member, IOperation? instance)
        {
            bool ownInstance = OperationPaths.Unwrap(instance) is IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance };
            bool constructor;
            switch (owner)
            {
                case IMethodSymbol method:
                    constructor = member.IsStatic ? method.MethodKind == MethodKind.StaticConstructor : method.MethodKind == MethodKind.Constructor && ownInstance;
                    break;
                case IFieldSymbol _:
                case IPropertySymbol _:
                    // A field or property initializer runs as part of the constructor of its kind.
                    constructor = member.IsStatic == owner.IsStatic && (member.IsStatic || ownInstance);
                    break;
                default:
                    return false;
            }

            return constructor && InheritsFrom(owner.ContainingType, member.ContainingType);
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
    }
}
