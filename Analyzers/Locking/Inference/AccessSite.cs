using System;
using System.Collections.Immutable;
using System.Text;
using IommuAnalyzers.Flow;
using Microsoft.CodeAnalysis;

namespace IommuAnalyzers.Locking.Inference
{
    /// <summary>Why an access does or does not count as evidence for or against a guard.</summary>
    internal enum AccessSiteShape
    {
        /// <summary>An ordinary access: it counts, locked or not.</summary>
        Counted,

        /// <summary>Passed by reference to <c>Volatile</c> or <c>Interlocked</c>: the member is lock-free by design, and never inferred.</summary>
        LockFreeApi,

        /// <summary>The unlocked first test of double-checked initialisation (<c>if (x == null) { lock (...) { if (x == null) ... } }</c>).</summary>
        DoubleCheckedRead,

        /// <summary>Before the object is published: an object initializer, or a local that holds a <c>new</c> object of this body.</summary>
        Startup,

        /// <summary>In a test method or test class: tests poke at state single-threaded.</summary>
        TestCode,
    }

    /// <summary>
    /// A lock that may guard a member, named relative to the member's own object (<c>_ringLock</c>, <c>Priv.Lock</c>),
    /// or a static lock (<c>Registry.Sync</c>). Equal keys name the same lock of whichever object the member belongs to.
    /// </summary>
    internal sealed class GuardKey : IEquatable<GuardKey>
    {
        private GuardKey(string text, ImmutableArray<ISymbol> steps, LockPath? staticPath, LockKind kind)
        {
            Text = text;
            Steps = steps;
            StaticPath = staticPath;
            Kind = kind;
        }

        /// <summary>The key as the code names it from the member's object (<c>_ringLock</c>) or for a static (<c>Registry.Sync</c>).</summary>
        public string Text { get; }

        /// <summary>For a lock of the member's own object: the members that lead from that object to the lock.</summary>
        public ImmutableArray<ISymbol> Steps { get; }

        /// <summary>For a static lock: its path; null for a lock of the member's own object.</summary>
        public LockPath? StaticPath { get; }

        public LockKind Kind { get; }

        /// <summary>The member that declares the lock (its class, lockdep-style).</summary>
        public ISymbol LockMember => StaticPath != null ? StaticPath.Members[StaticPath.Members.Length - 1] : Steps[Steps.Length - 1];

        /// <summary>The key of <paramref name="held"/> for a member reached through <paramref name="receiver"/>, or null when the lock is not the object's own or a static one.</summary>
        public static GuardKey? Of(HeldLock held, LockPath? receiver)
        {
            LockPath path = held.Path;
            if (path.HasElements || path.Version != null || path.IsOpaque)
            {
                return null;
            }

            if (path.RootKind == LockPathRootKind.StaticType)
            {
                return new GuardKey(path.ToString(), ImmutableArray<ISymbol>.Empty, path, held.Kind);
            }

            if (receiver == null || receiver.HasElements || path.Steps.Length <= receiver.Steps.Length || !path.StartsWith(receiver))
            {
                return null;
            }

            ImmutableArray<ISymbol>.Builder steps = ImmutableArray.CreateBuilder<ISymbol>(path.Steps.Length - receiver.Steps.Length);
            var text = new StringBuilder();
            for (int i = receiver.Steps.Length; i < path.Steps.Length; i++)
            {
                ISymbol member = path.Steps[i].Member!;
                steps.Add(member);
                text.Append(text.Length == 0 ? string.Empty : ".").Append(LockPath.DisplayName(member));
            }

            return new GuardKey(text.ToString(), steps.MoveToImmutable(), null, held.Kind);
        }

        /// <summary>The lock this key names for the object <paramref name="receiver"/> denotes (null: a static member's object, or no path).</summary>
        public LockPath? For(LockPath? receiver)
        {
            if (StaticPath != null)
            {
                return StaticPath;
            }

            if (receiver == null)
            {
                return null;
            }

            LockPath path = receiver;
            foreach (ISymbol step in Steps)
            {
                path = path.Append(step);
            }

            return path;
        }

        /// <summary>
        /// The argument of a <c>[GuardedBy]</c> on <paramref name="member"/>: <c>nameof(_ringLock)</c> for a lock of the
        /// member's own type (or a static of that type), the dotted text otherwise.
        /// </summary>
        public string AttributeArgument(ISymbol member)
        {
            bool sameType = SymbolEqualityComparer.Default.Equals(LockMember.ContainingType?.OriginalDefinition, member.ContainingType?.OriginalDefinition);
            if (sameType && (StaticPath != null || Steps.Length == 1))
            {
                return "nameof(" + LockPath.DisplayName(LockMember) + ")";
            }

            return "\"" + Text + "\"";
        }

        public bool Equals(GuardKey? other) => other != null && other.Text == Text && (other.StaticPath == null) == (StaticPath == null);

        public override bool Equals(object? obj) => obj is GuardKey other && Equals(other);

        public override int GetHashCode() => Text.GetHashCode() ^ (StaticPath == null ? 0 : 1);

        public override string ToString() => Text;
    }

    /// <summary>One read or write of a member the inference considers, with the locks its own body holds there.</summary>
    internal sealed class AccessSite
    {
        public AccessSite(ISymbol member, ISymbol owner, Location location, AccessKind kind, bool replacesWhole, AccessSiteShape shape, ImmutableArray<GuardKey> held, LockPath? receiver)
        {
            ReplacesWhole = replacesWhole;
            Member = member;
            Owner = owner;
            Location = location;
            Kind = kind;
            Shape = shape;
            Held = held;
            Receiver = receiver;
        }

        public ISymbol Member { get; }

        /// <summary>The body the access is in (method, accessor, local function, lambda).</summary>
        public ISymbol Owner { get; }

        public Location Location { get; }

        public AccessKind Kind { get; }

        public bool IsWrite => Kind != AccessKind.Read;

        /// <summary>A write that stores a new value without reading parts of the old one: <c>x = v</c>, or lazy <c>x ??= v</c>.</summary>
        public bool ReplacesWhole { get; }

        public AccessSiteShape Shape { get; }

        /// <summary>The guards held on every path to the access, by its own body.</summary>
        public ImmutableArray<GuardKey> Held { get; }

        /// <summary>The member's object in the body's own terms (<c>this</c>, a parameter); null for a static member or an object without a path.</summary>
        public LockPath? Receiver { get; }
    }
}
