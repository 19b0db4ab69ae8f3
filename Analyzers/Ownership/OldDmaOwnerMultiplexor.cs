using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace IommuAnalyzers.Ownership
{
    /// <summary>
    /// IOMMU0003: a call to the old ownership multiplexor (<c>DeviceSetDmaOwner</c>/<c>DeviceReleaseDmaOwner</c>, the
    /// first versions' iommu_device_set_dma_owner() with its <c>enum iommu_dma_owner</c>). Review replaced it with one
    /// function per job, because a kind chosen at run time hid which ownership a caller took and gave back.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class OldDmaOwnerMultiplexorAnalyzer : DiagnosticAnalyzer
    {
        /// <summary>Diagnostic property: the IommuCore function the call should become (only for a constant <c>kind</c>).</summary>
        internal const string ReplacementProperty = "Replacement";

        internal static readonly DiagnosticDescriptor Rule = new DiagnosticDescriptor(
            RuleIdentifiers.OldDmaOwnerMultiplexor,
            title: "Old DmaOwner multiplexor call",
            messageFormat: "IommuCore.{0} is the old DmaOwner multiplexor; call {1} instead",
            RuleCategories.Ownership,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: "DeviceSetDmaOwner/DeviceReleaseDmaOwner are kept only so that older ports compile. The specific functions (DeviceUseDmaApi/DeviceUnuseDmaApi for a kernel driver, GroupSetDmaOwner/GroupReleaseDmaOwner for an explicit owner) say which ownership is taken and are what the lock and ownership rules understand.",
            helpLinkUri: RuleIdentifiers.GetHelpUri(RuleIdentifiers.OldDmaOwnerMultiplexor));

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.EnableConcurrentExecution();
            context.RegisterCompilationStartAction(startContext =>
            {
                IommuSymbols? symbols = IommuSymbols.TryCreate(startContext.Compilation);
                if (symbols == null || (symbols.DeviceSetDmaOwner == null && symbols.DeviceReleaseDmaOwner == null))
                {
                    return;
                }

                startContext.RegisterOperationAction(operationContext => AnalyzeInvocation(operationContext, symbols), OperationKind.Invocation);
            });
        }

        private static void AnalyzeInvocation(OperationAnalysisContext context, IommuSymbols symbols)
        {
            var invocation = (IInvocationOperation)context.Operation;
            IMethodSymbol target = invocation.TargetMethod;
            bool set = IommuSymbols.IsMethod(target, symbols.DeviceSetDmaOwner);
            if (!set && !IommuSymbols.IsMethod(target, symbols.DeviceReleaseDmaOwner))
            {
                return;
            }

            string? replacement = Replacement(set, OwnershipApi.MultiplexorKind(invocation));
            ImmutableDictionary<string, string?> properties = replacement == null
                ? ImmutableDictionary<string, string?>.Empty
                : ImmutableDictionary<string, string?>.Empty.Add(ReplacementProperty, replacement);
            string suggestion = replacement != null
                ? "IommuCore." + replacement
                : set ? "IommuCore.DeviceUseDmaApi or IommuCore.GroupSetDmaOwner" : "IommuCore.DeviceUnuseDmaApi or IommuCore.GroupReleaseDmaOwner";
            context.ReportDiagnostic(Diagnostic.Create(Rule, invocation.Syntax.GetLocation(), properties, target.Name, suggestion));
        }

        // DmaOwner.DmaApi is the DMA-API user; PrivateDomain and User both claim the group for an owner.
        private static string? Replacement(bool set, int kind) => kind switch
        {
            0 => set ? "DeviceUseDmaApi" : "DeviceUnuseDmaApi",
            1 or 2 => set ? "GroupSetDmaOwner" : "GroupReleaseDmaOwner",
            _ => null,
        };
    }
}
