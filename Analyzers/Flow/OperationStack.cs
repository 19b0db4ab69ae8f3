using System;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace IommuAnalyzers.Flow
{
    /// <summary>
    /// The work stack of a depth-first walk over an operation tree, kept per thread between walks. Every body is walked
    /// several times (the pre-scan, the subset check, the path table) and each walk grew a stack of its own from four
    /// entries: on the driver corpus those arrays were the largest single share of what the lock engine allocated.
    /// </summary>
    internal static class OperationStack
    {
        // A walk inside a walk (none today, but cheap to allow) rents a stack of its own; only one is kept per thread.
        [ThreadStatic]
        private static Stack<IOperation>? s_kept;

        public static Stack<IOperation> Rent()
        {
            Stack<IOperation>? stack = s_kept;
            if (stack == null)
            {
                return new Stack<IOperation>(64);
            }

            s_kept = null;
            return stack;
        }

        /// <summary>Gives the stack back once its walk is over (a walk that stops early leaves entries: they are dropped).</summary>
        public static void Return(Stack<IOperation> stack)
        {
            stack.Clear();
            s_kept = stack;
        }
    }
}
