using System.Collections.Generic;
using System.Collections.Immutable;
using System.Text;
using IommuAnalyzers.Flow;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace IommuAnalyzers.Locking
{
    /// <summary>
    /// The C# text a fix writes for a lock, checked against the compiler's binding at the place it goes: a name that a
    /// local shadows (<c>mutex</c> for the field <c>this.mutex</c>) or that a subclass hides (<c>MyLock</c> for the base
    /// class's <c>base.MyLock</c>) would compile and take another lock. The text is kept only where each of its member
    /// names binds to the path's own member there; otherwise the qualified forms are tried, and failing those there is
    /// no text (and so no fix that writes one).
    /// </summary>
    internal static class LockCodeText
    {
        /// <summary>
        /// <paramref name="written"/> (the site's own receiver text with the lock's members) if it names
        /// <paramref name="path"/> at <paramref name="position"/>, else the first spelling of the path that does.
        /// </summary>
        public static string? At(SemanticModel model, LockPath path, int position, string? written)
        {
            if (written != null && NamesPathAt(model, written, path, position))
            {
                return written;
            }

            foreach (string candidate in Spellings(model, path, position))
            {
                if (NamesPathAt(model, candidate, path, position))
                {
                    return candidate;
                }
            }

            return null;
        }

        /// <summary>
        /// Whether <paramref name="text"/> denotes the same symbols at <paramref name="insertion"/> as at
        /// <paramref name="origin"/> (each member access of it, and its root): the check a fix makes before it writes
        /// text the analyzer chose at the diagnostic somewhere else, a few statements up or down.
        /// </summary>
        public static bool BindsAlike(SemanticModel model, string text, int origin, int insertion)
        {
            if (origin == insertion)
            {
                return true;
            }

            ExpressionSyntax? expression = Parse(text);
            for (ExpressionSyntax? current = expression; current != null; current = Receiver(current))
            {
                ISymbol? atOrigin = Bind(model, current, origin);
                ISymbol? atInsertion = Bind(model, current, insertion);
                if (!SymbolEqualityComparer.Default.Equals(atOrigin, atInsertion))
                {
                    return false;
                }
            }

            return expression != null;
        }

        /// <summary>The spellings of a path from its symbols, plainest first.</summary>
        private static IEnumerable<string> Spellings(SemanticModel model, LockPath path, int position)
        {
            // An element (ports[i]) or an object only one expression names (Lookup(id)) has no text that is sure to
            // name the same lock elsewhere.
            if (path.HasElements || path.IsOpaque)
            {
                yield break;
            }

            ImmutableArray<ISymbol> members = path.Members;
            switch (path.RootKind)
            {
                case LockPathRootKind.This:
                    if (members.IsEmpty)
                    {
                        yield return "this";
                        yield break;
                    }

                    string tail = Join(members, 0);
                    yield return tail;
                    yield return "this." + tail;

                    // A member the code's own class hides (`new`) is still reachable through the class that declares it.
                    if (members[0].ContainingType is INamedTypeSymbol declaring && !SymbolEqualityComparer.Default.Equals(declaring, path.Root))
                    {
                        yield return "base." + tail;
                        yield return "((" + declaring.ToMinimalDisplayString(model, position) + ")this)." + tail;
                    }

                    break;
                case LockPathRootKind.StaticType when path.Root is INamedTypeSymbol type:
                    yield return type.ToMinimalDisplayString(model, position) + "." + Join(members, 0);
                    break;
                case LockPathRootKind.Parameter:
                case LockPathRootKind.Local:
                    if (path.Root != null)
                    {
                        yield return Escape(path.Root.Name) + (members.IsEmpty ? "" : "." + Join(members, 0));
                    }

                    break;
            }
        }

        /// <summary>
        /// Whether each member access of <paramref name="text"/>, from the right, binds to the path's member at the
        /// same place from its end, and a bare leading name to the path's member or root.
        /// </summary>
        private static bool NamesPathAt(SemanticModel model, string text, LockPath path, int position)
        {
            ExpressionSyntax? current = Parse(text);
            if (current == null)
            {
                return false;
            }

            if (current is ThisExpressionSyntax)
            {
                return path.RootKind == LockPathRootKind.This && path.Members.IsEmpty;
            }

            ImmutableArray<ISymbol> members = path.Members;
            for (int fromEnd = 0; current != null; fromEnd++)
            {
                bool named = current is IdentifierNameSyntax || current is MemberAccessExpressionSyntax;
                if (!named)
                {
                    return true;
                }

                ISymbol? bound = Bind(model, current, position);
                ISymbol? expected = fromEnd < members.Length ? members[members.Length - 1 - fromEnd] : path.Root;
                if (bound == null || expected == null || !SymbolEqualityComparer.Default.Equals(bound.OriginalDefinition, expected.OriginalDefinition))
                {
                    // A receiver the site wrote under a name of its own (grp for dev.Group) is an alias of the path;
                    // the path's own name bound to something else (a local `mutex` for the field) is a capture.
                    return current is IdentifierNameSyntax alias && bound is ILocalSymbol or IParameterSymbol && expected != null && alias.Identifier.ValueText != expected.Name;
                }

                current = Receiver(current);
            }

            return true;
        }

        private static ExpressionSyntax? Receiver(ExpressionSyntax expression) =>
            expression is MemberAccessExpressionSyntax access && access.IsKind(SyntaxKind.SimpleMemberAccessExpression) ? access.Expression : null;

        private static ISymbol? Bind(SemanticModel model, ExpressionSyntax expression, int position)
        {
            // A node of a parsed tree binds on its own: speculative binding takes the expression as a new root.
            ExpressionSyntax standalone = SyntaxFactory.ParseExpression(expression.ToString());
            SymbolInfo info = model.GetSpeculativeSymbolInfo(position, standalone, SpeculativeBindingOption.BindAsExpression);
            return info.Symbol;
        }

        private static ExpressionSyntax? Parse(string text)
        {
            ExpressionSyntax expression = SyntaxFactory.ParseExpression(text);
            return expression.ContainsDiagnostics || expression.FullSpan.Length != text.Length ? null : expression;
        }

        private static string Join(ImmutableArray<ISymbol> members, int start)
        {
            var text = new StringBuilder();
            for (int i = start; i < members.Length; i++)
            {
                text.Append(i > start ? "." : "").Append(Escape(members[i].Name));
            }

            return text.ToString();
        }

        private static string Escape(string name) =>
            SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;
    }
}
