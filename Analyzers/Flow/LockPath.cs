using System;
using System.Collections.Immutable;
using System.Text;
using Microsoft.CodeAnalysis;

namespace IommuAnalyzers.Flow
{
    /// <summary>What a lock path starts from.</summary>
    internal enum LockPathRootKind
    {
        /// <summary>The instance the code runs on (<c>this</c>).</summary>
        This,

        /// <summary>A parameter of the analysed body.</summary>
        Parameter,

        /// <summary>A local that is not a simple alias of another path.</summary>
        Local,

        /// <summary>A static member of a type; <see cref="LockPath.Root"/> is the type.</summary>
        StaticType,
    }

    /// <summary>
    /// The canonical name of a lock (or of the object that owns one): a root followed by member names, as in
    /// <c>dev.Group.Mutex</c>. Two paths are equal when their roots and members are the same symbols, which is how
    /// the engine decides that <c>group.Mutex.Lock()</c> and a later <c>dev.Group.OwnerCount</c> agree
    /// (the kernel's lockdep keys locks by class; sparse by expression; this is the expression view).
    /// </summary>
    internal sealed class LockPath : IEquatable<LockPath>
    {
        private readonly int _hash;

        private LockPath(LockPathRootKind rootKind, ISymbol? root, ImmutableArray<ISymbol> members, ITypeSymbol? type)
        {
            RootKind = rootKind;
            Root = root;
            Members = members;
            Type = type;

            int hash = (int)rootKind;
            if (root != null && rootKind != LockPathRootKind.This)
            {
                hash = (hash * 31) + SymbolEqualityComparer.Default.GetHashCode(root.OriginalDefinition);
            }

            foreach (ISymbol member in members)
            {
                hash = (hash * 31) + SymbolEqualityComparer.Default.GetHashCode(member.OriginalDefinition);
            }

            _hash = hash;
        }

        public LockPathRootKind RootKind { get; }

        /// <summary>The parameter, local or static type the path starts from; the containing type for <c>this</c>.</summary>
        public ISymbol? Root { get; }

        /// <summary>The fields and properties after the root (for a static root, the first one is the static member).</summary>
        public ImmutableArray<ISymbol> Members { get; }

        /// <summary>The type of the object the whole path denotes, when known.</summary>
        public ITypeSymbol? Type { get; }

        public static LockPath ForThis(ITypeSymbol? containingType) =>
            new LockPath(LockPathRootKind.This, containingType, ImmutableArray<ISymbol>.Empty, containingType);

        public static LockPath ForParameter(IParameterSymbol parameter) =>
            new LockPath(LockPathRootKind.Parameter, parameter, ImmutableArray<ISymbol>.Empty, parameter.Type);

        public static LockPath ForLocal(ILocalSymbol local) =>
            new LockPath(LockPathRootKind.Local, local, ImmutableArray<ISymbol>.Empty, local.Type);

        public static LockPath ForStatic(ISymbol staticMember) =>
            new LockPath(LockPathRootKind.StaticType, staticMember.ContainingType, ImmutableArray.Create(staticMember), MemberType(staticMember));

        /// <summary>This path followed by one more field or property.</summary>
        public LockPath Append(ISymbol member) => new LockPath(RootKind, Root, Members.Add(member), MemberType(member));

        public static ITypeSymbol? MemberType(ISymbol member) => member switch
        {
            IFieldSymbol field => field.Type,
            IPropertySymbol property => property.Type,
            _ => null,
        };

        public bool Equals(LockPath? other)
        {
            if (ReferenceEquals(this, other))
            {
                return true;
            }

            if (other is null || other._hash != _hash || other.RootKind != RootKind || other.Members.Length != Members.Length)
            {
                return false;
            }

            if (RootKind != LockPathRootKind.This && !SymbolEqualityComparer.Default.Equals(Root?.OriginalDefinition, other.Root?.OriginalDefinition))
            {
                return false;
            }

            for (int i = 0; i < Members.Length; i++)
            {
                if (!SymbolEqualityComparer.Default.Equals(Members[i].OriginalDefinition, other.Members[i].OriginalDefinition))
                {
                    return false;
                }
            }

            return true;
        }

        public override bool Equals(object? obj) => obj is LockPath other && Equals(other);

        public override int GetHashCode() => _hash;

        /// <summary>The path as people read it: <c>dev.Group.Mutex</c>, <c>this.Mutex</c>, <c>Registry.Lock</c>.</summary>
        public override string ToString()
        {
            var text = new StringBuilder(RootText());
            foreach (ISymbol member in Members)
            {
                if (text.Length > 0)
                {
                    text.Append('.');
                }

                text.Append(member.Name);
            }

            return text.ToString();
        }

        /// <summary>
        /// The path as a lock expression of an attribute on a member of the same type: <c>this</c> roots drop the
        /// receiver (<c>"Mutex"</c>, or <c>"this"</c> alone); parameter roots keep the parameter name.
        /// </summary>
        public string ToAttributeExpression()
        {
            if (RootKind == LockPathRootKind.This)
            {
                if (Members.IsEmpty)
                {
                    return "this";
                }

                var text = new StringBuilder();
                foreach (ISymbol member in Members)
                {
                    if (text.Length > 0)
                    {
                        text.Append('.');
                    }

                    text.Append(member.Name);
                }

                return text.ToString();
            }

            return ToString();
        }

        private string RootText() => RootKind switch
        {
            LockPathRootKind.This => "this",
            LockPathRootKind.StaticType => Root?.Name ?? string.Empty,
            _ => Root?.Name ?? string.Empty,
        };
    }
}
