using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace IommuAnalyzers.Flow
{
    /// <summary>What a reference to a field or property does to it.</summary>
    internal enum AccessKind
    {
        Read,

        /// <summary>Assigned (<c>=</c>, an <c>init</c>, a deconstruction target).</summary>
        Write,

        /// <summary>Read and written (<c>++</c>, <c>+=</c>, <c>??=</c>).</summary>
        ReadWrite,

        /// <summary>Passed as a <c>ref</c> or <c>out</c> argument: the callee may read and write it.</summary>
        ByReference,
    }

    /// <summary>Classifies member references for the engine (which accessor runs) and the messages ("written", not "read").</summary>
    internal static class AccessKinds
    {
        public static AccessKind Classify(IOperation reference)
        {
            // The graph lowers x ??= y into a read and a plain assignment, and captures the target of x += c ? 1 : 0
            // before the branches of its value; the syntax still says what was written.
            if (reference.Syntax.Parent is AssignmentExpressionSyntax written && written.Left == reference.Syntax)
            {
                if (written.IsKind(SyntaxKind.CoalesceAssignmentExpression))
                {
                    return AccessKind.ReadWrite;
                }

                if (reference.Parent is Microsoft.CodeAnalysis.FlowAnalysis.IFlowCaptureOperation)
                {
                    return written.IsKind(SyntaxKind.SimpleAssignmentExpression) ? AccessKind.Write : AccessKind.ReadWrite;
                }
            }

            IOperation current = reference;
            IOperation? parent = reference.Parent;
            while (parent is ITupleOperation)
            {
                current = parent;
                parent = parent.Parent;
            }

            switch (parent)
            {
                case IDeconstructionAssignmentOperation deconstruction:
                    return deconstruction.Target == current ? AccessKind.Write : AccessKind.Read;
                case ISimpleAssignmentOperation simple when current == reference:
                    return simple.Target == reference ? AccessKind.Write : AccessKind.Read;
                case IAssignmentOperation assignment when current == reference:
                    return assignment.Target == reference ? AccessKind.ReadWrite : AccessKind.Read;
                case IIncrementOrDecrementOperation _ when current == reference:
                    return AccessKind.ReadWrite;
                case IArgumentOperation argument when current == reference && argument.Parameter != null &&
                    (argument.Parameter.RefKind == RefKind.Ref || argument.Parameter.RefKind == RefKind.Out):
                    return AccessKind.ByReference;
                default:
                    return AccessKind.Read;
            }
        }

        public static bool IsWrite(IOperation reference) => Classify(reference) != AccessKind.Read;

        /// <summary>The verb of IOMMU0100's message.</summary>
        public static string Describe(IOperation? reference)
        {
            if (reference == null)
            {
                return "read";
            }

            switch (Classify(reference))
            {
                case AccessKind.Write:
                case AccessKind.ReadWrite:
                    return "written";
                case AccessKind.ByReference:
                    return "passed by reference";
                default:
                    return "read";
            }
        }
    }
}
