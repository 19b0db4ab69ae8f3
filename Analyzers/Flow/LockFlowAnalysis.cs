using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace IommuAnalyzers.Flow
{
    /// <summary>
    /// The forward lock-set data flow over one body's <see cref="ControlFlowGraph"/>: block entry states to a fixed
    /// point, then one replay that reports every <see cref="LockEvent"/> once. A finally region is run as a function
    /// of its input state for every branch that leaves its try (returns and explicit throws included), so a release
    /// in a finally covers every exit of the try. Implicit exceptions from calls are not paths: a catch handler starts
    /// from the explicit throws of its try, or from the try's entry state when there are none.
    /// </summary>
    internal static partial class LockFlowAnalysis
    {
        /// <summary>Analyses one body. <paramref name="owner"/> is the method, accessor, local function or lambda the graph belongs to.</summary>
        public static LockFlowResult Analyze(ControlFlowGraph graph, ISymbol owner, LockFlowContext context, CancellationToken cancellationToken)
        {
            var analysis = new BodyAnalysis(graph, owner, context, cancellationToken);
            return analysis.Run();
        }

        private sealed partial class BodyAnalysis
        {
            private readonly ControlFlowGraph? _graph;
            private readonly ISymbol _owner;
            private readonly LockFlowContext _context;
            private readonly LockModel _model;
            private readonly CancellationToken _cancellationToken;
            private readonly OperationPaths _paths;
            private readonly ImmutableArray<BasicBlock> _blocks;
            private readonly ControlFlowRegion?[] _innermostFinally;
            private readonly GraphTables _tables;
            private readonly LockState?[] _replayEntries;
            private List<LockEvent>? _events;
            private ExitLocator? _exits;
            private int _budget;
            private bool _exhausted;

            public BodyAnalysis(ControlFlowGraph graph, ISymbol owner, LockFlowContext context, CancellationToken cancellationToken, LockState? inherited = null)
            {
                Inherited = inherited;
                _graph = graph;
                _owner = owner;
                _context = context;
                _model = context.Model;
                _cancellationToken = cancellationToken;
                _tables = new GraphTables();
                // A lambda run on the spot names the caller's captured locals as the caller does (its aliases and current values).
                _paths = new OperationPaths(graph, context, inherited != null && graph.Parent != null ? new OperationPaths(graph.Parent, context) : null);
                _blocks = graph.Blocks;
                _innermostFinally = new ControlFlowRegion?[_blocks.Length];
                _replayEntries = new LockState?[_blocks.Length];

                // Generous but finite: the lattice is short (a lock goes all -> some -> none), so real bodies settle in a few passes.
                _budget = Math.Max(2000, _blocks.Length * 64);
                IndexRegions();
            }

            public LockFlowResult Run()
            {
                ImmutableArray<LockPath> heldOnEntry = ContractLocks(_context.Resolver.RequiresLock(_owner), _context.Resolver.ReleasesLock(_owner), out LockState entryState);
                ImmutableArray<LockPath> heldAtExit = ContractLocks(_context.Resolver.RequiresLock(_owner), _context.Resolver.AcquiresLock(_owner), out _);
                entryState = WithInherited(entryState, ref heldOnEntry, ref heldAtExit);

                LockState?[]? entries = Solve(null, 0, entryState);
                if (entries == null)
                {
                    return Incomplete(heldOnEntry, heldAtExit);
                }

                _events = new List<LockEvent>();
                Replay(null, entries);
                while (_tables.FinallyQueue.Count > 0)
                {
                    ControlFlowRegion region = _tables.FinallyQueue.Dequeue();
                    LockState?[]? finallyEntries = Solve(region, region.FirstBlockOrdinal, _tables.FinallyInputs[region.FirstBlockOrdinal]);
                    if (finallyEntries == null)
                    {
                        return Incomplete(heldOnEntry, heldAtExit);
                    }

                    Replay(region, finallyEntries);
                }

                return new LockFlowResult(_owner, true, _events.ToImmutableArray(), heldOnEntry, heldAtExit, _replayEntries.ToImmutableArray());
            }

            private LockFlowResult Incomplete(ImmutableArray<LockPath> heldOnEntry, ImmutableArray<LockPath> heldAtExit) =>
                new LockFlowResult(_owner, false, ImmutableArray<LockEvent>.Empty, heldOnEntry, heldAtExit, ImmutableArray<LockState?>.Empty);

            private ImmutableArray<LockPath> ContractLocks(ImmutableArray<LockExpression> first, ImmutableArray<LockExpression> second, out LockState state)
            {
                state = LockState.Empty;

                // Most bodies have no contract: nothing to bind, and nothing worth allocating a builder for.
                if (first.IsEmpty && second.IsEmpty)
                {
                    return ImmutableArray<LockPath>.Empty;
                }

                ImmutableArray<LockPath>.Builder paths = ImmutableArray.CreateBuilder<LockPath>();
                LockPath? self = ContractReceiver();
                foreach (ImmutableArray<LockExpression> expressions in new[] { first, second })
                {
                    foreach (LockExpression expression in expressions)
                    {
                        LockPath? path = expression.Bind(self, parameter => OwnParameter(parameter));
                        if (path != null && !paths.Contains(path))
                        {
                            paths.Add(path);
                            state = state.Acquire(path, expression.Kind, null);
                        }
                    }
                }

                return paths.ToImmutable();
            }

            private LockPath? OwnParameter(IParameterSymbol parameter)
            {
                ImmutableArray<IParameterSymbol> parameters = _owner is IMethodSymbol method ? method.Parameters : ImmutableArray<IParameterSymbol>.Empty;
                return parameter.Ordinal < parameters.Length ? LockPath.ForParameter(parameters[parameter.Ordinal]) : null;
            }

            private ExitLocator Exits => _exits ??= new ExitLocator(_graph!);

            /// <summary>What the graph engine keeps of a body's handlers and finally regions; the structured pass has none.</summary>
            private sealed class GraphTables
            {
                public Dictionary<int, List<int>> CatchSeeds { get; } = new Dictionary<int, List<int>>();

                public Dictionary<(int Region, LockState Input), LockState?> FinallyMemo { get; } = new Dictionary<(int, LockState), LockState?>();

                public Dictionary<int, LockState> FinallyInputs { get; } = new Dictionary<int, LockState>();

                public Queue<ControlFlowRegion> FinallyQueue { get; } = new Queue<ControlFlowRegion>();
            }
        }
    }
}
