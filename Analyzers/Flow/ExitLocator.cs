using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FlowAnalysis;

namespace IommuAnalyzers.Flow
{
    /// <summary>
    /// Finds the statement behind an exit edge of the graph. A <c>return expr;</c> or <c>throw expr;</c> carries its
    /// value; a bare <c>return;</c> is only a branch to the exit block, so it is matched to the first bare return
    /// after the point where the branch is taken (skipping the arm of an <c>if</c> the edge does not enter); with
    /// none, the exit is the end of the body. Each bare return is the exit of one edge only: edges claim them in block
    /// order, so a path that reaches the end of the body or a label's <c>return;</c> is not reported at a return an
    /// earlier block already ends with (a release inserted there would run on a path that released already).
    /// </summary>
    internal sealed class ExitLocator
    {
        private readonly SyntaxNode _root;
        private readonly List<StatementSyntax> _bareExits = new List<StatementSyntax>();

        // Where each statement (other than blocks and labels) starts, in text order.
        private readonly List<int> _statementStarts = new List<int>();

        // (block ordinal, condition value of the edge) -> the bare return or rethrow that edge is; absent: the end of the body.
        private readonly Dictionary<(int Block, bool? Condition), StatementSyntax> _claims = new Dictionary<(int, bool?), StatementSyntax>();

        public ExitLocator(ControlFlowGraph graph)
        {
            _root = graph.OriginalOperation.Syntax;
            foreach (SyntaxNode node in _root.DescendantNodes(n => n == _root || !(n is AnonymousFunctionExpressionSyntax || n is LocalFunctionStatementSyntax)))
            {
                if (node is ReturnStatementSyntax { Expression: null } || node is ThrowStatementSyntax { Expression: null })
                {
                    _bareExits.Add((StatementSyntax)node);
                }

                if (node is StatementSyntax statement && !(statement is BlockSyntax) && !(statement is LabeledStatementSyntax))
                {
                    _statementStarts.Add(statement.SpanStart);
                }
            }

            // First the edges whose return is the very next statement (a block's own `... ; return;`), then the rest
            // (a goto or a jump folded into the branch) in block order, each taking the first return left after it.
            var claimed = new HashSet<StatementSyntax>();
            foreach (bool nextOnly in new[] { true, false })
            {
                foreach (BasicBlock block in graph.Blocks)
                {
                    if (block.ConditionalSuccessor != null)
                    {
                        bool jumpWhen = block.ConditionKind == ControlFlowConditionKind.WhenTrue;
                        Claim(block, block.ConditionalSuccessor, jumpWhen, claimed, nextOnly);
                        if (block.FallThroughSuccessor != null)
                        {
                            Claim(block, block.FallThroughSuccessor, !jumpWhen, claimed, nextOnly);
                        }
                    }
                    else if (block.FallThroughSuccessor != null)
                    {
                        Claim(block, block.FallThroughSuccessor, null, claimed, nextOnly);
                    }
                }
            }
        }

        private void Claim(BasicBlock source, ControlFlowBranch branch, bool? conditionValue, HashSet<StatementSyntax> claimed, bool nextOnly)
        {
            if (_claims.ContainsKey((source.Ordinal, conditionValue)))
            {
                return;
            }

            bool rethrow = branch.Semantics == ControlFlowBranchSemantics.Rethrow;
            if (!rethrow && branch.Destination?.Kind != BasicBlockKind.Exit)
            {
                return;
            }

            SyntaxNode? value = conditionValue == null ? source.BranchValue?.Syntax : null;
            if (value != null && (branch.Semantics == ControlFlowBranchSemantics.Return || branch.Semantics == ControlFlowBranchSemantics.Throw))
            {
                return;
            }

            int position = Position(source);
            SyntaxNode? condition = conditionValue != null ? source.BranchValue?.Syntax : null;
            foreach (StatementSyntax candidate in _bareExits)
            {
                if (candidate.SpanStart < position || (candidate is ThrowStatementSyntax) != rethrow || InSkippedArm(candidate, condition, conditionValue) || claimed.Contains(candidate))
                {
                    continue;
                }

                if (nextOnly && !IsNextStatement(candidate, position))
                {
                    return;
                }

                claimed.Add(candidate);
                _claims[(source.Ordinal, conditionValue)] = candidate;
                return;
            }
        }

        /// <summary>Whether <paramref name="candidate"/> is the first statement that starts at or after <paramref name="position"/>.</summary>
        private bool IsNextStatement(StatementSyntax candidate, int position)
        {
            int index = _statementStarts.BinarySearch(position);
            index = index < 0 ? ~index : index;
            return index < _statementStarts.Count && _statementStarts[index] == candidate.SpanStart;
        }

        public LockExitKind Locate(BasicBlock source, ControlFlowBranch branch, bool? conditionValue, out Location location)
        {
            SyntaxNode? value = conditionValue == null ? source.BranchValue?.Syntax : null;
            if (value != null && (branch.Semantics == ControlFlowBranchSemantics.Return || branch.Semantics == ControlFlowBranchSemantics.Throw))
            {
                location = ValueExit(value);
                return branch.Semantics == ControlFlowBranchSemantics.Throw ? LockExitKind.Throw : LockExitKind.Return;
            }

            bool rethrow = branch.Semantics == ControlFlowBranchSemantics.Rethrow;
            if (_claims.TryGetValue((source.Ordinal, conditionValue), out StatementSyntax? claimed))
            {
                location = claimed.GetLocation();
                return rethrow ? LockExitKind.Throw : LockExitKind.Return;
            }

            SyntaxToken last = _root.GetLastToken();
            location = last.GetLocation();
            return rethrow ? LockExitKind.Throw : LockExitKind.EndOfBody;
        }

        /// <summary>Where an exit that carries a value is reported: its return or throw statement, else the value itself (an expression body).</summary>
        public static Location ValueExit(SyntaxNode value)
        {
            SyntaxNode exit = value.FirstAncestorOrSelf<ReturnStatementSyntax>() ?? value.FirstAncestorOrSelf<ThrowStatementSyntax>() ??
                (SyntaxNode?)value.FirstAncestorOrSelf<ThrowExpressionSyntax>() ?? value;
            return exit.GetLocation();
        }

        private int Position(BasicBlock block)
        {
            for (int steps = 0; steps < 4 && block != null; steps++)
            {
                if (block.BranchValue != null)
                {
                    return block.BranchValue.Syntax.Span.End;
                }

                for (int i = block.Operations.Length - 1; i >= 0; i--)
                {
                    if (!block.Operations[i].Syntax.Span.IsEmpty)
                    {
                        return block.Operations[i].Syntax.Span.End;
                    }
                }

                if (block.Predecessors.Length != 1)
                {
                    break;
                }

                block = block.Predecessors[0].Source;
            }

            return _root.SpanStart;
        }

        private static bool InSkippedArm(SyntaxNode candidate, SyntaxNode? condition, bool? conditionValue)
        {
            if (condition == null || conditionValue == null || !(condition.Parent is IfStatementSyntax ifStatement) || ifStatement.Condition != condition)
            {
                return false;
            }

            // On the false edge the then-arm is skipped; on the true edge the else-arm is.
            SyntaxNode? skipped = conditionValue.Value ? ifStatement.Else : ifStatement.Statement;
            return skipped != null && skipped.Span.Contains(candidate.Span);
        }
    }
}
