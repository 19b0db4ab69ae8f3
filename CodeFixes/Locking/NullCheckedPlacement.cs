using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Text;

namespace IommuAnalyzers.CodeFixes.Locking
{
    /// <summary>
    /// Keeps a wrap from taking the lock before the code's own test of the object the lock belongs to (fix class 6).
    /// <c>using (dev.Group.Mutex.Guard())</c> around <c>dev.Group?.Owner</c>, or around
    /// <c>if (dev.Group is { } g &amp;&amp; g.OwnerCount &gt; 0)</c>, dereferences the group before the code asks
    /// whether there is one (a NullReferenceException for a device behind no IOMMU), and a lock named through a pattern
    /// variable (<c>g.Mutex</c>) does not even compile before the pattern that declares it. Such a wrap is placed
    /// inside the checked region instead:
    /// <list type="bullet">
    /// <item>an <c>if</c> without <c>else</c> whose condition tests the object (or declares the variable the lock is
    /// named through) in a conjunct before the access is split there:
    /// <c>if (A &amp;&amp; B) S</c> becomes <c>if (A) { using (...) { if (B) S } }</c>;</item>
    /// <item>a declaration or a return whose whole value is <c>x?.Member</c> tests <c>x</c> with a pattern and locks
    /// through its variable: <c>T v = null; if (x is { } y) { using (y.Mutex.Guard()) { v = y.Member; } }</c>.</item>
    /// </list>
    /// Anywhere else such a site gets no wrap: there is no statement to put the lock around that runs only where the
    /// object exists.
    /// </summary>
    internal static class NullCheckedPlacement
    {
        /// <summary>What a wrap around <paramref name="region"/> for the access at <paramref name="access"/> must do.</summary>
        public static Verdict Judge(SyntaxNode access, TextSpan region, SyntaxNode anchor, string lockText, SemanticModel? model, CancellationToken cancellationToken)
        {
            bool declaredInside = DeclaresRootInside(access, region, lockText, model, cancellationToken);
            bool testedBefore = TestsPrefixBefore(access, region, lockText, anchor);
            if (!declaredInside && !testedBefore)
            {
                return Verdict.Safe;
            }

            // Only the access's own statement is restructured: a declaration split in two no longer takes its later uses along.
            if (anchor is StatementSyntax statement && statement.Span.Contains(access.Span) && model != null)
            {
                if (SplitCondition.Find(statement, access, lockText, model, cancellationToken) is Restructuring split)
                {
                    return new Verdict(split);
                }

                if (!declaredInside && GuardConditional.Find(statement, access, lockText, model, cancellationToken) is Restructuring guard)
                {
                    return new Verdict(guard);
                }
            }

            return Verdict.Unsafe;
        }

        /// <summary>Safe (the plain wrap), unsafe (no wrap), or a restructuring that puts the lock inside the check.</summary>
        public sealed class Verdict
        {
            public static readonly Verdict Safe = new Verdict(null) { IsSafe = true };
            public static readonly Verdict Unsafe = new Verdict(null);

            public Verdict(Restructuring? restructuring)
            {
                Restructuring = restructuring;
            }

            public bool IsSafe { get; private set; }

            public Restructuring? Restructuring { get; }
        }

        /// <summary>A rewrite of one statement that takes the lock only where the object it belongs to was found.</summary>
        public abstract class Restructuring
        {
            /// <summary>The lock as named inside the check (through the pattern variable where one is introduced).</summary>
            public abstract string LockText { get; }

            /// <summary>What the check tests, for the action's title.</summary>
            public abstract string Tested { get; }

            /// <summary>The statements that replace <paramref name="statement"/>, with <paramref name="wrap"/> building the guarded block.</summary>
            public abstract IReadOnlyList<StatementSyntax> Apply(StatementSyntax statement, Func<IReadOnlyList<StatementSyntax>, StatementSyntax> wrap, SyntaxTrivia endOfLine);
        }

        /// <summary>The lock's dotted segments after a leading <c>this.</c>.</summary>
        private static string[] Segments(string lockText)
        {
            string text = lockText.StartsWith("this.", StringComparison.Ordinal) ? lockText.Substring(5) : lockText;
            return text.Split('.');
        }

        /// <summary>Whether <paramref name="expression"/> is the lock's path without at least its last member (an object the lock is reached through).</summary>
        private static bool IsPrefix(ExpressionSyntax expression, string lockText)
        {
            string[] segments = Segments(lockText);
            string text = Unparenthesized(expression).ToString();
            if (text.StartsWith("this.", StringComparison.Ordinal))
            {
                text = text.Substring(5);
            }

            for (int length = 1; length < segments.Length; length++)
            {
                if (text == string.Join(".", segments, 0, length))
                {
                    return true;
                }
            }

            return false;
        }

        private static ExpressionSyntax Unparenthesized(ExpressionSyntax expression)
        {
            while (expression is ParenthesizedExpressionSyntax parenthesized)
            {
                expression = parenthesized.Expression;
            }

            return expression;
        }

        /// <summary>A null test of <paramref name="node"/>'s object: <c>x?.</c>, <c>x != null</c>, <c>x == null</c>, <c>x is ...</c>, <c>x ?? y</c>, <c>x ??= y</c>.</summary>
        private static ExpressionSyntax? TestedObject(SyntaxNode node) => node switch
        {
            ConditionalAccessExpressionSyntax conditional => conditional.Expression,
            BinaryExpressionSyntax { RawKind: (int)SyntaxKind.NotEqualsExpression or (int)SyntaxKind.EqualsExpression } equality =>
                equality.Right.IsKind(SyntaxKind.NullLiteralExpression) ? equality.Left : equality.Left.IsKind(SyntaxKind.NullLiteralExpression) ? equality.Right : null,
            BinaryExpressionSyntax { RawKind: (int)SyntaxKind.CoalesceExpression } coalesce => coalesce.Left,
            AssignmentExpressionSyntax { RawKind: (int)SyntaxKind.CoalesceAssignmentExpression } coalesce => coalesce.Left,
            IsPatternExpressionSyntax pattern => pattern.Expression,
            BinaryExpressionSyntax { RawKind: (int)SyntaxKind.IsExpression } isType => isType.Left,
            _ => null,
        };

        /// <summary>Whether the region tests an object the lock is reached through before (or around) the access.</summary>
        private static bool TestsPrefixBefore(SyntaxNode access, TextSpan region, string lockText, SyntaxNode anchor)
        {
            SyntaxNode scope = anchor.Parent ?? anchor;
            foreach (SyntaxNode node in scope.DescendantNodes(region))
            {
                if (!region.Contains(node.Span) || node.SpanStart > access.SpanStart)
                {
                    continue;
                }

                if (TestedObject(node) is ExpressionSyntax tested && IsPrefix(tested, lockText))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>Whether the lock is named through a local the region itself declares (a pattern or out variable): the wrap would name it before it exists.</summary>
        private static bool DeclaresRootInside(SyntaxNode access, TextSpan region, string lockText, SemanticModel? model, CancellationToken cancellationToken)
        {
            string root = Segments(lockText)[0];
            if (lockText.StartsWith("this.", StringComparison.Ordinal) || root == "this" || model == null)
            {
                return false;
            }

            ISymbol? symbol = model.LookupSymbols(access.SpanStart, name: root.TrimStart('@')).FirstOrDefault();
            return symbol is ILocalSymbol local && local.DeclaringSyntaxReferences.Any(r => r.SyntaxTree == access.SyntaxTree && region.Contains(r.Span.Start));
        }

        private static List<ExpressionSyntax> Conjuncts(ExpressionSyntax condition)
        {
            var parts = new List<ExpressionSyntax>();
            Collect(condition, parts);
            return parts;

            static void Collect(ExpressionSyntax expression, List<ExpressionSyntax> into)
            {
                if (expression is BinaryExpressionSyntax { RawKind: (int)SyntaxKind.LogicalAndExpression } and)
                {
                    Collect(and.Left, into);
                    into.Add(and.Right);
                }
                else
                {
                    into.Add(expression);
                }
            }
        }

        private static bool Establishes(ExpressionSyntax conjunct, string lockText)
        {
            string root = Segments(lockText)[0];
            foreach (SyntaxNode node in conjunct.DescendantNodesAndSelf())
            {
                if ((TestedObject(node) is ExpressionSyntax tested && IsPrefix(tested, lockText)) ||
                    (node is SingleVariableDesignationSyntax designation && designation.Identifier.ValueText == root.TrimStart('@')))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary><c>if (A &amp;&amp; B) S</c> where A checks the object: <c>if (A) { using (...) { if (B) S } }</c>.</summary>
        private sealed class SplitCondition : Restructuring
        {
            private readonly int _split;
            private readonly string _lockText;
            private readonly string _tested;

            private SplitCondition(int split, string lockText, string tested)
            {
                _split = split;
                _lockText = lockText;
                _tested = tested;
            }

            public override string LockText => _lockText;

            public override string Tested => _tested;

            public static Restructuring? Find(StatementSyntax statement, SyntaxNode access, string lockText, SemanticModel model, CancellationToken cancellationToken)
            {
                if (!(statement is IfStatementSyntax { Else: null } branch) || !branch.Condition.Span.Contains(access.Span))
                {
                    return null;
                }

                List<ExpressionSyntax> conjuncts = Conjuncts(branch.Condition);
                int at = conjuncts.FindIndex(c => c.Span.Contains(access.Span));
                int split = -1;
                for (int i = 0; i < at; i++)
                {
                    if (Establishes(conjuncts[i], lockText))
                    {
                        split = i;
                    }
                }

                // The conjuncts that stay inside the lock must not test the object again before the access.
                if (split < 0 || TestsPrefixBefore(access, TextSpan.FromBounds(conjuncts[split + 1].SpanStart, conjuncts[conjuncts.Count - 1].Span.End), lockText, branch.Condition))
                {
                    return null;
                }

                return new SplitCondition(split, lockText, string.Join(" && ", conjuncts.Take(split + 1)));
            }

            public override IReadOnlyList<StatementSyntax> Apply(StatementSyntax statement, Func<IReadOnlyList<StatementSyntax>, StatementSyntax> wrap, SyntaxTrivia endOfLine)
            {
                var branch = (IfStatementSyntax)statement;
                List<ExpressionSyntax> conjuncts = Conjuncts(branch.Condition);
                ExpressionSyntax outer = SyntaxFactory.ParseExpression(string.Join(" && ", conjuncts.Take(_split + 1).Select(c => c.WithoutTrivia().ToFullString())));
                ExpressionSyntax inner = SyntaxFactory.ParseExpression(string.Join(" && ", conjuncts.Skip(_split + 1).Select(c => c.WithoutTrivia().ToFullString())));
                StatementSyntax innerIf = branch.WithCondition(inner).WithoutLeadingTrivia().WithTrailingTrivia(endOfLine);
                BlockSyntax body = SyntaxFactory.Block(wrap(new[] { innerIf }))
                    .WithOpenBraceToken(SyntaxFactory.Token(SyntaxKind.OpenBraceToken).WithLeadingTrivia(SyntaxFactory.ElasticMarker).WithTrailingTrivia(endOfLine))
                    .WithCloseBraceToken(SyntaxFactory.Token(SyntaxKind.CloseBraceToken).WithLeadingTrivia(SyntaxFactory.ElasticMarker));
                StatementSyntax outerIf = SyntaxFactory.IfStatement(outer, body)
                    .WithCloseParenToken(SyntaxFactory.Token(SyntaxKind.CloseParenToken).WithTrailingTrivia(endOfLine))
                    .WithLeadingTrivia(branch.GetLeadingTrivia())
                    .WithTrailingTrivia(branch.GetTrailingTrivia())
                    .WithAdditionalAnnotations(Formatter.Annotation);
                return new[] { outerIf };
            }
        }

        /// <summary>
        /// <c>T v = x?.M;</c> / <c>return x?.M;</c> where the lock is reached through <c>x</c>: the value is computed only
        /// where <c>x</c> is found, through a pattern variable (a property read twice could change in between).
        /// </summary>
        private sealed class GuardConditional : Restructuring
        {
            private readonly ConditionalAccessExpressionSyntax _conditional;
            private readonly string _test;
            private readonly string _name;
            private readonly string _lockText;
            private readonly string? _declaredType;

            private GuardConditional(ConditionalAccessExpressionSyntax conditional, string test, string name, string lockText, string? declaredType)
            {
                _conditional = conditional;
                _test = test;
                _name = name;
                _lockText = lockText;
                _declaredType = declaredType;
            }

            public override string LockText => _lockText;

            public override string Tested => _conditional.Expression.ToString();

            public static Restructuring? Find(StatementSyntax statement, SyntaxNode access, string lockText, SemanticModel model, CancellationToken cancellationToken)
            {
                ExpressionSyntax? value;
                string? declaredType = null;
                switch (statement)
                {
                    case LocalDeclarationStatementSyntax { UsingKeyword.RawKind: 0, AwaitKeyword.RawKind: 0, Declaration.Variables.Count: 1 } declaration when !declaration.IsConst:
                        value = declaration.Declaration.Variables[0].Initializer?.Value;
                        if (value != null && declaration.Declaration.Type.IsVar)
                        {
                            declaredType = model.GetTypeInfo(value, cancellationToken).Type is ITypeSymbol type && type.TypeKind != TypeKind.Error
                                ? type.ToMinimalDisplayString(model, statement.SpanStart)
                                : null;
                            if (declaredType == null)
                            {
                                return null;
                            }
                        }

                        break;
                    case ReturnStatementSyntax returned:
                        value = returned.Expression;
                        break;
                    default:
                        return null;
                }

                if (value == null || !(Unparenthesized(value) is ConditionalAccessExpressionSyntax conditional) || !conditional.WhenNotNull.Span.Contains(access.Span) ||
                    conditional.WhenNotNull.DescendantNodesAndSelf().Any(n => n is ConditionalAccessExpressionSyntax || TestedObject(n) != null) ||
                    TestsPrefixBefore(access, TextSpan.FromBounds(statement.SpanStart, conditional.SpanStart), lockText, statement))
                {
                    return null;
                }

                string receiver = conditional.Expression.ToString();
                string written = lockText.StartsWith("this.", StringComparison.Ordinal) && !receiver.StartsWith("this.", StringComparison.Ordinal) ? lockText.Substring(5) : lockText;
                if (!written.StartsWith(receiver + ".", StringComparison.Ordinal))
                {
                    return null;
                }

                // A local or parameter keeps its value: test it as it is. Anything else is read once, into a pattern variable.
                ISymbol? symbol = model.GetSymbolInfo(conditional.Expression, cancellationToken).Symbol;
                if (symbol is ILocalSymbol { RefKind: RefKind.None } || symbol is IParameterSymbol { RefKind: RefKind.None })
                {
                    return new GuardConditional(conditional, receiver + " != null", receiver, written, declaredType);
                }

                string? name = FreshName(statement, LastName(conditional.Expression), model);
                return name == null ? null : new GuardConditional(conditional, receiver + " is { } " + name, name, name + written.Substring(receiver.Length), declaredType);
            }

            private static string LastName(ExpressionSyntax expression)
            {
                string last = expression switch
                {
                    MemberAccessExpressionSyntax member => member.Name.Identifier.ValueText,
                    IdentifierNameSyntax identifier => identifier.Identifier.ValueText,
                    _ => "value",
                };
                return last.TrimStart('_').Length == 0 ? "value" : char.ToLowerInvariant(last.TrimStart('_')[0]) + last.TrimStart('_').Substring(1);
            }

            // Contextual keywords are names (a `group` is fine outside a query), except those that read as something else.
            private static readonly string[] s_awkward = { "var", "dynamic", "nameof", "await", "yield", "value", "_" };

            private static string? FreshName(StatementSyntax statement, string stem, SemanticModel model)
            {
                SyntaxNode? member = statement.Ancestors().FirstOrDefault(a => a is MemberDeclarationSyntax);
                var taken = new HashSet<string>(member == null ? Enumerable.Empty<string>() : member.DescendantNodes().Select(n => n switch
                {
                    VariableDeclaratorSyntax declarator => declarator.Identifier.ValueText,
                    SingleVariableDesignationSyntax designation => designation.Identifier.ValueText,
                    ParameterSyntax parameter => parameter.Identifier.ValueText,
                    ForEachStatementSyntax loop => loop.Identifier.ValueText,
                    _ => "",
                }));
                for (int i = 1; i < 10; i++)
                {
                    string name = i == 1 ? stem : stem + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    if (SyntaxFacts.GetKeywordKind(name) == SyntaxKind.None && !s_awkward.Contains(name) &&
                        !taken.Contains(name) && model.LookupSymbols(statement.SpanStart, name: name).IsEmpty)
                    {
                        return name;
                    }
                }

                return null;
            }

            public override IReadOnlyList<StatementSyntax> Apply(StatementSyntax statement, Func<IReadOnlyList<StatementSyntax>, StatementSyntax> wrap, SyntaxTrivia endOfLine)
            {
                ExpressionSyntax present = SyntaxFactory.ParseExpression(_name + _conditional.WhenNotNull.WithoutTrivia().ToFullString());
                var statements = new List<StatementSyntax>();
                StatementSyntax guarded;
                StatementSyntax? after = null;
                if (statement is LocalDeclarationStatementSyntax declaration)
                {
                    VariableDeclaratorSyntax variable = declaration.Declaration.Variables[0];
                    VariableDeclarationSyntax empty = declaration.Declaration
                        .WithType(_declaredType == null ? declaration.Declaration.Type : SyntaxFactory.ParseTypeName(_declaredType).WithTriviaFrom(declaration.Declaration.Type))
                        .WithVariables(SyntaxFactory.SingletonSeparatedList(variable.WithInitializer(variable.Initializer!.WithValue(SyntaxFactory.ParseExpression("null")))));
                    statements.Add(declaration.WithDeclaration(empty).WithTrailingTrivia(endOfLine));
                    guarded = SyntaxFactory.ParseStatement(variable.Identifier.Text + " = " + present.ToFullString() + ";");
                }
                else
                {
                    guarded = SyntaxFactory.ParseStatement("return " + present.ToFullString() + ";");
                    after = SyntaxFactory.ParseStatement("return null;").WithTrailingTrivia(statement.GetTrailingTrivia());
                }

                BlockSyntax body = SyntaxFactory.Block(wrap(new[] { guarded.WithTrailingTrivia(endOfLine) }))
                    .WithOpenBraceToken(SyntaxFactory.Token(SyntaxKind.OpenBraceToken).WithLeadingTrivia(SyntaxFactory.ElasticMarker).WithTrailingTrivia(endOfLine))
                    .WithCloseBraceToken(SyntaxFactory.Token(SyntaxKind.CloseBraceToken).WithLeadingTrivia(SyntaxFactory.ElasticMarker));
                StatementSyntax test = SyntaxFactory.IfStatement(SyntaxFactory.ParseExpression(_test), body)
                    .WithCloseParenToken(SyntaxFactory.Token(SyntaxKind.CloseParenToken).WithTrailingTrivia(endOfLine))
                    .WithTrailingTrivia(after == null ? statement.GetTrailingTrivia() : SyntaxFactory.TriviaList(endOfLine));
                statements.Add(test);
                if (after != null)
                {
                    statements.Add(after);
                }

                for (int i = 1; i < statements.Count; i++)
                {
                    statements[i] = statements[i].WithLeadingTrivia(SyntaxFactory.ElasticMarker);
                }

                statements[0] = statements[0].WithLeadingTrivia(statement.GetLeadingTrivia());
                return statements.Select(s => s.WithAdditionalAnnotations(Formatter.Annotation)).ToList();
            }
        }
    }
}
