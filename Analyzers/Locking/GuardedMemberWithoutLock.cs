using IommuAnalyzers.Flow;
using Microsoft.CodeAnalysis;

namespace IommuAnalyzers.Locking
{
    /// <summary>
    /// IOMMU0100: a <c>[GuardedBy]</c> member is read or written where its lock is held on no path
    /// (group->owner_cnt touched outside group->mutex; lockdep_assert_held() would fire).
    /// Where the lock is held on some paths only, IOMMU0105 has already spoken at the join.
    /// </summary>
    internal static class GuardedMemberWithoutLockRule
    {
        public static readonly DiagnosticDescriptor Rule = new DiagnosticDescriptor(
            RuleIdentifiers.GuardedMemberWithoutLock,
            title: "Guarded member accessed without its lock",
            messageFormat: "'{0}' is {1} without holding its lock '{2}'",
            RuleCategories.Locking,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: "A field or property marked [GuardedBy] must only be read or written while its lock is held (the kernel's __guarded_by); otherwise another thread can see or make a torn update.",
            helpLinkUri: RuleIdentifiers.GetHelpUri(RuleIdentifiers.GuardedMemberWithoutLock));

        public static void Check(LockRuleContext context)
        {
            foreach (LockEvent e in context.Result.Events)
            {
                if (e.Kind == LockEventKind.GuardedAccess && e.Lock != null && e.Member != null && e.State.IsNotHeld(e.Lock))
                {
                    context.Report(Diagnostic.Create(Rule, e.Location, context.FixProperties(e.Lock, e.LockKind, e.Location, e.LockText), e.AccessText ?? LockNames.Of(e.Member), AccessKinds.Describe(e.Operation), e.Lock.ToString()));
                }
            }
        }
    }
}
