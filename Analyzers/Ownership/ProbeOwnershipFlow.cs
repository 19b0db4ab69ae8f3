using System;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace IommuAnalyzers.Ownership
{
    /// <summary>
    /// A small path-sensitive dataflow over a <c>Probe</c> method's control-flow graph: which ownership acquisitions are
    /// taken and not yet given back, and what each int local holds (zero, a non-zero error, or the result of an
    /// acquisition that has not been checked yet). It finds the classic missed unwind of a probe() function: a path that
    /// returns an error after ownership was taken and never releases it. Free of diagnostics code; the rule consumes it.
    /// </summary>
    internal sealed class ProbeOwnershipFlow
    {
        // Abstract values of an int local or expression. Values >= FirstResult encode "result of acquisition k".
        private const int Unknown = 0;
        private const int Zero = 1;
        private const int NonZero = 2;
        private const int FirstResult = 3;

        // Bounds that keep the analysis small: beyond them it gives up and reports nothing (never a false positive).
        private const int MaxSites = 64;
        private const int MaxStatesPerBlock = 32;
        private const int MaxSteps = 4096;

        private readonly IommuSymbols _symbols;
        private readonly Func<IMethodSymbol, int> _helperReleases;
        private readonly List<IInvocationOperation> _sites = new List<IInvocationOperation>();
        private readonly List<OwnershipKind> _siteKinds = new List<OwnershipKind>();
        private readonly Dictionary<IOperation, int> _siteIndex = new Dictionary<IOperation, int>();
        private readonly Dictionary<ILocalSymbol, int> _locals = new Dictionary<ILocalSymbol, int>(SymbolEqualityComparer.Default);
        private readonly Dictionary<IOperation, int> _values = new Dictionary<IOperation, int>();
        private readonly HashSet<(int Site, IOperation Return)> _leaks = new HashSet<(int, IOperation)>();

        // Returns that some path reaches with a value not known to be an error (0, unknown, or an acquisition's result).
        private readonly HashSet<IOperation> _returnsNonError = new HashSet<IOperation>();
        private ulong _heldAtSuccess;
        private ControlFlowGraph? _graph;

        private ProbeOwnershipFlow(IommuSymbols symbols, Func<IMethodSymbol, int> helperReleases)
        {
            _symbols = symbols;
            _helperReleases = helperReleases;
        }

        /// <summary>An acquisition still held when the method returns the error <see cref="ReturnedValue"/>.</summary>
        public readonly struct Leak
        {
            public Leak(IInvocationOperation acquisition, OwnershipKind kind, IOperation returnedValue, bool onlyErrors)
            {
                Acquisition = acquisition;
                Kind = kind;
                ReturnedValue = returnedValue;
                OnlyErrors = onlyErrors;
            }

            /// <summary>Every path that reaches this return returns a known error: a release placed before it runs on error paths only.</summary>
            public bool OnlyErrors { get; }

            public IInvocationOperation Acquisition { get; }

            public OwnershipKind Kind { get; }

            public IOperation ReturnedValue { get; }
        }

        /// <summary>The result of one run.</summary>
        public sealed class Result
        {
            internal Result(bool completed, IReadOnlyList<Leak> leaks, IReadOnlyList<IInvocationOperation> heldAtSuccess)
            {
                Completed = completed;
                Leaks = leaks;
                HeldAtSuccess = heldAtSuccess;
            }

            /// <summary>False when the method was too large for the bounds; then nothing is known.</summary>
            public bool Completed { get; }

            /// <summary>Error returns reached with an acquisition still taken.</summary>
            public IReadOnlyList<Leak> Leaks { get; }

            /// <summary>Acquisitions that may still be held when the method returns without an error (kept for remove()).</summary>
            public IReadOnlyList<IInvocationOperation> HeldAtSuccess { get; }
        }

        /// <summary>
        /// Runs the analysis. <paramref name="helperReleases"/> maps a method the graph calls to the mask
        /// (<c>1 &lt;&lt; (int)kind</c>) of ownership kinds it gives back, for the driver's own cleanup helpers.
        /// </summary>
        public static Result Analyze(ControlFlowGraph graph, IommuSymbols symbols, Func<IMethodSymbol, int> helperReleases)
        {
            var flow = new ProbeOwnershipFlow(symbols, helperReleases);
            bool completed = flow.Run(graph);
            var leaks = new List<Leak>();
            var held = new List<IInvocationOperation>();
            if (completed)
            {
                foreach ((int site, IOperation returned) in flow._leaks)
                {
                    leaks.Add(new Leak(flow._sites[site], flow._siteKinds[site], returned, !flow._returnsNonError.Contains(returned)));
                }

                leaks.Sort((a, b) => a.ReturnedValue.Syntax.SpanStart != b.ReturnedValue.Syntax.SpanStart
                    ? a.ReturnedValue.Syntax.SpanStart.CompareTo(b.ReturnedValue.Syntax.SpanStart)
                    : a.Acquisition.Syntax.SpanStart.CompareTo(b.Acquisition.Syntax.SpanStart));
                for (int i = 0; i < flow._sites.Count; i++)
                {
                    if ((flow._heldAtSuccess & (1UL << i)) != 0)
                    {
                        held.Add(flow._sites[i]);
                    }
                }
            }

            return new Result(completed, leaks, held);
        }

        private bool Run(ControlFlowGraph graph)
        {
            _graph = graph;
            if (!CollectSitesAndLocals(graph))
            {
                return false;
            }

            var statesPerBlock = new HashSet<State>[graph.Blocks.Length];
            var work = new Stack<(BasicBlock Block, State State)>();
            var entry = new State(0, new int[_locals.Count]);
            statesPerBlock[graph.Blocks[0].Ordinal] = new HashSet<State> { entry };
            work.Push((graph.Blocks[0], entry));

            int steps = 0;
            while (work.Count > 0)
            {
                if (++steps > MaxSteps)
                {
                    return false;
                }

                (BasicBlock block, State incoming) = work.Pop();
                State state = incoming.Clone();
                _values.Clear();
                foreach (IOperation operation in block.Operations)
                {
                    Evaluate(operation, state);
                }

                if (block.BranchValue != null)
                {
                    Evaluate(block.BranchValue, state);
                }

                if (block.ConditionKind != ControlFlowConditionKind.None && block.BranchValue != null)
                {
                    bool whenTrue = block.ConditionKind == ControlFlowConditionKind.WhenTrue;
                    // A branch that contradicts what the path already knows (ret is 0, yet ret != 0) is not taken.
                    State taken = state.Clone();
                    if (Refine(block.BranchValue, whenTrue, taken) && !Follow(block.ConditionalSuccessor, taken, statesPerBlock, work))
                    {
                        return false;
                    }

                    State notTaken = state.Clone();
                    if (Refine(block.BranchValue, !whenTrue, notTaken) && !Follow(block.FallThroughSuccessor, notTaken, statesPerBlock, work))
                    {
                        return false;
                    }
                }
                else
                {
                    ControlFlowBranch? branch = block.FallThroughSuccessor;
                    if (branch != null && branch.Semantics == ControlFlowBranchSemantics.Return && block.BranchValue != null)
                    {
                        ApplyFinallyReleases(branch, state);
                        CheckReturn(block.BranchValue, state);
                    }
                    else if (branch != null && branch.Destination?.Kind == BasicBlockKind.Exit && branch.Semantics == ControlFlowBranchSemantics.Regular)
                    {
                        // Falling off the end (no value): treat like a successful exit.
                        ApplyFinallyReleases(branch, state);
                        _heldAtSuccess |= state.Held;
                    }
                    else if (!Follow(branch, state, statesPerBlock, work))
                    {
                        return false;
                    }
                }
            }

            return true;
        }

        private bool CollectSitesAndLocals(ControlFlowGraph graph)
        {
            foreach (BasicBlock block in graph.Blocks)
            {
                foreach (IOperation operation in block.Operations)
                {
                    if (!Collect(operation))
                    {
                        return false;
                    }
                }

                if (block.BranchValue != null && !Collect(block.BranchValue))
                {
                    return false;
                }
            }

            return true;
        }

        private bool Collect(IOperation root)
        {
            foreach (IOperation operation in Walk(root))
            {
                if (operation is IInvocationOperation invocation)
                {
                    OwnershipKind kind = OwnershipApi.AcquisitionKind(invocation.TargetMethod, _symbols);
                    if (kind != OwnershipKind.None && !_siteIndex.ContainsKey(invocation))
                    {
                        if (_sites.Count == MaxSites)
                        {
                            return false;
                        }

                        _siteIndex.Add(invocation, _sites.Count);
                        _sites.Add(invocation);
                        _siteKinds.Add(kind);
                    }
                }
                else if (operation is ILocalReferenceOperation reference
                    && reference.Local.Type?.SpecialType == SpecialType.System_Int32
                    && !_locals.ContainsKey(reference.Local))
                {
                    _locals.Add(reference.Local, _locals.Count);
                }
            }

            return true;
        }

        // Pre-order walk that stays out of lambdas and local functions: they run elsewhere, if at all.
        private static IEnumerable<IOperation> Walk(IOperation root)
        {
            var stack = new Stack<IOperation>();
            stack.Push(root);
            while (stack.Count > 0)
            {
                IOperation operation = stack.Pop();
                yield return operation;
                if (operation is IFlowAnonymousFunctionOperation || operation is IAnonymousFunctionOperation || operation is ILocalFunctionOperation)
                {
                    continue;
                }

                foreach (IOperation child in operation.ChildOperations)
                {
                    stack.Push(child);
                }
            }
        }

        private bool Follow(ControlFlowBranch? branch, State state, HashSet<State>[] statesPerBlock, Stack<(BasicBlock, State)> work)
        {
            BasicBlock? destination = branch?.Destination;
            if (branch == null || destination == null)
            {
                return true;
            }

            ApplyFinallyReleases(branch, state);
            if (destination.Kind == BasicBlockKind.Exit)
            {
                _heldAtSuccess |= state.Held;
                return true;
            }

            HashSet<State>? states = statesPerBlock[destination.Ordinal];
            if (states == null)
            {
                states = new HashSet<State>();
                statesPerBlock[destination.Ordinal] = states;
            }

            if (states.Add(state))
            {
                if (states.Count > MaxStatesPerBlock)
                {
                    return false;
                }

                work.Push((destination, state));
            }

            return true;
        }

        // A `finally` left on the way out gives back whatever it releases (summarised, without paths inside it).
        private void ApplyFinallyReleases(ControlFlowBranch branch, State state)
        {
            foreach (ControlFlowRegion region in branch.FinallyRegions)
            {
                foreach (BasicBlock block in FinallyBlocks(region))
                {
                    foreach (IOperation operation in block.Operations)
                    {
                        foreach (IOperation inner in Walk(operation))
                        {
                            if (inner is IInvocationOperation invocation)
                            {
                                Release(invocation, state);
                            }
                        }
                    }
                }
            }
        }

        private IEnumerable<BasicBlock> FinallyBlocks(ControlFlowRegion region)
        {
            for (int i = region.FirstBlockOrdinal; i <= region.LastBlockOrdinal; i++)
            {
                yield return _graph!.Blocks[i];
            }
        }

        private void CheckReturn(IOperation returned, State state)
        {
            int value = ValueOf(returned);
            if (value != NonZero)
            {
                _returnsNonError.Add(returned);
            }

            ulong leaked;
            if (value == NonZero)
            {
                leaked = state.Held;
            }
            else if (value >= FirstResult)
            {
                // Returning an acquisition's own result: when it is an error, that acquisition was not taken.
                leaked = state.Held & ~(1UL << (value - FirstResult));
                _heldAtSuccess |= state.Held;
            }
            else
            {
                _heldAtSuccess |= state.Held;
                return;
            }

            for (int i = 0; i < _sites.Count; i++)
            {
                if ((leaked & (1UL << i)) != 0)
                {
                    _leaks.Add((i, returned));
                }
            }
        }

        private int ValueOf(IOperation operation)
        {
            return _values.TryGetValue(operation, out int value) ? value : Unknown;
        }

        private int Evaluate(IOperation operation, State state)
        {
            int value = EvaluateCore(operation, state);
            _values[operation] = value;
            return value;
        }

        private int EvaluateCore(IOperation operation, State state)
        {
            switch (operation)
            {
                case IFlowAnonymousFunctionOperation:
                case IAnonymousFunctionOperation:
                case ILocalFunctionOperation:
                    return Unknown;
                case IConversionOperation conversion:
                    {
                        int inner = Evaluate(conversion.Operand, state);
                        return operation.ConstantValue.HasValue ? ConstantToValue(operation.ConstantValue.Value) : inner;
                    }

                case ILocalReferenceOperation reference:
                    return _locals.TryGetValue(reference.Local, out int index) ? state.Locals[index] : Unknown;
                case ISimpleAssignmentOperation assignment:
                    {
                        int value = Evaluate(assignment.Value, state);
                        if (assignment.Target is ILocalReferenceOperation target && _locals.TryGetValue(target.Local, out int local))
                        {
                            state.Locals[local] = value;
                        }
                        else
                        {
                            Evaluate(assignment.Target, state);
                        }

                        return value;
                    }

                case IInvocationOperation invocation:
                    {
                        EvaluateChildren(invocation, state);
                        if (_siteIndex.TryGetValue(invocation, out int site))
                        {
                            state.Held |= 1UL << site;
                            return FirstResult + site;
                        }

                        Release(invocation, state);
                        return ConstantOrUnknown(operation);
                    }

                default:
                    EvaluateChildren(operation, state);
                    if (operation is ICompoundAssignmentOperation || operation is IIncrementOrDecrementOperation)
                    {
                        ForgetTarget(operation, state);
                    }
                    else if (operation is IArgumentOperation argument && argument.Parameter?.RefKind != RefKind.None)
                    {
                        ForgetLocal(argument.Value, state);
                    }

                    return ConstantOrUnknown(operation);
            }
        }

        private void EvaluateChildren(IOperation operation, State state)
        {
            foreach (IOperation child in operation.ChildOperations)
            {
                Evaluate(child, state);
            }
        }

        private void ForgetTarget(IOperation operation, State state)
        {
            IOperation? target = operation switch
            {
                ICompoundAssignmentOperation compound => compound.Target,
                IIncrementOrDecrementOperation increment => increment.Target,
                _ => null,
            };
            ForgetLocal(target, state);
        }

        private void ForgetLocal(IOperation? operation, State state)
        {
            if (operation is ILocalReferenceOperation reference && _locals.TryGetValue(reference.Local, out int index))
            {
                state.Locals[index] = Unknown;
            }
        }

        private void Release(IInvocationOperation invocation, State state)
        {
            OwnershipKind kind = OwnershipApi.ReleaseKind(invocation, _symbols);
            int mask = kind != OwnershipKind.None ? 1 << (int)kind : _helperReleases(invocation.TargetMethod);
            if (mask == 0)
            {
                return;
            }

            for (int i = 0; i < _sites.Count; i++)
            {
                if ((mask & (1 << (int)_siteKinds[i])) != 0)
                {
                    state.Held &= ~(1UL << i);
                }
            }
        }

        private static int ConstantOrUnknown(IOperation operation)
        {
            return operation.ConstantValue.HasValue ? ConstantToValue(operation.ConstantValue.Value) : Unknown;
        }

        private static int ConstantToValue(object? constant)
        {
            switch (constant)
            {
                case int i:
                    return i == 0 ? Zero : NonZero;
                case long l:
                    return l == 0 ? Zero : NonZero;
                case short s:
                    return s == 0 ? Zero : NonZero;
                case sbyte b:
                    return b == 0 ? Zero : NonZero;
                default:
                    return Unknown;
            }
        }

        // What a branch condition says about the value it tests: `x != 0`, `x == 0`, `x < 0`, `0 > x`, `x is 0`, `!(...)`.
        private bool Refine(IOperation condition, bool outcome, State state)
        {
            while (condition is IConversionOperation conversion && conversion.IsImplicit)
            {
                condition = conversion.Operand;
            }

            switch (condition)
            {
                case IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } not:
                    return Refine(not.Operand, !outcome, state);
                case IBinaryOperation binary:
                    {
                        IOperation? tested;
                        BinaryOperatorKind kind = binary.OperatorKind;
                        if (IsZero(binary.RightOperand))
                        {
                            tested = binary.LeftOperand;
                        }
                        else if (IsZero(binary.LeftOperand))
                        {
                            tested = binary.RightOperand;
                            kind = Mirror(kind);
                        }
                        else
                        {
                            return true;
                        }

                        switch (kind)
                        {
                            case BinaryOperatorKind.NotEquals:
                                return Learn(tested, outcome ? NonZero : Zero, state);
                            case BinaryOperatorKind.Equals:
                                return Learn(tested, outcome ? Zero : NonZero, state);
                            case BinaryOperatorKind.LessThan:
                                // The API returns 0 or a negative errno: "not negative" means success for its results.
                                return Learn(tested, outcome ? NonZero : ZeroIfResult, state);
                            case BinaryOperatorKind.GreaterThanOrEqual:
                                return Learn(tested, outcome ? ZeroIfResult : NonZero, state);
                            default:
                                return true;
                        }
                    }

                case IIsPatternOperation pattern:
                    {
                        bool negated = false;
                        IPatternOperation inner = pattern.Pattern;
                        if (inner is INegatedPatternOperation negatedPattern)
                        {
                            negated = true;
                            inner = negatedPattern.Pattern;
                        }

                        if (inner is IConstantPatternOperation constant && IsZero(constant.Value))
                        {
                            bool isZero = outcome != negated;
                            return Learn(pattern.Value, isZero ? Zero : NonZero, state);
                        }

                        return true;
                    }

                default:
                    return true;
            }
        }

        // Marker for Learn: zero for an acquisition's result, nothing learnt for other values.
        private const int ZeroIfResult = -1;

        // Applies what a branch says about a value; false when it contradicts what the path knows (an infeasible path).
        private bool Learn(IOperation tested, int learnt, State state)
        {
            while (tested is IConversionOperation conversion && conversion.IsImplicit)
            {
                tested = conversion.Operand;
            }

            int current = ValueOf(tested);
            int? localIndex = tested is ILocalReferenceOperation reference && _locals.TryGetValue(reference.Local, out int index) ? index : (int?)null;
            if (learnt == ZeroIfResult)
            {
                if (current == NonZero)
                {
                    // "Not negative" after "non-zero": nothing certain (it may be positive), and no contradiction.
                    return true;
                }

                if (current < FirstResult)
                {
                    return current != NonZero;
                }

                learnt = Zero;
            }

            if ((current == Zero && learnt == NonZero) || (current == NonZero && learnt == Zero))
            {
                return false;
            }

            if (current >= FirstResult)
            {
                int site = current - FirstResult;
                if (learnt == NonZero)
                {
                    // The acquisition failed: nothing was taken.
                    state.Held &= ~(1UL << site);
                }

                for (int i = 0; i < state.Locals.Length; i++)
                {
                    if (state.Locals[i] == current)
                    {
                        state.Locals[i] = learnt;
                    }
                }
            }

            if (localIndex.HasValue)
            {
                state.Locals[localIndex.Value] = learnt;
            }

            return true;
        }

        private static bool IsZero(IOperation operation)
        {
            return operation.ConstantValue.HasValue && ConstantToValue(operation.ConstantValue.Value) == Zero;
        }

        private static BinaryOperatorKind Mirror(BinaryOperatorKind kind) => kind switch
        {
            BinaryOperatorKind.LessThan => BinaryOperatorKind.GreaterThan,
            BinaryOperatorKind.GreaterThan => BinaryOperatorKind.LessThan,
            BinaryOperatorKind.LessThanOrEqual => BinaryOperatorKind.GreaterThanOrEqual,
            BinaryOperatorKind.GreaterThanOrEqual => BinaryOperatorKind.LessThanOrEqual,
            _ => kind,
        };

        /// <summary>One path's facts: the acquisitions held (bit per site) and each tracked local's abstract value.</summary>
        private sealed class State : IEquatable<State>
        {
            public State(ulong held, int[] locals)
            {
                Held = held;
                Locals = locals;
            }

            public ulong Held { get; set; }

            public int[] Locals { get; }

            public State Clone() => new State(Held, (int[])Locals.Clone());

            public bool Equals(State? other)
            {
                if (other == null || other.Held != Held || other.Locals.Length != Locals.Length)
                {
                    return false;
                }

                for (int i = 0; i < Locals.Length; i++)
                {
                    if (Locals[i] != other.Locals[i])
                    {
                        return false;
                    }
                }

                return true;
            }

            public override bool Equals(object? obj) => Equals(obj as State);

            public override int GetHashCode()
            {
                int hash = Held.GetHashCode();
                foreach (int value in Locals)
                {
                    hash = (hash * 31) + value;
                }

                return hash;
            }
        }
    }
}
