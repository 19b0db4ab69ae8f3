using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace IommuAnalyzers.Locking.Inference
{
    /// <summary>What the guard inference concluded for one compilation, for IOMMU0109 and IOMMU0110 to report.</summary>
    internal sealed class GuardInferenceResult
    {
        public GuardInferenceResult(List<InconsistentMember> inconsistent, List<ReliantHelper> helpers)
        {
            Inconsistent = inconsistent;
            Helpers = helpers;
        }

        public List<InconsistentMember> Inconsistent { get; }

        public List<ReliantHelper> Helpers { get; }
    }

    /// <summary>A member the inference says is guarded by <see cref="Key"/>, with the sites that do not hold it.</summary>
    internal sealed class InconsistentMember
    {
        public InconsistentMember(ISymbol member, GuardKey key, int locked, int total, List<AccessSite> unlocked)
        {
            Member = member;
            Key = key;
            Locked = locked;
            Total = total;
            Unlocked = unlocked;
        }

        public ISymbol Member { get; }

        public GuardKey Key { get; }

        public int Locked { get; }

        public int Total { get; }

        public List<AccessSite> Unlocked { get; }
    }

    /// <summary>A helper whose every caller holds <see cref="LockText"/>, which its body needs for <see cref="Members"/>.</summary>
    internal sealed class ReliantHelper
    {
        public ReliantHelper(IMethodSymbol helper, string lockText, int callers, ImmutableArray<ISymbol> members)
        {
            Helper = helper;
            LockText = lockText;
            Callers = callers;
            Members = members;
        }

        public IMethodSymbol Helper { get; }

        /// <summary>The lock as a <c>[RequiresLock]</c> argument on the helper (<c>_ringLock</c>, <c>g.Mutex</c>).</summary>
        public string LockText { get; }

        public int Callers { get; }

        public ImmutableArray<ISymbol> Members { get; }
    }
}
