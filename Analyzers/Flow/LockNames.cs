using Microsoft.CodeAnalysis;

namespace IommuAnalyzers.Flow
{
    /// <summary>Members as the code names them, for messages: never a compiler-made name.</summary>
    internal static class LockNames
    {
        private static readonly SymbolDisplayFormat OperatorFormat = new SymbolDisplayFormat(
            memberOptions: SymbolDisplayMemberOptions.None,
            parameterOptions: SymbolDisplayParameterOptions.None,
            genericsOptions: SymbolDisplayGenericsOptions.IncludeTypeParameters,
            miscellaneousOptions: SymbolDisplayMiscellaneousOptions.UseSpecialTypes);

        /// <summary>
        /// <c>Count</c> for an auto-property's backing field and for its accessors, the type (<c>Port</c>) for a
        /// constructor, <c>operator +</c> / <c>explicit operator int</c> for operators and conversions.
        /// </summary>
        public static string Of(ISymbol member)
        {
            switch (member)
            {
                case IFieldSymbol { AssociatedSymbol: { } property }:
                    return property.Name;
                case IMethodSymbol method:
                    switch (method.MethodKind)
                    {
                        case MethodKind.Constructor:
                        case MethodKind.StaticConstructor:
                            return method.ContainingType?.Name ?? method.Name;
                        case MethodKind.PropertyGet:
                        case MethodKind.PropertySet:
                            return method.AssociatedSymbol?.Name ?? method.Name;
                        case MethodKind.UserDefinedOperator:
                        case MethodKind.Conversion:
                            return method.ToDisplayString(OperatorFormat);
                        default:
                            return method.Name;
                    }

                default:
                    return member.Name;
            }
        }
    }
}
