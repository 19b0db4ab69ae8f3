using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace IommuAnalyzers.Flow
{
    internal static partial class LockFlowAnalysis
    {
        // Regions: catch seeds, the edges out of a block, and finally regions run on every exit that leaves their try.
        private sealed partial class BodyAnalysis
        {
            private void IndexRegions()
            {
                var throwingTries = new HashSet<ControlFlowRegion>();
                foreach (BasicBlock block in _blocks)
                {
                    for (ControlFlowRegion? region = block.EnclosingRegion; region != null; region = Parent(region))
                    {
                        if (region.Kind == ControlFlowRegionKind.Finally)
                        {
                            _innermostFinally[block.Ordinal] = region;
                            break;
                        }
                    }

                    if (IsThrow(block.FallThroughSuccessor) || IsThrow(block.ConditionalSuccessor))
                    {
                        ControlFlowRegion? tryRegion = EnclosingTryWithCatch(block.EnclosingRegion);
                        if (tryRegion != null)
                        {
                            throwingTries.Add(tryRegion);
                        }
                    }
                }

                // A handler reached only by implicit exceptions starts from its try's entry state.
                foreach (BasicBlock block in _blocks)
                {
                    ControlFlowRegion? region = block.EnclosingRegion;
                    if (region != null && region.Kind == ControlFlowRegionKind.Try && region.FirstBlockOrdinal == block.Ordinal &&
                        Parent(region) is { Kind: ControlFlowRegionKind.TryAndCatch } tryAndCatch && !throwingTries.Contains(region))
                    {
                        var handlers = new List<int>();
                        for (int i = 1; i < tryAndCatch.NestedRegions.Length; i++)
                        {
                            handlers.Add(tryAndCatch.NestedRegions[i].FirstBlockOrdinal);
                        }

                        _tables.CatchSeeds[block.Ordinal] = handlers;
                    }
                }
            }

            /// <summary>
            /// The enclosing region within this graph. A lambda's or local function's root region points into the
            /// enclosing method's regions, whose block ordinals belong to another graph: the walk stops at our own root.
            /// </summary>
            private ControlFlowRegion? Parent(ControlFlowRegion region) => ReferenceEquals(region, _graph!.Root) ? null : region.EnclosingRegion;

            private static bool IsThrow(ControlFlowBranch? branch) =>
                branch != null && (branch.Semantics == ControlFlowBranchSemantics.Throw || branch.Semantics == ControlFlowBranchSemantics.Rethrow);

            private ControlFlowRegion? EnclosingTryWithCatch(ControlFlowRegion? region)
            {
                for (; region != null; region = Parent(region))
                {
                    if (region.Kind == ControlFlowRegionKind.Try && Parent(region)?.Kind == ControlFlowRegionKind.TryAndCatch)
                    {
                        return region;
                    }
                }

                return null;
            }

            // ---- edges ----

            private readonly struct Flow
            {
                public Flow(int target, LockState state, bool isHandlerEntry)
                {
                    Target = target;
                    State = state;
                    IsHandlerEntry = isHandlerEntry;
                }

                /// <summary>The destination block, or -1 when control leaves the region being run.</summary>
                public int Target { get; }

                public LockState State { get; }

                public bool IsHandlerEntry { get; }
            }

            /// <summary>Adds the block's outgoing flows; false when a finally run ran out of budget.</summary>
            private bool Successors(BasicBlock block, LockState state, List<Flow> flows, bool replay)
            {
                if (block.ConditionalSuccessor != null && block.BranchValue != null)
                {
                    bool jumpWhen = block.ConditionKind == ControlFlowConditionKind.WhenTrue;
                    return Follow(block, block.ConditionalSuccessor, ApplyCondition(block.BranchValue, jumpWhen, state), flows, replay, jumpWhen) &&
                        (block.FallThroughSuccessor == null || Follow(block, block.FallThroughSuccessor, ApplyCondition(block.BranchValue, !jumpWhen, state), flows, replay, !jumpWhen));
                }

                return block.FallThroughSuccessor == null || Follow(block, block.FallThroughSuccessor, state, flows, replay, null);
            }

            private bool Follow(BasicBlock source, ControlFlowBranch branch, LockState state, List<Flow> flows, bool replay, bool? conditionValue)
            {
                switch (branch.Semantics)
                {
                    case ControlFlowBranchSemantics.Throw:
                    case ControlFlowBranchSemantics.Rethrow:
                        return FollowThrow(source, branch, state, flows, replay);
                    case ControlFlowBranchSemantics.StructuredExceptionHandling:
                        flows.Add(new Flow(-1, state, false));
                        return true;
                    case ControlFlowBranchSemantics.ProgramTermination:
                    case ControlFlowBranchSemantics.Error:
                    case ControlFlowBranchSemantics.None:
                        return true;
                }

                LockState? current = state;
                foreach (ControlFlowRegion region in branch.FinallyRegions)
                {
                    current = ApplyFinally(region, current, replay);
                    if (current == null)
                    {
                        return !_exhausted;
                    }
                }

                BasicBlock? destination = branch.Destination;
                if (destination == null)
                {
                    return true;
                }

                if (destination.Kind == BasicBlockKind.Exit)
                {
                    if (replay)
                    {
                        LockExitKind kind = Exits.Locate(source, branch, conditionValue, out Location location);
                        AddExit(new LockEvent(LockEventKind.Exit, location, current, source.BranchValue, null, LockKind.Monitor, null) { ExitKind = kind });
                    }

                    return true;
                }

                flows.Add(new Flow(destination.Ordinal, current, false));
                return true;
            }

            private bool FollowThrow(BasicBlock source, ControlFlowBranch branch, LockState state, List<Flow> flows, bool replay)
            {
                LockState? current = state;
                for (ControlFlowRegion? region = source.EnclosingRegion; region != null; region = Parent(region))
                {
                    if (region.Kind != ControlFlowRegionKind.Try)
                    {
                        continue;
                    }

                    ControlFlowRegion? parent = Parent(region);
                    if (parent?.Kind == ControlFlowRegionKind.TryAndCatch)
                    {
                        // The explicit throw may be caught here: it flows to every handler, not out of the body.
                        for (int i = 1; i < parent.NestedRegions.Length; i++)
                        {
                            flows.Add(new Flow(parent.NestedRegions[i].FirstBlockOrdinal, current, true));
                        }

                        return true;
                    }

                    if (parent?.Kind == ControlFlowRegionKind.TryAndFinally && parent.NestedRegions.Length > 1)
                    {
                        current = ApplyFinally(parent.NestedRegions[1], current, replay);
                        if (current == null)
                        {
                            return !_exhausted;
                        }
                    }
                }

                if (replay)
                {
                    LockExitKind kind = Exits.Locate(source, branch, null, out Location location);
                    AddExit(new LockEvent(LockEventKind.Exit, location, current, source.BranchValue, null, LockKind.Monitor, null) { ExitKind = kind });
                }

                return true;
            }

            /// <summary>The state after running a finally region from <paramref name="input"/>; null when no path leaves it (or the budget ran out).</summary>
            private LockState? ApplyFinally(ControlFlowRegion region, LockState input, bool replay)
            {
                if (replay)
                {
                    if (_tables.FinallyInputs.TryGetValue(region.FirstBlockOrdinal, out LockState? seen))
                    {
                        _tables.FinallyInputs[region.FirstBlockOrdinal] = LockState.JoinAt(seen, input, region.FirstBlockOrdinal);
                    }
                    else
                    {
                        _tables.FinallyInputs.Add(region.FirstBlockOrdinal, input);
                        _tables.FinallyQueue.Enqueue(region);
                    }
                }

                if (_tables.FinallyMemo.TryGetValue((region.FirstBlockOrdinal, input), out LockState? memo))
                {
                    return memo;
                }

                LockState?[]? entries = Solve(region, region.FirstBlockOrdinal, input);
                if (entries == null)
                {
                    _exhausted = true;
                    return null;
                }

                // The region's output: the join over the blocks that leave it (the end of the finally).
                LockState? output = null;
                var flows = new List<Flow>();
                for (int ordinal = region.FirstBlockOrdinal; ordinal <= region.LastBlockOrdinal; ordinal++)
                {
                    LockState? entry = entries[ordinal];
                    if (entry == null || !InRun(region, ordinal))
                    {
                        continue;
                    }

                    BasicBlock block = _blocks[ordinal];
                    if (block.FallThroughSuccessor?.Semantics != ControlFlowBranchSemantics.StructuredExceptionHandling)
                    {
                        continue;
                    }

                    LockState exit = Transfer(block, entry, record: false);
                    // The region's end is a join of its own, after its last block.
                    output = output == null ? exit : LockState.JoinAt(output, exit, _blocks.Length + region.LastBlockOrdinal);
                }

                _tables.FinallyMemo[(region.FirstBlockOrdinal, input)] = output;
                return output;
            }
        }
    }
}
