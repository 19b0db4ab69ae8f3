using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace IommuAnalyzers.Ownership
{
    /// <summary>
    /// IOMMU0002: a driver that declares <c>[SuppressAutoClaimDmaOwner]</c> (itself or through a base class) calls the
    /// exclusive <c>AttachDevice</c>/<c>DetachDevice</c>. Without the auto-claim the group has no DMA-API user that
    /// iommu_attach_device() could accept as the caller's own, so the attach WARNs and fails; such a driver shares a
    /// domain through iommu_attach_device_shared().
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class ExclusiveAttachWithSuppressedAutoClaimAnalyzer : DiagnosticAnalyzer
    {
        internal static readonly DiagnosticDescriptor Rule = new DiagnosticDescriptor(
            RuleIdentifiers.ExclusiveAttachWithSuppressedAutoClaim,
            title: "Exclusive attach from a driver that suppresses auto-claim",
            messageFormat: "Driver '{0}' declares [SuppressAutoClaimDmaOwner] but calls IommuCore.{1}; without the auto-claim {2}; use IommuCore.{3}",
            RuleCategories.Ownership,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: "A driver that manages DMA ownership itself (suppress_auto_claim_dma_owner) must attach through the shared, reference-counted API; the exclusive AttachDevice only accepts a caller whose own auto-claim is the group's single DMA-API user.",
            helpLinkUri: RuleIdentifiers.GetHelpUri(RuleIdentifiers.ExclusiveAttachWithSuppressedAutoClaim));

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.EnableConcurrentExecution();
            context.RegisterCompilationStartAction(startContext =>
            {
                IommuSymbols? symbols = IommuSymbols.TryCreate(startContext.Compilation);
                if (symbols == null || !symbols.HasOwnershipModel || symbols.SuppressAutoClaimDmaOwnerAttribute == null
                    || (symbols.AttachDevice == null && symbols.DetachDevice == null))
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
            bool attach = IommuSymbols.IsMethod(target, symbols.AttachDevice);
            if (!attach && !IommuSymbols.IsMethod(target, symbols.DetachDevice))
            {
                return;
            }

            INamedTypeSymbol? driver = DriverContext.FindEnclosingDriver(context.ContainingSymbol, symbols);
            if (driver == null || !symbols.SuppressesAutoClaim(driver))
            {
                return;
            }

            string shared = attach ? "AttachDeviceShared" : "DetachDeviceShared";
            string consequence = attach
                ? "the exclusive attach is refused"
                : "the exclusive attach this detach undoes is refused, and the detach WARNs";
            context.ReportDiagnostic(Diagnostic.Create(Rule, invocation.Syntax.GetLocation(), driver.Name, target.Name, consequence, shared));
        }
    }
}
