using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using IommuAnalyzers.Flow;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace IommuAnalyzers.Locking
{
    /// <summary>One "To taken while From held" dependency between lock classes, with the site that shows it.</summary>
    internal sealed class LockOrderEdge
    {
        public LockOrderEdge(ISymbol from, ISymbol to, Location site, ISymbol? via)
        {
            From = from;
            To = to;
            Site = site;
            Via = via;
        }

        public ISymbol From { get; }

        public ISymbol To { get; }

        public Location Site { get; }

        /// <summary>The source method called at <see cref="Site"/> that takes <see cref="To"/>, or null for a direct acquire.</summary>
        public ISymbol? Via { get; }
    }

    /// <summary>
    /// The whole-compilation facts IOMMU0108 needs, gathered while the lock engine runs and combined once at the end:
    /// the acquisitions each body makes with the classes it holds (from <see cref="LockFlowResult"/> events), and a call
    /// graph of every body (so that a wrapper which takes no lock itself still passes on its callee's). A lock class is
    /// the member that declares the lock (<c>IommuGroup.Mutex</c>), as lockdep keys a lock by its class, not its instance.
    /// </summary>
    internal sealed class LockOrderGraph
    {
        /// <summary>How many calls deep a method's summary follows its callees (the method itself is depth 0).</summary>
        public const int SummaryDepth = 4;

        private readonly LockFlowContext _flow;

        // Edge candidates: the class taken, the classes held, the site, and the source callee for a call.
        private readonly ConcurrentQueue<(ISymbol? To, ISymbol? Via, ImmutableArray<ISymbol> Held, Location Site)> _sites = new ConcurrentQueue<(ISymbol?, ISymbol?, ImmutableArray<ISymbol>, Location)>();

        // Classes each body takes itself (lock, Lock(), Enter), keyed by the body's symbol.
        private readonly ConcurrentDictionary<ISymbol, SharedList<ISymbol>> _direct = SymbolCache.Create<ISymbol, SharedList<ISymbol>>();

        // caller -> callees that are in source or take a lock by annotation.
        private readonly ConcurrentDictionary<ISymbol, SharedList<IMethodSymbol>> _callees = SymbolCache.Create<ISymbol, SharedList<IMethodSymbol>>();

        public LockOrderGraph(LockFlowContext flow)
        {
            _flow = flow;
        }

        /// <summary>The lock class of a canonical lock path: its last member, or null (a local, <c>this</c>, a parameter).</summary>
        public static ISymbol? ClassOf(LockPath? path) => path?.LastMember?.OriginalDefinition;

        public static string Name(ISymbol lockClass) =>
            (lockClass.ContainingType?.Name ?? string.Empty) + "." + lockClass.Name;

        /// <summary>Takes one analysed body's acquisitions and calls.</summary>
        public void Collect(LockFlowResult result)
        {
            foreach (LockEvent e in result.Events)
            {
                switch (e.Kind)
                {
                    case LockEventKind.Acquire when !e.IsTry:
                        ISymbol? taken = ClassOf(e.Lock);
                        if (taken != null)
                        {
                            _direct.GetOrAdd(result.Owner.OriginalDefinition, _ => new SharedList<ISymbol>()).Add(taken);
                            AddSite(taken, null, e);
                        }

                        break;
                    case LockEventKind.ExcludedLock:
                        // The callee takes the lock itself: an acquisition at the call.
                        ISymbol? excluded = ClassOf(e.Lock);
                        if (excluded != null)
                        {
                            AddSite(excluded, null, e);
                        }

                        break;
                    case LockEventKind.Call when e.Member is IMethodSymbol callee:
                        AddSite(null, callee.OriginalDefinition, e);
                        break;
                }
            }
        }

        /// <summary>Records one call of the call graph (an operation action over every invocation).</summary>
        public void CollectCall(OperationAnalysisContext context)
        {
            var invocation = (IInvocationOperation)context.Operation;
            IMethodSymbol callee = invocation.TargetMethod.OriginalDefinition;
            if (IsPrimitive(callee))
            {
                return;
            }

            bool inSource = !callee.Locations.IsEmpty && callee.Locations[0].IsInSource;
            if (!inSource && _flow.Resolver.ExcludesLock(callee).IsEmpty && _flow.Resolver.AcquiresLock(callee).IsEmpty)
            {
                return;
            }

            _callees.GetOrAdd(EnclosingBody.Of(invocation, context.ContainingSymbol), _ => new SharedList<IMethodSymbol>()).Add(callee);
        }

        /// <summary>Every dependency, first witness per pair, in a deterministic order (by site).</summary>
        public List<LockOrderEdge> Edges(CancellationToken cancellationToken)
        {
            var summaries = new Dictionary<ISymbol, HashSet<ISymbol>>(SymbolEqualityComparer.Default);
            var all = new List<LockOrderEdge>();
            foreach ((ISymbol? to, ISymbol? via, ImmutableArray<ISymbol> held, Location site) in _sites)
            {
                cancellationToken.ThrowIfCancellationRequested();
                IEnumerable<ISymbol> taken = to != null ? new[] { to } : (IEnumerable<ISymbol>)Summary(via!, summaries);
                foreach (ISymbol next in taken)
                {
                    foreach (ISymbol prev in held)
                    {
                        // Two locks of one class (two groups) nested: out of scope, as the class graph cannot order them.
                        if (!SymbolEqualityComparer.Default.Equals(prev, next))
                        {
                            all.Add(new LockOrderEdge(prev, next, site, via));
                        }
                    }
                }
            }

            all.Sort(Compare);
            var first = new List<LockOrderEdge>();
            var seen = new HashSet<(ISymbol, ISymbol)>(new PairComparer());
            foreach (LockOrderEdge edge in all)
            {
                if (seen.Add((edge.From, edge.To)))
                {
                    first.Add(edge);
                }
            }

            return first;
        }

        public static int Compare(LockOrderEdge x, LockOrderEdge y)
        {
            int c = CompareLocations(x.Site, y.Site);
            if (c == 0)
            {
                c = string.CompareOrdinal(Name(x.From), Name(y.From));
            }

            return c != 0 ? c : string.CompareOrdinal(Name(x.To), Name(y.To));
        }

        public static int CompareLocations(Location x, Location y)
        {
            int c = string.CompareOrdinal(x.SourceTree?.FilePath, y.SourceTree?.FilePath);
            if (c == 0)
            {
                c = x.SourceSpan.Start.CompareTo(y.SourceSpan.Start);
            }

            return c != 0 ? c : x.SourceSpan.End.CompareTo(y.SourceSpan.End);
        }

        // The classes a method may take: its own acquisitions and its annotated callees', then its source callees'
        // up to SummaryDepth calls deep (breadth-first, each method once, so recursion ends).
        private HashSet<ISymbol> Summary(ISymbol method, Dictionary<ISymbol, HashSet<ISymbol>> memo)
        {
            if (memo.TryGetValue(method, out HashSet<ISymbol>? known))
            {
                return known;
            }

            var classes = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
            var visited = new HashSet<ISymbol>(SymbolEqualityComparer.Default) { method };
            var frontier = new List<ISymbol> { method };
            for (int depth = 0; depth < SummaryDepth && frontier.Count > 0; depth++)
            {
                var next = new List<ISymbol>();
                foreach (ISymbol body in frontier)
                {
                    if (_direct.TryGetValue(body, out SharedList<ISymbol>? direct))
                    {
                        classes.UnionWith(direct.Snapshot());
                    }

                    if (!_callees.TryGetValue(body, out SharedList<IMethodSymbol>? callees))
                    {
                        continue;
                    }

                    foreach (IMethodSymbol callee in callees.Snapshot())
                    {
                        AddAnnotated(_flow.Resolver.ExcludesLock(callee), classes);
                        AddAnnotated(_flow.Resolver.AcquiresLock(callee), classes);
                        if (visited.Add(callee))
                        {
                            next.Add(callee);
                        }
                    }
                }

                frontier = next;
            }

            memo[method] = classes;
            return classes;
        }

        private static void AddAnnotated(ImmutableArray<LockExpression> expressions, HashSet<ISymbol> classes)
        {
            foreach (LockExpression expression in expressions)
            {
                if (expression.IsResolved && !expression.Members.IsEmpty)
                {
                    classes.Add(expression.Members[expression.Members.Length - 1].OriginalDefinition);
                }
            }
        }

        private void AddSite(ISymbol? to, ISymbol? via, LockEvent e)
        {
            if (e.State.Locks.IsEmpty)
            {
                return;
            }

            ImmutableArray<ISymbol>.Builder held = ImmutableArray.CreateBuilder<ISymbol>(e.State.Locks.Length);
            foreach (HeldLock h in e.State.Locks)
            {
                ISymbol? lockClass = ClassOf(h.Path);
                if (lockClass != null && !System.Linq.Enumerable.Contains(held, lockClass, SymbolEqualityComparer.Default))
                {
                    held.Add(lockClass);
                }
            }

            if (held.Count > 0)
            {
                _sites.Enqueue((to, via, held.ToImmutable(), e.Location));
            }
        }

        private bool IsPrimitive(IMethodSymbol method)
        {
            INamedTypeSymbol? type = method.ContainingType;
            return _flow.Model.IsLockType(type) || _flow.IsType(type, _flow.Model.ScopedGuardType);
        }

        private sealed class PairComparer : IEqualityComparer<(ISymbol, ISymbol)>
        {
            public bool Equals((ISymbol, ISymbol) x, (ISymbol, ISymbol) y) =>
                SymbolEqualityComparer.Default.Equals(x.Item1, y.Item1) && SymbolEqualityComparer.Default.Equals(x.Item2, y.Item2);

            public int GetHashCode((ISymbol, ISymbol) pair) =>
                (SymbolEqualityComparer.Default.GetHashCode(pair.Item1) * 31) + SymbolEqualityComparer.Default.GetHashCode(pair.Item2);
        }
    }
}
