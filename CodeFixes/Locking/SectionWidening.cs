using System.Collections.Generic;
using System.Linq;
using System.Threading;
using IommuAnalyzers.Flow;
using IommuAnalyzers.Locking;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace IommuAnalyzers.CodeFixes.Locking
{
    /// <summary>
    /// The fix of an access right after an explicit release of its lock (IOMMU0100 with
    /// <see cref="LockDiagnosticProperties.ReleaseStatementsBack"/>): widen the section the code already has, as the
    /// kernel's fixes of this shape move the mutex_unlock(), instead of opening a second one. A second section leaves the
    /// window between the two open: another thread's update made there is overwritten or read half done.
    /// <para>
    /// The access's statement moves to just before the release (when nothing lies between them, that is the release
    /// moving after the access). Only that statement enters the section: code between the release and the access stays
    /// outside, since it may call out (a listener, a callback) to code that takes the lock itself. The move is offered
    /// only where it keeps the statement's meaning:
    /// </para>
    /// <list type="bullet">
    /// <item>The moved statement does not leave: no return, throw, goto, yield, break or continue out of it, no label, no
    /// local function and no await (it would leave or suspend with the lock held).</item>
    /// <item>When statements lie between the release and the access, the access is moved ahead of them, so: they hold no
    /// jump or label either (they decide whether the access runs); the moved statement calls nothing and creates nothing
    /// (its only effects are reads and writes, so no call changes order); it shares no local with them (it reads none
    /// they write, and writes none they read or write); every member it writes is [GuardedBy], which no code outside the
    /// lock may look at; and no member it reads without a lock is assigned between.</item>
    /// </list>
    /// Where the move is not offered, the wrap in a new section is (<see cref="LockRequirementFixes"/>).
    /// </summary>
    internal sealed class SectionWidening
    {
        private SectionWidening(ExpressionStatementSyntax release, StatementSyntax moved, bool isSafe)
        {
            Release = release;
            Moved = moved;
            IsSafe = isSafe;
        }

        /// <summary>The release statement (<c>_lock.Unlock();</c>) the moved statement goes in front of.</summary>
        public ExpressionStatementSyntax Release { get; }

        /// <summary>The statement holding the access.</summary>
        public StatementSyntax Moved { get; }

        /// <summary>Whether the move keeps the statement's meaning (the rules above); where not, the wrap is the fix.</summary>
        public bool IsSafe { get; }

        /// <summary>The text the move reorders: from the release to the end of the moved statement.</summary>
        public Microsoft.CodeAnalysis.Text.TextSpan Span => Microsoft.CodeAnalysis.Text.TextSpan.FromBounds(Release.SpanStart, Moved.Span.End);

        /// <summary>
        /// The move for the diagnostic at <paramref name="node"/> (see <see cref="IsSafe"/>), or null where the access does
        /// not follow a release.
        /// <paramref name="alsoMoving"/> are statements a Fix All moves ahead of the same release already: they are no
        /// longer between it and this one.
        /// </summary>
        public static SectionWidening? Find(SyntaxNode node, Diagnostic diagnostic, SemanticModel model, ICollection<StatementSyntax>? alsoMoving, CancellationToken cancellationToken)
        {
            if (!diagnostic.Properties.TryGetValue(LockDiagnosticProperties.ReleaseStatementsBack, out string? backText) ||
                !int.TryParse(backText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int back) || back < 1 ||
                !diagnostic.Properties.TryGetValue(LockDiagnosticProperties.ReleaseCall, out string? call) || call == null)
            {
                return null;
            }

            for (SyntaxNode? current = node; current != null; current = current.Parent)
            {
                if (current is AnonymousFunctionExpressionSyntax || current is LocalFunctionStatementSyntax || current is MemberDeclarationSyntax)
                {
                    return null;
                }

                if (current is StatementSyntax statement && Statements(current.Parent) is SyntaxList<StatementSyntax> list)
                {
                    int index = list.IndexOf(statement);
                    if (index - back >= 0 && list[index - back] is ExpressionStatementSyntax release && release.Expression.ToString() == call)
                    {
                        IEnumerable<StatementSyntax> between = list.Skip(index - back + 1).Take(back - 1).Where(s => alsoMoving == null || !alsoMoving.Contains(s));
                        return new SectionWidening(release, statement, CanMove(statement, between.ToList(), model, cancellationToken));
                    }
                }
            }

            return null;
        }

        private static SyntaxList<StatementSyntax>? Statements(SyntaxNode? parent) => parent switch
        {
            BlockSyntax block => block.Statements,
            SwitchSectionSyntax section => section.Statements,
            _ => null,
        };

        private static bool CanMove(StatementSyntax moved, List<StatementSyntax> between, SemanticModel model, CancellationToken cancellationToken)
        {
            if (LeavesOrSuspends(moved, allowAwait: false))
            {
                return false;
            }

            if (between.Count == 0)
            {
                return true;
            }

            if (between.Any(s => LeavesOrSuspends(s, allowAwait: true)) ||
                Code(moved).Any(n => n is InvocationExpressionSyntax || n is BaseObjectCreationExpressionSyntax || n is AnonymousFunctionExpressionSyntax))
            {
                return false;
            }

            DataFlowAnalysis? movedFlow = model.AnalyzeDataFlow(moved);
            if (movedFlow == null || !movedFlow.Succeeded)
            {
                return false;
            }

            var betweenRead = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
            var betweenWritten = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
            foreach (StatementSyntax statement in between)
            {
                DataFlowAnalysis? flow = model.AnalyzeDataFlow(statement);
                if (flow == null || !flow.Succeeded)
                {
                    return false;
                }

                betweenRead.UnionWith(flow.ReadInside.Where(IsVariable));
                betweenWritten.UnionWith(flow.WrittenInside.Where(IsVariable));
            }

            if (movedFlow.ReadInside.Where(IsVariable).Any(betweenWritten.Contains) ||
                movedFlow.WrittenInside.Where(IsVariable).Any(v => betweenRead.Contains(v) || betweenWritten.Contains(v)))
            {
                return false;
            }

            INamedTypeSymbol? guardedBy = model.Compilation.GetTypeByMetadataName("Iommu.GuardedByAttribute");
            var assignedBetween = new HashSet<ISymbol>(between.SelectMany(s => MemberReferences(s, model, cancellationToken)).Where(AccessKinds.IsWrite).Select(r => r.Member.OriginalDefinition), SymbolEqualityComparer.Default);
            foreach (IMemberReferenceOperation reference in MemberReferences(moved, model, cancellationToken))
            {
                bool guarded = guardedBy != null && reference.Member.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, guardedBy));
                if (guarded)
                {
                    continue;
                }

                if (AccessKinds.IsWrite(reference) || assignedBetween.Contains(reference.Member.OriginalDefinition))
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>Locals and parameters, other than <c>this</c> (which no statement of a class reassigns).</summary>
        private static bool IsVariable(ISymbol symbol) => !(symbol is IParameterSymbol { IsThis: true });

        private static IEnumerable<IMemberReferenceOperation> MemberReferences(StatementSyntax statement, SemanticModel model, CancellationToken cancellationToken) =>
            model.GetOperation(statement, cancellationToken) is IOperation operation
                ? operation.DescendantsAndSelf().OfType<IMemberReferenceOperation>().Where(r => r is IFieldReferenceOperation || r is IPropertyReferenceOperation)
                : Enumerable.Empty<IMemberReferenceOperation>();

        /// <summary>The statement's own code, not the bodies of lambdas and local functions it declares.</summary>
        private static IEnumerable<SyntaxNode> Code(StatementSyntax statement) =>
            statement.DescendantNodesAndSelf(n => n == statement || !(n is AnonymousFunctionExpressionSyntax || n is LocalFunctionStatementSyntax));

        /// <summary>Whether control can leave <paramref name="statement"/> other than by its end, enter it at a label, or suspend in it.</summary>
        private static bool LeavesOrSuspends(StatementSyntax statement, bool allowAwait)
        {
            foreach (SyntaxNode node in Code(statement))
            {
                switch (node)
                {
                    case ReturnStatementSyntax _:
                    case ThrowStatementSyntax _:
                    case ThrowExpressionSyntax _:
                    case YieldStatementSyntax _:
                    case GotoStatementSyntax _:
                    case LabeledStatementSyntax _:
                    case LocalFunctionStatementSyntax _:
                        return true;
                    case BreakStatementSyntax _ when !Encloses(statement, node, breakable: true):
                    case ContinueStatementSyntax _ when !Encloses(statement, node, breakable: false):
                        return true;
                    case AwaitExpressionSyntax _ when !allowAwait:
                    case ForEachStatementSyntax { AwaitKeyword.RawKind: (int)SyntaxKind.AwaitKeyword } when !allowAwait:
                    case UsingStatementSyntax { AwaitKeyword.RawKind: (int)SyntaxKind.AwaitKeyword } when !allowAwait:
                    case LocalDeclarationStatementSyntax { AwaitKeyword.RawKind: (int)SyntaxKind.AwaitKeyword } when !allowAwait:
                        return true;
                }
            }

            return false;
        }

        /// <summary>Whether the loop (or, for a break, the switch) a break or continue leaves lies inside <paramref name="statement"/>.</summary>
        private static bool Encloses(StatementSyntax statement, SyntaxNode jump, bool breakable)
        {
            for (SyntaxNode? current = jump.Parent; current != null && current != statement.Parent; current = current.Parent)
            {
                if (current is ForStatementSyntax || current is CommonForEachStatementSyntax || current is WhileStatementSyntax || current is DoStatementSyntax ||
                    (breakable && current is SwitchStatementSyntax))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>
        /// Applies the moves: every moved statement goes in front of its release, in the order the statements had.
        /// <paramref name="root"/> tracks (<see cref="SyntaxNodeExtensions.TrackNodes{TRoot}(TRoot, IEnumerable{SyntaxNode})"/>)
        /// every release and moved statement of <paramref name="moves"/>.
        /// </summary>
        public static SyntaxNode ApplyTracked(SyntaxNode root, IReadOnlyCollection<SectionWidening> moves)
        {
            foreach (IGrouping<ExpressionStatementSyntax, SectionWidening> group in moves.GroupBy(m => m.Release))
            {
                SyntaxNode? release = root.GetCurrentNode(group.Key);
                if (release?.Parent == null || !(Statements(release.Parent) is SyntaxList<StatementSyntax> list))
                {
                    continue;
                }

                var moved = new List<StatementSyntax>();
                foreach (SectionWidening move in group.OrderBy(m => m.Moved.SpanStart))
                {
                    if (root.GetCurrentNode(move.Moved) is StatementSyntax current && current.Parent == release.Parent)
                    {
                        moved.Add(current);
                    }
                }

                if (moved.Count == 0)
                {
                    continue;
                }

                // Each moved statement keeps its own trivia (its comments go with it); the release keeps its own.
                var rest = list.Where(s => !moved.Contains(s)).ToList();
                rest.InsertRange(rest.IndexOf((StatementSyntax)release), moved.Select(LineStructure.WithVisibleTrailingTrivia));
                SyntaxList<StatementSyntax> statements = SyntaxFactory.List(rest);
                SyntaxNode parent = release.Parent;
                root = root.ReplaceNode(parent, parent is BlockSyntax block ? block.WithStatements(statements) : ((SwitchSectionSyntax)parent).WithStatements(statements));
            }

            return root;
        }
    }
}
