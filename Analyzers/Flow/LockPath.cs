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

        /// <summary>A parameter of the analysed body (a reassigned one carries the version of its value).</summary>
        Parameter,

        /// <summary>A local that is not an alias of another path (a reassigned one carries the version of its value).</summary>
        Local,

        /// <summary>A static member of a type; <see cref="LockPath.Root"/> is the type, with its type arguments.</summary>
        StaticType,

        /// <summary>
        /// An object only one expression names: a call result, an object creation, a tuple. Two such expressions
        /// never denote the same object (two <c>Lookup(id)</c> calls may return different groups).
        /// </summary>
        Opaque,
    }

    /// <summary>
    /// One step after the root: a field or property, an indexer with its index, or an array element
    /// (<see cref="Member"/> null). An index is a constant or the path of the parameter or local that holds it, so
    /// <c>ports[i]</c> is the same element only while <c>i</c> keeps its value.
    /// </summary>
    internal readonly struct LockStep : IEquatable<LockStep>
    {
        public LockStep(ISymbol? member, ImmutableArray<object> index)
        {
            Member = member;
            Index = index;
        }

        public ISymbol? Member { get; }

        /// <summary>Default when the step is a plain field or property; else each index as a <see cref="LockPath"/> or a <see cref="LockIndexConstant"/>.</summary>
        public ImmutableArray<object> Index { get; }

        public bool IsElement => !Index.IsDefault;

        public bool Equals(LockStep other)
        {
            if (!SymbolEqualityComparer.Default.Equals(Member?.OriginalDefinition, other.Member?.OriginalDefinition) || Index.IsDefault != other.Index.IsDefault)
            {
                return false;
            }

            if (Index.IsDefault)
            {
                return true;
            }

            if (Index.Length != other.Index.Length)
            {
                return false;
            }

            for (int i = 0; i < Index.Length; i++)
            {
                if (!Index[i].Equals(other.Index[i]))
                {
                    return false;
                }
            }

            return true;
        }

        public override bool Equals(object? obj) => obj is LockStep other && Equals(other);

        public override int GetHashCode()
        {
            int hash = Member == null ? 17 : SymbolEqualityComparer.Default.GetHashCode(Member.OriginalDefinition);
            if (!Index.IsDefault)
            {
                foreach (object key in Index)
                {
                    hash = (hash * 31) + key.GetHashCode();
                }
            }

            return hash;
        }
    }

    /// <summary>A constant index of an element path (<c>ports[0]</c>).</summary>
    internal sealed class LockIndexConstant : IEquatable<LockIndexConstant>
    {
        public LockIndexConstant(object? value)
        {
            Value = value;
        }

        public object? Value { get; }

        public bool Equals(LockIndexConstant? other) => other != null && Equals(Value, other.Value);

        public override bool Equals(object? obj) => obj is LockIndexConstant other && Equals(other);

        public override int GetHashCode() => Value?.GetHashCode() ?? 0;

        public override string ToString() => Value switch
        {
            null => "null",
            string text => "\"" + text + "\"",
            bool flag => flag ? "true" : "false",
            IFormattable number => number.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
            _ => Value.ToString() ?? string.Empty,
        };
    }

    /// <summary>
    /// The canonical name of a lock (or of the object that owns one): a root followed by steps, as in
    /// <c>dev.Group.Mutex</c> or <c>ports[i].Mutex</c>. Two paths are equal when their roots and steps are the same
    /// symbols (and the same versions of reassigned variables), which is how the engine decides that
    /// <c>group.Mutex.Lock()</c> and a later <c>dev.Group.OwnerCount</c> agree (the kernel's lockdep keys locks by
    /// class; sparse by expression; this is the expression view, canonicalised as Clang's thread-safety analysis does).
    /// </summary>
    internal sealed class LockPath : IEquatable<LockPath>
    {
        private readonly int _hash;

        private LockPath(LockPathRootKind rootKind, ISymbol? root, object? version, string? opaqueText, ImmutableArray<LockStep> steps, ITypeSymbol? type)
        {
            RootKind = rootKind;
            Root = root;
            Version = version;
            OpaqueText = opaqueText;
            Steps = steps;
            Type = type;

            int hash = (int)rootKind;
            if (rootKind == LockPathRootKind.StaticType)
            {
                hash = (hash * 31) + SymbolEqualityComparer.Default.GetHashCode(root);
            }
            else if (root != null && rootKind != LockPathRootKind.This)
            {
                hash = (hash * 31) + SymbolEqualityComparer.Default.GetHashCode(root.OriginalDefinition);
            }

            if (version != null)
            {
                hash = (hash * 31) + version.GetHashCode();
            }

            foreach (LockStep step in steps)
            {
                hash = (hash * 31) + step.GetHashCode();
            }

            _hash = hash;
        }

        public LockPathRootKind RootKind { get; }

        /// <summary>The parameter, local or static type the path starts from; the containing type for <c>this</c>; null for an opaque root.</summary>
        public ISymbol? Root { get; }

        /// <summary>
        /// Which value of a reassigned variable the root is (the write that produced it, or the join where paths with
        /// different values met); null for a variable that keeps one value, and for every other root. For an opaque
        /// root, the expression that denotes the object.
        /// </summary>
        public object? Version { get; }

        /// <summary>The steps after the root (for a static root, the first one is the static member).</summary>
        public ImmutableArray<LockStep> Steps { get; }

        /// <summary>The member of each step, for paths without element steps (<see cref="HasElements"/>).</summary>
        public ImmutableArray<ISymbol> Members
        {
            get
            {
                ImmutableArray<ISymbol>.Builder members = ImmutableArray.CreateBuilder<ISymbol>(Steps.Length);
                foreach (LockStep step in Steps)
                {
                    if (step.Member != null)
                    {
                        members.Add(step.Member);
                    }
                }

                return members.ToImmutable();
            }
        }

        /// <summary>The last step's member that is one (<see cref="Members"/>' last), without building the array.</summary>
        public ISymbol? LastMember
        {
            get
            {
                for (int i = Steps.Length - 1; i >= 0; i--)
                {
                    if (Steps[i].Member is ISymbol member)
                    {
                        return member;
                    }
                }

                return null;
            }
        }

        /// <summary>Some step is an array element or an indexer: no attribute expression can name the path.</summary>
        public bool HasElements
        {
            get
            {
                foreach (LockStep step in Steps)
                {
                    if (step.IsElement)
                    {
                        return true;
                    }
                }

                return false;
            }
        }

        /// <summary>The path starts at an object only one expression names, so no code elsewhere can name its lock.</summary>
        public bool IsOpaque => RootKind == LockPathRootKind.Opaque;

        /// <summary>The type of the object the whole path denotes, when known.</summary>
        public ITypeSymbol? Type { get; }

        private string? OpaqueText { get; }

        public static LockPath ForThis(ITypeSymbol? containingType) =>
            new LockPath(LockPathRootKind.This, containingType, null, null, ImmutableArray<LockStep>.Empty, containingType);

        public static LockPath ForParameter(IParameterSymbol parameter, object? version = null) =>
            new LockPath(LockPathRootKind.Parameter, parameter, version, null, ImmutableArray<LockStep>.Empty, parameter.Type);

        public static LockPath ForLocal(ILocalSymbol local, object? version = null) =>
            new LockPath(LockPathRootKind.Local, local, version, null, ImmutableArray<LockStep>.Empty, local.Type);

        /// <summary>A static member; its containing type keeps its type arguments (<c>Pool&lt;int&gt;.Sync</c> is not <c>Pool&lt;string&gt;.Sync</c>).</summary>
        public static LockPath ForStatic(ISymbol staticMember, INamedTypeSymbol? constructedType = null) =>
            new LockPath(LockPathRootKind.StaticType, constructedType ?? staticMember.ContainingType, null, null, ImmutableArray.Create(new LockStep(staticMember, default)), MemberType(staticMember));

        /// <summary>The object <paramref name="expression"/> alone denotes, named as the code writes it.</summary>
        public static LockPath ForOpaque(SyntaxNode expression, ITypeSymbol? type) =>
            new LockPath(LockPathRootKind.Opaque, null, new OpaqueKey(expression), DisplayText(expression), ImmutableArray<LockStep>.Empty, type);

        /// <summary>A capture's value at a join where its incoming values differ: an object no other expression names.</summary>
        public static LockPath ForOpaqueVersion(ITypeSymbol? type, LockVersion version, object capture) =>
            new LockPath(LockPathRootKind.Opaque, null, version, "(expression)", ImmutableArray<LockStep>.Empty, type);

        /// <summary>This path followed by one more field or property.</summary>
        public LockPath Append(ISymbol member) => new LockPath(RootKind, Root, Version, OpaqueText, Steps.Add(new LockStep(member, default)), MemberType(member));

        /// <summary>This path followed by an indexer (<paramref name="indexer"/>) or an array element (null) at <paramref name="index"/>.</summary>
        public LockPath AppendElement(IPropertySymbol? indexer, ImmutableArray<object> index, ITypeSymbol? elementType) =>
            new LockPath(RootKind, Root, Version, OpaqueText, Steps.Add(new LockStep(indexer, index)), elementType);

        /// <summary>Whether this path is <paramref name="prefix"/> or starts with it.</summary>
        public bool StartsWith(LockPath prefix)
        {
            if (prefix.Steps.Length > Steps.Length || !SameRoot(prefix))
            {
                return false;
            }

            for (int i = 0; i < prefix.Steps.Length; i++)
            {
                if (!Steps[i].Equals(prefix.Steps[i]))
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>
        /// This path with <paramref name="from"/> renamed to <paramref name="to"/>, as a prefix and inside indices: used
        /// where paths with different values of a variable join, so that the lock held through either value is
        /// named by the joined value.
        /// </summary>
        public LockPath Rename(LockPath from, LockPath to)
        {
            bool prefixed = StartsWith(from);
            int start = prefixed ? from.Steps.Length : 0;
            bool changed = prefixed;
            ImmutableArray<LockStep>.Builder steps = ImmutableArray.CreateBuilder<LockStep>(Steps.Length);
            if (prefixed)
            {
                steps.AddRange(to.Steps);
            }

            for (int i = start; i < Steps.Length; i++)
            {
                LockStep step = Steps[i];
                if (step.IsElement)
                {
                    ImmutableArray<object>.Builder index = ImmutableArray.CreateBuilder<object>(step.Index.Length);
                    foreach (object key in step.Index)
                    {
                        object renamed = key is LockPath keyPath ? keyPath.Rename(from, to) : key;
                        changed |= !ReferenceEquals(renamed, key);
                        index.Add(renamed);
                    }

                    step = new LockStep(step.Member, index.MoveToImmutable());
                }

                steps.Add(step);
            }

            if (!changed)
            {
                return this;
            }

            LockPath root = prefixed ? to : this;
            return new LockPath(root.RootKind, root.Root, root.Version, root.OpaqueText, steps.ToImmutable(), Type);
        }

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

            if (other is null || other._hash != _hash || other.Steps.Length != Steps.Length || !SameRoot(other))
            {
                return false;
            }

            for (int i = 0; i < Steps.Length; i++)
            {
                if (!Steps[i].Equals(other.Steps[i]))
                {
                    return false;
                }
            }

            return true;
        }

        public override bool Equals(object? obj) => obj is LockPath other && Equals(other);

        public override int GetHashCode() => _hash;

        /// <summary>The path as people read it: <c>dev.Group.Mutex</c>, <c>this.Mutex</c>, <c>Registry.Lock</c>, <c>ports[i].Mutex</c>, <c>Lookup(id).Mutex</c>.</summary>
        public override string ToString()
        {
            var text = new StringBuilder(RootText());
            AppendSteps(text, 0);
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
                if (Steps.IsEmpty)
                {
                    return "this";
                }

                var text = new StringBuilder();
                AppendSteps(text, 0);
                return text.ToString();
            }

            return ToString();
        }

        private bool SameRoot(LockPath other)
        {
            if (other.RootKind != RootKind || !Equals(Version, other.Version))
            {
                return false;
            }

            switch (RootKind)
            {
                case LockPathRootKind.This:
                case LockPathRootKind.Opaque:
                    return true;
                case LockPathRootKind.StaticType:
                    // Type arguments count: Pool<int> and Pool<string> have separate statics.
                    return SymbolEqualityComparer.Default.Equals(Root, other.Root);
                default:
                    return SymbolEqualityComparer.Default.Equals(Root?.OriginalDefinition, other.Root?.OriginalDefinition);
            }
        }

        private void AppendSteps(StringBuilder text, int start)
        {
            for (int i = start; i < Steps.Length; i++)
            {
                LockStep step = Steps[i];
                if (step.IsElement)
                {
                    text.Append('[');
                    for (int k = 0; k < step.Index.Length; k++)
                    {
                        text.Append(k == 0 ? string.Empty : ", ").Append(step.Index[k]);
                    }

                    text.Append(']');
                    continue;
                }

                if (text.Length > 0)
                {
                    text.Append('.');
                }

                text.Append(DisplayName(step.Member!));
            }
        }

        /// <summary>A member as the source names it: an auto-property's backing field by its property.</summary>
        public static string DisplayName(ISymbol member) =>
            member is IFieldSymbol { AssociatedSymbol: IPropertySymbol property } ? property.Name : member.Name;

        private string RootText() => RootKind switch
        {
            LockPathRootKind.This => "this",
            LockPathRootKind.StaticType => (Root as ITypeSymbol)?.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat) ?? string.Empty,
            LockPathRootKind.Opaque => OpaqueText ?? "(expression)",
            _ => Root?.Name ?? string.Empty,
        };

        /// <summary>The expression as written when it is short and on one line, else its shape (<c>Lookup(...)</c>, <c>new IommuGroup(...)</c>).</summary>
        private static string DisplayText(SyntaxNode expression)
        {
            string text = expression.ToString();
            if (text.Length <= 48 && text.IndexOf('\n') < 0)
            {
                return text;
            }

            switch (expression)
            {
                case Microsoft.CodeAnalysis.CSharp.Syntax.InvocationExpressionSyntax invocation when invocation.Expression.Span.Length <= 40:
                    return invocation.Expression + "(...)";
                case Microsoft.CodeAnalysis.CSharp.Syntax.ObjectCreationExpressionSyntax creation:
                    return "new " + creation.Type + "(...)";
                default:
                    return "(expression)";
            }
        }

        /// <summary>An expression's identity: the same source span of the same tree, as the graph's captures repeat it.</summary>
        private sealed class OpaqueKey : IEquatable<OpaqueKey>
        {
            private readonly SyntaxTree _tree;
            private readonly Microsoft.CodeAnalysis.Text.TextSpan _span;
            private readonly int _kind;

            public OpaqueKey(SyntaxNode node)
            {
                _tree = node.SyntaxTree;
                _span = node.Span;
                _kind = node.RawKind;
            }

            public bool Equals(OpaqueKey? other) => other != null && other._span == _span && other._kind == _kind && ReferenceEquals(other._tree, _tree);

            public override bool Equals(object? obj) => obj is OpaqueKey other && Equals(other);

            public override int GetHashCode() => (_span.GetHashCode() * 31) + _kind;
        }
    }
}
