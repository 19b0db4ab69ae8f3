using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace IommuAnalyzers.Flow
{
    /// <summary>Where a lock expression from an attribute starts.</summary>
    internal enum LockExpressionRoot
    {
        /// <summary>The instance that owns the annotated member (<c>"Mutex"</c>, <c>"this"</c>).</summary>
        Receiver,

        /// <summary>A parameter of the annotated method (<c>"group.Mutex"</c>).</summary>
        Parameter,

        /// <summary>A static member (<c>"Registry.Lock"</c>).</summary>
        Static,

        /// <summary>
        /// A parameter of a method that encloses the annotated local function (<c>"group.Mutex"</c> on a local function
        /// inside <c>F(IommuGroup group)</c>): the same variable at every call and in the body, not an argument.
        /// </summary>
        CapturedParameter,
    }

    /// <summary>A lock expression of an attribute, parsed and resolved against the annotated symbol once.</summary>
    internal sealed class LockExpression
    {
        private LockExpression(string text, int argumentIndex, string? error, LockExpressionRoot root, IParameterSymbol? parameter, ImmutableArray<ISymbol> members, ITypeSymbol? lockType, LockKind kind)
        {
            Text = text;
            ArgumentIndex = argumentIndex;
            Error = error;
            Root = root;
            Parameter = parameter;
            Members = members;
            LockType = lockType;
            Kind = kind;
        }

        /// <summary>The expression as written.</summary>
        public string Text { get; }

        /// <summary>The position of the string among the attribute's arguments (params arrays count element by element).</summary>
        public int ArgumentIndex { get; }

        /// <summary>Why the expression does not name a lock, or null when it does.</summary>
        public string? Error { get; }

        public bool IsResolved => Error == null;

        public LockExpressionRoot Root { get; }

        public IParameterSymbol? Parameter { get; }

        /// <summary>The members after the root; for a static root the first is the static member.</summary>
        public ImmutableArray<ISymbol> Members { get; }

        public ITypeSymbol? LockType { get; }

        public LockKind Kind { get; }

        internal static LockExpression Failed(string text, int index, string error) =>
            new LockExpression(text, index, error, LockExpressionRoot.Receiver, null, ImmutableArray<ISymbol>.Empty, null, LockKind.Monitor);

        internal static LockExpression Resolved(string text, int index, LockExpressionRoot root, IParameterSymbol? parameter, ImmutableArray<ISymbol> members, ITypeSymbol lockType, LockKind kind) =>
            new LockExpression(text, index, null, root, parameter, members, lockType, kind);

        /// <summary>
        /// The lock this expression names at a use site: <paramref name="receiver"/> is the path of the instance the
        /// annotated member is used on (null when it cannot be named), <paramref name="argument"/> gives the path of
        /// the argument passed for a parameter. Null when the lock cannot be named there.
        /// </summary>
        public LockPath? Bind(LockPath? receiver, Func<IParameterSymbol, LockPath?> argument, INamedTypeSymbol? siteType = null)
        {
            if (!IsResolved)
            {
                return null;
            }

            LockPath? path;
            int start = 0;
            switch (Root)
            {
                case LockExpressionRoot.Receiver:
                    path = receiver;
                    break;
                case LockExpressionRoot.Parameter:
                    path = Parameter == null ? null : argument(Parameter);
                    break;
                case LockExpressionRoot.CapturedParameter:
                    path = Parameter == null ? null : LockPath.ForParameter(Parameter);
                    break;
                default:
                    // A static lock of a generic type belongs to the instantiation the site uses: Pool<string>.Count
                    // is guarded by Pool<string>.Sync, not by the Sync of every Pool<T>.
                    INamedTypeSymbol? declaring = Members[0].ContainingType;
                    bool sameGeneric = siteType != null && declaring != null && declaring.IsGenericType &&
                        SymbolEqualityComparer.Default.Equals(siteType.OriginalDefinition, declaring.OriginalDefinition);
                    path = LockPath.ForStatic(Members[0], sameGeneric ? siteType : null);
                    start = 1;
                    break;
            }

            for (int i = start; path != null && i < Members.Length; i++)
            {
                path = path.Append(Members[i]);
            }

            return path;
        }
    }

    /// <summary>
    /// Parses the lock expressions of the annotations (<c>[GuardedBy]</c>, <c>[RequiresLock]</c>, ...) and resolves them
    /// against the annotated symbol, caching the result per symbol for the whole compilation.
    /// </summary>
    internal sealed class LockExpressionResolver
    {
        private readonly LockModel _model;
        private readonly ConcurrentDictionary<ISymbol, ImmutableArray<LockExpression>> _guardedBy = SymbolCache.Create<ISymbol, ImmutableArray<LockExpression>>();
        private readonly ConcurrentDictionary<ISymbol, ImmutableArray<LockExpression>> _requires = SymbolCache.Create<ISymbol, ImmutableArray<LockExpression>>();
        private readonly ConcurrentDictionary<ISymbol, ImmutableArray<LockExpression>> _excludes = SymbolCache.Create<ISymbol, ImmutableArray<LockExpression>>();
        private readonly ConcurrentDictionary<ISymbol, ImmutableArray<LockExpression>> _acquires = SymbolCache.Create<ISymbol, ImmutableArray<LockExpression>>();
        private readonly ConcurrentDictionary<ISymbol, ImmutableArray<LockExpression>> _releases = SymbolCache.Create<ISymbol, ImmutableArray<LockExpression>>();

        public LockExpressionResolver(LockModel model)
        {
            _model = model;
            Reach = new AnnotationReach(model.Annotations);
        }

        /// <summary>Which symbols can carry an annotation at all: those that cannot get no cache entry.</summary>
        public AnnotationReach Reach { get; }

        /// <summary><c>[GuardedBy]</c> of a field or property (inherited from an overridden property).</summary>
        public ImmutableArray<LockExpression> GuardedBy(ISymbol member) => Get(_guardedBy, member.OriginalDefinition, _model.Annotations.GuardedByAttribute);

        /// <summary><c>[RequiresLock]</c> of a method, property or constructor (an accessor answers for its property).</summary>
        public ImmutableArray<LockExpression> RequiresLock(ISymbol member) => Get(_requires, member.OriginalDefinition, _model.Annotations.RequiresLockAttribute);

        public ImmutableArray<LockExpression> ExcludesLock(ISymbol member) => Get(_excludes, member.OriginalDefinition, _model.Annotations.ExcludesLockAttribute);

        public ImmutableArray<LockExpression> AcquiresLock(ISymbol member) => Get(_acquires, member.OriginalDefinition, _model.Annotations.AcquiresLockAttribute);

        public ImmutableArray<LockExpression> ReleasesLock(ISymbol member) => Get(_releases, member.OriginalDefinition, _model.Annotations.ReleasesLockAttribute);

        /// <summary>Resolves the expressions of one attribute application (also used for IOMMU0106 on every attribute).</summary>
        public ImmutableArray<LockExpression> Resolve(ISymbol annotated, AttributeData attribute)
        {
            ImmutableArray<LockExpression>.Builder result = ImmutableArray.CreateBuilder<LockExpression>();
            int index = 0;
            foreach (TypedConstant argument in attribute.ConstructorArguments)
            {
                if (argument.Kind == TypedConstantKind.Array)
                {
                    if (argument.IsNull)
                    {
                        result.Add(LockExpression.Failed(string.Empty, index++, "the expression is null"));
                        continue;
                    }

                    foreach (TypedConstant element in argument.Values)
                    {
                        result.Add(ResolveText(annotated, element.Value as string, index++));
                    }
                }
                else
                {
                    result.Add(ResolveText(annotated, argument.Value as string, index++));
                }
            }

            return result.ToImmutable();
        }

        private ImmutableArray<LockExpression> Get(ConcurrentDictionary<ISymbol, ImmutableArray<LockExpression>> cache, ISymbol member, INamedTypeSymbol? attributeType)
        {
            // Most symbols a body references (the framework's, unannotated members) can carry nothing: they get no entry.
            if (attributeType == null || Reach.CannotCarry(member, SymbolEqualityComparer.Default.Equals(attributeType, _model.Annotations.GuardedByAttribute)))
            {
                return ImmutableArray<LockExpression>.Empty;
            }

            if (cache.TryGetValue(member, out ImmutableArray<LockExpression> cached))
            {
                return cached;
            }

            ImmutableArray<LockExpression> computed = Compute(member, attributeType);
            return cache.GetOrAdd(member, computed);
        }

        private ImmutableArray<LockExpression> Compute(ISymbol member, INamedTypeSymbol attributeType)
        {
            // The attributes are Inherited = true: an override answers with the annotation of what it overrides.
            ImmutableArray<LockExpression> own = ImmutableArray<LockExpression>.Empty;
            for (ISymbol? current = member; current != null; current = Overridden(current))
            {
                AttributeData? attribute = LockAnnotations.Find(current, attributeType);
                if (attribute != null)
                {
                    own = Resolve(current, attribute);
                    break;
                }
            }

            // An accessor carries its own annotation and its property's: the property's expressions are the very
            // objects the property answers with, so a use of both accessors (g.Count++) can tell them apart.
            if (member is IMethodSymbol { AssociatedSymbol: IPropertySymbol property })
            {
                ImmutableArray<LockExpression> inherited = Get(PropertyCache(attributeType), property, attributeType);
                return own.IsEmpty ? inherited : inherited.IsEmpty ? own : own.AddRange(inherited);
            }

            // [field: GuardedBy(...)] on an auto-property guards the property: its accessors are the only way in.
            if (own.IsEmpty && member is IPropertySymbol guardedProperty && SymbolEqualityComparer.Default.Equals(attributeType, _model.Annotations.GuardedByAttribute))
            {
                foreach (ISymbol sibling in guardedProperty.ContainingType.GetMembers())
                {
                    if (sibling is IFieldSymbol field && SymbolEqualityComparer.Default.Equals(field.AssociatedSymbol, guardedProperty) &&
                        LockAnnotations.Find(field, attributeType) is AttributeData fieldAttribute)
                    {
                        return Resolve(field, fieldAttribute);
                    }
                }
            }

            return own;
        }

        private ConcurrentDictionary<ISymbol, ImmutableArray<LockExpression>> PropertyCache(INamedTypeSymbol attributeType) =>
            SymbolEqualityComparer.Default.Equals(attributeType, _model.Annotations.RequiresLockAttribute) ? _requires :
            SymbolEqualityComparer.Default.Equals(attributeType, _model.Annotations.ExcludesLockAttribute) ? _excludes :
            SymbolEqualityComparer.Default.Equals(attributeType, _model.Annotations.AcquiresLockAttribute) ? _acquires :
            SymbolEqualityComparer.Default.Equals(attributeType, _model.Annotations.ReleasesLockAttribute) ? _releases : _guardedBy;

        private static ISymbol? Overridden(ISymbol symbol) => symbol switch
        {
            IMethodSymbol method => method.OverriddenMethod,
            IPropertySymbol property => property.OverriddenProperty,
            _ => null,
        };

        private LockExpression ResolveText(ISymbol annotated, string? text, int index)
        {
            if (string.IsNullOrWhiteSpace(text))
            {
                return LockExpression.Failed(text ?? string.Empty, index, "the expression is empty");
            }

            string[] segments = text!.Split('.');
            for (int i = 0; i < segments.Length; i++)
            {
                segments[i] = segments[i].Trim();
                if (!SyntaxFacts.IsValidIdentifier(segments[i]) && !(i == 0 && segments[i] == "this"))
                {
                    return LockExpression.Failed(text, index, "'" + segments[i] + "' is not a member name");
                }
            }

            INamedTypeSymbol? owner = annotated.ContainingType;
            if (owner == null)
            {
                return LockExpression.Failed(text, index, "the annotated symbol has no containing type");
            }

            bool isStaticContext = LockExpressionScope.IsStaticContext(annotated);
            LockExpressionRoot root;
            IParameterSymbol? parameter = null;
            ITypeSymbol? current;
            ImmutableArray<ISymbol>.Builder members = ImmutableArray.CreateBuilder<ISymbol>();
            int next = 1;
            string first = segments[0];

            // C#'s own lookup order for a simple name: parameters (the member's, an extension block's receiver, then
            // those of enclosing methods for a local function), then members of the type, then types; where the name
            // is a parameter or member whose type is the type of that name ("Color Color"), a static member after it
            // means the type.
            IParameterSymbol? found = LockExpressionScope.FindParameter(annotated, first, out LockExpressionRoot parameterRoot, out string? scopeError);
            bool parameterIsType = found != null && LockExpressionScope.MeansType(annotated, found.Type, segments);

            if (first == "this")
            {
                if (isStaticContext)
                {
                    return LockExpression.Failed(text, index, "'this' does not exist in a static member");
                }

                if (LockExpressionScope.IsExtensionMember(annotated))
                {
                    return LockExpression.Failed(text, index, "'this' does not exist in an extension member; name its receiver parameter");
                }

                root = LockExpressionRoot.Receiver;
                current = owner;
            }
            else if (found != null && !parameterIsType)
            {
                if (scopeError != null)
                {
                    return LockExpression.Failed(text, index, scopeError);
                }

                root = parameterRoot;
                parameter = parameterRoot == LockExpressionRoot.Receiver ? null : found;
                current = found.Type;
            }
            else if (found == null && FindMember(owner, first) is ISymbol member && !LockExpressionScope.MeansType(annotated, LockPath.MemberType(member), segments))
            {
                if (member.IsStatic)
                {
                    root = LockExpressionRoot.Static;
                }
                else if (LockExpressionScope.IsExtensionMember(annotated))
                {
                    return LockExpression.Failed(text, index, "'" + first + "' needs a receiver in an extension member; start with the receiver parameter");
                }
                else if (isStaticContext)
                {
                    return LockExpression.Failed(text, index, "'" + first + "' is an instance member but '" + annotated.Name + "' is static");
                }
                else
                {
                    root = LockExpressionRoot.Receiver;
                }

                members.Add(member);
                current = LockPath.MemberType(member);
            }
            else
            {
                // A type name, possibly namespace-qualified, then a static member.
                INamespaceOrTypeSymbol? type = null;
                for (int length = segments.Length - 1; length >= 1 && type == null; length--)
                {
                    type = FindType(annotated, segments, length);
                    next = length;
                }

                if (!(type is INamedTypeSymbol namedType))
                {
                    return LockExpression.Failed(text, index, "'" + first + "' is not 'this', a parameter, a member of '" + (owner.IsExtension ? owner.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat) : owner.Name) + "' or a type");
                }

                ISymbol? staticMember = FindMember(namedType, segments[next]);
                if (staticMember == null || !staticMember.IsStatic)
                {
                    return LockExpression.Failed(text, index, "'" + segments[next] + "' is not a static field or property of '" + namedType.Name + "'");
                }

                root = LockExpressionRoot.Static;
                members.Add(staticMember);
                current = LockPath.MemberType(staticMember);
                next++;
            }

            for (int i = next; i < segments.Length; i++)
            {
                ISymbol? member = current == null ? null : FindMember(current, segments[i]);
                if (member == null || member.IsStatic)
                {
                    return LockExpression.Failed(text, index, "'" + segments[i] + "' is not an instance field or property of '" + (current?.Name ?? "?") + "'");
                }

                members.Add(member);
                current = LockPath.MemberType(member);
            }

            if (current == null)
            {
                return LockExpression.Failed(text, index, "its type is unknown");
            }

            if (_model.KindOf(current) is LockKind kind && kind != LockKind.Monitor)
            {
                return LockExpression.Resolved(text, index, root, parameter, members.ToImmutable(), current, kind);
            }

            if (current.IsReferenceType && current.TypeKind != TypeKind.Error)
            {
                return LockExpression.Resolved(text, index, root, parameter, members.ToImmutable(), current, LockKind.Monitor);
            }

            return LockExpression.Failed(text, index, "its type '" + current.ToDisplayString() + "' is not a KMutex, a System.Threading.Lock or an object usable with lock");
        }

        /// <summary>A field or a non-indexed property named <paramref name="name"/> on the type, its bases or its interfaces.</summary>
        internal static ISymbol? FindMember(ITypeSymbol type, string name)
        {
            for (ITypeSymbol? current = type; current != null; current = current.BaseType)
            {
                ISymbol? found = FindDeclaredMember(current, name);
                if (found != null)
                {
                    return found;
                }
            }

            foreach (INamedTypeSymbol face in type.AllInterfaces)
            {
                ISymbol? found = FindDeclaredMember(face, name);
                if (found != null)
                {
                    return found;
                }
            }

            if (type is ITypeParameterSymbol typeParameter)
            {
                foreach (ITypeSymbol constraint in typeParameter.ConstraintTypes)
                {
                    ISymbol? found = FindMember(constraint, name);
                    if (found != null)
                    {
                        return found;
                    }
                }
            }

            return null;
        }

        private static ISymbol? FindDeclaredMember(ITypeSymbol type, string name)
        {
            foreach (ISymbol member in type.GetMembers(name))
            {
                if (member is IFieldSymbol || (member is IPropertySymbol property && property.Parameters.IsEmpty))
                {
                    return member;
                }
            }

            return null;
        }

        /// <summary>
        /// The type named by the first <paramref name="length"/> segments, looked up as C# would from the annotated
        /// symbol without its usings: nested types of the enclosing types, then the enclosing namespaces, then from the
        /// global namespace.
        /// </summary>
        internal static INamespaceOrTypeSymbol? FindType(ISymbol annotated, string[] segments, int length)
        {
            var scopes = new List<INamespaceOrTypeSymbol>();
            for (INamedTypeSymbol? type = annotated.ContainingType; type != null; type = type.ContainingType)
            {
                scopes.Add(type);
            }

            for (INamespaceSymbol? ns = annotated.ContainingNamespace; ns != null; ns = ns.ContainingNamespace)
            {
                scopes.Add(ns);
            }

            foreach (INamespaceOrTypeSymbol scope in scopes)
            {
                INamespaceOrTypeSymbol? current = scope;
                for (int i = 0; i < length && current != null; i++)
                {
                    current = Lookup(current, segments[i]);
                }

                if (current is INamedTypeSymbol)
                {
                    return current;
                }
            }

            return null;
        }

        private static INamespaceOrTypeSymbol? Lookup(INamespaceOrTypeSymbol container, string name)
        {
            foreach (ISymbol member in container.GetMembers(name))
            {
                if (member is INamespaceOrTypeSymbol found)
                {
                    return found;
                }
            }

            return null;
        }
    }
}
