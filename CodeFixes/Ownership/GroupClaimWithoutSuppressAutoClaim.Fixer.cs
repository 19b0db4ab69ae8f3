using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;

namespace IommuAnalyzers.CodeFixes.Ownership
{
    /// <summary>
    /// IOMMU0008 fix: declare <c>[SuppressAutoClaimDmaOwner]</c> on the driver class (and <c>using Iommu;</c> where
    /// needed), so the driver core leaves the group to the driver's own claim; the same fix as IOMMU0001's
    /// (<see cref="SuppressAutoClaimDeclaration"/>).
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(GroupClaimWithoutSuppressAutoClaimFixer))]
    [Shared]
    public sealed class GroupClaimWithoutSuppressAutoClaimFixer : CodeFixProvider
    {
        public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(RuleIdentifiers.GroupClaimWithoutSuppressAutoClaim);

        public override FixAllProvider GetFixAllProvider() => SuppressAutoClaimDeclaration.FixAll;

        public override Task RegisterCodeFixesAsync(CodeFixContext context) => SuppressAutoClaimDeclaration.RegisterAsync(context);
    }
}
