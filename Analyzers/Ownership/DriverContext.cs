using Microsoft.CodeAnalysis;

namespace IommuAnalyzers.Ownership
{
    /// <summary>Finds the driver class a piece of code belongs to.</summary>
    internal static class DriverContext
    {
        /// <summary>
        /// The innermost type enclosing <paramref name="containingSymbol"/> that is a driver; lambdas and local functions
        /// count as part of their member, and nested helper types as part of the driver that declares them.
        /// </summary>
        public static INamedTypeSymbol? FindEnclosingDriver(ISymbol? containingSymbol, IommuSymbols symbols)
        {
            for (INamedTypeSymbol? type = containingSymbol as INamedTypeSymbol ?? containingSymbol?.ContainingType; type != null; type = type.ContainingType)
            {
                if (symbols.IsDriver(type))
                {
                    return type;
                }
            }

            return null;
        }
    }
}
