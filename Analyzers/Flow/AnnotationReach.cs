using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace IommuAnalyzers.Flow
{
    /// <summary>
    /// Which symbols can carry a lock annotation at all, decided without a per-symbol cache entry. Every body asks the
    /// annotation caches about every member it references, and nearly all of those members carry nothing: giving each one
    /// an entry in a table shared by all cores made adds (and the resizes behind them) a large part of the engine's time
    /// and allocations. The tests here are exact: where one says "cannot", the full lookup would find nothing.
    /// </summary>
    internal sealed class AnnotationReach
    {
        private readonly HashSet<string> _annotationAssemblies = new HashSet<string>(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<IAssemblySymbol, bool> _assemblies = new ConcurrentDictionary<IAssemblySymbol, bool>(SymbolEqualityComparer.Default);
        private readonly ConcurrentDictionary<INamedTypeSymbol, bool> _backingFields = SymbolCache.Create<INamedTypeSymbol, bool>();

        public AnnotationReach(LockAnnotations annotations)
        {
            foreach (INamedTypeSymbol? attribute in new[]
            {
                annotations.GuardedByAttribute, annotations.RequiresLockAttribute, annotations.AcquiresLockAttribute, annotations.ReleasesLockAttribute,
                annotations.ExcludesLockAttribute, annotations.NoLockAnalysisAttribute, annotations.AcquiredBeforeAttribute, annotations.AcquiredAfterAttribute,
            })
            {
                if (attribute?.ContainingAssembly is IAssemblySymbol assembly)
                {
                    _annotationAssemblies.Add(assembly.Identity.Name);
                }
            }
        }

        /// <summary>
        /// True when <paramref name="member"/> carries no lock annotation, inherits none and answers for none: a member of
        /// a compiled assembly that references none of the annotations' assemblies; or a field, method, accessor or
        /// property that is no override and has no attribute, nor has its property (for an accessor). With
        /// <paramref name="throughBackingField"/> (what <c>[GuardedBy]</c> asks), a property or accessor also needs its type
        /// to have no attributed backing field (<c>[field: GuardedBy(...)]</c> on an auto-property guards the property).
        /// </summary>
        public bool CannotCarry(ISymbol member, bool throughBackingField)
        {
            if (member.ContainingAssembly is IAssemblySymbol assembly && !(assembly is ISourceAssemblySymbol) && !MaySeeAnnotations(assembly))
            {
                return true;
            }

            switch (member)
            {
                case IFieldSymbol _:
                case IMethodSymbol { AssociatedSymbol: null, IsOverride: false }:
                    return member.GetAttributes().IsEmpty;
                case IMethodSymbol { AssociatedSymbol: IPropertySymbol property, IsOverride: false }:
                    return member.GetAttributes().IsEmpty && CannotCarry(property, throughBackingField);
                case IPropertySymbol { IsOverride: false } property:
                    return property.GetAttributes().IsEmpty && (!throughBackingField || !HasAttributedBackingField(property.ContainingType));
                default:
                    return false;
            }
        }

        /// <summary>Whether a compiled assembly references an assembly that declares an annotation (or is one).</summary>
        private bool MaySeeAnnotations(IAssemblySymbol assembly)
        {
            if (_assemblies.TryGetValue(assembly, out bool known))
            {
                return known;
            }

            return _assemblies.GetOrAdd(assembly, References(assembly));
        }

        private bool References(IAssemblySymbol assembly)
        {
            if (_annotationAssemblies.Contains(assembly.Identity.Name))
            {
                return true;
            }

            foreach (IModuleSymbol module in assembly.Modules)
            {
                foreach (AssemblyIdentity referenced in module.ReferencedAssemblies)
                {
                    if (_annotationAssemblies.Contains(referenced.Name))
                    {
                        return true;
                    }
                }
            }

            return false;
        }

        private bool HasAttributedBackingField(INamedTypeSymbol? type)
        {
            if (type == null)
            {
                return false;
            }

            if (_backingFields.TryGetValue(type, out bool known))
            {
                return known;
            }

            return _backingFields.GetOrAdd(type, HasAttributedBackingFieldUncached(type));
        }

        private static bool HasAttributedBackingFieldUncached(INamedTypeSymbol type)
        {
            foreach (ISymbol sibling in type.GetMembers())
            {
                if (sibling is IFieldSymbol { AssociatedSymbol: IPropertySymbol _ } field && !field.GetAttributes().IsEmpty)
                {
                    return true;
                }
            }

            return false;
        }
    }
}
