using System.Collections.Generic;
using System.Linq;
using IommuAnalyzers.Flow;
using Microsoft.CodeAnalysis;

namespace IommuAnalyzers.Locking.Inference
{
    /// <summary>
    /// The lock the code's own locking says guards one unannotated member, and where it is not held. The thresholds
    /// (docs/rules/IOMMU0109.md states them): written under the lock at least once; held at two sites or more, and at
    /// more than half of the sites that count; sites in two bodies or more; and not a copy-on-write snapshot (a
    /// reference replaced whole under the lock, only read without it). An access in a helper whose callers all hold
    /// the lock counts as held (IOMMU0110 reports the helper).
    /// </summary>
    internal sealed class MemberGuard
    {
        public const int MinimumLockedSites = 2;
        public const int MinimumBodies = 2;

        private MemberGuard(GuardKey key, int locked, int total, List<AccessSite> unlocked, List<(IMethodSymbol Helper, LockPath Need)> viaCallers)
        {
            Key = key;
            Locked = locked;
            Total = total;
            Unlocked = unlocked;
            ViaCallers = viaCallers;
        }

        public GuardKey Key { get; }

        /// <summary>Sites that hold the lock, by their own body or through every caller.</summary>
        public int Locked { get; }

        /// <summary>Sites that count (lock-free-by-design, start-up, test and double-checked first reads do not).</summary>
        public int Total { get; }

        public List<AccessSite> Unlocked { get; }

        /// <summary>The helpers whose accesses hold the lock only through their callers, with the lock in the helper's terms.</summary>
        public List<(IMethodSymbol Helper, LockPath Need)> ViaCallers { get; }

        public static MemberGuard? Infer(ISymbol member, List<AccessSite> sites, CallerLocks callers)
        {
            if (sites.Any(s => s.Shape == AccessSiteShape.LockFreeApi))
            {
                return null;
            }

            List<AccessSite> evidence = sites.Where(s => s.Shape == AccessSiteShape.Counted).ToList();
            MemberGuard? best = null;
            foreach (GuardKey key in evidence.SelectMany(s => s.Held).Distinct().OrderBy(k => k.Text, System.StringComparer.Ordinal))
            {
                if (!evidence.Any(s => s.IsWrite && s.Held.Contains(key)))
                {
                    continue;
                }

                var unlocked = new List<AccessSite>();
                var viaCallers = new List<(IMethodSymbol, LockPath)>();
                foreach (AccessSite site in evidence)
                {
                    if (site.Held.Contains(key))
                    {
                        continue;
                    }

                    if (site.Owner is IMethodSymbol helper && key.For(site.Receiver) is LockPath need && callers.AllHold(helper, need))
                    {
                        viaCallers.Add((helper.OriginalDefinition, need));
                        continue;
                    }

                    unlocked.Add(site);
                }

                int locked = evidence.Count - unlocked.Count;
                if (best == null || locked > best.Locked)
                {
                    best = new MemberGuard(key, locked, evidence.Count, unlocked, viaCallers);
                }
            }

            if (best == null || best.Locked < MinimumLockedSites || best.Locked * 2 <= best.Total ||
                evidence.Select(s => s.Owner).Distinct<ISymbol>(SymbolEqualityComparer.Default).Count() < MinimumBodies ||
                IsSnapshot(member, sites, best.Unlocked))
            {
                return null;
            }

            return best;
        }

        /// <summary>
        /// Copy-on-write (and double-checked or lazy publication, <c>x ??= new X()</c>): a reference that is only ever
        /// replaced whole, and read without the lock. Readers see the old or the new object, never a torn one; that is
        /// the design, not a race.
        /// </summary>
        private static bool IsSnapshot(ISymbol member, List<AccessSite> sites, List<AccessSite> unlocked)
        {
            ITypeSymbol? type = member switch
            {
                IFieldSymbol field => field.Type,
                IPropertySymbol property => property.Type,
                _ => null,
            };

            return type != null && type.IsReferenceType && unlocked.All(s => !s.IsWrite) && sites.All(s => !s.IsWrite || s.ReplacesWhole);
        }
    }
}
