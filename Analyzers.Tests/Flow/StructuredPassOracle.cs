using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using IommuAnalyzers.Flow;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace IommuAnalyzers.Tests.Flow
{
    /// <summary>
    /// The differential check of the structured pass against the graph engine it replaces: for every body of a
    /// compilation that the pre-scan sends to the engine and the structured pass covers, both must report the same
    /// events (kind, location, lock, member, flags, texts, receiver and argument paths, the operation's syntax, and the
    /// held-lock view of the state: each lock's path, kind, all-paths flag, depth and acquisition site, and the locks
    /// held by an untested flag). Event order is not compared: the rules do not depend on it.
    /// </summary>
    internal sealed class StructuredPassOracle
    {
        public int Bodies { get; private set; }

        /// <summary>Bodies the pre-scan sends to the lock engine.</summary>
        public int Flowed { get; private set; }

        /// <summary>Of those, the bodies the structured pass analysed (the rest fell back to the graph engine).</summary>
        public int Covered { get; private set; }

        public long Events { get; private set; }

        public List<string> Mismatches { get; } = new List<string>();

        public string Summary => Bodies + " bodies, " + Flowed + " past the pre-scan, " + Covered + " covered by the structured pass (" +
            (Flowed == 0 ? 0 : 100.0 * Covered / Flowed).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + "%), " + Events + " events compared, " + Mismatches.Count + " mismatches";

        public void Check(Compilation compilation)
        {
            IommuSymbols? symbols = IommuSymbols.TryCreate(compilation);
            if (symbols == null || !symbols.HasLockModel)
            {
                return;
            }

            var flow = new LockFlowContext(symbols.LockModel, inferGuards: true);
            foreach (SyntaxTree tree in compilation.SyntaxTrees)
            {
                SemanticModel model = compilation.GetSemanticModel(tree);
                foreach (SyntaxNode declaration in tree.GetRoot().DescendantNodes().Where(IsBodyOwner))
                {
                    CheckBody(model, declaration, flow);
                }
            }
        }

        private static bool IsBodyOwner(SyntaxNode node) =>
            node is BaseMethodDeclarationSyntax || node is AccessorDeclarationSyntax || (node is ArrowExpressionClauseSyntax && node.Parent is BasePropertyDeclarationSyntax);

        private void CheckBody(SemanticModel model, SyntaxNode declaration, LockFlowContext flow)
        {
            IOperation? root = model.GetOperation(declaration);
            ISymbol? owner = declaration is ArrowExpressionClauseSyntax arrow
                ? (model.GetDeclaredSymbol(arrow.Parent!) as IPropertySymbol)?.GetMethod
                : model.GetDeclaredSymbol(declaration);
            if (root == null || owner == null)
            {
                return;
            }

            Bodies++;
            if (flow.IsExcluded(owner) || !flow.TouchesLocks(root, owner))
            {
                return;
            }

            Flowed++;
            LockFlowResult? structured = LockFlowAnalysis.TryAnalyzeStructured(root, owner, flow, CancellationToken.None);
            if (structured == null)
            {
                return;
            }

            Covered++;
            ControlFlowGraph? graph = LockFlowAnalysis.GraphOf(root, CancellationToken.None);
            if (graph == null)
            {
                Mismatches.Add(Where(declaration) + ": the structured pass covers a body the graph engine cannot take");
                return;
            }

            LockFlowResult reference = LockFlowAnalysis.Analyze(graph, owner, flow, CancellationToken.None);
            if (!reference.IsComplete)
            {
                return;
            }

            List<string> expected = reference.Events.Select(Describe).OrderBy(e => e, StringComparer.Ordinal).ToList();
            List<string> actual = structured.Events.Select(Describe).OrderBy(e => e, StringComparer.Ordinal).ToList();
            Events += expected.Count;
            if (!expected.SequenceEqual(actual))
            {
                var text = new StringBuilder(Where(declaration) + ":");
                foreach (string missing in Subtract(expected, actual))
                {
                    text.Append("\n  graph only:      ").Append(missing);
                }

                foreach (string extra in Subtract(actual, expected))
                {
                    text.Append("\n  structured only: ").Append(extra);
                }

                Mismatches.Add(text.ToString());
            }

            if (!reference.HeldOnEntry.SequenceEqual(structured.HeldOnEntry) || !reference.HeldAtExitByContract.SequenceEqual(structured.HeldAtExitByContract))
            {
                Mismatches.Add(Where(declaration) + ": contract locks differ");
            }
        }

        private static IEnumerable<string> Subtract(List<string> from, List<string> other)
        {
            var left = new List<string>(other);
            foreach (string item in from)
            {
                if (!left.Remove(item))
                {
                    yield return item;
                }
            }
        }

        private static string Where(SyntaxNode declaration)
        {
            FileLinePositionSpan span = declaration.GetLocation().GetLineSpan();
            return span.Path + "(" + (span.StartLinePosition.Line + 1) + ")";
        }

        /// <summary>Everything about an event a rule or a collector reads, as text.</summary>
        internal static string Describe(LockEvent e)
        {
            var text = new StringBuilder();
            text.Append(e.Kind).Append(' ').Append(Span(e.Location));
            text.Append(" lock=").Append(e.Lock?.ToString() ?? "-").Append('/').Append(e.Lock == null ? "" : e.LockKind.ToString());
            text.Append(" member=").Append(e.Member?.ToDisplayString() ?? "-");
            text.Append(" try=").Append(e.IsTry).Append(" scoped=").Append(e.IsScoped).Append(" write=").Append(e.IsWrite);
            if (e.Kind == LockEventKind.Exit)
            {
                text.Append(" exit=").Append(e.ExitKind);
            }

            text.Append(" text=").Append(e.LockText ?? "-").Append(" access=").Append(e.AccessText ?? "-");
            text.Append(" receiver=").Append(e.Receiver?.ToString() ?? "-");
            if (!e.Arguments.IsDefault)
            {
                text.Append(" arguments=(").Append(string.Join(",", e.Arguments.Select(a => a?.ToString() ?? "-"))).Append(')');
            }

            // An exit's operation is the graph's branch value, which for a bare return can be the condition that jumped
            // to it; no rule reads it, so it is not compared.
            if (e.Kind != LockEventKind.Exit)
            {
                text.Append(" syntax=").Append(e.Syntax == null ? "-" : e.Syntax.Span.ToString());
            }
            text.Append(" held={");
            foreach (HeldLock held in e.State.Locks.OrderBy(h => h.Path.ToString(), StringComparer.Ordinal))
            {
                text.Append(held.Path).Append(':').Append(held.Kind).Append(held.OnAllPaths ? ":all" : ":some").Append(":x").Append(held.Depth)
                    .Append('@').Append(held.AcquiredAt == null ? "entry" : Span(held.AcquiredAt)).Append(' ');
            }

            text.Append("} untested={").Append(string.Join(",", e.State.HeldByUntestedFlag().Select(w => w.Path.ToString()).OrderBy(p => p, StringComparer.Ordinal))).Append('}');
            return text.ToString();
        }

        private static string Span(Location location)
        {
            FileLinePositionSpan span = location.GetLineSpan();
            return (span.StartLinePosition.Line + 1) + ":" + (span.StartLinePosition.Character + 1) + "-" + (span.EndLinePosition.Line + 1) + ":" + (span.EndLinePosition.Character + 1);
        }
    }
}
