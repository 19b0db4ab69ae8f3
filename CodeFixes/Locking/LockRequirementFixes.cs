using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using IommuAnalyzers.Locking;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Text;

namespace IommuAnalyzers.CodeFixes.Locking
{
    /// <summary>
    /// The two fixes of a missing lock (IOMMU0100, IOMMU0104): wrap the smallest enclosing statement(s) in the lock, or
    /// move the requirement to the callers with <c>[RequiresLock]</c> on the enclosing method. Everything the fixes need
    /// comes from the diagnostic's properties (<see cref="LockDiagnosticProperties"/>); the engine is not re-run.
    /// </summary>
    internal static class LockRequirementFixes
    {
        public const string WrapKey = "IommuLock.WrapInLock";
        public const string RequiresKey = "IommuLock.AddRequiresLock";

        /// <summary>
        /// Registers the actions for the diagnostics of <paramref name="fixableIds"/> (the calling provider's rules).
        /// Others are declined: <c>dotnet format</c> hands a provider whichever diagnostic of the analyzer it holds
        /// first, and another rule's (an IOMMU0101 carries a lock expression too) must not get a wrap.
        /// </summary>
        public static async Task RegisterAsync(CodeFixContext context, ImmutableArray<string> fixableIds)
        {
            SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            if (root == null)
            {
                return;
            }

            SemanticModel? model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
            foreach (Diagnostic diagnostic in context.Diagnostics.Where(d => fixableIds.Contains(d.Id)))
            {
                SyntaxNode node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
                CodeAction? wrap = null;
                CodeAction? requires = null;
                string? argument = RequiresArgument(diagnostic);
                SyntaxNode? member = argument != null ? await RequiresTargetAsync(context.Document, node, null, context.CancellationToken).ConfigureAwait(false) : null;
                bool callersHold = member != null && await LockFixPreference.CallersHoldAsync(context.Document, member, argument!, context.CancellationToken).ConfigureAwait(false);
                if (callersHold)
                {
                    // Every caller holds the lock (IOMMU0110): a wrap here would take it twice; the contract is the fix.
                }
                else if (model != null && SectionWidening.Find(node, diagnostic, model, null, context.CancellationToken) is { IsSafe: true } move)
                {
                    // Widening the section just released replaces the wrap (a second section would leave the window
                    // between the two open). It shares the wrap's key: both are the site's lock fix, and the Fix All of
                    // that key (the one dotnet format applies) chooses per site the same way.
                    wrap = CodeAction.Create(
                        "Move '" + move.Release.Expression + "' after this access",
                        cancellationToken => WrapAsync(context.Document, new[] { diagnostic }, cancellationToken),
                        WrapKey);
                }
                else if (LockText(diagnostic) is string lockText && WrapTargetAt(node, diagnostic, lockText, model, context.CancellationToken) is WrapTarget target &&
                    !await NestsAgainstTheOrderAsync(context.Document, diagnostic, context.CancellationToken).ConfigureAwait(false))
                {
                    string named = target.Restructuring?.LockText ?? lockText;
                    wrap = CodeAction.Create(
                        "Wrap in " + (IsKMutex(diagnostic) ? "using (" + named + ".Guard())" : "lock (" + named + ")") +
                            (target.Restructuring != null ? " inside the check of '" + target.Restructuring.Tested + "'" : ""),
                        cancellationToken => WrapAsync(context.Document, new[] { diagnostic }, cancellationToken),
                        WrapKey);
                }

                if (member != null)
                {
                    requires = CodeAction.Create(
                        "Add [RequiresLock(\"" + argument + "\")] to the method",
                        cancellationToken => AddRequiresLockAsync(context.Document, new[] { diagnostic }, cancellationToken),
                        RequiresKey);
                    if (wrap != null && await LockFixPreference.PrefersRequiresLockAsync(context.Document, member, argument!, context.CancellationToken).ConfigureAwait(false))
                    {
                        // The first action is the one dotnet format applies: the preferred variant goes first.
                        context.RegisterCodeFix(requires, diagnostic);
                        context.RegisterCodeFix(wrap, diagnostic);
                        continue;
                    }
                }

                if (wrap != null)
                {
                    context.RegisterCodeFix(wrap, diagnostic);
                }

                if (requires != null)
                {
                    context.RegisterCodeFix(requires, diagnostic);
                }
            }
        }

        private static bool FollowsRelease(Diagnostic diagnostic) => diagnostic.Properties.ContainsKey(LockDiagnosticProperties.ReleaseStatementsBack);

        private static string? RequiresArgument(Diagnostic diagnostic) =>
            diagnostic.Properties.TryGetValue(LockDiagnosticProperties.RequiresLockArgument, out string? argument) ? argument : null;

        /// <summary>
        /// The lock fix Fix All applies to a document (the wrap action's Fix All): each diagnostic gets the variant
        /// <see cref="LockFixPreference"/> chooses for it, [RequiresLock] first, then the wraps at their shifted places.
        /// </summary>
        public static Task<Document> FixPreferredAsync(Document document, IEnumerable<Diagnostic> diagnostics, CancellationToken cancellationToken) =>
            FixPreferredAsync(document, diagnostics, requireWhereOnlyChoice: false, cancellationToken);

        /// <summary>
        /// The Fix All of a request without an equivalence key: each diagnostic gets the action offered first for it,
        /// as when it is fixed alone. <c>dotnet format</c> asks this way when the first diagnostic it holds for the
        /// analyzer belongs to another of its rules (IOMMU0109 before IOMMU0110), which this fixer offers nothing for.
        /// </summary>
        public static Task<Document> FixFirstOfferedAsync(Document document, IEnumerable<Diagnostic> diagnostics, CancellationToken cancellationToken) =>
            FixPreferredAsync(document, diagnostics, requireWhereOnlyChoice: true, cancellationToken);

        private static async Task<Document> FixPreferredAsync(Document document, IEnumerable<Diagnostic> diagnostics, bool requireWhereOnlyChoice, CancellationToken cancellationToken)
        {
            SyntaxNode? root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            if (root == null)
            {
                return document;
            }

            SemanticModel? model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            var requires = new List<Diagnostic>();
            var wraps = new List<Diagnostic>();
            var answers = new Dictionary<SyntaxNode, bool>();
            foreach (Diagnostic diagnostic in diagnostics)
            {
                SyntaxNode node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
                SyntaxNode? member = RequiresArgument(diagnostic) != null ? await RequiresTargetAsync(document, node, answers, cancellationToken).ConfigureAwait(false) : null;
                bool canRequire = member != null;

                // Where every caller holds the lock the contract is the only sound fix: applied unless the project
                // chose wraps only, which leaves the site reported rather than wrap it into a second acquisition.
                bool callersHold = canRequire && await LockFixPreference.CallersHoldAsync(document, member!, RequiresArgument(diagnostic)!, cancellationToken).ConfigureAwait(false);
                bool canWrap = !callersHold && ((LockText(diagnostic) is string lockText && WrapTargetAt(node, diagnostic, lockText, model, cancellationToken) != null) || FollowsRelease(diagnostic));
                bool prefer = canRequire && (!canWrap || await LockFixPreference.PrefersRequiresLockAsync(document, member!, RequiresArgument(diagnostic)!, cancellationToken).ConfigureAwait(false));
                LockFixMode mode = LockFixPreference.Mode(document, root.SyntaxTree);
                if (prefer && (canWrap || requireWhereOnlyChoice || mode == LockFixMode.RequiresLock || (callersHold && mode != LockFixMode.Wrap)))
                {
                    requires.Add(diagnostic);
                }
                else if (canWrap)
                {
                    wraps.Add(diagnostic);
                }
            }

            Document annotated = requires.Count == 0 ? document : await AddRequiresLockAsync(document, requires, cancellationToken).ConfigureAwait(false);
            if (wraps.Count == 0)
            {
                return annotated;
            }

            // The attributes moved what follows them: carry each wrap's location over the inserted text.
            List<TextChange> changes = (await annotated.GetTextChangesAsync(document, cancellationToken).ConfigureAwait(false)).OrderBy(c => c.Span.Start).ToList();
            SyntaxTree? tree = await annotated.GetSyntaxTreeAsync(cancellationToken).ConfigureAwait(false);
            if (tree == null)
            {
                return annotated;
            }

            var moved = wraps.Select(d => Diagnostic.Create(d.Descriptor, Location.Create(tree, Shift(d.Location.SourceSpan, changes)), d.AdditionalLocations, ShiftTakenAt(d, changes))).ToList();
            return await WrapAsync(annotated, moved, cancellationToken).ConfigureAwait(false);
        }

        private static ImmutableDictionary<string, string?> ShiftTakenAt(Diagnostic diagnostic, List<TextChange> changes)
        {
            List<TextSpan> taken = LockFixSites.TakenAt(diagnostic).ToList();
            return taken.Count == 0
                ? diagnostic.Properties
                : diagnostic.Properties.SetItem(LockDiagnosticProperties.TakenAt, string.Join(";", taken.Select(t => Shift(t, changes)).Select(t => t.Start.ToString(System.Globalization.CultureInfo.InvariantCulture) + "," + t.Length.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        }

        private static TextSpan Shift(TextSpan span, List<TextChange> changes)
        {
            int delta = 0;
            foreach (TextChange change in changes)
            {
                if (change.Span.End <= span.Start)
                {
                    delta += change.NewText!.Length - change.Span.Length;
                }
            }

            return new TextSpan(span.Start + delta, span.Length);
        }

        public static FixAllProvider FixAll { get; } = new LockRequirementFixAll();

        private static string? LockText(Diagnostic diagnostic) =>
            diagnostic.Properties.TryGetValue(LockDiagnosticProperties.LockExpression, out string? text) ? text : null;

        private static bool IsKMutex(Diagnostic diagnostic) =>
            diagnostic.Properties.TryGetValue(LockDiagnosticProperties.LockKind, out string? kind) && kind == LockDiagnosticProperties.KMutexKind;

        // ---- wrap in the lock, or widen the section just released ----

        /// <summary>
        /// The lock fix of each diagnostic: the move of its statement into the section an explicit release just closed
        /// where <see cref="SectionWidening"/> allows it, the wrap in a new section elsewhere.
        /// </summary>
        public static Task<Document> WrapAsync(Document document, IEnumerable<Diagnostic> diagnostics, CancellationToken cancellationToken) =>
            WrapAsync(document, diagnostics, checkOrder: true, cancellationToken);

        /// <summary>Whether the wrap of <paramref name="diagnostic"/> alone nests its lock inside another one and so closes an IOMMU0108 cycle.</summary>
        private static async Task<bool> NestsAgainstTheOrderAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            if (LockOrderCheck.HeldClasses(diagnostic).IsEmpty)
            {
                return false;
            }

            Document wrapped = await WrapAsync(document, new[] { diagnostic }, checkOrder: false, cancellationToken).ConfigureAwait(false);
            return await LockOrderCheck.AddsCycleAsync(document, wrapped, cancellationToken).ConfigureAwait(false);
        }

        private static async Task<Document> WrapAsync(Document document, IEnumerable<Diagnostic> diagnostics, bool checkOrder, CancellationToken cancellationToken)
        {
            SyntaxNode? root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            if (root == null)
            {
                return document;
            }

            List<Diagnostic> ordered = diagnostics.OrderBy(d => d.Location.SourceSpan.Start).ToList();
            SemanticModel? model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);

            // One wrap per distinct target; targets that overlap one already chosen wait for the next Fix All pass. The
            // accesses after one release move together; once one of them cannot, it is wrapped, and the new section
            // between the release and the later ones keeps those from moving too (as when they are fixed one at a time).
            var chosen = new List<(WrapTarget Target, string Lock, bool KMutex)>();
            var moves = new List<SectionWidening>();
            var moving = new HashSet<StatementSyntax>();
            var blocked = new HashSet<ExpressionStatementSyntax>();
            var nested = new HashSet<(string Held, string Taken)>();
            foreach (Diagnostic diagnostic in ordered)
            {
                SyntaxNode node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
                SectionWidening? move = model == null ? null : SectionWidening.Find(node, diagnostic, model, moving, cancellationToken);
                if (move != null && move.IsSafe && !blocked.Contains(move.Release))
                {
                    if (!chosen.Any(c => c.Target.Span.IntersectsWith(move.Span)) && moving.Add(move.Moved))
                    {
                        moves.Add(move);
                    }

                    continue;
                }

                if (move != null)
                {
                    blocked.Add(move.Release);
                }

                if (!(LockText(diagnostic) is string lockText) || !(WrapTargetAt(node, diagnostic, lockText, model, cancellationToken) is WrapTarget target))
                {
                    continue;
                }

                if (chosen.Any(c => c.Target.Span.IntersectsWith(target.Span) || c.Target.Span.Contains(target.Span)) || moves.Any(m => m.Span.IntersectsWith(target.Span)))
                {
                    continue;
                }

                // A nesting the reverse of one an earlier wrap of this batch makes, or one that closes a cycle with the
                // rest of the compilation, is left for a human to order (LockOrderCheck).
                if (checkOrder && !LockOrderCheck.HeldClasses(diagnostic).IsEmpty)
                {
                    List<(string Held, string Taken)> nestings = LockOrderCheck.Nestings(diagnostic).ToList();
                    if (nestings.Any(n => nested.Contains((n.Taken, n.Held))) || await NestsAgainstTheOrderAsync(document, diagnostic, cancellationToken).ConfigureAwait(false))
                    {
                        continue;
                    }

                    nested.UnionWith(nestings);
                }

                chosen.Add((target, lockText, IsKMutex(diagnostic)));
            }

            if (chosen.Count == 0 && moves.Count == 0)
            {
                return document;
            }

            SyntaxNode tracked = root.TrackNodes(moves.SelectMany(m => new SyntaxNode[] { m.Release, m.Moved }).Concat(chosen.Select(c => c.Target.Anchor)));
            tracked = SectionWidening.ApplyTracked(tracked, moves);

            SyntaxTrivia endOfLine = SyntaxTriviaHelpers.EndOfLine(root);
            var annotations = new Dictionary<SyntaxAnnotation, (WrapTarget Target, string Lock, bool KMutex)>();
            var anchors = chosen.Select(c => (Current: tracked.GetCurrentNode(c.Target.Anchor), Chosen: c)).Where(a => a.Current != null).ToList();
            SyntaxNode annotated = tracked.ReplaceNodes(
                anchors.Select(a => a.Current!),
                (original, rewritten) =>
                {
                    var annotation = new SyntaxAnnotation();
                    annotations.Add(annotation, anchors.First(a => a.Current == original).Chosen);
                    return rewritten.WithAdditionalAnnotations(annotation);
                });

            foreach (KeyValuePair<SyntaxAnnotation, (WrapTarget Target, string Lock, bool KMutex)> entry in annotations)
            {
                SyntaxNode? anchor = annotated.GetAnnotatedNodes(entry.Key).FirstOrDefault();
                if (anchor != null)
                {
                    annotated = entry.Value.Target.Apply(annotated, anchor, entry.Value.Lock, entry.Value.KMutex, endOfLine);
                }
            }

            return document.WithSyntaxRoot(annotated);
        }

        /// <summary>What a wrap encloses: a run of statements in a block or switch section, one embedded statement, or an expression body.</summary>
        private sealed class WrapTarget
        {
            private readonly int _count;

            private WrapTarget(SyntaxNode anchor, int count, Microsoft.CodeAnalysis.Text.TextSpan span, NullCheckedPlacement.Restructuring? restructuring = null)
            {
                Anchor = anchor;
                _count = count;
                Span = span;
                Restructuring = restructuring;
            }

            /// <summary>Set where the lock goes inside the code's own test of its object, rewriting the access's statement.</summary>
            public NullCheckedPlacement.Restructuring? Restructuring { get; }

            /// <summary>The same site with the access's statement (the anchor) restructured.</summary>
            public WrapTarget Restructured(NullCheckedPlacement.Restructuring restructuring) => new WrapTarget(Anchor, 1, Anchor.Span, restructuring);

            /// <summary>The first wrapped statement, or the expression body (arrow clause or lambda body).</summary>
            public SyntaxNode Anchor { get; }

            public Microsoft.CodeAnalysis.Text.TextSpan Span { get; }

            public static WrapTarget? Find(SyntaxNode node)
            {
                for (SyntaxNode? current = node; current != null; current = current.Parent)
                {
                    switch (current)
                    {
                        case ArrowExpressionClauseSyntax arrow when arrow.Parent is MethodDeclarationSyntax || arrow.Parent is LocalFunctionStatementSyntax ||
                            arrow.Parent is PropertyDeclarationSyntax || arrow.Parent is IndexerDeclarationSyntax || arrow.Parent is AccessorDeclarationSyntax:
                            return new WrapTarget(arrow, 1, arrow.Span);
                        case AnonymousFunctionExpressionSyntax lambda when lambda.ExpressionBody != null && lambda.ExpressionBody.Span.Contains(node.Span):
                            return new WrapTarget(lambda.ExpressionBody, 1, lambda.ExpressionBody.Span);
                        case AnonymousFunctionExpressionSyntax _:
                        case MemberDeclarationSyntax _:
                            return null;
                        case StatementSyntax statement:
                            return ForStatement(statement);
                    }
                }

                return null;
            }

            private static WrapTarget? ForStatement(StatementSyntax statement)
            {
                if (statement is LabeledStatementSyntax || statement is LocalFunctionStatementSyntax || statement is BlockSyntax)
                {
                    return null;
                }

                SyntaxList<StatementSyntax>? list = StatementList(statement.Parent);
                if (list == null)
                {
                    return new WrapTarget(statement, 1, statement.Span);
                }

                SyntaxList<StatementSyntax> statements = list.Value;
                int start = statements.IndexOf(statement);
                int end = start;

                // A declaration moved into the new block must take its later uses along.
                for (bool grew = true; grew;)
                {
                    grew = false;
                    var declared = new HashSet<string>();
                    for (int i = start; i <= end; i++)
                    {
                        foreach (SyntaxNode descendant in statements[i].DescendantNodesAndSelf())
                        {
                            if (descendant is VariableDeclaratorSyntax declarator)
                            {
                                declared.Add(declarator.Identifier.ValueText);
                            }
                            else if (descendant is SingleVariableDesignationSyntax designation)
                            {
                                declared.Add(designation.Identifier.ValueText);
                            }
                        }
                    }

                    for (int i = statements.Count - 1; i > end && declared.Count > 0; i--)
                    {
                        if (statements[i].DescendantNodes().OfType<IdentifierNameSyntax>().Any(n => declared.Contains(n.Identifier.ValueText)))
                        {
                            end = i;
                            grew = true;
                            break;
                        }
                    }
                }

                for (int i = start; i <= end; i++)
                {
                    if (statements[i] is LabeledStatementSyntax || statements[i] is LocalFunctionStatementSyntax)
                    {
                        return null;
                    }
                }

                return new WrapTarget(statement, end - start + 1, Microsoft.CodeAnalysis.Text.TextSpan.FromBounds(statements[start].SpanStart, statements[end].Span.End));
            }

            private static SyntaxList<StatementSyntax>? StatementList(SyntaxNode? parent) => parent switch
            {
                BlockSyntax block => block.Statements,
                SwitchSectionSyntax section => section.Statements,
                _ => null,
            };

            public SyntaxNode Apply(SyntaxNode root, SyntaxNode anchor, string lockText, bool kmutex, SyntaxTrivia endOfLine)
            {
                switch (anchor)
                {
                    case ArrowExpressionClauseSyntax arrow:
                        return ApplyArrow(root, arrow, lockText, kmutex, endOfLine);
                    case ExpressionSyntax lambdaBody when lambdaBody.Parent is AnonymousFunctionExpressionSyntax lambda:
                        return root.ReplaceNode(lambda, WithBlockBody(lambda, lambdaBody, lockText, kmutex, endOfLine));
                }

                var first = (StatementSyntax)anchor;
                if (Restructuring != null)
                {
                    NullCheckedPlacement.Restructuring restructuring = Restructuring;
                    IReadOnlyList<StatementSyntax> replacement = restructuring.Apply(first, statements => Wrap(statements, restructuring.LockText, kmutex, endOfLine), endOfLine);
                    return StatementList(first.Parent) != null
                        ? root.ReplaceNode(first, replacement)
                        : root.ReplaceNode(first, replacement.Count == 1 ? replacement[0] : SyntaxFactory.Block(replacement).WithTriviaFrom(first).WithAdditionalAnnotations(Formatter.Annotation));
                }

                bool oneLine = LineStructure.InOneLineBlock(first);
                SyntaxList<StatementSyntax>? list = StatementList(first.Parent);
                if (list == null)
                {
                    return root.ReplaceNode(first, Wrap(new[] { first }, lockText, kmutex, endOfLine, oneLine));
                }

                SyntaxList<StatementSyntax> statements = list.Value;
                int start = statements.IndexOf(first);
                StatementSyntax[] wrapped = statements.Skip(start).Take(_count).ToArray();
                SyntaxList<StatementSyntax> replaced = SyntaxFactory.List(
                    statements.Take(start).Concat(new[] { Wrap(wrapped, lockText, kmutex, endOfLine, oneLine) }).Concat(statements.Skip(start + _count)));
                SyntaxNode parent = first.Parent!;
                SyntaxNode newParent = parent is BlockSyntax block ? block.WithStatements(replaced) : ((SwitchSectionSyntax)parent).WithStatements(replaced);
                return root.ReplaceNode(parent, newParent);
            }

            private static SyntaxNode ApplyArrow(SyntaxNode root, ArrowExpressionClauseSyntax arrow, string lockText, bool kmutex, SyntaxTrivia endOfLine)
            {
                SyntaxNode member = arrow.Parent!;
                bool returnsVoid = member switch
                {
                    MethodDeclarationSyntax method => IsVoid(method.ReturnType),
                    LocalFunctionStatementSyntax local => IsVoid(local.ReturnType),
                    AccessorDeclarationSyntax accessor => !accessor.IsKind(SyntaxKind.GetAccessorDeclaration),
                    _ => false,
                };

                StatementSyntax inner = returnsVoid
                    ? SyntaxFactory.ExpressionStatement(arrow.Expression.WithoutTrivia())
                    : SyntaxFactory.ReturnStatement(arrow.Expression.WithoutTrivia());
                BlockSyntax body = SyntaxFactory.Block(Wrap(new[] { inner.WithTrailingTrivia(endOfLine) }, lockText, kmutex, endOfLine))
                    .WithOpenBraceToken(SyntaxFactory.Token(SyntaxKind.OpenBraceToken).WithTrailingTrivia(endOfLine))
                    .WithAdditionalAnnotations(Formatter.Annotation);
                switch (member)
                {
                    case MethodDeclarationSyntax method:
                        return root.ReplaceNode(method, method.WithExpressionBody(null).WithSemicolonToken(default)
                            .WithParameterList(method.ParameterList.WithTrailingTrivia(endOfLine)).WithBody(body.WithTrailingTrivia(method.SemicolonToken.TrailingTrivia)));
                    case LocalFunctionStatementSyntax local:
                        return root.ReplaceNode(local, local.WithExpressionBody(null).WithSemicolonToken(default)
                            .WithParameterList(local.ParameterList.WithTrailingTrivia(endOfLine)).WithBody(body.WithTrailingTrivia(local.SemicolonToken.TrailingTrivia)));
                    case AccessorDeclarationSyntax accessor:
                        return root.ReplaceNode(accessor, accessor.WithExpressionBody(null).WithSemicolonToken(default)
                            .WithKeyword(accessor.Keyword.WithTrailingTrivia(endOfLine)).WithBody(body.WithTrailingTrivia(accessor.SemicolonToken.TrailingTrivia))
                            .WithAdditionalAnnotations(Formatter.Annotation));
                    case PropertyDeclarationSyntax property:
                        // An expression-bodied property is a get-only property: its expression becomes the getter's body.
                        return root.ReplaceNode(property, property.WithExpressionBody(null).WithSemicolonToken(default)
                            .WithIdentifier(property.Identifier.WithTrailingTrivia(endOfLine))
                            .WithAccessorList(Getter(body).WithTrailingTrivia(property.SemicolonToken.TrailingTrivia))
                            .WithAdditionalAnnotations(Formatter.Annotation));
                    case IndexerDeclarationSyntax indexer:
                        return root.ReplaceNode(indexer, indexer.WithExpressionBody(null).WithSemicolonToken(default)
                            .WithParameterList(indexer.ParameterList.WithTrailingTrivia(endOfLine))
                            .WithAccessorList(Getter(body).WithTrailingTrivia(indexer.SemicolonToken.TrailingTrivia))
                            .WithAdditionalAnnotations(Formatter.Annotation));
                    default:
                        return root;
                }
            }

            private static AccessorListSyntax Getter(BlockSyntax body) =>
                SyntaxFactory.AccessorList(SyntaxFactory.SingletonList(
                    SyntaxFactory.AccessorDeclaration(SyntaxKind.GetAccessorDeclaration, body)
                        .WithKeyword(SyntaxFactory.Token(SyntaxKind.GetKeyword).WithTrailingTrivia(SyntaxFactory.ElasticMarker))))
                    .WithOpenBraceToken(SyntaxFactory.Token(SyntaxKind.OpenBraceToken).WithTrailingTrivia(SyntaxFactory.ElasticMarker));

            private static bool IsVoid(TypeSyntax type) => type is PredefinedTypeSyntax predefined && predefined.Keyword.IsKind(SyntaxKind.VoidKeyword);

            private static AnonymousFunctionExpressionSyntax WithBlockBody(AnonymousFunctionExpressionSyntax lambda, ExpressionSyntax body, string lockText, bool kmutex, SyntaxTrivia endOfLine)
            {
                // A lambda used as an Action is a statement; one with a value returns it. The assignment and invocation forms
                // are the statement-like ones; anything else is returned.
                bool statementLike = body is AssignmentExpressionSyntax || body is InvocationExpressionSyntax || body is PostfixUnaryExpressionSyntax || body is PrefixUnaryExpressionSyntax;
                StatementSyntax inner = statementLike
                    ? SyntaxFactory.ExpressionStatement(body.WithoutTrivia())
                    : SyntaxFactory.ReturnStatement(body.WithoutTrivia());
                BlockSyntax block = SyntaxFactory.Block(Wrap(new[] { inner.WithTrailingTrivia(endOfLine) }, lockText, kmutex, endOfLine))
                    .WithOpenBraceToken(SyntaxFactory.Token(SyntaxKind.OpenBraceToken).WithTrailingTrivia(endOfLine))
                    .WithAdditionalAnnotations(Formatter.Annotation);
                return lambda.WithExpressionBody(null).WithBlock(block.WithTrailingTrivia(body.GetTrailingTrivia()));
            }

            // The formatter leaves a span with a missing token alone: the close brace then keeps this indentation.
            private static SyntaxTriviaList Indentation(SyntaxTriviaList leading) =>
                leading.Count > 0 && leading[leading.Count - 1].IsKind(SyntaxKind.WhitespaceTrivia) ? SyntaxFactory.TriviaList(leading[leading.Count - 1]) : default;

            private static StatementSyntax Wrap(IReadOnlyList<StatementSyntax> statements, string lockText, bool kmutex, SyntaxTrivia endOfLine, bool oneLine = false)
            {
                // A statement still missing its semicolon keeps its line break on the token before: move it to the end, so
                // the wrapper's close brace does not take the next statement onto its line.
                statements = statements.Select(LineStructure.WithVisibleTrailingTrivia).ToArray();
                SyntaxTriviaList leading = statements[0].GetLeadingTrivia();
                SyntaxTriviaList trailing = statements[statements.Count - 1].GetTrailingTrivia();

                // Inside a block written on one line the wrapper stays on that line (`{ using (m.Guard()) { _c++; } }`).
                SyntaxTrivia separator = LineStructure.Separator(oneLine, endOfLine);
                SyntaxTriviaList braceSpacing = oneLine ? default : SyntaxFactory.TriviaList(SyntaxFactory.ElasticMarker);
                var inner = new List<StatementSyntax>();
                for (int i = 0; i < statements.Count; i++)
                {
                    StatementSyntax statement = statements[i];
                    if (i == 0)
                    {
                        statement = oneLine ? statement.WithLeadingTrivia(default(SyntaxTriviaList)) : statement.WithLeadingTrivia(SyntaxFactory.ElasticMarker);
                    }

                    if (i == statements.Count - 1)
                    {
                        statement = statement.WithTrailingTrivia(separator);
                    }

                    inner.Add(statement);
                }

                BlockSyntax block = SyntaxFactory.Block(inner)
                    .WithOpenBraceToken(SyntaxFactory.Token(SyntaxKind.OpenBraceToken).WithLeadingTrivia(braceSpacing).WithTrailingTrivia(separator))
                    .WithCloseBraceToken(SyntaxFactory.Token(SyntaxKind.CloseBraceToken).WithLeadingTrivia(oneLine ? braceSpacing : braceSpacing.AddRange(Indentation(leading))));
                ExpressionSyntax lockExpression = SyntaxFactory.ParseExpression(lockText);
                StatementSyntax wrapper = kmutex
                    ? SyntaxFactory.UsingStatement(
                        SyntaxFactory.Token(SyntaxKind.UsingKeyword).WithTrailingTrivia(SyntaxFactory.Space),
                        SyntaxFactory.Token(SyntaxKind.OpenParenToken),
                        null,
                        SyntaxFactory.InvocationExpression(SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, lockExpression, SyntaxFactory.IdentifierName("Guard"))),
                        SyntaxFactory.Token(SyntaxKind.CloseParenToken).WithTrailingTrivia(separator),
                        block)
                    : SyntaxFactory.LockStatement(
                        SyntaxFactory.Token(SyntaxKind.LockKeyword).WithTrailingTrivia(SyntaxFactory.Space),
                        SyntaxFactory.Token(SyntaxKind.OpenParenToken),
                        lockExpression,
                        SyntaxFactory.Token(SyntaxKind.CloseParenToken).WithTrailingTrivia(separator),
                        block);
                wrapper = wrapper.WithLeadingTrivia(leading).WithTrailingTrivia(trailing);
                return oneLine ? wrapper : wrapper.WithAdditionalAnnotations(Formatter.Annotation);
            }
        }

        // ---- [RequiresLock] on the enclosing method ----

        /// <summary>Where the wrap goes, unless the site is a TryLock's failure branch (<see cref="LockFixSites.InTryFailureBranch"/>).</summary>
        private static WrapTarget? WrapTargetAt(SyntaxNode node, Diagnostic diagnostic, string lockText, SemanticModel? model, CancellationToken cancellationToken)
        {
            // Never a second lock of the class already held (LockOrderCheck).
            if (LockFixSites.InTryFailureBranch(node, lockText) || LockOrderCheck.NestsSameClass(diagnostic) || !(WrapTarget.Find(node) is WrapTarget target))
            {
                return null;
            }

            // The analyzer chose the text where the access is; the wrap writes it where the wrapped statements start.
            // Never around code that takes the lock itself.
            if ((model != null && !LockCodeText.BindsAlike(model, lockText, diagnostic.Location.SourceSpan.Start, target.Span.Start)) ||
                LockFixSites.TakesTheLockWithin(diagnostic, target.Span))
            {
                return null;
            }

            // Not before the code's own test of the object the lock belongs to (NullCheckedPlacement).
            NullCheckedPlacement.Verdict verdict = NullCheckedPlacement.Judge(node, target.Span, target.Anchor, lockText, model, cancellationToken);
            return verdict.IsSafe ? target : verdict.Restructuring is NullCheckedPlacement.Restructuring restructuring ? target.Restructured(restructuring) : null;
        }

        /// <summary>
        /// The method that would get the <c>[RequiresLock]</c>, when its callers can be made to hold the lock
        /// (<see cref="LockFixSites.CanRequireLockAsync"/>). <paramref name="answers"/> keeps the answer per method for a
        /// Fix All, whose many diagnostics of one method would otherwise ask again (a document walk and a caller search).
        /// </summary>
        private static async Task<SyntaxNode?> RequiresTargetAsync(Document document, SyntaxNode node, Dictionary<SyntaxNode, bool>? answers, CancellationToken cancellationToken)
        {
            if (!(EnclosingMember(node) is SyntaxNode member))
            {
                return null;
            }

            if (answers == null || !answers.TryGetValue(member, out bool can))
            {
                can = await LockFixSites.CanRequireLockAsync(document, member, cancellationToken).ConfigureAwait(false);
                answers?.Add(member, can);
            }

            return can ? member : null;
        }

        /// <summary>The method or local function the diagnostic is in (not through a lambda, which cannot carry the contract usefully).</summary>
        private static SyntaxNode? EnclosingMember(SyntaxNode node)
        {
            for (SyntaxNode? current = node; current != null; current = current.Parent)
            {
                switch (current)
                {
                    case AnonymousFunctionExpressionSyntax _:
                        return null;
                    case MethodDeclarationSyntax _:
                    case LocalFunctionStatementSyntax _:
                        return current;
                    case MemberDeclarationSyntax _:
                        return null;
                }
            }

            return null;
        }

        public static async Task<Document> AddRequiresLockAsync(Document document, IEnumerable<Diagnostic> diagnostics, CancellationToken cancellationToken)
        {
            SyntaxNode? root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            if (root == null)
            {
                return document;
            }

            var arguments = new Dictionary<SyntaxNode, List<string>>();
            var answers = new Dictionary<SyntaxNode, bool>();
            foreach (Diagnostic diagnostic in diagnostics)
            {
                SyntaxNode node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
                if (!diagnostic.Properties.TryGetValue(LockDiagnosticProperties.RequiresLockArgument, out string? argument) || argument == null ||
                    !(await RequiresTargetAsync(document, node, answers, cancellationToken).ConfigureAwait(false) is SyntaxNode member))
                {
                    continue;
                }

                if (!arguments.TryGetValue(member, out List<string>? list))
                {
                    list = new List<string>();
                    arguments.Add(member, list);
                }

                if (!list.Contains(argument))
                {
                    list.Add(argument);
                }
            }

            if (arguments.Count == 0)
            {
                return document;
            }

            SyntaxTrivia endOfLine = SyntaxTriviaHelpers.EndOfLine(root);
            SyntaxNode newRoot = root.ReplaceNodes(arguments.Keys, (original, rewritten) => AddAttribute(rewritten, arguments[original], endOfLine));
            if (newRoot is CompilationUnitSyntax unit)
            {
                newRoot = UsingDirectives.EnsureIommuUsing(unit, arguments.Keys, endOfLine);
            }

            return document.WithSyntaxRoot(newRoot);
        }

        private static SyntaxNode AddAttribute(SyntaxNode member, List<string> locks, SyntaxTrivia endOfLine)
        {
            SyntaxList<AttributeListSyntax> lists = member switch
            {
                MethodDeclarationSyntax method => method.AttributeLists,
                LocalFunctionStatementSyntax local => local.AttributeLists,
                _ => default,
            };

            // Extend an existing [RequiresLock(...)] rather than adding a second one (AllowMultiple = false).
            foreach (AttributeListSyntax list in lists)
            {
                foreach (AttributeSyntax attribute in list.Attributes)
                {
                    if (MemberAttributeInserter.IsNamed(attribute, "RequiresLock"))
                    {
                        AttributeArgumentListSyntax existing = attribute.ArgumentList ?? SyntaxFactory.AttributeArgumentList();
                        var present = new HashSet<string>(existing.Arguments.Select(a => a.Expression is LiteralExpressionSyntax literal ? literal.Token.ValueText : a.ToString()));
                        AttributeArgumentListSyntax extended = existing.AddArguments(locks.Where(l => !present.Contains(l)).Select(Argument).ToArray());
                        return member.ReplaceNode(attribute, attribute.WithArgumentList(extended));
                    }
                }
            }

            AttributeListSyntax newList = SyntaxFactory.AttributeList(SyntaxFactory.SingletonSeparatedList(
                SyntaxFactory.Attribute(SyntaxFactory.IdentifierName("RequiresLock"), SyntaxFactory.AttributeArgumentList(SyntaxFactory.SeparatedList(locks.Select(Argument))))));

            SyntaxTriviaList leading = member.GetLeadingTrivia();
            SyntaxNode stripped = member.WithLeadingTrivia(SyntaxFactory.ElasticMarker);
            newList = newList.WithLeadingTrivia(leading).WithTrailingTrivia(endOfLine);
            SyntaxNode updated = stripped switch
            {
                MethodDeclarationSyntax method => method.WithAttributeLists(method.AttributeLists.Insert(0, newList)),
                LocalFunctionStatementSyntax local => local.WithAttributeLists(local.AttributeLists.Insert(0, newList)),
                _ => stripped,
            };

            if (lists.Count > 0)
            {
                // The old first attribute list keeps its place after the new one; its leading trivia moved up.
                return updated;
            }

            return updated.WithAdditionalAnnotations(Formatter.Annotation);
        }

        private static AttributeArgumentSyntax Argument(string lockExpression) =>
            SyntaxFactory.AttributeArgument(SyntaxFactory.LiteralExpression(SyntaxKind.StringLiteralExpression, SyntaxFactory.Literal(lockExpression)));

        /// <summary>Fix All for both actions: one pass per document, targets grouped (one wrap per statement run, one attribute per method).</summary>
        private sealed class LockRequirementFixAll : FixAllProvider
        {
            public override IEnumerable<FixAllScope> GetSupportedFixAllScopes() =>
                new[] { FixAllScope.Document, FixAllScope.Project, FixAllScope.Solution };

            public override async Task<CodeAction?> GetFixAsync(FixAllContext fixAllContext)
            {
                ImmutableArray<Diagnostic> diagnostics = await FixAllDiagnostics.CollectAsync(fixAllContext).ConfigureAwait(false);
                string? key = fixAllContext.CodeActionEquivalenceKey;
                switch (key)
                {
                    // The wrap action's Fix All (the one dotnet format applies when a wrap comes first) is the project's
                    // lock fix: [RequiresLock] where iommu_analyzers.lock_fix and the inference say so, the wrap elsewhere.
                    case WrapKey:
                        return FixAllDiagnostics.PerDocument(fixAllContext.Solution, diagnostics, "Wrap every unlocked use in its lock ([RequiresLock] where the project's lock_fix says so)", key, FixPreferredAsync);
                    case RequiresKey:
                        return FixAllDiagnostics.PerDocument(fixAllContext.Solution, diagnostics, "Add [RequiresLock] to every method", key, AddRequiresLockAsync);
                    case null:
                        return FixAllDiagnostics.PerDocument(fixAllContext.Solution, diagnostics, "Fix every missing lock", WrapKey, FixFirstOfferedAsync);
                    default:
                        return null;
                }
            }
        }
    }
}
