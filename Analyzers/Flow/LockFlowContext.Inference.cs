using System.Collections.Concurrent;
using Microsoft.CodeAnalysis;

namespace IommuAnalyzers.Flow
{
    // Which members and methods the guard inference (IOMMU0109, IOMMU0110) looks at: decided once per symbol, so that
    // the engine and the pre-scan can ask at every reference.
    internal sealed partial class LockFlowContext
    {
        private readonly ConcurrentDictionary<ISymbol, bool> _inferenceCandidates = SymbolCache.Create<ISymbol, bool>();
        private readonly ConcurrentDictionary<ISymbol, bool> _helperCandidates = SymbolCache.Create<ISymbol, bool>();
        private readonly bool _internalsVisible;

        /// <summary>Whether the engine records the facts the guard inference needs (off when both of its rules are).</summary>
        public bool InfersGuards { get; }

        /// <summary>
        /// A field or auto-property of a class in source that no <c>[GuardedBy]</c> covers and that may change after
        /// construction: not <c>const</c>, <c>readonly</c>, <c>init</c>-only or <c>volatile</c> (lock-free by design), not
        /// a lock itself, not <c>[NoLockAnalysis]</c>.
        /// </summary>
        public bool IsInferenceCandidate(ISymbol member)
        {
            if (!InfersGuards)
            {
                return false;
            }

            // A member from metadata is never one (ComputeInferenceCandidate's first test): no cache entry for it.
            ISymbol definition = member.OriginalDefinition;
            if (!InSourceAssembly(definition))
            {
                return false;
            }

            return _inferenceCandidates.TryGetValue(definition, out bool known) ? known : _inferenceCandidates.GetOrAdd(definition, ComputeInferenceCandidate(definition));
        }

        /// <summary>
        /// A method only this compilation can call, that callers reach directly: a local function, or an ordinary
        /// non-virtual method that is private, or internal when no <c>InternalsVisibleTo</c> lets another assembly in.
        /// </summary>
        public bool IsHelperCandidate(IMethodSymbol method)
        {
            if (!InfersGuards)
            {
                return false;
            }

            IMethodSymbol definition = method.OriginalDefinition;
            if (!InSourceAssembly(definition))
            {
                return false;
            }

            return _helperCandidates.TryGetValue(definition, out bool known) ? known : _helperCandidates.GetOrAdd(definition, ComputeHelperCandidate(definition));
        }

        private bool ComputeInferenceCandidate(ISymbol member)
        {
            if (!IsInSource(member) || !(member.ContainingType is { TypeKind: TypeKind.Class }) || !Resolver.GuardedBy(member).IsEmpty || IsExcluded(member))
            {
                return false;
            }

            ITypeSymbol type;
            switch (member)
            {
                case IFieldSymbol field when !field.IsImplicitlyDeclared && !field.IsConst && !field.IsReadOnly && !field.IsVolatile:
                    type = field.Type;
                    break;
                case IPropertySymbol property when !property.IsIndexer && property.SetMethod is { IsInitOnly: false } && IsAutoProperty(property):
                    type = property.Type;
                    break;
                default:
                    return false;
            }

            return !Model.IsLockType(type) && !IsType(type, Model.ScopedGuardType);
        }

        private bool ComputeHelperCandidate(IMethodSymbol method)
        {
            if (!IsInSource(method) || IsExcluded(method))
            {
                return false;
            }

            if (method.MethodKind == MethodKind.LocalFunction)
            {
                return true;
            }

            if (method.MethodKind != MethodKind.Ordinary || method.IsVirtual || method.IsAbstract || method.IsOverride || method.IsExtern ||
                !method.ExplicitInterfaceImplementations.IsEmpty || method.ContainingType?.TypeKind == TypeKind.Interface)
            {
                return false;
            }

            for (ISymbol? scope = method; scope is ISymbol && !(scope is INamespaceSymbol); scope = scope.ContainingSymbol)
            {
                switch (scope.DeclaredAccessibility)
                {
                    case Accessibility.Private:
                        return true;
                    case Accessibility.Internal:
                    case Accessibility.ProtectedAndInternal:
                        return !_internalsVisible;
                }
            }

            return false;
        }

        private static bool IsAutoProperty(IPropertySymbol property)
        {
            foreach (ISymbol sibling in property.ContainingType.GetMembers())
            {
                if (sibling is IFieldSymbol { AssociatedSymbol: IPropertySymbol associated } && SymbolEqualityComparer.Default.Equals(associated, property))
                {
                    return true;
                }
            }

            return false;
        }

        private static bool IsInSource(ISymbol symbol) => !symbol.Locations.IsEmpty && symbol.Locations[0].IsInSource;

        /// <summary>
        /// The cheap half of <see cref="IsInSource"/>, asked at every reference before the cache: a symbol of an assembly
        /// built from source. Asking a source symbol for its locations builds a new array each time; the exact test runs
        /// once per symbol, when its answer is computed.
        /// </summary>
        private static bool InSourceAssembly(ISymbol symbol) => symbol.ContainingAssembly is ISourceAssemblySymbol;

        private static bool HasInternalsVisibleTo(Compilation compilation)
        {
            foreach (AttributeData attribute in compilation.Assembly.GetAttributes())
            {
                if (attribute.AttributeClass is { Name: "InternalsVisibleToAttribute" } type && type.ContainingNamespace?.ToDisplayString() == "System.Runtime.CompilerServices")
                {
                    return true;
                }
            }

            return false;
        }
    }
}
