using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;

namespace IommuAnalyzers.CodeFixes.Ownership
{
    /// <summary>
    /// IOMMU0001 fix: declare <c>[SuppressAutoClaimDmaOwner]</c> on the driver class (and <c>using Iommu;</c> where
    /// needed); the same fix as IOMMU0008's (<see cref="SuppressAutoClaimDeclaration"/>).
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(SharedAttachWithoutSuppressAutoClaimFixer))]
    [Shared]
    public sealed class SharedAttachWithoutSuppressAutoClaimFixer : CodeFixProvider
    {
        public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(RuleIdentifiers.SharedAttachWithoutSuppressAutoClaim);

        public override FixAllProvider GetFixAllProvider() => SuppressAutoClaimDeclaration.FixAll;

        public override Task RegisterCodeFixesAsync(CodeFixContext context) => SuppressAutoClaimDeclaration.RegisterAsync(context);
    }
}
