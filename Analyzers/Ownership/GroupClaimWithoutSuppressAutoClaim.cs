using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace IommuAnalyzers.Ownership
{
    /// <summary>
    /// IOMMU0008: a driver claims DMA ownership of a group for an owner (<c>GroupSetDmaOwner</c>, or the old multiplexor
    /// with a constant <c>User</c>/<c>PrivateDomain</c> kind) but does not declare <c>[SuppressAutoClaimDmaOwner]</c>.
    /// really_probe() has then claimed the device's group for the DMA API before Probe, and that claim is held until
    /// after Remove, so iommu_group_set_dma_owner() finds a DMA-API user with no owner and refuses every owner with
    /// -EBUSY; that is why the series makes vfio-pci set suppress_auto_claim_dma_owner. Which code belongs to a driver
    /// is decided as for IOMMU0001 (<see cref="DriverContext"/>).
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class GroupClaimWithoutSuppressAutoClaimAnalyzer : DiagnosticAnalyzer
    {
        internal static readonly DiagnosticDescriptor Rule = new DiagnosticDescriptor(
            RuleIdentifiers.GroupClaimWithoutSuppressAutoClaim,
            title: "Group ownership claimed by a driver that does not suppress auto-claim",
            messageFormat: "Driver '{0}' claims DMA ownership of a group with {1} but does not declare [SuppressAutoClaimDmaOwner]; the driver core's auto-claim for this driver already holds its group for the DMA API, so the claim fails with -EBUSY",
            RuleCategories.Ownership,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: "A driver that takes whole groups for an owner (VFIO handing devices to user space) manages DMA ownership itself and must say so with [SuppressAutoClaimDmaOwner] (the kernel's suppress_auto_claim_dma_owner / driver_managed_dma, which the series sets on vfio-pci). Otherwise the driver core claims the device's group for the DMA API before Probe and keeps the claim until after Remove, and GroupSetDmaOwner refuses any owner while a DMA-API user holds the group.",
            helpLinkUri: RuleIdentifiers.GetHelpUri(RuleIdentifiers.GroupClaimWithoutSuppressAutoClaim));

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.EnableConcurrentExecution();
            context.RegisterCompilationStartAction(startContext =>
            {
                IommuSymbols? symbols = IommuSymbols.TryCreate(startContext.Compilation);
                if (symbols == null || !symbols.HasOwnershipModel || (symbols.GroupSetDmaOwner == null && symbols.DeviceSetDmaOwner == null))
                {
                    return;
                }

                startContext.RegisterOperationAction(operationContext => AnalyzeInvocation(operationContext, symbols), OperationKind.Invocation);
            });
        }

        private static void AnalyzeInvocation(OperationAnalysisContext context, IommuSymbols symbols)
        {
            var invocation = (IInvocationOperation)context.Operation;
            if (!OwnershipApi.IsGroupClaim(invocation, symbols) || IsNullOwnerOfGroupSetDmaOwner(invocation, symbols))
            {
                return;
            }

            INamedTypeSymbol? driver = DriverContext.FindEnclosingDriver(context.ContainingSymbol, symbols);
            if (driver == null || symbols.SuppressesAutoClaim(driver))
            {
                return;
            }

            context.ReportDiagnostic(Diagnostic.Create(Rule, invocation.Syntax.GetLocation(), driver.Name, Describe(invocation, symbols)));
        }

        // "IommuCore.GroupSetDmaOwner", or the multiplexor with the kind that makes it a claim.
        private static string Describe(IInvocationOperation invocation, IommuSymbols symbols)
        {
            string call = "IommuCore." + invocation.TargetMethod.Name;
            if (!IommuSymbols.IsMethod(invocation.TargetMethod, symbols.DeviceSetDmaOwner))
            {
                return call;
            }

            return call + (OwnershipApi.MultiplexorKind(invocation) == 1 ? " and DmaOwner.PrivateDomain" : " and DmaOwner.User");
        }

        // GroupSetDmaOwner(group, null) fails with -EINVAL before it looks at the group, attribute or not: declaring the
        // attribute would not make it work, so the message would be wrong there. (The multiplexor claims for the bound
        // driver when its owner is null, so it stays a claim.)
        private static bool IsNullOwnerOfGroupSetDmaOwner(IInvocationOperation invocation, IommuSymbols symbols)
        {
            if (!IommuSymbols.IsMethod(invocation.TargetMethod, symbols.GroupSetDmaOwner))
            {
                return false;
            }

            foreach (IArgumentOperation argument in invocation.Arguments)
            {
                if (argument.Parameter?.Ordinal == 1)
                {
                    Optional<object?> constant = argument.Value.ConstantValue;
                    return constant.HasValue && constant.Value == null;
                }
            }

            return false;
        }
    }
}
