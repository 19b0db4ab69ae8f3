using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace IommuAnalyzers.Flow
{
    /// <summary>Which body an operation of the original tree runs in: the innermost lambda or local function around it, else the member.</summary>
    internal static class EnclosingBody
    {
        public static ISymbol Of(IOperation operation, ISymbol member)
        {
            for (IOperation? current = operation.Parent; current != null; current = current.Parent)
            {
                switch (current)
                {
                    case IAnonymousFunctionOperation lambda:
                        return lambda.Symbol.OriginalDefinition;
                    case ILocalFunctionOperation localFunction:
                        return localFunction.Symbol.OriginalDefinition;
                }
            }

            return member.OriginalDefinition;
        }
    }
}
