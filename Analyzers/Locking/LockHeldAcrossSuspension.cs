using System.Collections.Generic;
using IommuAnalyzers.Flow;
using Microsoft.CodeAnalysis;

namespace IommuAnalyzers.Locking
{
    /// <summary>
    /// IOMMU0107: a lock is held, on every path, at an <c>await</c> or a <c>yield return</c>. The continuation of an
    /// await may run on another thread, where KMutex.Unlock and Monitor.Exit throw; an iterator whose caller stops
    /// enumerating never runs the code that releases. The compiler rejects only <c>await</c> inside a <c>lock</c>
    /// statement (CS1996). A lock held on some paths only is IOMMU0105's, reported at the join.
    /// </summary>
    internal static class LockHeldAcrossSuspensionRule
    {
        public static readonly DiagnosticDescriptor Rule = new DiagnosticDescriptor(
            RuleIdentifiers.LockHeldAcrossSuspension,
            title: "Lock held across a suspension point",
            messageFormat: "Lock '{0}' ({1}) is held across this {2}",
            RuleCategories.Locking,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: "Code after an await may resume on another thread, which does not own the lock (KMutex.Unlock and Monitor.Exit throw there), and a yield return hands control to a caller that may never resume the iterator, so the lock is never released. Release the lock before suspending.",
            helpLinkUri: RuleIdentifiers.GetHelpUri(RuleIdentifiers.LockHeldAcrossSuspension));

        public static void Check(LockRuleContext context)
        {
            // await foreach suspends twice at one keyword (MoveNextAsync, DisposeAsync): one diagnostic per lock there.
            List<(Location At, LockPath Lock)>? reported = null;
            foreach (LockEvent e in context.Result.Events)
            {
                if (e.Kind != LockEventKind.Suspension)
                {
                    continue;
                }

                foreach (HeldLock held in e.State.Locks)
                {
                    if (!held.OnAllPaths || Seen(ref reported, e.Location, held.Path))
                    {
                        continue;
                    }

                    string taken = held.AcquiredAt == null ? "held on entry" : "taken at " + LockRuleContext.Where(held);
                    Location[] additional = held.AcquiredAt != null ? new[] { held.AcquiredAt } : System.Array.Empty<Location>();
                    context.Report(Diagnostic.Create(Rule, e.Location, additional, held.Path.ToString(), taken, SuspensionPoints.Describe(e.Operation)));
                }
            }
        }

        private static bool Seen(ref List<(Location At, LockPath Lock)>? reported, Location location, LockPath path)
        {
            reported ??= new List<(Location, LockPath)>();
            foreach ((Location at, LockPath lockPath) in reported)
            {
                if (at == location && lockPath.Equals(path))
                {
                    return true;
                }
            }

            reported.Add((location, path));
            return false;
        }
    }
}
