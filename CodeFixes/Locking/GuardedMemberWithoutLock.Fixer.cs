using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;

namespace IommuAnalyzers.CodeFixes.Locking
{
    /// <summary>IOMMU0100 fixes: wrap the access in its lock, or add <c>[RequiresLock]</c> to the enclosing method.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(GuardedMemberWithoutLockFixer))]
    [Shared]
    public sealed class GuardedMemberWithoutLockFixer : CodeFixProvider
    {
        public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(RuleIdentifiers.GuardedMemberWithoutLock);

        public override FixAllProvider GetFixAllProvider() => LockRequirementFixes.FixAll;

        public override Task RegisterCodeFixesAsync(CodeFixContext context) => LockRequirementFixes.RegisterAsync(context, FixableDiagnosticIds);
    }
}
