using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;

namespace IommuAnalyzers.CodeFixes.Locking
{
    /// <summary>IOMMU0110 fix: add the <c>[RequiresLock]</c> every caller already satisfies to the helper.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(HelperReliesOnCallersLockFixer))]
    [Shared]
    public sealed class HelperReliesOnCallersLockFixer : CodeFixProvider
    {
        public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(RuleIdentifiers.HelperReliesOnCallersLock);

        public override FixAllProvider GetFixAllProvider() => LockRequirementFixes.FixAll;

        // The diagnostic carries only the [RequiresLock] argument, so the shared registration offers that action alone.
        public override Task RegisterCodeFixesAsync(CodeFixContext context) => LockRequirementFixes.RegisterAsync(context, FixableDiagnosticIds);
    }
}
