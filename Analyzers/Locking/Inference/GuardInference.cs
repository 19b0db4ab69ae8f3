using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using IommuAnalyzers.Flow;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace IommuAnalyzers.Locking.Inference
{
    /// <summary>
    /// The guard inference behind IOMMU0109 and IOMMU0110, RacerD-style: which lock the code's own locking says guards
    /// an unannotated member, and which helpers are only ever called with a lock they need. It gathers facts while the
    /// lock engine runs (the locks held at each access of a candidate member and at each call of a helper, from
    /// <see cref="LockFlowResult"/> events; accesses in bodies without locks from the pre-scan; every call site of every
    /// helper from an operation action) and combines them once, at the end of the compilation.
    /// </summary>
    internal sealed class GuardInference
    {
        private readonly LockFlowContext _flow;
        private readonly ConcurrentQueue<AccessSite> _sites = new ConcurrentQueue<AccessSite>();

        // Calls of helpers made with some lock held, as the engine saw them (the state and what this/parameters denote).
        private readonly ConcurrentQueue<LockEvent> _heldCalls = new ConcurrentQueue<LockEvent>();

        // Every call site (and method-group use) of every helper, held or not.
        private readonly ConcurrentDictionary<IMethodSymbol, SharedList<Location>> _callSites = SymbolCache.Create<IMethodSymbol, SharedList<Location>>();

        // Annotated locks a helper's body needs and does not hold ([GuardedBy] members, [RequiresLock] callees).
        private readonly ConcurrentQueue<(IMethodSymbol Helper, LockPath Lock, ISymbol Member)> _annotatedNeeds = new ConcurrentQueue<(IMethodSymbol, LockPath, ISymbol)>();

        // Locks each helper's body takes itself: such a helper does not rely on its callers for them.
        private readonly ConcurrentQueue<(ISymbol Owner, LockPath Lock)> _acquired = new ConcurrentQueue<(ISymbol, LockPath)>();

        private GuardInference(LockFlowContext flow)
        {
            _flow = flow;
        }

        /// <summary>A collector outside the analyzer driver (the benchmark's phase timing feeds it directly).</summary>
        internal static GuardInference Create(LockFlowContext flow) => new GuardInference(flow);

        /// <summary>False when the compilation switches both IOMMU0109 and IOMMU0110 off: then nothing is gathered.</summary>
        public static bool IsEnabled(Compilation compilation) =>
            !IsSuppressed(compilation, RuleIdentifiers.MemberLockedInconsistently) || !IsSuppressed(compilation, RuleIdentifiers.HelperReliesOnCallersLock);

        /// <summary>Registers the call-site action and the compilation-end step that reports both rules.</summary>
        public static GuardInference Start(CompilationStartAnalysisContext context, LockFlowContext flow)
        {
            GuardInference inference = Create(flow);
            context.RegisterOperationAction(inference.CollectCallSite, OperationKind.Invocation, OperationKind.MethodReference);
            context.RegisterCompilationEndAction(end =>
            {
                GuardInferenceResult result = inference.Solve(end.CancellationToken);
                MemberLockedInconsistentlyRule.Report(end, result);
                HelperReliesOnCallersLockRule.Report(end, result);
            });
            return inference;
        }

        /// <summary>Takes one analysed body's accesses, helper calls, unheld needs and acquisitions.</summary>
        public void Collect(LockFlowResult result, SemanticModel model)
        {
            ISymbol owner = result.Owner;
            IMethodSymbol? helper = owner is IMethodSymbol method && _flow.IsHelperCandidate(method) ? method.OriginalDefinition : null;
            foreach (LockEvent e in result.Events)
            {
                switch (e.Kind)
                {
                    case LockEventKind.UnguardedAccess when e.Member != null && e.Operation is IMemberReferenceOperation access:
                        AccessKind kind = AccessKinds.Classify(access);
                        _sites.Enqueue(new AccessSite(e.Member.OriginalDefinition, owner, e.Location, kind, AccessSiteShapes.ReplacesWhole(access, kind), AccessSiteShapes.Classify(owner, access, kind, model, _flow.Model), HeldKeys(e.State, e.Receiver), helper != null ? e.Receiver : null));
                        break;
                    case LockEventKind.HelperCall:
                        _heldCalls.Enqueue(e);
                        break;
                    case LockEventKind.GuardedAccess when helper != null && e.Lock != null && e.Member != null && e.State.IsNotHeld(e.Lock):
                    case LockEventKind.RequiredLock when helper != null && e.Lock != null && e.Member != null && e.State.IsNotHeld(e.Lock):
                        _annotatedNeeds.Enqueue((helper!, e.Lock!, e.Member!));
                        break;
                    case LockEventKind.Acquire when helper != null && e.Lock != null:
                        _acquired.Enqueue((helper!, e.Lock!));
                        break;
                }
            }
        }

        /// <summary>Takes the candidate accesses of a body the pre-scan found lock-free: nothing is held at any of them.</summary>
        public void CollectUnlocked(ISymbol owner, List<IOperation> accesses, SemanticModel model)
        {
            foreach (IOperation operation in accesses)
            {
                if (!(operation is IMemberReferenceOperation reference) || ConstructionScope.IsOwnObjectUnderConstruction(owner, reference.Member, reference.Instance))
                {
                    continue;
                }

                ISymbol body = EnclosingBody.Of(reference, owner);
                AccessKind kind = AccessKinds.Classify(reference);
                _sites.Enqueue(new AccessSite(reference.Member.OriginalDefinition, body, reference.Syntax.GetLocation(), kind, AccessSiteShapes.ReplacesWhole(reference, kind), AccessSiteShapes.Classify(body, reference, kind, model, _flow.Model), ImmutableArray<GuardKey>.Empty, SimpleReceiver(reference, body)));
            }
        }

        private void CollectCallSite(OperationAnalysisContext context)
        {
            IMethodSymbol? target = context.Operation switch
            {
                IInvocationOperation invocation => invocation.TargetMethod,
                IMethodReferenceOperation reference => reference.Method,
                _ => null,
            };
            if (target == null || !_flow.IsHelperCandidate(target))
            {
                return;
            }

            // A recursive call needs what the helper needs, so it neither supports nor refutes relying on the callers.
            IMethodSymbol helper = target.OriginalDefinition;
            if (SymbolEqualityComparer.Default.Equals(EnclosingBody.Of(context.Operation, context.ContainingSymbol), helper))
            {
                return;
            }

            _callSites.GetOrAdd(helper, _ => new SharedList<Location>()).Add(context.Operation.Syntax.GetLocation());
        }

        internal GuardInferenceResult Solve(CancellationToken cancellationToken)
        {
            var callers = new CallerLocks(_flow, _callSites, _heldCalls, _acquired);
            var inconsistent = new List<InconsistentMember>();
            var needs = new List<(IMethodSymbol Helper, LockPath Lock, ISymbol Member)>();

            var byMember = new Dictionary<ISymbol, List<AccessSite>>(SymbolEqualityComparer.Default);
            var seen = new HashSet<(ISymbol, Location)>();
            var usedAsLock = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
            foreach (AccessSite site in _sites)
            {
                if (!seen.Add((site.Member, site.Location)))
                {
                    continue;
                }

                if (!byMember.TryGetValue(site.Member, out List<AccessSite>? list))
                {
                    byMember[site.Member] = list = new List<AccessSite>();
                }

                list.Add(site);
                foreach (GuardKey key in site.Held)
                {
                    usedAsLock.Add(key.LockMember.OriginalDefinition);
                }
            }

            foreach (KeyValuePair<ISymbol, List<AccessSite>> entry in byMember)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!usedAsLock.Contains(entry.Key) && MemberGuard.Infer(entry.Key, entry.Value, callers) is MemberGuard guard)
                {
                    if (guard.Unlocked.Count > 0)
                    {
                        inconsistent.Add(new InconsistentMember(entry.Key, guard.Key, guard.Locked, guard.Total, guard.Unlocked));
                    }

                    foreach ((IMethodSymbol helper, LockPath need) in guard.ViaCallers)
                    {
                        needs.Add((helper, need, entry.Key));
                    }
                }
            }

            foreach ((IMethodSymbol helper, LockPath need, ISymbol member) in _annotatedNeeds)
            {
                if (callers.AllHold(helper, need))
                {
                    needs.Add((helper, need, member));
                }
            }

            return new GuardInferenceResult(inconsistent, HelperNeeds(needs, callers));
        }

        private static List<ReliantHelper> HelperNeeds(List<(IMethodSymbol Helper, LockPath Lock, ISymbol Member)> needs, CallerLocks callers)
        {
            var helpers = new List<ReliantHelper>();
            foreach (IGrouping<(IMethodSymbol, string), (IMethodSymbol Helper, LockPath Lock, ISymbol Member)> group in
                needs.GroupBy(n => (n.Helper, n.Lock.ToAttributeExpression()), new HelperLockComparer()))
            {
                (IMethodSymbol helper, string text) = group.Key;
                ImmutableArray<ISymbol> members = group.Select(n => n.Member).Distinct<ISymbol>(SymbolEqualityComparer.Default).OrderBy(m => m.Name, System.StringComparer.Ordinal).ToImmutableArray();
                helpers.Add(new ReliantHelper(helper, text, callers.Count(helper), members));
            }

            return helpers;
        }

        private static ImmutableArray<GuardKey> HeldKeys(LockState state, LockPath? receiver)
        {
            if (state.Locks.IsEmpty)
            {
                return ImmutableArray<GuardKey>.Empty;
            }

            ImmutableArray<GuardKey>.Builder keys = ImmutableArray.CreateBuilder<GuardKey>();
            foreach (HeldLock held in state.Locks)
            {
                if (held.OnAllPaths && GuardKey.Of(held, receiver) is GuardKey key && !keys.Contains(key))
                {
                    keys.Add(key);
                }
            }

            return keys.ToImmutable();
        }

        /// <summary>The object of an access in a lock-free body, when it is <c>this</c> or a parameter (the only ones a helper's callers can name).</summary>
        private LockPath? SimpleReceiver(IMemberReferenceOperation reference, ISymbol body)
        {
            if (reference.Member.IsStatic || !(body is IMethodSymbol method) || !_flow.IsHelperCandidate(method))
            {
                return null;
            }

            switch (OperationPaths.Unwrap(reference.Instance))
            {
                case IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance }:
                    return LockPath.ForThis(method.ContainingType);
                case IParameterReferenceOperation parameter:
                    return LockPath.ForParameter(parameter.Parameter);
                default:
                    return null;
            }
        }

        private static bool IsSuppressed(Compilation compilation, string id) =>
            compilation.Options.SpecificDiagnosticOptions.TryGetValue(id, out ReportDiagnostic option) && option == ReportDiagnostic.Suppress;

        private sealed class HelperLockComparer : IEqualityComparer<(IMethodSymbol Helper, string Text)>
        {
            public bool Equals((IMethodSymbol Helper, string Text) x, (IMethodSymbol Helper, string Text) y) =>
                x.Text == y.Text && SymbolEqualityComparer.Default.Equals(x.Helper, y.Helper);

            public int GetHashCode((IMethodSymbol Helper, string Text) obj) => (SymbolEqualityComparer.Default.GetHashCode(obj.Helper) * 31) + obj.Text.GetHashCode();
        }
    }
}
