using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;

namespace IommuAnalyzers.CodeFixes.Locking
{
    /// <summary>IOMMU0104 fixes: wrap the call in the lock it requires, or add <c>[RequiresLock]</c> to the caller.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(RequiresLockCallWithoutLockFixer))]
    [Shared]
    public sealed class RequiresLockCallWithoutLockFixer : CodeFixProvider
    {
        public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(RuleIdentifiers.RequiresLockCallWithoutLock);

        public override FixAllProvider GetFixAllProvider() => LockRequirementFixes.FixAll;

        public override Task RegisterCodeFixesAsync(CodeFixContext context) => LockRequirementFixes.RegisterAsync(context, FixableDiagnosticIds);
    }
}
