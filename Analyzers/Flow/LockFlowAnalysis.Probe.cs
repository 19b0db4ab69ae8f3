using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace IommuAnalyzers.Flow
{
    internal static partial class LockFlowAnalysis
    {
        /// <summary>
        /// Whether, on every path that reaches <paramref name="call"/>, the lock <paramref name="lockMember"/> of the object
        /// its argument <paramref name="argumentOrdinal"/> denotes is held: for the ownership rules, which ask it at a
        /// few call sites (IOMMU0004's <c>GroupDeviceCount(g)</c> and <c>g.Mutex</c>). The body is analysed by the
        /// structured pass, or by the graph engine where the pass hands it over, so explicit <c>Lock()</c>/<c>Unlock()</c>
        /// count as well as scopes. A call inside a lambda or local function is never under its caller's lock here: it
        /// may run after the lock is given back.
        /// </summary>
        public static bool IsHeldAt(IInvocationOperation call, int argumentOrdinal, ISymbol lockMember, ISymbol owner, LockFlowContext context, CancellationToken cancellationToken)
        {
            IOperation? root = call;
            while (root.Parent != null)
            {
                if (root.Parent is IAnonymousFunctionOperation || root.Parent is ILocalFunctionOperation)
                {
                    return false;
                }

                root = root.Parent;
            }

            if (context.IsExcluded(owner))
            {
                return false;
            }

            var probe = new LockProbe(call.Syntax, argumentOrdinal, lockMember);
            if (TryAnalyzeStructured(root, owner, context, cancellationToken, probe) == null)
            {
                ControlFlowGraph? graph = GraphOf(root, cancellationToken);
                if (graph == null || !new BodyAnalysis(graph, owner, context, cancellationToken) { Probe = probe }.Run().IsComplete)
                {
                    return false;
                }
            }

            return probe.Held == true;
        }

        /// <summary>The control-flow graph of a body the analyzer driver hands over (method, constructor, expression-bodied accessor), or null.</summary>
        public static ControlFlowGraph? GraphOf(IOperation root, CancellationToken cancellationToken) => root switch
        {
            IMethodBodyOperation body => ControlFlowGraph.Create(body, cancellationToken),
            IConstructorBodyOperation body => ControlFlowGraph.Create(body, cancellationToken),
            IBlockOperation block when IsBodyRoot(block) => ControlFlowGraph.Create(block, cancellationToken),
            _ => null,
        };

        /// <summary>A body both engines take: a method or constructor body, or the parentless block of an expression-bodied accessor.</summary>
        private static bool IsBodyRoot(IOperation root) =>
            root is IMethodBodyOperation || root is IConstructorBodyOperation || (root is IBlockOperation && root.Parent == null);

        /// <summary>A question put to one body's analysis: is this lock held at that call? Answered where the replay records.</summary>
        private sealed class LockProbe
        {
            public LockProbe(SyntaxNode site, int argumentOrdinal, ISymbol lockMember)
            {
                Site = site;
                ArgumentOrdinal = argumentOrdinal;
                LockMember = lockMember;
            }

            /// <summary>The call's syntax: the graph's operations are copies, the syntax is shared.</summary>
            public SyntaxNode Site { get; }

            public int ArgumentOrdinal { get; }

            public ISymbol LockMember { get; }

            /// <summary>Held on every recorded visit of the call; null when the call was not reached.</summary>
            public bool? Held { get; set; }
        }

        private sealed partial class BodyAnalysis
        {
            public LockProbe? Probe { get; set; }

            private void AnswerProbe(IInvocationOperation call, LockState state)
            {
                LockProbe probe = Probe!;
                LockPath? path = _paths.ObjectOf(ArgumentFor(call, probe.ArgumentOrdinal), state)?.Append(probe.LockMember);
                bool held = path != null && AtSite(state, call).IsHeld(path);
                probe.Held = (probe.Held ?? true) && held;
            }
        }
    }
}
