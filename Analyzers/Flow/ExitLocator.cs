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
    /// none, the exit is the end of the body.
    /// </summary>
    internal sealed class ExitLocator
    {
        private readonly SyntaxNode _root;
        private readonly List<StatementSyntax> _bareExits = new List<StatementSyntax>();

        public ExitLocator(ControlFlowGraph graph)
        {
            _root = graph.OriginalOperation.Syntax;
            foreach (SyntaxNode node in _root.DescendantNodes(n => n == _root || !(n is AnonymousFunctionExpressionSyntax || n is LocalFunctionStatementSyntax)))
            {
                if (node is ReturnStatementSyntax { Expression: null } || node is ThrowStatementSyntax { Expression: null })
                {
                    _bareExits.Add((StatementSyntax)node);
                }
            }
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
            int position = Position(source);
            SyntaxNode? condition = conditionValue != null ? source.BranchValue?.Syntax : null;
            foreach (StatementSyntax candidate in _bareExits)
            {
                if (candidate.SpanStart < position || (candidate is ThrowStatementSyntax) != rethrow || InSkippedArm(candidate, condition, conditionValue))
                {
                    continue;
                }

                location = candidate.GetLocation();
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
