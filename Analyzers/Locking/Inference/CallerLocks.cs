using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using IommuAnalyzers.Flow;
using Microsoft.CodeAnalysis;

namespace IommuAnalyzers.Locking.Inference
{
    /// <summary>
    /// Answers "does every caller of this helper hold that lock?" from the call sites of the whole compilation: a lock
    /// the helper names through <c>this</c> or a parameter is translated into each caller's terms (the call's receiver,
    /// its argument) and looked up in the state the engine recorded at the call.
    /// </summary>
    internal sealed class CallerLocks
    {
        private readonly Dictionary<IMethodSymbol, List<Location>> _sites = new Dictionary<IMethodSymbol, List<Location>>(SymbolEqualityComparer.Default);
        private readonly Dictionary<Location, List<LockEvent>> _heldCalls = new Dictionary<Location, List<LockEvent>>();
        private readonly HashSet<(ISymbol, LockPath)> _acquired = new HashSet<(ISymbol, LockPath)>();
        private readonly Dictionary<(IMethodSymbol, LockPath), bool> _answers = new Dictionary<(IMethodSymbol, LockPath), bool>();

        public CallerLocks(LockFlowContext flow, ConcurrentDictionary<IMethodSymbol, SharedList<Location>> sites, ConcurrentQueue<LockEvent> heldCalls, ConcurrentQueue<(ISymbol Owner, LockPath Lock)> acquired)
        {
            Flow = flow;
            foreach (KeyValuePair<IMethodSymbol, SharedList<Location>> entry in sites)
            {
                var distinct = new List<Location>();
                foreach (Location location in entry.Value.Snapshot())
                {
                    if (!distinct.Contains(location))
                    {
                        distinct.Add(location);
                    }
                }

                _sites[entry.Key] = distinct;
            }

            foreach (LockEvent call in heldCalls)
            {
                if (!_heldCalls.TryGetValue(call.Location, out List<LockEvent>? list))
                {
                    _heldCalls[call.Location] = list = new List<LockEvent>();
                }

                list.Add(call);
            }

            foreach ((ISymbol owner, LockPath path) in acquired)
            {
                _acquired.Add((owner.OriginalDefinition, path));
            }
        }

        public LockFlowContext Flow { get; }

        /// <summary>How many call sites (and method-group uses) the helper has in the compilation.</summary>
        public int Count(IMethodSymbol helper) => _sites.TryGetValue(helper.OriginalDefinition, out List<Location>? list) ? list.Count : 0;

        /// <summary>
        /// Whether <paramref name="helper"/> has callers, every one of them holds <paramref name="need"/> (named in the
        /// helper's terms) on every path to the call, the helper does not take it itself, and a <c>[RequiresLock]</c> on
        /// the helper could name it.
        /// </summary>
        public bool AllHold(IMethodSymbol helper, LockPath need)
        {
            helper = helper.OriginalDefinition;
            if (_answers.TryGetValue((helper, need), out bool known))
            {
                return known;
            }

            bool answer = Nameable(helper, need) && !_acquired.Contains((helper, need)) && _sites.TryGetValue(helper, out List<Location>? sites) && sites.Count > 0 && HeldAtEvery(helper, need, sites);
            _answers[(helper, need)] = answer;
            return answer;
        }

        private bool HeldAtEvery(IMethodSymbol helper, LockPath need, List<Location> sites)
        {
            foreach (Location site in sites)
            {
                if (!_heldCalls.TryGetValue(site, out List<LockEvent>? calls))
                {
                    return false;
                }

                foreach (LockEvent call in calls)
                {
                    if (!SymbolEqualityComparer.Default.Equals(call.Member?.OriginalDefinition, helper) || !(InCaller(helper, need, call) is LockPath there) || !call.State.IsHeld(there))
                    {
                        return false;
                    }
                }
            }

            return true;
        }

        /// <summary>The helper's lock as the caller names it: its <c>this</c> becomes the call's receiver, a parameter the argument.</summary>
        private static LockPath? InCaller(IMethodSymbol helper, LockPath need, LockEvent call)
        {
            switch (need.RootKind)
            {
                case LockPathRootKind.This:
                    return call.Receiver == null ? null : need.Rename(LockPath.ForThis(helper.ContainingType), call.Receiver);
                case LockPathRootKind.Parameter when need.Root is IParameterSymbol parameter && SymbolEqualityComparer.Default.Equals(parameter.ContainingSymbol?.OriginalDefinition, helper):
                    ImmutableArray<LockPath?> arguments = call.Arguments;
                    LockPath? argument = !arguments.IsDefault && parameter.Ordinal < arguments.Length ? arguments[parameter.Ordinal] : null;
                    return argument == null ? null : need.Rename(LockPath.ForParameter(parameter), argument);
                case LockPathRootKind.Parameter:
                case LockPathRootKind.StaticType:
                    // A parameter of the method enclosing a local function, or a static: the same in the caller.
                    return need;
                default:
                    return null;
            }
        }

        /// <summary>What a [RequiresLock] on the helper can say: a path from its this, its own parameters (or an enclosing method's, for a local function) or a static.</summary>
        private static bool Nameable(IMethodSymbol helper, LockPath need)
        {
            if (need.HasElements || need.Version != null)
            {
                return false;
            }

            switch (need.RootKind)
            {
                case LockPathRootKind.This:
                    return !helper.IsStatic && !need.Steps.IsEmpty;
                case LockPathRootKind.Parameter:
                    return need.Root is IParameterSymbol parameter && (SymbolEqualityComparer.Default.Equals(parameter.ContainingSymbol?.OriginalDefinition, helper) || helper.MethodKind == MethodKind.LocalFunction);
                case LockPathRootKind.StaticType:
                    return true;
                default:
                    return false;
            }
        }
    }
}
