using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace IommuAnalyzers.Flow
{
    internal static partial class LockFlowAnalysis
    {
        // Suspension points: where an async method or an iterator hands control back with whatever it holds.
        private sealed partial class BodyAnalysis
        {
            private void RecordSuspension(IOperation operation, LockState state, bool record)
            {
                if (record)
                {
                    Add(new LockEvent(LockEventKind.Suspension, SuspensionLocation(operation), AtSite(state, operation), operation, null, LockKind.Monitor, null));
                }
            }

            private static Location SuspensionLocation(IOperation operation) =>
                SuspensionPoints.AwaitStatementOf(operation) is { } statement ? SuspensionPoints.AwaitKeyword(statement).GetLocation() : operation.Syntax.GetLocation();
        }
    }
}

namespace IommuAnalyzers.Flow
{
    /// <summary>How a suspension point reads in source, for its location and its message.</summary>
    internal static class SuspensionPoints
    {
        /// <summary>
        /// The <c>await foreach</c> or <c>await using</c> statement behind an await the graph added (MoveNextAsync on the
        /// collection, DisposeAsync on the resource or the whole statement); null for an explicit <c>await</c> or a
        /// <c>yield return</c>, which are their own location.
        /// </summary>
        public static StatementSyntax? AwaitStatementOf(IOperation operation)
        {
            if (!(operation is IAwaitOperation) || !operation.IsImplicit)
            {
                return null;
            }

            // The syntax is the statement or a part of its header (collection, resource, declarator): a few steps up.
            SyntaxNode? node = operation.Syntax;
            for (int step = 0; step < 6 && node != null; step++, node = node.Parent)
            {
                if (node is StatementSyntax statement)
                {
                    return AwaitKeyword(statement).Span.Length > 0 ? statement : null;
                }
            }

            return null;
        }

        public static SyntaxToken AwaitKeyword(StatementSyntax statement) => statement switch
        {
            CommonForEachStatementSyntax loop => loop.AwaitKeyword,
            UsingStatementSyntax usingStatement => usingStatement.AwaitKeyword,
            LocalDeclarationStatementSyntax declaration => declaration.AwaitKeyword,
            _ => default,
        };

        /// <summary>"await", "yield return", "await foreach" or "await using".</summary>
        public static string Describe(IOperation? operation)
        {
            if (operation is IReturnOperation)
            {
                return "yield return";
            }

            return operation == null ? "await" : AwaitStatementOf(operation) switch
            {
                CommonForEachStatementSyntax _ => "await foreach",
                StatementSyntax _ => "await using",
                _ => "await",
            };
        }
    }
}
