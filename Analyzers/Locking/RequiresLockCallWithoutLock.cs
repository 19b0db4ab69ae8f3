using IommuAnalyzers.Flow;
using Microsoft.CodeAnalysis;

namespace IommuAnalyzers.Locking
{
    /// <summary>
    /// IOMMU0104: a <c>[RequiresLock]</c> method, property or constructor is used where the lock it requires is held on
    /// no path (calling a __must_hold helper such as __iommu_group_set_domain() without group->mutex).
    /// </summary>
    internal static class RequiresLockCallWithoutLockRule
    {
        public static readonly DiagnosticDescriptor Rule = new DiagnosticDescriptor(
            RuleIdentifiers.RequiresLockCallWithoutLock,
            title: "Call to a [RequiresLock] member without the lock",
            messageFormat: "'{0}' requires lock '{1}', which is not held here",
            RuleCategories.Locking,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: "A member marked [RequiresLock] assumes its callers hold the lock (the kernel's __must_hold); calling it without the lock lets it touch guarded state unprotected.",
            helpLinkUri: RuleIdentifiers.GetHelpUri(RuleIdentifiers.RequiresLockCallWithoutLock));

        public static void Check(LockRuleContext context)
        {
            foreach (LockEvent e in context.Result.Events)
            {
                if (e.Kind == LockEventKind.RequiredLock && e.Lock != null && e.Member != null && e.State.IsNotHeld(e.Lock))
                {
                    context.Report(Diagnostic.Create(Rule, e.Location, context.FixProperties(e.Lock, e.LockKind, e.Location, e.LockText, e.State), LockNames.Of(e.Member), e.Lock.ToString()));
                }
            }
        }
    }
}
