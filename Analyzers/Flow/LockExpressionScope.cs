using Microsoft.CodeAnalysis;

namespace IommuAnalyzers.Flow
{
    /// <summary>
    /// What names a lock expression may start with on each member kind, as C# scopes them: a method's, operator's,
    /// indexer's or accessor's own parameters; the receiver parameter of a C# 14 <c>extension(IommuGroup group)</c>
    /// block; and, for a local function, the parameters of the methods, lambdas and local functions around it
    /// (they are in scope in its body, so <c>"group.Mutex"</c> means the enclosing <c>group</c>).
    /// </summary>
    internal static class LockExpressionScope
    {
        /// <summary>
        /// The parameter <paramref name="name"/> starts with, or null. <paramref name="root"/> says how it binds:
        /// <see cref="LockExpressionRoot.Parameter"/> (an argument at the call), <see cref="LockExpressionRoot.Receiver"/>
        /// (an extension block's receiver: the call's receiver) or <see cref="LockExpressionRoot.CapturedParameter"/>.
        /// <paramref name="error"/> is set when C# would not let the body name it (a static local function cannot capture).
        /// </summary>
        public static IParameterSymbol? FindParameter(ISymbol annotated, string name, out LockExpressionRoot root, out string? error)
        {
            root = LockExpressionRoot.Parameter;
            error = null;
            IParameterSymbol? own = Named(OwnParameters(annotated), name);
            if (own != null)
            {
                return own;
            }

            IParameterSymbol? receiver = ExtensionReceiver(annotated.ContainingType);
            if (receiver != null && receiver.Name == name)
            {
                root = LockExpressionRoot.Receiver;
                if (annotated.IsStatic)
                {
                    error = "the receiver parameter '" + name + "' does not exist in a static extension member";
                }

                return receiver;
            }

            bool crossesStatic = false;
            for (ISymbol current = annotated; current is IMethodSymbol { MethodKind: MethodKind.LocalFunction or MethodKind.AnonymousFunction } inner;)
            {
                crossesStatic |= inner.IsStatic;
                ISymbol container = inner.ContainingSymbol;
                IParameterSymbol? enclosing = Named(OwnParameters(container), name);
                if (enclosing != null)
                {
                    root = LockExpressionRoot.CapturedParameter;
                    if (crossesStatic)
                    {
                        error = "'" + name + "' is a parameter of '" + container.Name + "', which a static local function cannot use";
                    }

                    return enclosing;
                }

                current = container;
            }

            return null;
        }

        /// <summary>
        /// Whether instance members are out of reach: a static member, or a local function or lambda that is static or
        /// sits (at any depth) in a static member.
        /// </summary>
        public static bool IsStaticContext(ISymbol annotated)
        {
            for (ISymbol? current = annotated; current != null; current = current.ContainingSymbol)
            {
                if (current.IsStatic)
                {
                    return true;
                }

                if (!(current is IMethodSymbol { MethodKind: MethodKind.LocalFunction or MethodKind.AnonymousFunction }))
                {
                    return false;
                }
            }

            return false;
        }

        /// <summary>A member declared in a C# 14 extension block (no <c>this</c>, no implicit receiver).</summary>
        public static bool IsExtensionMember(ISymbol annotated) => ExtensionReceiver(annotated.ContainingType) != null || (annotated.ContainingType?.IsExtension ?? false);

        /// <summary>The receiver parameter of an extension block, or null when <paramref name="type"/> is not one.</summary>
        public static IParameterSymbol? ExtensionReceiver(ITypeSymbol? type) => type != null && type.IsExtension ? type.ExtensionParameter : null;

        /// <summary>
        /// C#'s "Color Color" rule (spec, member access, "identical simple names and type names"): when the first name
        /// is a parameter or member whose type is also what the name means as a type, both meanings are allowed and
        /// the next name decides: a static member of the type means the type (<c>Other.Lock</c> with a static
        /// <c>Lock</c>), anything else means the parameter or member.
        /// </summary>
        public static bool MeansType(ISymbol annotated, ITypeSymbol? valueType, string[] segments)
        {
            if (valueType == null || segments.Length < 2)
            {
                return false;
            }

            if (!(LockExpressionResolver.FindType(annotated, segments, 1) is INamedTypeSymbol type) || !SymbolEqualityComparer.Default.Equals(type, valueType))
            {
                return false;
            }

            return LockExpressionResolver.FindMember(type, segments[1]) is ISymbol next && next.IsStatic;
        }

        private static System.Collections.Immutable.ImmutableArray<IParameterSymbol> OwnParameters(ISymbol symbol) => symbol switch
        {
            IMethodSymbol method => method.Parameters,
            IPropertySymbol property => property.Parameters,
            _ => System.Collections.Immutable.ImmutableArray<IParameterSymbol>.Empty,
        };

        private static IParameterSymbol? Named(System.Collections.Immutable.ImmutableArray<IParameterSymbol> parameters, string name)
        {
            foreach (IParameterSymbol parameter in parameters)
            {
                if (parameter.Name == name)
                {
                    return parameter;
                }
            }

            return null;
        }
    }
}
