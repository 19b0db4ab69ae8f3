using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Threading;

namespace Iommu
{
    /// <summary>
    /// The runtime lock-order check for <see cref="KMutex"/> (the kernel's lockdep): every mutex belongs to a lock
    /// class; with the check on, each "B taken while A is held" dependency between classes enters one process-wide
    /// graph, and a new dependency that closes a cycle raises a WARN ("possible circular locking dependency") through
    /// <see cref="OwnershipWarnings"/>, whether or not that run deadlocked.
    /// </summary>
    /// <remarks>
    /// Off by default; switched by <see cref="Enabled"/> or the <c>AppContext</c> switch <c>Iommu.LockDep</c>
    /// (<c>&lt;RuntimeHostConfigurationOption Include="Iommu.LockDep" Value="true" /&gt;</c>). Nesting two mutexes of
    /// one class (two groups' mutexes) is not treated as a dependency: the class graph cannot tell an ordered walk
    /// over instances from an inversion, which lockdep needs a nesting annotation for.
    /// </remarks>
    public static class LockDep
    {
        /// <summary>The <c>AppContext</c> switch that turns the check on at start-up.</summary>
        internal const string SwitchName = "Iommu.LockDep";

        // Read by every KMutex.Lock(): one volatile load is the whole cost of the check while it is off.
        internal static volatile bool s_enabled = AppContext.TryGetSwitch(SwitchName, out bool on) && on;

        /// <summary>Whether the lock-order check runs (<c>CONFIG_PROVE_LOCKING</c>).</summary>
        public static bool Enabled
        {
            get => s_enabled;
            set => s_enabled = value;
        }
    }

    /// <summary>One lock class (lockdep's <c>lock_class</c>): a construction site, or a name given to the mutex.</summary>
    internal sealed class LockClass
    {
        private static readonly ConcurrentDictionary<string, LockClass> s_named = new ConcurrentDictionary<string, LockClass>(StringComparer.Ordinal);
        private static readonly ConcurrentDictionary<(string File, int Line), LockClass> s_sites = new ConcurrentDictionary<(string File, int Line), LockClass>();

        // The dependencies "this held, then After[i].To taken"; copied on write under LockDepGraph's gate, read
        // without a lock by the acquire path, which only ever needs to know whether an edge already exists.
        private volatile LockDependency[] _after = Array.Empty<LockDependency>();

        private LockClass(string name)
        {
            Name = name;
        }

        public string Name { get; }

        public LockDependency[] After => _after;

        public static LockClass Named(string name) => s_named.GetOrAdd(name, n => new LockClass(n));

        public static LockClass Site(string file, int line) =>
            s_sites.GetOrAdd((file, line), key => new LockClass(Path.GetFileName(key.File) + ":" + key.Line.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        public bool HasEdgeTo(LockClass next)
        {
            LockDependency[] after = _after;
            for (int i = 0; i < after.Length; i++)
            {
                if (ReferenceEquals(after[i].To, next))
                {
                    return true;
                }
            }

            return false;
        }

        // Only under LockDepGraph's gate.
        public void AddEdge(LockDependency dependency)
        {
            LockDependency[] old = _after;
            var grown = new LockDependency[old.Length + 1];
            Array.Copy(old, grown, old.Length);
            grown[old.Length] = dependency;
            _after = grown;
        }

        public override string ToString() => Name;
    }

    /// <summary>A recorded "To taken while From held", with where it was first seen.</summary>
    internal sealed class LockDependency
    {
        public LockDependency(LockClass from, LockClass to, string witness)
        {
            From = from;
            To = to;
            Witness = witness;
        }

        public LockClass From { get; }

        public LockClass To { get; }

        // The thread and its held chain when the dependency was first recorded.
        public string Witness { get; }
    }

    /// <summary>The per-thread held-class stacks and the process-wide dependency graph.</summary>
    internal static class LockDepGraph
    {
        // One writer at a time for the graph; readers of LockClass.After need no lock.
        private static readonly object s_gate = new object();

        // current->held_locks: the mutexes this thread took while the check was on, oldest first.
        [ThreadStatic]
        private static KMutex?[]? t_held;

        [ThreadStatic]
        private static int t_depth;

        /// <summary>Before <paramref name="mutex"/> is taken by a blocking lock: records and checks every new dependency.</summary>
        public static void BeforeAcquire(KMutex mutex)
        {
            KMutex?[]? held = t_held;
            int depth = t_depth;
            if (held == null || depth == 0)
            {
                return;
            }

            LockClass next = mutex.Class;
            for (int i = 0; i < depth; i++)
            {
                LockClass prev = held[i]!.Class;
                if (!ReferenceEquals(prev, next) && !prev.HasEdgeTo(next))
                {
                    AddDependency(prev, next, held, depth);
                }
            }
        }

        /// <summary>After the calling thread took <paramref name="mutex"/> (by lock or trylock).</summary>
        public static void Push(KMutex mutex)
        {
            KMutex?[]? held = t_held;
            if (held == null)
            {
                held = t_held = new KMutex?[8];
            }
            else if (t_depth == held.Length)
            {
                Array.Resize(ref held, held.Length * 2);
                t_held = held;
            }

            held[t_depth++] = mutex;
        }

        /// <summary>Before the calling thread releases <paramref name="mutex"/>: drops it from the held stack, in any order.</summary>
        public static void Pop(KMutex mutex)
        {
            KMutex?[]? held = t_held;
            if (held == null)
            {
                return;
            }

            for (int i = t_depth - 1; i >= 0; i--)
            {
                if (ReferenceEquals(held[i], mutex))
                {
                    Array.Copy(held, i + 1, held, i, t_depth - i - 1);
                    held[--t_depth] = null;
                    return;
                }
            }
        }

        private static void AddDependency(LockClass prev, LockClass next, KMutex?[] held, int depth)
        {
            string? report = null;
            lock (s_gate)
            {
                if (prev.HasEdgeTo(next))
                {
                    return;
                }

                string chain = Chain(held, depth, next);
                List<LockDependency>? back = PathBetween(next, prev);
                prev.AddEdge(new LockDependency(prev, next, chain));
                if (back != null)
                {
                    report = Describe(prev, next, chain, back);
                }
            }

            // Outside the gate: a capture's own lock must never nest inside the graph's.
            if (report != null)
            {
                OwnershipWarnings.Warn(nameof(KMutex.Lock), report);
            }
        }

        // Breadth-first, so the reported chain is a shortest one; edges are visited in insertion order, so the same
        // graph gives the same chain.
        private static List<LockDependency>? PathBetween(LockClass from, LockClass to)
        {
            var via = new Dictionary<LockClass, LockDependency>();
            var queue = new Queue<LockClass>();
            queue.Enqueue(from);
            while (queue.Count > 0)
            {
                LockClass node = queue.Dequeue();
                foreach (LockDependency edge in node.After)
                {
                    if (ReferenceEquals(edge.To, from) || via.ContainsKey(edge.To))
                    {
                        continue;
                    }

                    via[edge.To] = edge;
                    if (ReferenceEquals(edge.To, to))
                    {
                        var path = new List<LockDependency>();
                        for (LockClass at = to; !ReferenceEquals(at, from); at = via[at].From)
                        {
                            path.Add(via[at]);
                        }

                        path.Reverse();
                        return path;
                    }

                    queue.Enqueue(edge.To);
                }
            }

            return null;
        }

        private static string Chain(KMutex?[] held, int depth, LockClass next)
        {
            var text = new StringBuilder();
            Thread thread = Thread.CurrentThread;
            text.Append("thread ").Append(thread.ManagedThreadId);
            if (!string.IsNullOrEmpty(thread.Name))
            {
                text.Append(" '").Append(thread.Name).Append('\'');
            }

            text.Append(" holding ");
            for (int i = 0; i < depth; i++)
            {
                text.Append('\'').Append(held[i]!.Class.Name).Append("' -> ");
            }

            return text.Append('\'').Append(next.Name).Append('\'').ToString();
        }

        // Like lockdep's report: the new dependency, then the existing chain that it closes into a cycle.
        private static string Describe(LockClass prev, LockClass next, string chain, List<LockDependency> back)
        {
            var text = new StringBuilder("possible circular locking dependency: '")
                .Append(next.Name).Append("' is taken while holding '").Append(prev.Name).Append("' (").Append(chain)
                .Append("), but the existing chain '").Append(next.Name).Append('\'');
            foreach (LockDependency edge in back)
            {
                text.Append(" -> '").Append(edge.To.Name).Append('\'');
            }

            text.Append(" takes '").Append(prev.Name).Append("' after '").Append(next.Name).Append("' (");
            for (int i = 0; i < back.Count; i++)
            {
                text.Append(i == 0 ? string.Empty : "; ").Append(back[i].Witness);
            }

            return text.Append(')').ToString();
        }
    }
}
