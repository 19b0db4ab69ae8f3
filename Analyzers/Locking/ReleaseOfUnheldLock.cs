using IommuAnalyzers.Flow;
using Microsoft.CodeAnalysis;

namespace IommuAnalyzers.Locking
{
    /// <summary>
    /// IOMMU0102: a lock is released where it is held on no path (double mutex_unlock(), or an unlock after a goto
    /// that skipped the lock). Disposing a guard twice is harmless and not reported.
    /// </summary>
    internal static class ReleaseOfUnheldLockRule
    {
        public static readonly DiagnosticDescriptor Rule = new DiagnosticDescriptor(
            RuleIdentifiers.ReleaseOfUnheldLock,
            title: "Release of a lock that is not held",
            messageFormat: "Lock '{0}' is released here but is not held",
            RuleCategories.Locking,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: "Releasing a lock the thread does not hold is a double unlock: KMutex.Unlock and Monitor.Exit throw SynchronizationLockException, and the kernel's mutex_unlock() corrupts the mutex.",
            helpLinkUri: RuleIdentifiers.GetHelpUri(RuleIdentifiers.ReleaseOfUnheldLock));

        public static void Check(LockRuleContext context)
        {
            foreach (LockEvent e in context.Result.Events)
            {
                if (e.Kind == LockEventKind.Release && !e.IsScoped && e.Lock != null && e.State.IsNotHeld(e.Lock))
                {
                    context.Report(Diagnostic.Create(Rule, e.Location, e.Lock.ToString()));
                }
            }
        }
    }
}
