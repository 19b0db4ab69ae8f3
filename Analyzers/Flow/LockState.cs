using System;
using System.Collections.Immutable;
using System.Text;
using Microsoft.CodeAnalysis;

namespace IommuAnalyzers.Flow
{
    /// <summary>How a lock behaves: whether taking it again deadlocks.</summary>
    internal enum LockKind
    {
        /// <summary><c>Iommu.KMutex</c>: not recursive (mutex_lock() on a held mutex deadlocks).</summary>
        KMutex,

        /// <summary>Any object used with C#'s <c>lock</c> or <c>Monitor</c>: recursive.</summary>
        Monitor,

        /// <summary><c>System.Threading.Lock</c>: recursive.</summary>
        ThreadingLock,
    }

    /// <summary>One lock in a <see cref="LockState"/>.</summary>
    internal readonly struct HeldLock
    {
        public HeldLock(LockPath path, LockKind kind, bool onAllPaths, Location? acquiredAt, int depth)
        {
            Path = path;
            Kind = kind;
            OnAllPaths = onAllPaths;
            AcquiredAt = acquiredAt;
            Depth = depth;
        }

        public LockPath Path { get; }

        public LockKind Kind { get; }

        /// <summary>True: held on every path that reaches this point; false: held on some of them only.</summary>
        public bool OnAllPaths { get; }

        /// <summary>Where the lock was taken (the earliest site in source when several paths took it); null when held on entry.</summary>
        public Location? AcquiredAt { get; }

        /// <summary>How many times a recursive lock is held (1 for a KMutex).</summary>
        public int Depth { get; }
    }

    /// <summary>What a lock-taken flag is known to say on the paths reaching a point.</summary>
    internal enum LockFlag
    {
        /// <summary>Not tested yet: the lock is held exactly when the flag says so (after TryLock, TryEnter(ref taken)).</summary>
        Undecided,

        /// <summary>A branch found it taken: the lock is in the held set (after Monitor.Enter(o, ref taken), or in <c>if (ok)</c>).</summary>
        Taken,

        /// <summary>A branch found it not taken: the lock is not held.</summary>
        NotTaken,
    }

    /// <summary>
    /// A local bool that tells whether a lock is held: <c>lockTaken</c> of <c>Monitor.Enter(o, ref lockTaken)</c> (the
    /// lowering of C#'s <c>lock</c>), <c>ok</c> of <c>bool ok = m.TryLock();</c>, or <c>busy</c> of
    /// <c>bool busy = !m.TryLock();</c> (held when the local is false: <see cref="HeldWhen"/>).
    /// </summary>
    internal readonly struct LockWitness
    {
        public LockWitness(ILocalSymbol local, LockPath path, LockKind kind, LockFlag flag, Location? site, bool heldWhen = true)
        {
            Local = local;
            Path = path;
            Kind = kind;
            Flag = flag;
            Site = site;
            HeldWhen = heldWhen;
        }

        public ILocalSymbol Local { get; }

        public LockPath Path { get; }

        public LockKind Kind { get; }

        /// <summary>Whether the lock is known taken on these paths, known not taken, or held exactly when the flag says so.</summary>
        public LockFlag Flag { get; }

        /// <summary>The lock was added when the witness was set (Monitor.Enter), or by the branch that tested it.</summary>
        public bool AlreadyAcquired => Flag == LockFlag.Taken;

        /// <summary>The try or enter call that set the flag: flags with the same site tell about the same acquisition.</summary>
        public Location? Site { get; }

        /// <summary>The value of the local for which the lock is held.</summary>
        public bool HeldWhen { get; }

        public LockWitness With(LockFlag flag) => new LockWitness(Local, Path, Kind, flag, Site, HeldWhen);

        public bool SameAs(LockWitness other) => SameFlag(other) && Flag == other.Flag;

        /// <summary>The same local telling about the same acquisition the same way, whatever it is known to say.</summary>
        public bool SameFlag(LockWitness other) =>
            SymbolEqualityComparer.Default.Equals(Local, other.Local) && Path.Equals(other.Path) && HeldWhen == other.HeldWhen && Equals(Site, other.Site);
    }

    /// <summary>What a reassigned variable denotes at a point: a local, a parameter, or a graph capture (by its id).</summary>
    internal readonly struct VariableValue
    {
        public VariableValue(object variable, LockPath value)
        {
            Variable = variable;
            Value = value;
        }

        /// <summary>An <see cref="ILocalSymbol"/>, an <see cref="IParameterSymbol"/> or a <see cref="Microsoft.CodeAnalysis.FlowAnalysis.CaptureId"/>.</summary>
        public object Variable { get; }

        public LockPath Value { get; }

        public bool Is(object variable) => Variable is ISymbol symbol ? SymbolEqualityComparer.Default.Equals(symbol, variable as ISymbol) : Variable.Equals(variable);

        /// <summary>The variable's value at the join of block <paramref name="ordinal"/>, where its incoming values differ.</summary>
        public LockPath PhiAt(int ordinal) => Variable switch
        {
            ILocalSymbol local => LockPath.ForLocal(local, LockVersion.AtJoin(ordinal)),
            IParameterSymbol parameter => LockPath.ForParameter(parameter, LockVersion.AtJoin(ordinal)),
            _ => LockPath.ForOpaqueVersion(Value.Type, LockVersion.AtJoin(ordinal), Variable),
        };
    }

    /// <summary>Which value of a reassigned variable a path root is: the write that produced it, or the join where values met.</summary>
    internal sealed class LockVersion : IEquatable<LockVersion>
    {
        private readonly int _join;
        private readonly SyntaxTree? _tree;
        private readonly Microsoft.CodeAnalysis.Text.TextSpan _span;

        private LockVersion(int join, SyntaxTree? tree, Microsoft.CodeAnalysis.Text.TextSpan span)
        {
            _join = join;
            _tree = tree;
            _span = span;
        }

        public static LockVersion AtJoin(int ordinal) => new LockVersion(ordinal, null, default);

        public static LockVersion AtWrite(SyntaxNode write) => new LockVersion(-1, write.SyntaxTree, write.Span);

        public bool Equals(LockVersion? other) => other != null && other._join == _join && other._span == _span && ReferenceEquals(other._tree, _tree);

        public override bool Equals(object? obj) => obj is LockVersion other && Equals(other);

        public override int GetHashCode() => (_join * 397) ^ _span.GetHashCode();
    }

    /// <summary>
    /// The lattice element of the lock analysis: the locks held at a program point, each either on all paths or on
    /// some paths only. Immutable; the join keeps "on all paths" only where both sides agree.
    /// </summary>
    internal sealed class LockState : IEquatable<LockState>
    {
        public static readonly LockState Empty = new LockState(ImmutableArray<HeldLock>.Empty, ImmutableArray<LockWitness>.Empty, ImmutableArray<VariableValue>.Empty);

        private LockState(ImmutableArray<HeldLock> locks, ImmutableArray<LockWitness> witnesses, ImmutableArray<VariableValue> values)
        {
            Locks = locks;
            Witnesses = witnesses;
            Values = values;
        }

        private LockState(ImmutableArray<HeldLock> locks, ImmutableArray<LockWitness> witnesses)
            : this(locks, witnesses, ImmutableArray<VariableValue>.Empty)
        {
        }

        public ImmutableArray<HeldLock> Locks { get; }

        internal ImmutableArray<LockWitness> Witnesses { get; }

        /// <summary>
        /// What the reassigned variables (and the graph's captures of them) denote here: the flow-sensitive aliases.
        /// A variable with no entry denotes itself.
        /// </summary>
        internal ImmutableArray<VariableValue> Values { get; }

        /// <summary>The path <paramref name="variable"/> (a local, a parameter or a capture) denotes here, or null.</summary>
        internal LockPath? ValueOf(object variable)
        {
            foreach (VariableValue value in Values)
            {
                if (value.Is(variable))
                {
                    return value.Value;
                }
            }

            return null;
        }

        /// <summary>After a write: <paramref name="variable"/> now denotes <paramref name="value"/>.</summary>
        internal LockState WithValue(object variable, LockPath value)
        {
            for (int i = 0; i < Values.Length; i++)
            {
                if (Values[i].Is(variable))
                {
                    return Values[i].Value.Equals(value) ? this : new LockState(Locks, Witnesses, Values.SetItem(i, new VariableValue(variable, value)));
                }
            }

            return new LockState(Locks, Witnesses, Values.Add(new VariableValue(variable, value)));
        }

        /// <summary>The entry for <paramref name="path"/>, if it is held on any path.</summary>
        public HeldLock? Find(LockPath path)
        {
            foreach (HeldLock held in Locks)
            {
                if (held.Path.Equals(path))
                {
                    return held;
                }
            }

            return null;
        }

        /// <summary>Held on every path reaching this point.</summary>
        public bool IsHeld(LockPath path) => Find(path) is HeldLock held && held.OnAllPaths;

        /// <summary>Held on some paths reaching this point but not all.</summary>
        public bool IsHeldOnSomePathsOnly(LockPath path) => Find(path) is HeldLock held && !held.OnAllPaths;

        /// <summary>Held on no path reaching this point.</summary>
        public bool IsNotHeld(LockPath path) => Find(path) == null;

        public LockState Acquire(LockPath path, LockKind kind, Location? site)
        {
            for (int i = 0; i < Locks.Length; i++)
            {
                HeldLock held = Locks[i];
                if (held.Path.Equals(path))
                {
                    // Recursive locks count; a non-recursive one stays held once (the deadlock is a diagnostic, not a state).
                    int depth = kind == LockKind.KMutex ? 1 : Math.Min(held.Depth + 1, 8);
                    return new LockState(Locks.SetItem(i, new HeldLock(path, kind, true, held.OnAllPaths ? held.AcquiredAt : site, depth)), Witnesses, Values);
                }
            }

            return new LockState(Locks.Add(new HeldLock(path, kind, true, site, 1)), Witnesses, Values);
        }

        /// <summary>One release: a recursive lock held twice stays held once. Once it is free, no flag tells about it any more.</summary>
        public LockState Release(LockPath path)
        {
            for (int i = 0; i < Locks.Length; i++)
            {
                HeldLock held = Locks[i];
                if (held.Path.Equals(path))
                {
                    return held.Depth > 1
                        ? new LockState(Locks.SetItem(i, new HeldLock(path, held.Kind, held.OnAllPaths, held.AcquiredAt, held.Depth - 1)), Witnesses, Values)
                        : new LockState(Locks.RemoveAt(i), WithoutWitnessesOf(path), Values);
                }
            }

            return this;
        }

        private ImmutableArray<LockWitness> WithoutWitnessesOf(LockPath path)
        {
            ImmutableArray<LockWitness> witnesses = Witnesses;
            for (int i = witnesses.Length - 1; i >= 0; i--)
            {
                if (witnesses[i].Flag == LockFlag.Taken && witnesses[i].Path.Equals(path))
                {
                    witnesses = witnesses.RemoveAt(i);
                }
            }

            return witnesses;
        }

        internal LockState WithWitness(LockWitness witness) => new LockState(Locks, WithoutWitnessOf(witness.Local).Add(witness), Values);

        internal LockState WithoutWitness(ILocalSymbol local)
        {
            ImmutableArray<LockWitness> witnesses = WithoutWitnessOf(local);
            return witnesses.Length == Witnesses.Length ? this : new LockState(Locks, witnesses, Values);
        }

        internal LockWitness? FindWitness(ILocalSymbol local)
        {
            foreach (LockWitness witness in Witnesses)
            {
                if (SymbolEqualityComparer.Default.Equals(witness.Local, local))
                {
                    return witness;
                }
            }

            return null;
        }

        /// <summary>
        /// Locks held exactly when an untested flag says so (<c>bool ok = m.TryLock();</c> never tested again, or
        /// tested in an if whose branches have joined): at an exit they may still be held.
        /// </summary>
        public ImmutableArray<LockWitness> HeldByUntestedFlag()
        {
            ImmutableArray<LockWitness> found = ImmutableArray<LockWitness>.Empty;
            foreach (LockWitness witness in Witnesses)
            {
                if (witness.Flag == LockFlag.Undecided && Find(witness.Path) == null && !ContainsPath(found, witness.Path))
                {
                    found = found.Add(witness);
                }
            }

            return found;
        }

        private static bool ContainsPath(ImmutableArray<LockWitness> witnesses, LockPath path)
        {
            foreach (LockWitness witness in witnesses)
            {
                if (witness.Path.Equals(path))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>
        /// The join at block <paramref name="ordinal"/>: a variable with different values on the two sides denotes the
        /// join's own value there (a phi), and the locks held through either value are renamed to it, so hand-over-hand
        /// locking through <c>prev = next</c> in a loop holds one lock at the loop head, not two on some paths.
        /// </summary>
        public static LockState JoinAt(LockState left, LockState right, int ordinal)
        {
            if (ReferenceEquals(left, right))
            {
                return left;
            }

            foreach (VariableValue a in left.Values)
            {
                LockPath? b = right.ValueOf(a.Variable);
                if (b == null || b.Equals(a.Value))
                {
                    continue;
                }

                LockPath phi = a.PhiAt(ordinal);
                left = left.Rename(a.Variable, a.Value, phi);
                right = right.Rename(a.Variable, b, phi);
            }

            return Join(left, right);
        }

        /// <summary><paramref name="input"/> as it enters a join whose state is <paramref name="joined"/>: its values renamed to the join's phis.</summary>
        public static LockState AlignTo(LockState input, LockState joined)
        {
            foreach (VariableValue value in joined.Values)
            {
                LockPath? mine = input.ValueOf(value.Variable);
                if (mine != null && !mine.Equals(value.Value))
                {
                    input = input.Rename(value.Variable, mine, value.Value);
                }
            }

            return input;
        }

        private LockState Rename(object variable, LockPath from, LockPath to)
        {
            ImmutableArray<HeldLock>.Builder locks = ImmutableArray.CreateBuilder<HeldLock>(Locks.Length);
            foreach (HeldLock held in Locks)
            {
                locks.Add(new HeldLock(held.Path.Rename(from, to), held.Kind, held.OnAllPaths, held.AcquiredAt, held.Depth));
            }

            ImmutableArray<LockWitness>.Builder witnesses = ImmutableArray.CreateBuilder<LockWitness>(Witnesses.Length);
            foreach (LockWitness witness in Witnesses)
            {
                witnesses.Add(new LockWitness(witness.Local, witness.Path.Rename(from, to), witness.Kind, witness.Flag, witness.Site, witness.HeldWhen));
            }

            ImmutableArray<VariableValue>.Builder values = ImmutableArray.CreateBuilder<VariableValue>(Values.Length);
            foreach (VariableValue value in Values)
            {
                values.Add(value.Is(variable) ? new VariableValue(variable, to) : new VariableValue(value.Variable, value.Value.Rename(from, to)));
            }

            return new LockState(locks.MoveToImmutable(), witnesses.MoveToImmutable(), values.MoveToImmutable());
        }

        /// <summary>The join where paths meet: held on all paths only if held on all paths of both sides.</summary>
        public static LockState Join(LockState left, LockState right)
        {
            // Equal states join to the left one as it is (same locks, flags and values, in its order): most joins are
            // of such states, and building the arrays again was most of what a join allocated.
            if (ReferenceEquals(left, right) || left.Equals(right))
            {
                return left;
            }

            // A flag whose branch took the lock on one side and did not on the other (if (taken) { ... } joined with
            // the else): the join is "held iff the flag" (Undecided), and the lock is in neither set; the flag's
            // next test decides it again, and an exit before that reports it as maybe held.
            ImmutableArray<LockWitness>.Builder witnesses = ImmutableArray.CreateBuilder<LockWitness>();
            ImmutableArray<LockPath> correlated = ImmutableArray<LockPath>.Empty;
            foreach (LockWitness a in left.Witnesses)
            {
                if (!(right.FindWitness(a.Local) is LockWitness b) || !a.SameFlag(b))
                {
                    continue;
                }

                if (a.Flag == b.Flag)
                {
                    witnesses.Add(a);
                }
                else if (a.Flag != LockFlag.Taken && b.Flag != LockFlag.Taken)
                {
                    witnesses.Add(a.With(LockFlag.Undecided));
                }
                else if (TakenOnlyBy(a.Flag == LockFlag.Taken ? left : right, a.Flag == LockFlag.Taken ? right : left, a.Path))
                {
                    witnesses.Add(a.With(LockFlag.Undecided));
                    correlated = correlated.Add(a.Path);
                }
            }

            ImmutableArray<HeldLock>.Builder locks = ImmutableArray.CreateBuilder<HeldLock>(left.Locks.Length + right.Locks.Length);
            foreach (HeldLock a in left.Locks)
            {
                if (correlated.Contains(a.Path))
                {
                    continue;
                }

                if (right.Find(a.Path) is HeldLock b)
                {
                    locks.Add(new HeldLock(a.Path, a.Kind, a.OnAllPaths && b.OnAllPaths, Earlier(a.AcquiredAt, b.AcquiredAt), Math.Min(a.Depth, b.Depth)));
                }
                else
                {
                    locks.Add(new HeldLock(a.Path, a.Kind, false, a.AcquiredAt, a.Depth));
                }
            }

            foreach (HeldLock b in right.Locks)
            {
                if (left.Find(b.Path) == null && !correlated.Contains(b.Path))
                {
                    locks.Add(new HeldLock(b.Path, b.Kind, false, b.AcquiredAt, b.Depth));
                }
            }

            // A variable keeps its value past the join only where both sides agree (JoinAt has put phis where they did not).
            ImmutableArray<VariableValue>.Builder values = ImmutableArray.CreateBuilder<VariableValue>();
            foreach (VariableValue a in left.Values)
            {
                if (a.Value.Equals(right.ValueOf(a.Variable)))
                {
                    values.Add(a);
                }
            }

            return new LockState(locks.ToImmutable(), witnesses.ToImmutable(), values.ToImmutable());
        }

        /// <summary>The flag's lock is held once on all paths of <paramref name="taken"/> and on no path of <paramref name="notTaken"/>.</summary>
        private static bool TakenOnlyBy(LockState taken, LockState notTaken, LockPath path) =>
            taken.Find(path) is HeldLock held && held.OnAllPaths && held.Depth == 1 && notTaken.Find(path) == null;

        public bool Equals(LockState? other)
        {
            if (ReferenceEquals(this, other))
            {
                return true;
            }

            if (other is null || other.Locks.Length != Locks.Length || other.Witnesses.Length != Witnesses.Length || other.Values.Length != Values.Length)
            {
                return false;
            }

            foreach (VariableValue value in Values)
            {
                if (!value.Value.Equals(other.ValueOf(value.Variable)))
                {
                    return false;
                }
            }

            foreach (HeldLock held in Locks)
            {
                if (!(other.Find(held.Path) is HeldLock theirs) || theirs.OnAllPaths != held.OnAllPaths || theirs.Depth != held.Depth ||
                    !Equals(theirs.AcquiredAt, held.AcquiredAt))
                {
                    return false;
                }
            }

            foreach (LockWitness witness in Witnesses)
            {
                if (!(other.FindWitness(witness.Local) is LockWitness theirs) || !theirs.SameAs(witness))
                {
                    return false;
                }
            }

            return true;
        }

        public override bool Equals(object? obj) => obj is LockState other && Equals(other);

        public override int GetHashCode()
        {
            int hash = Locks.Length;
            foreach (HeldLock held in Locks)
            {
                hash ^= held.Path.GetHashCode() * (held.OnAllPaths ? 3 : 5);
            }

            return hash;
        }

        /// <summary>Sorted, for tests and messages: <c>{a.Mutex, ~b.Mutex}</c> where <c>~</c> marks "some paths only".</summary>
        public override string ToString()
        {
            var names = new string[Locks.Length];
            for (int i = 0; i < Locks.Length; i++)
            {
                names[i] = (Locks[i].OnAllPaths ? string.Empty : "~") + Locks[i].Path + (Locks[i].Depth > 1 ? "*" + Locks[i].Depth : string.Empty);
            }

            Array.Sort(names, StringComparer.Ordinal);
            return "{" + string.Join(", ", names) + "}";
        }

        private ImmutableArray<LockWitness> WithoutWitnessOf(ILocalSymbol local)
        {
            for (int i = 0; i < Witnesses.Length; i++)
            {
                if (SymbolEqualityComparer.Default.Equals(Witnesses[i].Local, local))
                {
                    return Witnesses.RemoveAt(i);
                }
            }

            return Witnesses;
        }

        private static Location? Earlier(Location? a, Location? b)
        {
            if (a == null || b == null)
            {
                return a ?? b;
            }

            if (a.SourceTree != b.SourceTree)
            {
                return a;
            }

            return a.SourceSpan.Start <= b.SourceSpan.Start ? a : b;
        }
    }
}
