using System.Collections.Concurrent;
using System.Collections.Immutable;
using IommuAnalyzers.Flow;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace IommuAnalyzers.Ownership
{
    /// <summary>
    /// IOMMU0005: the result of a <c>[MustCheck]</c> method (the kernel's <c>__must_check</c>) is thrown away: the call
    /// is a statement of its own, or its result goes into a local that is never read. An ignored -EBUSY from
    /// iommu_device_use_dma_api() or iommu_attach_device() means the driver runs as if it owned a group it does not.
    /// A discard (<c>_ = Call();</c>) says the result is ignored on purpose and is accepted.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class MustCheckResultIgnoredAnalyzer : DiagnosticAnalyzer
    {
        /// <summary>Diagnostic property: the name of the local that receives the result but is never read.</summary>
        internal const string UnreadLocalProperty = "UnreadLocal";

        internal static readonly DiagnosticDescriptor Rule = new DiagnosticDescriptor(
            RuleIdentifiers.MustCheckResultIgnored,
            title: "Result of a [MustCheck] method ignored",
            messageFormat: "The result of '{0}' must be checked ([MustCheck]) but {1}",
            RuleCategories.Ownership,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: "Methods marked [MustCheck] return 0 or a negative errno that the caller has to act on (__must_check). Check the result, return it, or discard it explicitly with '_ =' when ignoring it is really intended.",
            helpLinkUri: RuleIdentifiers.GetHelpUri(RuleIdentifiers.MustCheckResultIgnored));

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.EnableConcurrentExecution();
            context.RegisterCompilationStartAction(startContext =>
            {
                IommuSymbols? symbols = IommuSymbols.TryCreate(startContext.Compilation);
                if (symbols?.MustCheckAttribute == null)
                {
                    return;
                }

                // Every invocation of the compilation comes here: decide [MustCheck] once per method, not per call.
                var mustCheck = SymbolCache.Create<IMethodSymbol, bool>();
                startContext.RegisterOperationAction(operationContext => AnalyzeInvocation(operationContext, symbols, mustCheck), OperationKind.Invocation);
            });
        }

        internal static bool IsMustCheck(IMethodSymbol method, IommuSymbols symbols)
        {
            // The attribute is inherited: an override of a [MustCheck] method is one too.
            for (IMethodSymbol? current = method.ReducedFrom ?? method; current != null; current = current.OverriddenMethod)
            {
                if (IommuSymbols.HasAttribute(current.OriginalDefinition, symbols.MustCheckAttribute))
                {
                    return true;
                }
            }

            return false;
        }

        private static void AnalyzeInvocation(OperationAnalysisContext context, IommuSymbols symbols, ConcurrentDictionary<IMethodSymbol, bool> mustCheck)
        {
            var invocation = (IInvocationOperation)context.Operation;
            IMethodSymbol target = invocation.TargetMethod;
            if (target.ReturnsVoid)
            {
                return;
            }

            if (!mustCheck.TryGetValue(target, out bool isMustCheck))
            {
                isMustCheck = IsMustCheck(target, symbols);
                mustCheck.TryAdd(target, isMustCheck);
            }

            if (!isMustCheck)
            {
                return;
            }

            IOperation? parent = invocation.Parent;
            while (parent is IConversionOperation conversion && conversion.IsImplicit)
            {
                parent = parent.Parent;
            }

            if (parent is IExpressionStatementOperation)
            {
                context.ReportDiagnostic(Diagnostic.Create(Rule, invocation.Syntax.GetLocation(), target.Name, "its result is discarded"));
                return;
            }

            ILocalSymbol? local = StoredLocal(parent, invocation);
            if (local != null && !IsReadAnywhere(local, Root(invocation)))
            {
                ImmutableDictionary<string, string?> properties = ImmutableDictionary<string, string?>.Empty.Add(UnreadLocalProperty, local.Name);
                context.ReportDiagnostic(Diagnostic.Create(Rule, invocation.Syntax.GetLocation(), properties, target.Name, "'" + local.Name + "' receives it and is never read"));
            }
        }

        // `int ret = Call();` or `ret = Call();` (a discard `_ = Call();` targets no local and is accepted).
        private static ILocalSymbol? StoredLocal(IOperation? parent, IOperation value)
        {
            switch (parent)
            {
                case IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator }:
                    return declarator.Symbol;
                case ISimpleAssignmentOperation assignment when assignment.Target is ILocalReferenceOperation target && !assignment.IsRef:
                    return assignment.Parent is IExpressionStatementOperation ? target.Local : null;
                default:
                    return null;
            }
        }

        private static IOperation Root(IOperation operation)
        {
            IOperation root = operation;
            while (root.Parent != null)
            {
                root = root.Parent;
            }

            return root;
        }

        private static bool IsReadAnywhere(ILocalSymbol local, IOperation root)
        {
            foreach (IOperation operation in root.Descendants())
            {
                if (operation is ILocalReferenceOperation reference
                    && SymbolEqualityComparer.Default.Equals(reference.Local, local)
                    && !IsPlainWrite(reference))
                {
                    return true;
                }
            }

            return false;
        }

        private static bool IsPlainWrite(ILocalReferenceOperation reference)
        {
            IOperation? parent = reference.Parent;
            if (parent is ISimpleAssignmentOperation assignment && assignment.Target == reference)
            {
                return true;
            }

            return parent is IArgumentOperation argument && argument.Parameter?.RefKind == RefKind.Out;
        }
    }
}
