using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using IommuAnalyzers.Flow;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace IommuAnalyzers.Locking
{
    /// <summary>
    /// IOMMU0108: two lock classes taken in both orders somewhere in the compilation (a cycle in the "B taken while A
    /// held" graph, lockdep's "possible circular locking dependency"), or taken against a declared
    /// <c>[AcquiredBefore]</c>/<c>[AcquiredAfter]</c> order. Each cycle is reported once, at its first edge by source
    /// position, with the other edges' sites as additional locations.
    /// </summary>
    internal static class LockOrderInversionRule
    {
        public static readonly DiagnosticDescriptor Rule = new DiagnosticDescriptor(
            RuleIdentifiers.LockOrderInversion,
            title: "Lock order inversion",
            messageFormat: "'{0}' is taken{1} while holding '{2}' here, {3}",
            RuleCategories.Locking,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: "Two threads that take the same two locks in opposite orders can deadlock (AB/BA). The rule combines every method's acquisitions, and what the methods it calls take, over the whole compilation, and checks declared [AcquiredBefore]/[AcquiredAfter] orders.",
            helpLinkUri: RuleIdentifiers.GetHelpUri(RuleIdentifiers.LockOrderInversion),
            customTags: WellKnownDiagnosticTags.CompilationEnd);

        // A pathological compilation could have very many cycles; beyond this the first ones say enough.
        private const int MaxCycles = 100;

        /// <summary>
        /// Registers the call-graph action and the compilation-end step; returns the graph the engine feeds, or null
        /// when the compilation switches the rule off (<c>/nowarn</c>, a rule set): then it costs nothing.
        /// </summary>
        public static LockOrderGraph? Start(CompilationStartAnalysisContext context, LockFlowContext flow)
        {
            if (context.Compilation.Options.SpecificDiagnosticOptions.TryGetValue(Rule.Id, out ReportDiagnostic option) && option == ReportDiagnostic.Suppress)
            {
                return null;
            }

            var graph = new LockOrderGraph(flow);
            context.RegisterOperationAction(graph.CollectCall, OperationKind.Invocation);
            context.RegisterCompilationEndAction(end => Report(end, graph, flow));
            return graph;
        }

        private static void Report(CompilationAnalysisContext context, LockOrderGraph graph, LockFlowContext flow)
        {
            List<LockOrderEdge> edges = graph.Edges(context.CancellationToken);
            if (edges.Count == 0)
            {
                return;
            }

            ReportDeclaredOrder(context, edges, flow);
            ReportCycles(context, edges);
        }

        private static void ReportCycles(CompilationAnalysisContext context, List<LockOrderEdge> edges)
        {
            var outgoing = new Dictionary<ISymbol, List<LockOrderEdge>>(SymbolEqualityComparer.Default);
            foreach (LockOrderEdge edge in edges)
            {
                if (!outgoing.TryGetValue(edge.From, out List<LockOrderEdge>? list))
                {
                    outgoing[edge.From] = list = new List<LockOrderEdge>();
                }

                list.Add(edge);
            }

            var reported = new HashSet<string>();
            foreach (LockOrderEdge edge in edges)
            {
                context.CancellationToken.ThrowIfCancellationRequested();
                List<LockOrderEdge>? back = ShortestPath(outgoing, edge.To, edge.From);
                if (back == null)
                {
                    continue;
                }

                var cycle = new List<LockOrderEdge> { edge };
                cycle.AddRange(back);
                string key = string.Join("|", cycle.Select(e => LockOrderGraph.Name(e.From) + ">" + LockOrderGraph.Name(e.To)).OrderBy(s => s, System.StringComparer.Ordinal));
                if (!reported.Add(key))
                {
                    continue;
                }

                // Start the cycle at its first edge in source order: that is where it is reported.
                int start = 0;
                for (int i = 1; i < cycle.Count; i++)
                {
                    if (LockOrderGraph.Compare(cycle[i], cycle[start]) < 0)
                    {
                        start = i;
                    }
                }

                List<LockOrderEdge> ordered = cycle.Skip(start).Concat(cycle.Take(start)).ToList();
                var rest = new StringBuilder();
                for (int i = 1; i < ordered.Count; i++)
                {
                    rest.Append(i == 1 ? "and " : ", and ")
                        .Append('\'').Append(LockOrderGraph.Name(ordered[i].To)).Append("' while holding '").Append(LockOrderGraph.Name(ordered[i].From))
                        .Append("' at ").Append(Where(ordered[i].Site)).Append(Through(ordered[i]));
                }

                LockOrderEdge primary = ordered[0];
                context.ReportDiagnostic(Diagnostic.Create(
                    Rule,
                    primary.Site,
                    ordered.Skip(1).Select(e => e.Site),
                    LockOrderGraph.Name(primary.To),
                    Through(primary),
                    LockOrderGraph.Name(primary.From),
                    rest.ToString()));
                if (reported.Count >= MaxCycles)
                {
                    return;
                }
            }
        }

        // A declared order "First before Second" is broken where First is taken while Second is held.
        private static void ReportDeclaredOrder(CompilationAnalysisContext context, List<LockOrderEdge> edges, LockFlowContext flow)
        {
            INamedTypeSymbol? before = flow.Model.Annotations.AcquiredBeforeAttribute;
            INamedTypeSymbol? after = flow.Model.Annotations.AcquiredAfterAttribute;
            if (before == null && after == null)
            {
                return;
            }

            var declaredBefore = new Dictionary<ISymbol, List<ISymbol>>(SymbolEqualityComparer.Default);
            var declaredAfter = new Dictionary<ISymbol, List<ISymbol>>(SymbolEqualityComparer.Default);
            foreach (LockOrderEdge edge in edges)
            {
                // edge: To taken while From held. Broken when To is declared before From ...
                string? declaredBy = null;
                if (Declares(edge.To, before, flow, declaredBefore).Contains(edge.From, SymbolEqualityComparer.Default))
                {
                    declaredBy = "[AcquiredBefore] on '" + LockOrderGraph.Name(edge.To) + "'";
                }
                else if (Declares(edge.From, after, flow, declaredAfter).Contains(edge.To, SymbolEqualityComparer.Default))
                {
                    // ... or From is declared after To.
                    declaredBy = "[AcquiredAfter] on '" + LockOrderGraph.Name(edge.From) + "'";
                }

                if (declaredBy != null)
                {
                    context.ReportDiagnostic(Diagnostic.Create(
                        Rule,
                        edge.Site,
                        LockOrderGraph.Name(edge.To),
                        Through(edge),
                        LockOrderGraph.Name(edge.From),
                        "against the declared order '" + LockOrderGraph.Name(edge.To) + "' before '" + LockOrderGraph.Name(edge.From) + "' (" + declaredBy + ")"));
                }
            }
        }

        // The lock classes an [AcquiredBefore]/[AcquiredAfter] on a lock member names; cached per member.
        private static List<ISymbol> Declares(ISymbol member, INamedTypeSymbol? attributeType, LockFlowContext flow, Dictionary<ISymbol, List<ISymbol>> cache)
        {
            if (attributeType == null)
            {
                return new List<ISymbol>();
            }

            if (cache.TryGetValue(member, out List<ISymbol>? known))
            {
                return known;
            }

            var names = new List<ISymbol>();
            AttributeData? attribute = IommuSymbols.FindAttribute(member, attributeType);
            if (attribute != null)
            {
                foreach (LockExpression expression in flow.Resolver.Resolve(member, attribute))
                {
                    if (expression.IsResolved && !expression.Members.IsEmpty)
                    {
                        names.Add(expression.Members[expression.Members.Length - 1].OriginalDefinition);
                    }
                }
            }

            cache[member] = names;
            return names;
        }

        private static List<LockOrderEdge>? ShortestPath(Dictionary<ISymbol, List<LockOrderEdge>> outgoing, ISymbol from, ISymbol to)
        {
            var via = new Dictionary<ISymbol, LockOrderEdge>(SymbolEqualityComparer.Default);
            var queue = new Queue<ISymbol>();
            queue.Enqueue(from);
            while (queue.Count > 0)
            {
                ISymbol node = queue.Dequeue();
                if (!outgoing.TryGetValue(node, out List<LockOrderEdge>? next))
                {
                    continue;
                }

                foreach (LockOrderEdge edge in next)
                {
                    if (SymbolEqualityComparer.Default.Equals(edge.To, from) || via.ContainsKey(edge.To))
                    {
                        continue;
                    }

                    via[edge.To] = edge;
                    if (SymbolEqualityComparer.Default.Equals(edge.To, to))
                    {
                        var path = new List<LockOrderEdge>();
                        for (ISymbol at = to; !SymbolEqualityComparer.Default.Equals(at, from); at = via[at].From)
                        {
                            path.Add(via[at]);
                        }

                        path.Reverse();
                        return path;
                    }

                    queue.Enqueue(edge.To);
                }
            }

            return null;
        }

        private static string Through(LockOrderEdge edge) => edge.Via == null ? string.Empty : " (through '" + edge.Via.Name + "')";

        // "Nic.cs:88", as lockdep names a site.
        private static string Where(Location location)
        {
            FileLinePositionSpan span = location.GetLineSpan();
            string file = span.Path ?? string.Empty;
            int slash = file.LastIndexOfAny(new[] { '/', '\\' });
            return file.Substring(slash + 1) + ":" + (span.StartLinePosition.Line + 1).ToString(CultureInfo.InvariantCulture);
        }
    }
}
