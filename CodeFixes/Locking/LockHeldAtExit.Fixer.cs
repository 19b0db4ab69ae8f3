using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
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

namespace IommuAnalyzers.CodeFixes.Locking
{
    /// <summary>
    /// IOMMU0101 fixes: release the lock just before the exit that leaks it (the missing mutex_unlock() on an error
    /// path); or, where the method's Lock()/Unlock() pairs on one KMutex amount to one scope, turn them into
    /// <c>using var guard = m.Guard();</c> (the kernel's guard(mutex)).
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(LockHeldAtExitFixer))]
    [Shared]
    public sealed class LockHeldAtExitFixer : CodeFixProvider
    {
        public const string ReleaseKey = "IommuLock.ReleaseBeforeExit";
        public const string ScopedGuardKey = "IommuLock.UseScopedGuard";

        public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(RuleIdentifiers.LockHeldAtExit);

        public override FixAllProvider GetFixAllProvider() => ReleaseFixAll.Instance;

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            SemanticModel? model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
            if (root == null || model == null)
            {
                return;
            }

            // Only this rule's diagnostics: a batch tool may hand over another rule's of the same analyzer.
            foreach (Diagnostic diagnostic in context.Diagnostics.Where(d => FixableDiagnosticIds.Contains(d.Id)))
            {
                // A batch tool (dotnet format) may ask for the action's equivalence key with a diagnostic whose span
                // predates fixes it has already applied to the file. Offer the release then too: the single action
                // does nothing on a span that is no exit, and Fix All re-reads the diagnostics of the current text.
                bool offerRelease = ReleaseStatement(diagnostic) != null &&
                    (ReleaseTarget(root, model, diagnostic, context.CancellationToken) != null || !LandsOnExit(root, diagnostic));
                if (offerRelease)
                {
                    context.RegisterCodeFix(
                        CodeAction.Create(
                            "Release '" + diagnostic.Properties[LockDiagnosticProperties.LockExpression] + "' before this exit",
                            cancellationToken => ReleaseAsync(context.Document, new[] { diagnostic }, cancellationToken),
                            ReleaseKey),
                        diagnostic);
                }

                if (ScopedGuardPlan.Create(root, model, diagnostic, context.CancellationToken) != null)
                {
                    context.RegisterCodeFix(
                        CodeAction.Create(
                            "Use 'using var guard = " + diagnostic.Properties[LockDiagnosticProperties.LockExpression] + ".Guard();'",
                            async cancellationToken =>
                            {
                                SyntaxNode? currentRoot = await context.Document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
                                SemanticModel? currentModel = await context.Document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
                                ScopedGuardPlan? plan = currentRoot == null || currentModel == null ? null : ScopedGuardPlan.Create(currentRoot, currentModel, diagnostic, cancellationToken);
                                return plan == null ? context.Document : context.Document.WithSyntaxRoot(plan.Apply(currentRoot!));
                            },
                            ScopedGuardKey),
                        diagnostic);
                }
            }
        }

        /// <summary>
        /// The statement to release before (a return or throw), or the body block to release at the end of. Null when the
        /// release would change what the exit computes: a returned value other than a constant, a local or a parameter
        /// could read state the lock guards.
        /// </summary>
        private static SyntaxNode? ReleaseTarget(SyntaxNode root, SemanticModel model, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            if (!diagnostic.Properties.TryGetValue(LockDiagnosticProperties.ExitKind, out string? exitKind))
            {
                return null;
            }

            if (exitKind == "EndOfBody")
            {
                SyntaxToken token = root.FindToken(diagnostic.Location.SourceSpan.Start);
                return token.IsKind(SyntaxKind.CloseBraceToken) && token.Parent is BlockSyntax block && block.Parent is BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax or AccessorDeclarationSyntax
                    ? block
                    : null;
            }

            SyntaxNode node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            switch (node)
            {
                case ReturnStatementSyntax { Expression: null } bare:
                    return bare;
                case ReturnStatementSyntax valued when IsStable(valued.Expression!, model, cancellationToken):
                    return valued;
                case ThrowStatementSyntax thrown:
                    return thrown;
                default:
                    return null;
            }
        }

        private static bool LandsOnExit(SyntaxNode root, Diagnostic diagnostic)
        {
            if (!root.FullSpan.Contains(diagnostic.Location.SourceSpan))
            {
                return false;
            }

            SyntaxNode node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            return node is ReturnStatementSyntax || node is ThrowStatementSyntax || root.FindToken(diagnostic.Location.SourceSpan.Start).IsKind(SyntaxKind.CloseBraceToken);
        }

        private static bool IsStable(ExpressionSyntax expression, SemanticModel model, CancellationToken cancellationToken)
        {
            if (model.GetConstantValue(expression, cancellationToken).HasValue)
            {
                return true;
            }

            return expression is IdentifierNameSyntax && model.GetSymbolInfo(expression, cancellationToken).Symbol is ILocalSymbol or IParameterSymbol;
        }

        /// <summary>The release the analyzer chose, the way the lock was taken (<see cref="LockDiagnosticProperties.ReleaseStatement"/>).</summary>
        private static StatementSyntax? ReleaseStatement(Diagnostic diagnostic)
        {
            if (!diagnostic.Properties.TryGetValue(LockDiagnosticProperties.ReleaseStatement, out string? code) || code == null)
            {
                return null;
            }

            StatementSyntax statement = SyntaxFactory.ParseStatement(code);
            return statement.ContainsDiagnostics ? null : statement;
        }

        private static async Task<Document> ReleaseAsync(Document document, IEnumerable<Diagnostic> diagnostics, CancellationToken cancellationToken)
        {
            SyntaxNode? root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            SemanticModel? model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            if (root == null || model == null)
            {
                return document;
            }

            // Exit -> releases to insert there (several locks can leak through one exit).
            var plan = new Dictionary<SyntaxNode, List<StatementSyntax>>();
            foreach (Diagnostic diagnostic in diagnostics.OrderBy(d => d.Location.SourceSpan.Start))
            {
                SyntaxNode? target = ReleaseTarget(root, model, diagnostic, cancellationToken);
                StatementSyntax? release = ReleaseStatement(diagnostic);
                if (target == null || release == null)
                {
                    continue;
                }

                if (!plan.TryGetValue(target, out List<StatementSyntax>? releases))
                {
                    releases = new List<StatementSyntax>();
                    plan.Add(target, releases);
                }

                if (!releases.Any(r => r.IsEquivalentTo(release)))
                {
                    releases.Add(release);
                }
            }

            SyntaxTrivia endOfLine = SyntaxTriviaHelpers.EndOfLine(root);
            SyntaxNode tracked = root.TrackNodes(plan.Keys);
            foreach (KeyValuePair<SyntaxNode, List<StatementSyntax>> entry in plan)
            {
                SyntaxNode? current = tracked.GetCurrentNode(entry.Key);
                if (current == null)
                {
                    continue;
                }

                // In a body written on one line the releases stay on that line; elsewhere each gets a line of its own.
                bool oneLine = LineStructure.InOneLineBlock(current);
                SyntaxTrivia separator = LineStructure.Separator(oneLine, endOfLine);
                IEnumerable<StatementSyntax> releases = entry.Value.Select(r => oneLine
                    ? r.WithTrailingTrivia(separator)
                    : (StatementSyntax)r.WithTrailingTrivia(endOfLine).WithAdditionalAnnotations(Formatter.Annotation));
                if (current is BlockSyntax body)
                {
                    // After a last statement still missing its semicolon, indent the release as that statement.
                    SyntaxTriviaList indentation = body.Statements.Count == 0 || oneLine ? default : Indentation(body.Statements.Last());
                    tracked = tracked.ReplaceNode(body, body.AddStatements(releases.Select(r => r.WithLeadingTrivia(indentation)).ToArray()));
                }
                else if (current.Parent is BlockSyntax || current.Parent is SwitchSectionSyntax)
                {
                    tracked = tracked.InsertNodesBefore(current, releases.Select(r => r.WithLeadingTrivia(current.GetLeadingTrivia())));
                }
                else
                {
                    // An embedded `if (err) return -EBUSY;` becomes a block with the release first.
                    var statement = LineStructure.WithVisibleTrailingTrivia((StatementSyntax)current);
                    BlockSyntax block = SyntaxFactory.Block(releases.Concat(new[] { statement.WithoutLeadingTrivia().WithTrailingTrivia(separator) }))
                        .WithOpenBraceToken(SyntaxFactory.Token(SyntaxKind.OpenBraceToken).WithTrailingTrivia(separator))
                        .WithLeadingTrivia(statement.GetLeadingTrivia())
                        .WithTrailingTrivia(statement.GetTrailingTrivia());
                    tracked = tracked.ReplaceNode(current, oneLine ? block : block.WithAdditionalAnnotations(Formatter.Annotation));
                }
            }

            return document.WithSyntaxRoot(tracked);
        }

        private static SyntaxTriviaList Indentation(StatementSyntax statement)
        {
            SyntaxTriviaList leading = statement.GetLeadingTrivia();
            return leading.Count > 0 && leading[leading.Count - 1].IsKind(SyntaxKind.WhitespaceTrivia) ? SyntaxFactory.TriviaList(leading[leading.Count - 1]) : default;
        }

        /// <summary>
        /// When one <c>m.Lock();</c> at the top of the method body and <c>m.Unlock();</c> calls that each come right before
        /// a return, a throw or the end of the body are the method's only uses of the mutex, a guard declared in place of
        /// the Lock() holds it over exactly the same statements.
        /// </summary>
        private sealed class ScopedGuardPlan
        {
            private readonly StatementSyntax _lockStatement;
            private readonly List<StatementSyntax> _unlocks;
            private readonly string _lockText;
            private readonly string _guardName;

            private ScopedGuardPlan(StatementSyntax lockStatement, List<StatementSyntax> unlocks, string lockText, string guardName)
            {
                _lockStatement = lockStatement;
                _unlocks = unlocks;
                _lockText = lockText;
                _guardName = guardName;
            }

            public static ScopedGuardPlan? Create(SyntaxNode root, SemanticModel model, Diagnostic diagnostic, CancellationToken cancellationToken)
            {
                if (!diagnostic.Properties.TryGetValue(LockDiagnosticProperties.LockKind, out string? kind) || kind != LockDiagnosticProperties.KMutexKind ||
                    !diagnostic.Properties.TryGetValue(LockDiagnosticProperties.LockExpression, out string? lockText) || lockText == null ||
                    diagnostic.AdditionalLocations.Count == 0)
                {
                    return null;
                }

                SyntaxNode acquire = root.FindNode(diagnostic.AdditionalLocations[0].SourceSpan, getInnermostNodeForTie: true);
                if (!(acquire is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Lock" } } lockCall) ||
                    !(lockCall.Parent is ExpressionStatementSyntax lockStatement) ||
                    !(lockStatement.Parent is BlockSyntax body) ||
                    !(body.Parent is BaseMethodDeclarationSyntax || body.Parent is LocalFunctionStatementSyntax))
                {
                    return null;
                }

                var unlocks = new List<StatementSyntax>();
                foreach (InvocationExpressionSyntax call in body.DescendantNodes(n => !(n is AnonymousFunctionExpressionSyntax || n is LocalFunctionStatementSyntax)).OfType<InvocationExpressionSyntax>())
                {
                    if (call == lockCall || !(call.Expression is MemberAccessExpressionSyntax access) || access.Expression.ToString() != lockText)
                    {
                        continue;
                    }

                    // Any other use of the mutex (a second Lock, TryLock, Guard, an Unlock in the middle) makes the scopes differ.
                    if (access.Name.Identifier.ValueText != "Unlock" || !(call.Parent is ExpressionStatementSyntax unlock) || call.SpanStart < lockStatement.SpanStart ||
                        !IsRightBeforeAnExit(unlock, body))
                    {
                        return null;
                    }

                    unlocks.Add(unlock);
                }

                string? name = new[] { "guard", "mutexGuard", "lockGuard" }.FirstOrDefault(n => model.LookupSymbols(lockStatement.SpanStart, name: n).IsEmpty &&
                    !body.DescendantNodes().OfType<VariableDeclaratorSyntax>().Any(d => d.Identifier.ValueText == n));
                return name == null ? null : new ScopedGuardPlan(lockStatement, unlocks, lockText, name);
            }

            private static bool IsRightBeforeAnExit(StatementSyntax unlock, BlockSyntax body)
            {
                SyntaxNode container = unlock.Parent is LabeledStatementSyntax labeled ? labeled : unlock;
                SyntaxList<StatementSyntax>? statements = container.Parent switch
                {
                    BlockSyntax block => block.Statements,
                    SwitchSectionSyntax section => section.Statements,
                    _ => null,
                };
                if (statements == null)
                {
                    return false;
                }

                int index = statements.Value.IndexOf((StatementSyntax)container);
                if (index == statements.Value.Count - 1)
                {
                    return container.Parent == body;
                }

                StatementSyntax next = statements.Value[index + 1];
                return next is ReturnStatementSyntax || next is ThrowStatementSyntax;
            }

            /// <summary>The statements this plan rewrites, to track across several plans in one document.</summary>
            public IEnumerable<SyntaxNode> Nodes => new SyntaxNode[] { _lockStatement }.Concat(_unlocks);

            public SyntaxNode Apply(SyntaxNode root) => ApplyTracked(root.TrackNodes(Nodes));

            /// <summary>Applies the plan to a root that tracks <see cref="Nodes"/>.</summary>
            public SyntaxNode ApplyTracked(SyntaxNode tracked)
            {
                foreach (StatementSyntax unlock in _unlocks)
                {
                    SyntaxNode? current = tracked.GetCurrentNode(unlock);
                    if (current == null)
                    {
                        continue;
                    }

                    if (current.Parent is LabeledStatementSyntax labeled)
                    {
                        // `unlock: m.Unlock(); return ret;` keeps its label on the return.
                        SyntaxList<StatementSyntax> siblings = ((BlockSyntax)labeled.Parent!).Statements;
                        StatementSyntax next = siblings[siblings.IndexOf(labeled) + 1];
                        tracked = tracked.ReplaceNodes(new SyntaxNode[] { labeled, next }, (original, rewritten) =>
                            original == labeled ? rewritten : SyntaxFactory.LabeledStatement(labeled.Identifier, labeled.ColonToken, (StatementSyntax)rewritten).WithLeadingTrivia(labeled.GetLeadingTrivia()));
                        SyntaxNode? stale = tracked.GetCurrentNode(unlock)?.Parent;
                        if (stale != null)
                        {
                            tracked = tracked.RemoveNode(stale, SyntaxRemoveOptions.KeepNoTrivia)!;
                        }
                    }
                    else
                    {
                        tracked = tracked.RemoveNode(current, SyntaxRemoveOptions.KeepNoTrivia)!;
                    }
                }

                SyntaxNode? lockNode = tracked.GetCurrentNode(_lockStatement);
                if (lockNode == null)
                {
                    return tracked;
                }

                // A Lock() still missing its semicolon has its line break on the ')': keep it after the guard.
                LocalDeclarationStatementSyntax guard = (LocalDeclarationStatementSyntax)SyntaxFactory.ParseStatement("using var " + _guardName + " = " + _lockText + ".Guard();")
                    .WithTriviaFrom(LineStructure.WithVisibleTrailingTrivia(lockNode));
                return tracked.ReplaceNode(lockNode, guard);
            }
        }

        /// <summary>Fix All: releases grouped per exit, per document (the scoped-guard conversion is a one-method refactoring).</summary>
        private sealed class ReleaseFixAll : FixAllProvider
        {
            public static readonly ReleaseFixAll Instance = new ReleaseFixAll();

            public override IEnumerable<FixAllScope> GetSupportedFixAllScopes() =>
                new[] { FixAllScope.Document, FixAllScope.Project, FixAllScope.Solution };

            public override async Task<CodeAction?> GetFixAsync(FixAllContext fixAllContext)
            {
                // No key: dotnet format's request when its first diagnostic of the analyzer is another rule's; the
                // release is what this fixer offers first.
                string key = fixAllContext.CodeActionEquivalenceKey ?? ReleaseKey;
                if (key != ReleaseKey && key != ScopedGuardKey)
                {
                    return null;
                }

                ImmutableArray<Diagnostic> diagnostics = await FixAllDiagnostics.CollectAsync(fixAllContext).ConfigureAwait(false);
                return FixAllDiagnostics.PerDocument(
                    fixAllContext.Solution,
                    diagnostics,
                    key == ReleaseKey ? "Release every leaked lock before its exit" : "Use scoped guards",
                    key,
                    key == ReleaseKey ? ReleaseAsync : ScopedGuardsAsync);
            }

            private static async Task<Document> ScopedGuardsAsync(Document document, IEnumerable<Diagnostic> diagnostics, CancellationToken cancellationToken)
            {
                SyntaxNode? root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
                SemanticModel? model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
                if (root == null || model == null)
                {
                    return document;
                }

                // One plan per Lock() statement: several leaking exits of one method share it.
                var plans = new List<ScopedGuardPlan>();
                var seen = new HashSet<SyntaxNode>();
                foreach (Diagnostic diagnostic in diagnostics)
                {
                    ScopedGuardPlan? plan = ScopedGuardPlan.Create(root, model, diagnostic, cancellationToken);
                    if (plan != null && seen.Add(plan.Nodes.First()))
                    {
                        plans.Add(plan);
                    }
                }

                SyntaxNode tracked = root.TrackNodes(plans.SelectMany(p => p.Nodes));
                foreach (ScopedGuardPlan plan in plans)
                {
                    tracked = plan.ApplyTracked(tracked);
                }

                return document.WithSyntaxRoot(tracked);
            }
        }
    }
}
