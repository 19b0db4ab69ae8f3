using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace IommuAnalyzers.Ownership
{
    /// <summary>
    /// IOMMU0006: DMA ownership taken in a driver's <c>Probe</c> (<c>DeviceUseDmaApi</c>, <c>GroupSetDmaOwner</c>,
    /// <c>AttachDevice</c>, <c>AttachDeviceShared</c>) is (a) never given back by the matching call in <c>Remove</c>, or
    /// (b) still taken on a <c>Probe</c> path that returns an error. Either way the group stays claimed after the driver
    /// is gone (owner_cnt never drops), and every later DMA-API user or owner of the group gets -EBUSY: the leak the
    /// kernel's probe() error unwinding (goto err_*) and remove() exist to prevent.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class OwnershipNotReleasedAnalyzer : DiagnosticAnalyzer
    {
        /// <summary>Diagnostic property: <see cref="InRemove"/> or <see cref="OnErrorPath"/>.</summary>
        internal const string WhereProperty = "Where";

        /// <summary>Diagnostic property: the IommuCore function that gives the ownership back.</summary>
        internal const string ReleaseProperty = "Release";

        /// <summary>Diagnostic property: where the acquiring call starts in the file (the fix copies its arguments).</summary>
        internal const string AcquisitionProperty = "Acquisition";

        /// <summary>
        /// Diagnostic property: "true" when inserting the release is correct as such. An error return that some path
        /// also reaches with a success value (or that returns an acquisition's own result) is not fixable by a plain insert.
        /// </summary>
        internal const string FixableProperty = "Fixable";

        internal const string InRemove = "Remove";
        internal const string OnErrorPath = "ErrorPath";

        internal static readonly DiagnosticDescriptor Rule = new DiagnosticDescriptor(
            RuleIdentifiers.OwnershipNotReleased,
            title: "Ownership taken in Probe not given back",
            messageFormat: "Driver '{0}' takes DMA ownership with IommuCore.{1} in Probe but does not give it back with IommuCore.{2} {3}",
            RuleCategories.Ownership,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: "Every ownership a driver takes in Probe must be given back: in Remove for a successful probe, and before returning an error from Probe itself. Otherwise the group stays claimed and every later user gets -EBUSY.",
            helpLinkUri: RuleIdentifiers.GetHelpUri(RuleIdentifiers.OwnershipNotReleased));

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.EnableConcurrentExecution();
            context.RegisterCompilationStartAction(startContext =>
            {
                IommuSymbols? symbols = IommuSymbols.TryCreate(startContext.Compilation);
                if (symbols == null || !symbols.HasOwnershipModel || symbols.DriverProbe == null)
                {
                    return;
                }

                startContext.RegisterSymbolStartAction(symbolContext => StartDriver(symbolContext, symbols), SymbolKind.NamedType);
            });
        }

        private static void StartDriver(SymbolStartAnalysisContext context, IommuSymbols symbols)
        {
            var driver = (INamedTypeSymbol)context.Symbol;
            if (driver.TypeKind != TypeKind.Class || !symbols.IsDriver(driver))
            {
                return;
            }

            var state = new DriverState(driver, symbols);
            context.RegisterOperationBlockAction(blockContext => state.AddBlock(blockContext));
            context.RegisterSymbolEndAction(endContext => state.Report(endContext));
        }

        /// <summary>What one driver type's members do with ownership, gathered block by block and judged at the end.</summary>
        private sealed class DriverState
        {
            private readonly INamedTypeSymbol _driver;
            private readonly IommuSymbols _symbols;

            // Per method of the driver: the release kinds it calls, and the driver's own methods it calls. One per
            // driver type, with a handful of entries: the default table, not the per-compilation SymbolCache.
            private readonly ConcurrentDictionary<IMethodSymbol, (int Releases, List<IMethodSymbol> Calls)> _summaries =
                new ConcurrentDictionary<IMethodSymbol, (int, List<IMethodSymbol>)>(SymbolEqualityComparer.Default);

            private readonly object _gate = new object();
            private ControlFlowGraph? _probeGraph;
            private List<IInvocationOperation>? _probeAcquisitions;

            public DriverState(INamedTypeSymbol driver, IommuSymbols symbols)
            {
                _driver = driver;
                _symbols = symbols;
            }

            public void AddBlock(OperationBlockAnalysisContext context)
            {
                if (!(context.OwningSymbol is IMethodSymbol method) || !SymbolEqualityComparer.Default.Equals(method.ContainingType, _driver))
                {
                    return;
                }

                int releases = 0;
                var calls = new List<IMethodSymbol>();
                var acquisitions = new List<IInvocationOperation>();
                IOperation? body = null;
                foreach (IOperation block in context.OperationBlocks)
                {
                    // The context builds (and caches) the graph of the block's root: the method body.
                    if (block is IBlockOperation || block is IMethodBodyBaseOperation)
                    {
                        body ??= block;
                    }

                    foreach (IOperation operation in block.DescendantsAndSelf())
                    {
                        if (!(operation is IInvocationOperation invocation))
                        {
                            continue;
                        }

                        OwnershipKind released = OwnershipApi.ReleaseKind(invocation, _symbols);
                        if (released != OwnershipKind.None)
                        {
                            releases |= 1 << (int)released;
                        }
                        else if (OwnershipApi.AcquisitionKind(invocation.TargetMethod, _symbols) != OwnershipKind.None)
                        {
                            acquisitions.Add(invocation);
                        }
                        else if (SymbolEqualityComparer.Default.Equals(invocation.TargetMethod.ContainingType, _driver))
                        {
                            calls.Add(invocation.TargetMethod.OriginalDefinition);
                        }
                        else if (IsNestedHelper(invocation.TargetMethod) || IsBaseDriverMember(invocation.TargetMethod))
                        {
                            // A nested helper type's or a base driver's code is not seen from here (base.Remove(dev),
                            // an inherited cleanup helper): assume it gives everything back.
                            releases |= AllKinds;
                        }
                    }
                }

                _summaries[method.OriginalDefinition] = (releases, calls);

                if (acquisitions.Count > 0 && body != null && IommuSymbols.IsOverrideOf(method, _symbols.DriverProbe) && !method.IsStatic)
                {
                    // Only a Probe that takes ownership pays for a graph; the context caches it.
                    lock (_gate)
                    {
                        _probeGraph = context.GetControlFlowGraph(body);
                        _probeAcquisitions = acquisitions;
                    }
                }
            }

            public void Report(SymbolAnalysisContext context)
            {
                ControlFlowGraph? graph;
                List<IInvocationOperation>? acquisitions;
                lock (_gate)
                {
                    graph = _probeGraph;
                    acquisitions = _probeAcquisitions;
                }

                if (graph == null || acquisitions == null)
                {
                    return;
                }

                ProbeOwnershipFlow.Result flow = ProbeOwnershipFlow.Analyze(graph, _symbols, ReleasesOf);
                foreach (ProbeOwnershipFlow.Leak leak in flow.Leaks)
                {
                    Location location = ReturnLocation(leak.ReturnedValue);
                    Report(context, leak.Acquisition, leak.Kind, OnErrorPath, "before this error return", location, leak.OnlyErrors);
                }

                int removeReleases = RemoveReleases();
                if (removeReleases < 0)
                {
                    return;
                }

                IReadOnlyList<IInvocationOperation> kept = flow.Completed ? flow.HeldAtSuccess : acquisitions;
                foreach (IInvocationOperation acquisition in kept)
                {
                    OwnershipKind kind = OwnershipApi.AcquisitionKind(acquisition.TargetMethod, _symbols);
                    if ((removeReleases & (1 << (int)kind)) == 0)
                    {
                        Report(context, acquisition, kind, InRemove, "in Remove", acquisition.Syntax.GetLocation(), fixable: true);
                    }
                }
            }

            private void Report(SymbolAnalysisContext context, IInvocationOperation acquisition, OwnershipKind kind, string where, string text, Location location, bool fixable)
            {
                string release = OwnershipApi.ReleaseName(kind);
                ImmutableDictionary<string, string?> properties = ImmutableDictionary<string, string?>.Empty
                    .Add(WhereProperty, where)
                    .Add(FixableProperty, fixable ? "true" : "false")
                    .Add(ReleaseProperty, release)
                    .Add(AcquisitionProperty, acquisition.Syntax.SpanStart.ToString(CultureInfo.InvariantCulture));
                context.ReportDiagnostic(Diagnostic.Create(
                    Rule,
                    location,
                    properties,
                    _driver.Name,
                    acquisition.TargetMethod.Name,
                    release,
                    text));
            }

            private static Location ReturnLocation(IOperation returned)
            {
                for (SyntaxNode? node = returned.Syntax; node != null; node = node.Parent)
                {
                    if (node is ReturnStatementSyntax)
                    {
                        return node.GetLocation();
                    }

                    if (node is StatementSyntax || node is MemberDeclarationSyntax)
                    {
                        break;
                    }
                }

                return returned.Syntax.GetLocation();
            }

            // The release kinds Remove gives back, through the driver's own helpers too; -1 when Remove is inherited
            // from a base driver of the port's own (its body belongs to another type: stay silent).
            private int RemoveReleases()
            {
                IMethodSymbol? remove = null;
                foreach (ISymbol member in _driver.GetMembers())
                {
                    if (member is IMethodSymbol method && IommuSymbols.IsOverrideOf(method, _symbols.DriverRemove) && !SymbolEqualityComparer.Default.Equals(method.OriginalDefinition, _symbols.DriverRemove))
                    {
                        remove = method;
                        break;
                    }
                }

                if (remove == null)
                {
                    for (INamedTypeSymbol? type = _driver.BaseType; type != null; type = type.BaseType)
                    {
                        if (SymbolEqualityComparer.Default.Equals(type, _symbols.DeviceDriver))
                        {
                            return 0;
                        }

                        foreach (ISymbol member in type.GetMembers())
                        {
                            if (member is IMethodSymbol method && IommuSymbols.IsOverrideOf(method, _symbols.DriverRemove))
                            {
                                return -1;
                            }
                        }
                    }

                    return 0;
                }

                return ReleasesOf(remove);
            }

            private const int AllKinds = 0xF;

            private bool IsNestedHelper(IMethodSymbol method)
            {
                for (INamedTypeSymbol? type = method.ContainingType?.ContainingType; type != null; type = type.ContainingType)
                {
                    if (SymbolEqualityComparer.Default.Equals(type, _driver))
                    {
                        return true;
                    }
                }

                return false;
            }

            private bool IsBaseDriverMember(IMethodSymbol method)
            {
                for (INamedTypeSymbol? type = _driver.BaseType; type != null; type = type.BaseType)
                {
                    if (SymbolEqualityComparer.Default.Equals(type, _symbols.DeviceDriver))
                    {
                        return false;
                    }

                    if (SymbolEqualityComparer.Default.Equals(type, method.ContainingType?.OriginalDefinition))
                    {
                        return true;
                    }
                }

                return false;
            }

            private int ReleasesOf(IMethodSymbol method)
            {
                if (IsNestedHelper(method) || IsBaseDriverMember(method))
                {
                    return AllKinds;
                }

                int mask = 0;
                var seen = new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default);
                var pending = new Stack<IMethodSymbol>();
                pending.Push(method.OriginalDefinition);
                while (pending.Count > 0)
                {
                    IMethodSymbol current = pending.Pop();
                    if (!seen.Add(current) || !_summaries.TryGetValue(current, out (int Releases, List<IMethodSymbol> Calls) summary))
                    {
                        continue;
                    }

                    mask |= summary.Releases;
                    foreach (IMethodSymbol callee in summary.Calls)
                    {
                        pending.Push(callee);
                    }
                }

                return mask;
            }
        }
    }
}
