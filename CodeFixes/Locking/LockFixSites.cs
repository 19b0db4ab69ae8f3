using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FindSymbols;
using Microsoft.CodeAnalysis.Text;
using IommuAnalyzers.Locking;

namespace IommuAnalyzers.CodeFixes.Locking
{
    /// <summary>
    /// Where the two fixes of a missing lock cannot be right, whatever text they insert: a blocking acquisition in the
    /// branch where a TryLock failed, and a <c>[RequiresLock]</c> on a method whose callers cannot be made to hold it.
    /// </summary>
    internal static class LockFixSites
    {
        /// <summary>
        /// Whether the body takes the diagnostic's lock itself inside <paramref name="span"/> (the engine's
        /// acquisitions of that lock, <see cref="LockDiagnosticProperties.TakenAt"/>): a loop whose body locks, a
        /// TryLock that a declaration's later uses pull into the wrap. Wrapping there takes the lock twice.
        /// </summary>
        public static bool TakesTheLockWithin(Diagnostic diagnostic, TextSpan span)
        {
            foreach (TextSpan taken in TakenAt(diagnostic))
            {
                if (span.Contains(taken))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>The spans of <see cref="LockDiagnosticProperties.TakenAt"/>.</summary>
        public static IEnumerable<TextSpan> TakenAt(Diagnostic diagnostic)
        {
            if (!diagnostic.Properties.TryGetValue(LockDiagnosticProperties.TakenAt, out string? text) || text == null)
            {
                yield break;
            }

            foreach (string entry in text.Split(';'))
            {
                string[] parts = entry.Split(',');
                if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int start) &&
                    int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int length))
                {
                    yield return new TextSpan(start, length);
                }
            }
        }

        private static readonly string[] s_tryAcquires = { "TryLock", "TryEnter", "TryEnterScope" };

        /// <summary>
        /// Whether <paramref name="node"/> runs only where an attempt to take <paramref name="lockText"/> failed:
        /// the body of <c>if (!x.TryLock())</c> (or <c>== false</c>, <c>is false</c>), or the else of <c>if (x.TryLock())</c>;
        /// also <c>Monitor.TryEnter(x, ...)</c>. Wrapping there would wait for the lock the code chose not to wait for.
        /// </summary>
        public static bool InTryFailureBranch(SyntaxNode node, string lockText)
        {
            for (SyntaxNode? current = node; current != null && !(current is MemberDeclarationSyntax) && !(current is AnonymousFunctionExpressionSyntax) && !(current is LocalFunctionStatementSyntax); current = current.Parent)
            {
                if (!(current.Parent is IfStatementSyntax branch))
                {
                    continue;
                }

                bool inThen = branch.Statement == current;
                bool inElse = branch.Else == current;
                if ((inThen || inElse) && TryAcquireTest(branch.Condition, lockText) is bool succeededWhenTrue && succeededWhenTrue == inElse)
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>True when the condition is true where the try succeeded, false where it failed, null when it is no such test.</summary>
        private static bool? TryAcquireTest(ExpressionSyntax condition, string lockText)
        {
            switch (condition)
            {
                case ParenthesizedExpressionSyntax parenthesized:
                    return TryAcquireTest(parenthesized.Expression, lockText);
                case PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.LogicalNotExpression } not:
                    return !TryAcquireTest(not.Operand, lockText);
                case BinaryExpressionSyntax { RawKind: (int)SyntaxKind.EqualsExpression } equals when equals.Right.IsKind(SyntaxKind.FalseLiteralExpression):
                    return !TryAcquireTest(equals.Left, lockText);
                case IsPatternExpressionSyntax { Pattern: ConstantPatternSyntax { Expression: LiteralExpressionSyntax literal } } isFalse when literal.IsKind(SyntaxKind.FalseLiteralExpression):
                    return !TryAcquireTest(isFalse.Expression, lockText);
                case InvocationExpressionSyntax invocation when invocation.Expression is MemberAccessExpressionSyntax access && s_tryAcquires.Contains(access.Name.Identifier.ValueText):
                    // x.TryLock() names the lock by its receiver, Monitor.TryEnter(x, ...) by its first argument.
                    ExpressionSyntax? named = access.Expression.ToString() == "Monitor" || access.Expression.ToString().EndsWith(".Monitor", StringComparison.Ordinal)
                        ? invocation.ArgumentList.Arguments.FirstOrDefault()?.Expression
                        : access.Expression;
                    return named != null && SameLockText(named.ToString(), lockText) ? true : (bool?)null;
                default:
                    return null;
            }
        }

        private static bool SameLockText(string written, string lockText) =>
            written == lockText || written == "this." + lockText || "this." + written == lockText;

        /// <summary>
        /// Whether <c>[RequiresLock]</c> on <paramref name="member"/> can be satisfied: every caller could be made to hold
        /// the lock. Not so for constructors, overrides and interface implementations (the framework or a base type
        /// calls them), methods whose contract says otherwise (<c>[ExcludesLock]</c>: they take it themselves;
        /// <c>[ReleasesLock]</c>: the access follows their own release), methods used as delegates (an event handler
        /// is called by whoever raises the event), and visible methods with no caller in the solution (entry points).
        /// </summary>
        public static async Task<bool> CanRequireLockAsync(Document document, SyntaxNode member, CancellationToken cancellationToken)
        {
            if (member is LocalFunctionStatementSyntax)
            {
                return true;
            }

            SemanticModel? model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            if (!(model?.GetDeclaredSymbol(member, cancellationToken) is IMethodSymbol method))
            {
                return false;
            }

            if (method.MethodKind != MethodKind.Ordinary || method.IsOverride || !method.ExplicitInterfaceImplementations.IsEmpty || ImplementsInterface(method) ||
                method.GetAttributes().Any(a => a.AttributeClass?.Name is "ExcludesLockAttribute" or "ReleasesLockAttribute"))
            {
                return false;
            }

            SyntaxNode root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false) ?? member;
            if (UsedAsDelegate(root, method, model, cancellationToken))
            {
                return false;
            }

            if (method.DeclaredAccessibility is Accessibility.Public or Accessibility.Protected or Accessibility.ProtectedOrInternal)
            {
                Solution solution = document.Project.Solution;
                foreach (SymbolCallerInfo caller in await SymbolFinder.FindCallersAsync(method, solution, cancellationToken).ConfigureAwait(false))
                {
                    if (caller.IsDirect)
                    {
                        return true;
                    }
                }

                return false;
            }

            return true;
        }

        private static bool ImplementsInterface(IMethodSymbol method)
        {
            INamedTypeSymbol? type = method.ContainingType;
            if (type == null)
            {
                return false;
            }

            foreach (INamedTypeSymbol contract in type.AllInterfaces)
            {
                foreach (ISymbol candidate in contract.GetMembers(method.Name))
                {
                    if (SymbolEqualityComparer.Default.Equals(type.FindImplementationForInterfaceMember(candidate), method))
                    {
                        return true;
                    }
                }
            }

            return false;
        }

        /// <summary>Whether the method is named without being called in this document (<c>x.Changed += OnChanged</c>, <c>new Action(M)</c>).</summary>
        private static bool UsedAsDelegate(SyntaxNode root, IMethodSymbol method, SemanticModel model, CancellationToken cancellationToken)
        {
            foreach (SimpleNameSyntax name in root.DescendantNodes().OfType<SimpleNameSyntax>())
            {
                if (name.Identifier.ValueText != method.Name)
                {
                    continue;
                }

                SyntaxNode callee = name.Parent is MemberAccessExpressionSyntax access && access.Name == name ? access : name;
                if (callee.Parent is InvocationExpressionSyntax invocation && invocation.Expression == callee)
                {
                    continue;
                }

                if (name.Parent is MethodDeclarationSyntax)
                {
                    continue;
                }

                SymbolInfo info = model.GetSymbolInfo(name, cancellationToken);
                if (SymbolEqualityComparer.Default.Equals(info.Symbol?.OriginalDefinition, method.OriginalDefinition) ||
                    info.CandidateSymbols.Any(c => SymbolEqualityComparer.Default.Equals(c.OriginalDefinition, method.OriginalDefinition)))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
