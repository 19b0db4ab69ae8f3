using System.Collections.Immutable;
using IommuAnalyzers.Flow;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace IommuAnalyzers.Locking
{
    /// <summary>
    /// IOMMU0100: a <c>[GuardedBy]</c> member is read or written where its lock is held on no path
    /// (group->owner_cnt touched outside group->mutex; lockdep_assert_held() would fire).
    /// Where the lock is held on some paths only, IOMMU0105 has already spoken at the join.
    /// </summary>
    internal static class GuardedMemberWithoutLockRule
    {
        public static readonly DiagnosticDescriptor Rule = new DiagnosticDescriptor(
            RuleIdentifiers.GuardedMemberWithoutLock,
            title: "Guarded member accessed without its lock",
            messageFormat: "'{0}' is {1} without holding its lock '{2}'",
            RuleCategories.Locking,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: "A field or property marked [GuardedBy] must only be read or written while its lock is held (the kernel's __guarded_by); otherwise another thread can see or make a torn update.",
            helpLinkUri: RuleIdentifiers.GetHelpUri(RuleIdentifiers.GuardedMemberWithoutLock));

        public static void Check(LockRuleContext context)
        {
            foreach (LockEvent e in context.Result.Events)
            {
                if (e.Kind == LockEventKind.GuardedAccess && e.Lock != null && e.Member != null && e.State.IsNotHeld(e.Lock))
                {
                    ImmutableDictionary<string, string?> properties = context.FixProperties(e.Lock, e.LockKind, e.Location, e.LockText, e.State);
                    if (ReleasedJustBefore(context, e) is (int back, string call))
                    {
                        properties = properties
                            .SetItem(LockDiagnosticProperties.ReleaseStatementsBack, back.ToString(System.Globalization.CultureInfo.InvariantCulture))
                            .SetItem(LockDiagnosticProperties.ReleaseCall, call);
                    }

                    context.Report(Diagnostic.Create(Rule, e.Location, properties, e.AccessText ?? LockNames.Of(e.Member), AccessKinds.Describe(e.Operation), e.Lock.ToString()));
                }
            }
        }

        /// <summary>
        /// The explicit release the access comes right after, for the fix that widens the section instead of opening a
        /// new one (the kernel's fixes of this shape move the mutex_unlock()): the nearest primitive release of the same
        /// lock, as a statement of the list that also holds the access's statement, run with the lock held on every
        /// path, with no acquire or release of that lock from it to the end of the access's statement. Null otherwise
        /// (a [ReleasesLock] helper does more than release, and a release in another list is not on the way).
        /// </summary>
        private static (int Back, string Call)? ReleasedJustBefore(LockRuleContext context, LockEvent access)
        {
            if (!(access.Syntax is SyntaxNode accessSyntax))
            {
                return null;
            }

            ExpressionStatementSyntax? nearest = null;
            StatementSyntax? accessStatement = null;
            foreach (LockEvent e in context.Result.Events)
            {
                if (e.Kind != LockEventKind.Release || e.IsScoped || !access.Lock!.Equals(e.Lock) || !e.State.IsHeld(e.Lock!) ||
                    !(e.Operation is Microsoft.CodeAnalysis.Operations.IInvocationOperation invocation) ||
                    !(context.Locks.Primitive(invocation.TargetMethod) is LockPrimitive { Action: LockAction.Release }) ||
                    !(invocation.Syntax.Parent is ExpressionStatementSyntax release) ||
                    !(release.Parent is BlockSyntax || release.Parent is SwitchSectionSyntax) ||
                    release.SpanStart >= accessSyntax.SpanStart || (nearest != null && release.SpanStart <= nearest.SpanStart))
                {
                    continue;
                }

                if (StatementIn(release.Parent, accessSyntax) is StatementSyntax statement)
                {
                    nearest = release;
                    accessStatement = statement;
                }
            }

            if (nearest == null || accessStatement == null)
            {
                return null;
            }

            foreach (LockEvent e in context.Result.Events)
            {
                if ((e.Kind == LockEventKind.Acquire || e.Kind == LockEventKind.Release) && access.Lock!.Equals(e.Lock) &&
                    e.Location.SourceSpan.Start > nearest.SpanStart && e.Location.SourceSpan.Start < accessStatement.Span.End)
                {
                    return null;
                }
            }

            SyntaxList<StatementSyntax> statements = nearest.Parent is BlockSyntax block ? block.Statements : ((SwitchSectionSyntax)nearest.Parent!).Statements;
            return (statements.IndexOf(accessStatement) - statements.IndexOf(nearest), nearest.Expression.ToString());
        }

        /// <summary>The statement of <paramref name="list"/> that contains <paramref name="node"/>, not through a lambda or local function.</summary>
        private static StatementSyntax? StatementIn(SyntaxNode list, SyntaxNode node)
        {
            for (SyntaxNode? current = node; current != null; current = current.Parent)
            {
                if (current is AnonymousFunctionExpressionSyntax || current is LocalFunctionStatementSyntax || current is MemberDeclarationSyntax)
                {
                    return null;
                }

                if (current.Parent == list && current is StatementSyntax statement)
                {
                    return statement;
                }
            }

            return null;
        }
    }
}
