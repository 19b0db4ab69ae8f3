using System.Collections.Immutable;
using IommuAnalyzers.Flow;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace IommuAnalyzers.Locking
{
    /// <summary>
    /// IOMMU0106: a lock expression in <c>[GuardedBy]</c>, <c>[RequiresLock]</c>, <c>[AcquiresLock]</c>,
    /// <c>[ReleasesLock]</c> or <c>[ExcludesLock]</c> does not name a lock (a KMutex, a System.Threading.Lock or an
    /// object usable with <c>lock</c>). The flow rules ignore such an annotation, so it must not go unnoticed.
    /// </summary>
    internal static class UnresolvedLockExpressionRule
    {
        public static readonly DiagnosticDescriptor Rule = new DiagnosticDescriptor(
            RuleIdentifiers.UnresolvedLockExpression,
            title: "Lock expression does not resolve to a lock member",
            messageFormat: "Lock expression {0} on '{1}' does not name a lock: {2}{3}",
            RuleCategories.Locking,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: "Lock expressions are dotted member paths from the annotated member's instance, a parameter, 'this' or a type's static member, ending at a KMutex, a System.Threading.Lock or a reference-type object; a typo silently turns the contract off.",
            helpLinkUri: RuleIdentifiers.GetHelpUri(RuleIdentifiers.UnresolvedLockExpression));

        public static void Analyze(SymbolAnalysisContext context, LockFlowContext flow) =>
            Analyze(context.Symbol, flow, context.ReportDiagnostic, context.CancellationToken);

        /// <summary>Local functions are not symbols the symbol actions visit; their attributes are checked from the operation.</summary>
        public static void AnalyzeLocalFunction(OperationAnalysisContext context, LockFlowContext flow)
        {
            if (context.Operation is Microsoft.CodeAnalysis.Operations.ILocalFunctionOperation localFunction)
            {
                Analyze(localFunction.Symbol, flow, context.ReportDiagnostic, context.CancellationToken);
            }
        }

        private static void Analyze(ISymbol symbol, LockFlowContext flow, System.Action<Diagnostic> report, System.Threading.CancellationToken cancellationToken)
        {
            Analyze(symbol, symbol, flow, report, cancellationToken);
            if (symbol is IPropertySymbol property)
            {
                // [field: GuardedBy(...)] sits on the auto-property's backing field, which no symbol action visits.
                foreach (ISymbol member in property.ContainingType.GetMembers())
                {
                    if (member is IFieldSymbol field && SymbolEqualityComparer.Default.Equals(field.AssociatedSymbol, property))
                    {
                        Analyze(field, property, flow, report, cancellationToken);
                    }
                }
            }
        }

        private static void Analyze(ISymbol symbol, ISymbol named, LockFlowContext flow, System.Action<Diagnostic> report, System.Threading.CancellationToken cancellationToken)
        {
            foreach (AttributeData attribute in symbol.GetAttributes())
            {
                if (!IsLockAttribute(attribute.AttributeClass, flow.Model.Annotations))
                {
                    continue;
                }

                ImmutableArray<LockExpression> expressions = flow.Resolver.Resolve(symbol, attribute);
                foreach (LockExpression expression in expressions)
                {
                    if (expression.IsResolved)
                    {
                        continue;
                    }

                    (string shown, string reason, string suggestion) = UnresolvedLockExpressionMessage.Describe(symbol, attribute, expression, flow.Model);
                    report(Diagnostic.Create(Rule, ArgumentLocation(attribute, expression.ArgumentIndex, symbol, cancellationToken), shown, LockNames.Of(named), reason, suggestion));
                }
            }
        }

        private static bool IsLockAttribute(INamedTypeSymbol? type, LockAnnotations symbols)
        {
            if (type == null)
            {
                return false;
            }

            return SymbolEqualityComparer.Default.Equals(type, symbols.GuardedByAttribute) ||
                SymbolEqualityComparer.Default.Equals(type, symbols.RequiresLockAttribute) ||
                SymbolEqualityComparer.Default.Equals(type, symbols.AcquiresLockAttribute) ||
                SymbolEqualityComparer.Default.Equals(type, symbols.ReleasesLockAttribute) ||
                SymbolEqualityComparer.Default.Equals(type, symbols.ExcludesLockAttribute);
        }

        private static Location ArgumentLocation(AttributeData attribute, int index, ISymbol symbol, System.Threading.CancellationToken cancellationToken)
        {
            SyntaxNode? syntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken);
            if (syntax is AttributeSyntax attributeSyntax)
            {
                SeparatedSyntaxList<AttributeArgumentSyntax>? arguments = attributeSyntax.ArgumentList?.Arguments;
                if (arguments != null && index < arguments.Value.Count)
                {
                    return arguments.Value[index].GetLocation();
                }

                return attributeSyntax.GetLocation();
            }

            return symbol.Locations.IsEmpty ? Location.None : symbol.Locations[0];
        }
    }
}
