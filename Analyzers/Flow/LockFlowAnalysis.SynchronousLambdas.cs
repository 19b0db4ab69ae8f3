using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;

namespace IommuAnalyzers.Flow
{
    internal static partial class LockFlowAnalysis
    {
        /// <summary>
        /// Analyses a lambda that runs on the spot (a <see cref="LockEventKind.SynchronousLambda"/> of the enclosing
        /// body's result): its body starts with <paramref name="inherited"/>, the locks held where it was created.
        /// </summary>
        public static LockFlowResult Analyze(ControlFlowGraph graph, ISymbol owner, LockFlowContext context, LockState inherited, System.Threading.CancellationToken cancellationToken)
        {
            var analysis = new BodyAnalysis(graph, owner, context, cancellationToken, inherited);
            return analysis.Run();
        }

        // Lambdas that a synchronous consumer runs before it returns (items.Sum(i => _ring[i]) inside the lock).
        private sealed partial class BodyAnalysis
        {
            /// <summary>The locks of the enclosing body at the lambda's creation; null for a body that starts on its own.</summary>
            public LockState? Inherited { get; }

            private void RecordSynchronousLambda(IFlowAnonymousFunctionOperation lambda, LockState state, bool record)
            {
                // An async lambda runs on the spot only up to its first await; the rest resumes later, without the caller's locks.
                if (record && !lambda.Symbol.IsAsync && _context.Consumers.RunsOnTheSpot(lambda))
                {
                    Add(new LockEvent(LockEventKind.SynchronousLambda, lambda.Syntax.GetLocation(), AtSite(state, lambda), lambda, null, LockKind.Monitor, lambda.Symbol));
                }
            }

            /// <summary>
            /// The entry state of a lambda run on the spot: the caller's locks, then its own contract on top. The caller's
            /// locks are also held on entry and may be held at every exit: the lambda returns into code that still holds them.
            /// </summary>
            private LockState WithInherited(LockState contract, ref ImmutableArray<LockPath> heldOnEntry, ref ImmutableArray<LockPath> heldAtExit)
            {
                if (Inherited == null)
                {
                    return contract;
                }

                LockState state = Inherited;
                foreach (HeldLock own in contract.Locks)
                {
                    if (state.IsNotHeld(own.Path))
                    {
                        state = state.Acquire(own.Path, own.Kind, own.AcquiredAt);
                    }
                }

                foreach (HeldLock held in Inherited.Locks)
                {
                    if (!heldOnEntry.Contains(held.Path))
                    {
                        heldOnEntry = heldOnEntry.Add(held.Path);
                    }

                    if (!heldAtExit.Contains(held.Path))
                    {
                        heldAtExit = heldAtExit.Add(held.Path);
                    }
                }

                return state;
            }
        }
    }
}
