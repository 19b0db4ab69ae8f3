using IommuAnalyzers.Flow;
using Microsoft.CodeAnalysis;

namespace IommuAnalyzers.Locking
{
    /// <summary>
    /// IOMMU0105: where control-flow paths join, a lock is held on some of them and not on others (a conditional
    /// mutex_lock() whose unlock is conditional too, or a loop that takes a lock on one iteration). Reported once, at
    /// the join that creates the divergence; from there on the lock's state is unknown and the other lock rules stay
    /// silent about it (no IOMMU0100/0101/0102/0103 cascade).
    /// </summary>
    internal static class LockHeldOnSomePathsRule
    {
        public static readonly DiagnosticDescriptor Rule = new DiagnosticDescriptor(
            RuleIdentifiers.LockHeldOnSomePaths,
            title: "Lock held on some paths only",
            messageFormat: "Lock '{0}' is held on some paths but not on others where they join here: {1}",
            RuleCategories.Locking,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: "After a join, code cannot know whether it holds the lock: accesses may run unprotected, unlocks may be double. Take and release the lock on the same paths.",
            helpLinkUri: RuleIdentifiers.GetHelpUri(RuleIdentifiers.LockHeldOnSomePaths));

        /// <summary>Where the path that holds the lock took it: the line of its acquire, or the body's entry (a contract).</summary>
        private static string Origin(HeldLock? held) =>
            held?.AcquiredAt == null ? "the path that holds it had it on entry" : "the path that holds it took it at " + LockRuleContext.Where(held.Value);

        public static void Check(LockRuleContext context)
        {
            foreach (LockEvent e in context.Result.Events)
            {
                if (e.Kind == LockEventKind.Join && e.Lock != null)
                {
                    context.Report(Diagnostic.Create(Rule, e.Location, e.Lock.ToString(), Origin(e.State.Find(e.Lock))));
                }
            }
        }
    }
}
