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
        // The fixed point over block entry states, and the replay that records each event once.
        private sealed partial class BodyAnalysis
        {
            private bool InRun(ControlFlowRegion? run, int ordinal) => ReferenceEquals(_innermostFinally[ordinal], run);

            /// <summary>The fixed point for the main body (<paramref name="run"/> null) or one finally region; null when the budget ran out.</summary>
            private LockState?[]? Solve(ControlFlowRegion? run, int entryOrdinal, LockState input)
            {
                var entries = new LockState?[_blocks.Length];
                var pending = new SortedSet<int>();
                var flows = new List<Flow>();
                Merge(entries, pending, entryOrdinal, input);
                while (pending.Count > 0)
                {
                    _cancellationToken.ThrowIfCancellationRequested();
                    if (--_budget < 0)
                    {
                        return null;
                    }

                    int ordinal = pending.Min;
                    pending.Remove(ordinal);
                    BasicBlock block = _blocks[ordinal];
                    LockState state = Transfer(block, entries[ordinal]!, record: false);
                    flows.Clear();
                    if (!Successors(block, state, flows, replay: false))
                    {
                        return null;
                    }

                    foreach (Flow flow in flows)
                    {
                        if (flow.Target >= 0 && InRun(run, flow.Target))
                        {
                            Merge(entries, pending, flow.Target, flow.State);
                        }
                    }
                }

                return entries;
            }

            private void Merge(LockState?[] entries, SortedSet<int> pending, int ordinal, LockState state)
            {
                LockState? old = entries[ordinal];
                LockState merged = old == null ? state : LockState.JoinAt(old, state, ordinal);
                if (old == null || !merged.Equals(old))
                {
                    entries[ordinal] = merged;
                    pending.Add(ordinal);
                    if (_tables.CatchSeeds.TryGetValue(ordinal, out List<int>? handlers))
                    {
                        foreach (int handler in handlers)
                        {
                            Merge(entries, pending, handler, merged);
                        }
                    }
                }
            }

            private void Replay(ControlFlowRegion? run, LockState?[] entries)
            {
                var incoming = new Dictionary<int, List<LockState>>();
                var flows = new List<Flow>();
                for (int ordinal = 0; ordinal < _blocks.Length; ordinal++)
                {
                    LockState? entry = entries[ordinal];
                    if (entry == null || !InRun(run, ordinal))
                    {
                        continue;
                    }

                    _replayEntries[ordinal] = entry;
                    BasicBlock block = _blocks[ordinal];
                    LockState state = Transfer(block, entry, record: true);
                    flows.Clear();
                    Successors(block, state, flows, replay: true);
                    foreach (Flow flow in flows)
                    {
                        if (flow.Target >= 0 && InRun(run, flow.Target) && !flow.IsHandlerEntry)
                        {
                            if (!incoming.TryGetValue(flow.Target, out List<LockState>? list))
                            {
                                list = new List<LockState>();
                                incoming.Add(flow.Target, list);
                            }

                            list.Add(flow.State);
                        }
                    }
                }

                foreach (KeyValuePair<int, List<LockState>> join in incoming)
                {
                    if (join.Value.Count > 1)
                    {
                        ReportDivergence(_blocks[join.Key], AlignAll(join.Value, entries[join.Key]!), entries[join.Key]!);
                    }
                }
            }

            private static List<LockState> AlignAll(List<LockState> inputs, LockState joined)
            {
                for (int i = 0; i < inputs.Count; i++)
                {
                    inputs[i] = LockState.AlignTo(inputs[i], joined);
                }

                return inputs;
            }

            private void ReportDivergence(BasicBlock block, List<LockState> inputs, LockState joined)
            {
                foreach (HeldLock candidate in joined.Locks)
                {
                    if (candidate.OnAllPaths)
                    {
                        continue;
                    }

                    // A new divergence only: some input holds it on all paths, some not at all, none is already unsure.
                    bool someHeld = false, someFree = false, someUnsure = false;
                    foreach (LockState input in inputs)
                    {
                        HeldLock? held = input.Find(candidate.Path);
                        someHeld |= held is { OnAllPaths: true };
                        someUnsure |= held is { OnAllPaths: false };
                        someFree |= held == null;
                    }

                    Location? location = JoinLocation(block);
                    if (someHeld && someFree && !someUnsure && location != null)
                    {
                        _events!.Add(new LockEvent(LockEventKind.Join, location, joined, null, candidate.Path, candidate.Kind, null));
                    }
                }
            }

            private Location? JoinLocation(BasicBlock block)
            {
                for (int steps = 0; steps < 4 && block != null; steps++)
                {
                    foreach (IOperation operation in block.Operations)
                    {
                        if (!operation.Syntax.Span.IsEmpty)
                        {
                            return operation.Syntax.GetLocation();
                        }
                    }

                    if (block.BranchValue != null)
                    {
                        return block.BranchValue.Syntax.GetLocation();
                    }

                    if (block.ConditionalSuccessor != null || block.FallThroughSuccessor?.Destination == null)
                    {
                        return null;
                    }

                    block = block.FallThroughSuccessor.Destination;
                }

                return null;
            }
        }
    }
}
