using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace IommuAnalyzers.Ownership
{
    /// <summary>
    /// IOMMU0001: a driver calls <c>AttachDeviceShared</c>/<c>DetachDeviceShared</c> but does not declare
    /// <c>[SuppressAutoClaimDmaOwner]</c>. The driver core then auto-claims the group for the DMA API before probe
    /// (really_probe()), so the shared attach finds the group owned and fails with -EBUSY (and WARNs). The driver's
    /// code includes its lambdas, local functions, helper methods and nested helper types (they act on the devices the
    /// driver was given); code in a class that is not a driver says nothing about any driver and stays silent.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class SharedAttachWithoutSuppressAutoClaimAnalyzer : DiagnosticAnalyzer
    {
        internal static readonly DiagnosticDescriptor Rule = new DiagnosticDescriptor(
            RuleIdentifiers.SharedAttachWithoutSuppressAutoClaim,
            title: "Shared attach from a driver without [SuppressAutoClaimDmaOwner]",
            messageFormat: "Driver '{0}' calls IommuCore.{1} but does not declare [SuppressAutoClaimDmaOwner]; the driver core auto-claims its group for the DMA API, so {2}",
            RuleCategories.Ownership,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: "A driver that shares a domain with other drivers manages DMA ownership itself and must say so with [SuppressAutoClaimDmaOwner] (the kernel's suppress_auto_claim_dma_owner / driver_managed_dma); otherwise the auto-claim made before Probe makes the group busy.",
            helpLinkUri: RuleIdentifiers.GetHelpUri(RuleIdentifiers.SharedAttachWithoutSuppressAutoClaim));

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.EnableConcurrentExecution();
            context.RegisterCompilationStartAction(startContext =>
            {
                IommuSymbols? symbols = IommuSymbols.TryCreate(startContext.Compilation);
                if (symbols == null || !symbols.HasOwnershipModel || (symbols.AttachDeviceShared == null && symbols.DetachDeviceShared == null))
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
            if (!IommuSymbols.IsMethod(target, symbols.AttachDeviceShared) && !IommuSymbols.IsMethod(target, symbols.DetachDeviceShared))
            {
                return;
            }

            INamedTypeSymbol? driver = DriverContext.FindEnclosingDriver(context.ContainingSymbol, symbols);
            if (driver == null || symbols.SuppressesAutoClaim(driver))
            {
                return;
            }

            // Worded for the call it is on: a detach has no attach of its own to fail.
            string consequence = IommuSymbols.IsMethod(target, symbols.AttachDeviceShared)
                ? "the shared attach fails"
                : "the shared attach this detach undoes never succeeds, and the detach WARNs";
            context.ReportDiagnostic(Diagnostic.Create(Rule, invocation.Syntax.GetLocation(), driver.Name, target.Name, consequence));
        }
    }
}
