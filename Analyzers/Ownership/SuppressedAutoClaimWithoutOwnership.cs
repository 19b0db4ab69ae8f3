using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace IommuAnalyzers.Ownership
{
    /// <summary>
    /// IOMMU0007 (Info): a driver declares <c>[SuppressAutoClaimDmaOwner]</c> but none of its code calls an ownership
    /// function. With the auto-claim suppressed, really_probe() leaves the group unclaimed, so the driver's device does
    /// DMA while nobody owns the group and a user-space owner (VFIO) can take it underneath the driver.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class SuppressedAutoClaimWithoutOwnershipAnalyzer : DiagnosticAnalyzer
    {
        internal static readonly DiagnosticDescriptor Rule = new DiagnosticDescriptor(
            RuleIdentifiers.SuppressedAutoClaimWithoutOwnership,
            title: "Driver suppresses auto-claim but never takes ownership",
            messageFormat: "Driver '{0}' declares [SuppressAutoClaimDmaOwner] but never calls an IommuCore ownership function; its devices do DMA with nobody owning the group",
            RuleCategories.Ownership,
            DiagnosticSeverity.Info,
            isEnabledByDefault: true,
            description: "Suppressing the auto-claim (suppress_auto_claim_dma_owner) is a promise that the driver claims ownership itself, with AttachDeviceShared, GroupSetDmaOwner or DeviceUseDmaApi. A driver that does none of these should drop the attribute.",
            helpLinkUri: RuleIdentifiers.GetHelpUri(RuleIdentifiers.SuppressedAutoClaimWithoutOwnership));

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.EnableConcurrentExecution();
            context.RegisterCompilationStartAction(startContext =>
            {
                IommuSymbols? symbols = IommuSymbols.TryCreate(startContext.Compilation);
                if (symbols == null || !symbols.HasOwnershipModel || symbols.SuppressAutoClaimDmaOwnerAttribute == null)
                {
                    return;
                }

                startContext.RegisterSymbolStartAction(symbolContext => StartDriver(symbolContext, symbols), SymbolKind.NamedType);
            });
        }

        private static void StartDriver(SymbolStartAnalysisContext context, IommuSymbols symbols)
        {
            var driver = (INamedTypeSymbol)context.Symbol;

            // Only a concrete driver deriving straight from DeviceDriver and declaring no nested types: the ownership
            // calls may live in a base driver of the port's own or in a nested helper, whose code this symbol's
            // analysis does not see. Silence there is the price of never reporting a driver that does take ownership.
            if (driver.TypeKind != TypeKind.Class || driver.IsAbstract || !driver.GetTypeMembers().IsEmpty
                || !SymbolEqualityComparer.Default.Equals(driver.BaseType, symbols.DeviceDriver)
                || !IommuSymbols.HasAttribute(driver, symbols.SuppressAutoClaimDmaOwnerAttribute))
            {
                return;
            }

            var calls = new OwnershipCallSeen();
            context.RegisterOperationAction(
                operationContext =>
                {
                    if (OwnershipApi.IsOwnershipFunction(((IInvocationOperation)operationContext.Operation).TargetMethod, symbols))
                    {
                        calls.Seen = true;
                    }
                },
                OperationKind.Invocation);
            context.RegisterSymbolEndAction(endContext =>
            {
                if (calls.Seen)
                {
                    return;
                }

                foreach (Location location in driver.Locations)
                {
                    if (location.IsInSource)
                    {
                        endContext.ReportDiagnostic(Diagnostic.Create(Rule, location, driver.Name));
                        return;
                    }
                }
            });
        }

        private sealed class OwnershipCallSeen
        {
            private volatile bool _seen;

            public bool Seen
            {
                get => _seen;
                set => _seen = value;
            }
        }
    }
}
