using IommuAnalyzers.Flow;
using Microsoft.CodeAnalysis;

namespace IommuAnalyzers.Locking
{
    /// <summary>
    /// IOMMU0103: a non-recursive lock (KMutex) is taken again where it is already held on every path, or an
    /// <c>[ExcludesLock]</c> method (every IommuCore function) is called while its lock is held: a self-deadlock,
    /// as calling iommu_group_set_dma_owner() under group->mutex would be. Monitor and System.Threading.Lock are
    /// recursive, so taking them again is not reported.
    /// </summary>
    internal static class LockAlreadyHeldRule
    {
        public static readonly DiagnosticDescriptor Rule = new DiagnosticDescriptor(
            RuleIdentifiers.LockAlreadyHeld,
            title: "Lock acquired while already held",
            messageFormat: "Lock '{0}' is already held here: {1}",
            RuleCategories.Locking,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: "A KMutex is not recursive: taking it again, or calling a method that takes it itself ([ExcludesLock]), deadlocks the thread (KMutex throws LockRecursionException).",
            helpLinkUri: RuleIdentifiers.GetHelpUri(RuleIdentifiers.LockAlreadyHeld));

        public static void Check(LockRuleContext context)
        {
            foreach (LockEvent e in context.Result.Events)
            {
                if (e.Lock == null || !e.State.IsHeld(e.Lock))
                {
                    continue;
                }

                if (e.Kind == LockEventKind.Acquire && e.LockKind == LockKind.KMutex)
                {
                    context.Report(Diagnostic.Create(Rule, e.Location, e.Lock.ToString(), "taking it again deadlocks, as KMutex is not recursive"));
                }
                else if (e.Kind == LockEventKind.ExcludedLock && e.Member != null)
                {
                    context.Report(Diagnostic.Create(Rule, e.Location, e.Lock.ToString(), "'" + LockNames.Of(e.Member) + "' takes it itself ([ExcludesLock]) and deadlocks"));
                }
            }
        }
    }
}
