using System;
using System.Collections.Generic;
using IommuAnalyzers.Flow;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace IommuAnalyzers.Locking
{
    /// <summary>
    /// The parts of an IOMMU0106 message that need more than the resolver's verdict: a <c>null</c> argument shown as
    /// null (not as an empty string), and for a near-miss name the nearest lock member that would make the whole
    /// expression resolve (<c>'_lcok' ... did you mean '_lock'?</c>). Computed only when the diagnostic is reported.
    /// </summary>
    internal static class UnresolvedLockExpressionMessage
    {
        /// <summary>At most this many edits, and at most one per three characters of the longer name.</summary>
        private const int MaxDistance = 2;

        /// <summary>The expression as the message shows it, the reason, and a "; did you mean ...?" suffix or an empty string.</summary>
        public static (string Shown, string Reason, string Suggestion) Describe(ISymbol annotated, AttributeData attribute, LockExpression expression, LockModel symbols)
        {
            if (IsNullArgument(attribute, expression.ArgumentIndex))
            {
                return ("null", "the expression is null", string.Empty);
            }

            string shown = "'" + expression.Text + "'";
            string? suggestion = Suggest(annotated, expression.Text, symbols);
            return (shown, expression.Error ?? string.Empty, suggestion == null ? string.Empty : "; did you mean '" + suggestion + "'?");
        }

        /// <summary>Whether the string at <paramref name="index"/> (counted as the resolver counts, params elements one by one) is null.</summary>
        private static bool IsNullArgument(AttributeData attribute, int index)
        {
            int position = 0;
            foreach (TypedConstant argument in attribute.ConstructorArguments)
            {
                if (argument.Kind == TypedConstantKind.Array && !argument.IsNull)
                {
                    foreach (TypedConstant element in argument.Values)
                    {
                        if (position++ == index)
                        {
                            return element.Value == null;
                        }
                    }
                }
                else if (position++ == index)
                {
                    return argument.IsNull || argument.Value == null;
                }
            }

            return false;
        }

        /// <summary>
        /// The expression with its first unknown name replaced by the nearest name there that makes the path end at a
        /// lock member; null when no name is close enough, or when every name exists (the error is about a type).
        /// </summary>
        internal static string? Suggest(ISymbol annotated, string text, LockModel symbols)
        {
            INamedTypeSymbol? owner = annotated.ContainingType;
            if (owner == null || text.Length == 0)
            {
                return null;
            }

            string[] segments = text.Split('.');
            for (int i = 0; i < segments.Length; i++)
            {
                segments[i] = segments[i].Trim();
                if (!SyntaxFacts.IsValidIdentifier(segments[i]) && !(i == 0 && segments[i] == "this"))
                {
                    return null;
                }
            }

            // The candidates where the first unknown name stands, and the type each candidate leads to.
            var candidates = new List<(string Name, ITypeSymbol? Type)>();
            int failing;
            ITypeSymbol? current;
            if (segments[0] == "this" || FindParameter(annotated, segments[0]) != null || LockExpressionResolver.FindMember(owner, segments[0]) != null)
            {
                current = segments[0] == "this" ? owner : FindParameter(annotated, segments[0])?.Type ?? LockPath.MemberType(LockExpressionResolver.FindMember(owner, segments[0])!);
                failing = FirstUnknown(segments, 1, ref current);
                if (failing < 0 || current == null)
                {
                    return null;
                }

                AddMembers(candidates, current, staticOnly: false, instanceOnly: true);
            }
            else if (segments.Length > 1 && FindType(annotated, segments[0]) is INamedTypeSymbol type)
            {
                current = type;
                failing = FirstUnknown(segments, 1, ref current);
                if (failing < 0 || current == null)
                {
                    return null;
                }

                AddMembers(candidates, current, staticOnly: failing == 1, instanceOnly: failing > 1);
            }
            else
            {
                failing = 0;
                foreach (IParameterSymbol parameter in Parameters(annotated))
                {
                    candidates.Add((parameter.Name, parameter.Type));
                }

                AddMembers(candidates, owner, staticOnly: annotated.IsStatic, instanceOnly: false);
            }

            string? best = null;
            int bestDistance = int.MaxValue;
            foreach ((string name, ITypeSymbol? candidateType) in candidates)
            {
                int distance = Distance(segments[failing], name);
                if (distance == 0 || distance > MaxDistance || distance * 3 > Math.Max(name.Length, segments[failing].Length) ||
                    distance > bestDistance || (distance == bestDistance && string.CompareOrdinal(name, best) >= 0) ||
                    !EndsAtLock(candidateType, segments, failing + 1, symbols))
                {
                    continue;
                }

                best = name;
                bestDistance = distance;
            }

            if (best == null)
            {
                return null;
            }

            segments[failing] = best;
            return string.Join(".", segments);
        }

        /// <summary>Follows instance members from <paramref name="start"/>; the index of the first unknown one, or -1.</summary>
        private static int FirstUnknown(string[] segments, int start, ref ITypeSymbol? current)
        {
            for (int i = start; i < segments.Length; i++)
            {
                ISymbol? member = current == null ? null : LockExpressionResolver.FindMember(current, segments[i]);
                if (member == null)
                {
                    return i;
                }

                current = LockPath.MemberType(member);
            }

            return -1;
        }

        private static bool EndsAtLock(ITypeSymbol? type, string[] segments, int start, LockModel symbols)
        {
            for (int i = start; type != null && i < segments.Length; i++)
            {
                ISymbol? member = LockExpressionResolver.FindMember(type, segments[i]);
                type = member == null || member.IsStatic ? null : LockPath.MemberType(member);
            }

            return type != null && IsLockType(type, symbols);
        }

        /// <summary>The types a lock member is declared with: KMutex, System.Threading.Lock, or a plain object for <c>lock</c>.</summary>
        private static bool IsLockType(ITypeSymbol type, LockModel symbols) =>
            SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, symbols.MutexType) ||
            (symbols.ThreadingLockType != null && SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, symbols.ThreadingLockType)) ||
            type.SpecialType == SpecialType.System_Object;

        private static void AddMembers(List<(string Name, ITypeSymbol? Type)> candidates, ITypeSymbol type, bool staticOnly, bool instanceOnly)
        {
            for (ITypeSymbol? current = type; current != null; current = current.BaseType)
            {
                foreach (ISymbol member in current.GetMembers())
                {
                    if (member.IsImplicitlyDeclared || (staticOnly && !member.IsStatic) || (instanceOnly && member.IsStatic) ||
                        !(member is IFieldSymbol || (member is IPropertySymbol property && property.Parameters.IsEmpty)))
                    {
                        continue;
                    }

                    candidates.Add((member.Name, LockPath.MemberType(member)));
                }
            }
        }

        private static IEnumerable<IParameterSymbol> Parameters(ISymbol annotated) => annotated switch
        {
            IMethodSymbol method => method.Parameters,
            IPropertySymbol property => property.Parameters,
            _ => Array.Empty<IParameterSymbol>(),
        };

        private static IParameterSymbol? FindParameter(ISymbol annotated, string name)
        {
            foreach (IParameterSymbol parameter in Parameters(annotated))
            {
                if (parameter.Name == name)
                {
                    return parameter;
                }
            }

            return null;
        }

        /// <summary>A type of that simple name nested in an enclosing type or declared in an enclosing namespace.</summary>
        private static INamedTypeSymbol? FindType(ISymbol annotated, string name)
        {
            for (INamedTypeSymbol? type = annotated.ContainingType; type != null; type = type.ContainingType)
            {
                foreach (INamedTypeSymbol nested in type.GetTypeMembers(name))
                {
                    return nested;
                }
            }

            for (INamespaceSymbol? ns = annotated.ContainingNamespace; ns != null; ns = ns.ContainingNamespace)
            {
                foreach (INamedTypeSymbol declared in ns.GetTypeMembers(name))
                {
                    return declared;
                }
            }

            return null;
        }

        /// <summary>Edit distance with adjacent transpositions (optimal string alignment): '_lcok' is one edit from '_lock'.</summary>
        internal static int Distance(string a, string b)
        {
            if (Math.Abs(a.Length - b.Length) > MaxDistance)
            {
                return MaxDistance + 1;
            }

            var d = new int[a.Length + 1, b.Length + 1];
            for (int i = 0; i <= a.Length; i++)
            {
                d[i, 0] = i;
            }

            for (int j = 0; j <= b.Length; j++)
            {
                d[0, j] = j;
            }

            for (int i = 1; i <= a.Length; i++)
            {
                for (int j = 1; j <= b.Length; j++)
                {
                    int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                    d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                    if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    {
                        d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                    }
                }
            }

            return d[a.Length, b.Length];
        }
    }
}
