using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace IommuAnalyzers.Flow
{
    /// <summary>
    /// Lock-path canonicalisation for one control-flow graph: turns an operation into a <see cref="LockPath"/>,
    /// following flow captures (the graph's temporaries) and simple local aliases (<c>var g = dev.Group;</c>: a local
    /// written once, from a path, never by ref), and knows which locals and captures hold a scoped guard.
    /// </summary>
    internal sealed class OperationPaths
    {
        private const int MaxAliasDepth = 8;

        private readonly Dictionary<CaptureId, IOperation?> _captures = new Dictionary<CaptureId, IOperation?>();
        private readonly Dictionary<ILocalSymbol, IOperation?> _singleWrites = new Dictionary<ILocalSymbol, IOperation?>(SymbolEqualityComparer.Default);
        private readonly HashSet<ILocalSymbol> _multiplyWritten = new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default);
        private readonly LockFlowContext _context;

        public OperationPaths(ControlFlowGraph graph, LockFlowContext context)
        {
            ScopedLocks = new List<(Microsoft.CodeAnalysis.Text.TextSpan Span, LockPath Path, LockKind Kind, Location Site)>();
            _context = context;
            var stack = new Stack<IOperation>();
            foreach (BasicBlock block in graph.Blocks)
            {
                foreach (IOperation operation in block.Operations)
                {
                    stack.Push(operation);
                }

                if (block.BranchValue != null)
                {
                    stack.Push(block.BranchValue);
                }
            }

            while (stack.Count > 0)
            {
                IOperation operation = stack.Pop();
                if (operation is IFlowAnonymousFunctionOperation)
                {
                    continue;
                }

                Record(operation);
                foreach (IOperation child in operation.ChildOperations)
                {
                    stack.Push(child);
                }
            }
        }

        /// <summary>
        /// <c>lock</c> statements the graph did not lower (Roslyn 4.14 leaves a <c>lock</c> on a System.Threading.Lock as an
        /// invalid operation when nullable analysis is on): their lock counts as held for everything inside their body.
        /// </summary>
        public List<(Microsoft.CodeAnalysis.Text.TextSpan Span, LockPath Path, LockKind Kind, Location Site)> ScopedLocks { get; }

        /// <summary>The canonical path of the object <paramref name="operation"/> evaluates to, or null.</summary>
        public LockPath? PathOf(IOperation? operation) => PathOf(operation, 0);

        /// <summary>The lock released by disposing <paramref name="instance"/>, when it is a KMutex guard or a Lock scope.</summary>
        public LockPath? GuardedLockOf(IOperation? instance, out LockKind kind)
        {
            kind = LockKind.KMutex;
            IOperation? value = Unwrap(instance);
            for (int depth = 0; depth < MaxAliasDepth && value != null; depth++)
            {
                switch (value)
                {
                    case IFlowCaptureReferenceOperation capture:
                        value = _captures.TryGetValue(capture.Id, out IOperation? captured) ? Unwrap(captured) : null;
                        continue;
                    case ILocalReferenceOperation local:
                        value = _singleWrites.TryGetValue(local.Local, out IOperation? written) && !_multiplyWritten.Contains(local.Local) ? Unwrap(written) : null;
                        continue;
                    case IInvocationOperation invocation when invocation.Instance != null && invocation.Arguments.Length == 0:
                        if (invocation.TargetMethod.Name == "Guard" && _context.IsType(invocation.TargetMethod.ContainingType, _context.Symbols.KMutex))
                        {
                            kind = LockKind.KMutex;
                            return PathOf(invocation.Instance);
                        }

                        if (invocation.TargetMethod.Name == "EnterScope" && _context.IsType(invocation.TargetMethod.ContainingType, _context.Symbols.SystemThreadingLock))
                        {
                            kind = LockKind.ThreadingLock;
                            return PathOf(invocation.Instance);
                        }

                        return null;
                    default:
                        return null;
                }
            }

            return null;
        }

        /// <summary>
        /// The operation that produced the value <paramref name="instance"/> refers to, through the graph's captures and
        /// single-write locals (<c>using var g = Holder.Lock();</c> names the call), or null.
        /// </summary>
        public IOperation? GuardSource(IOperation? instance)
        {
            IOperation? value = Unwrap(instance);
            for (int depth = 0; depth < MaxAliasDepth && value != null; depth++)
            {
                switch (value)
                {
                    case IFlowCaptureReferenceOperation capture:
                        value = _captures.TryGetValue(capture.Id, out IOperation? captured) ? Unwrap(captured) : null;
                        continue;
                    case ILocalReferenceOperation local:
                        value = _singleWrites.TryGetValue(local.Local, out IOperation? written) && !_multiplyWritten.Contains(local.Local) ? Unwrap(written) : null;
                        continue;
                    default:
                        return value;
                }
            }

            return null;
        }

        public static IOperation? Unwrap(IOperation? operation)
        {
            while (operation is IConversionOperation conversion && !conversion.Conversion.IsUserDefined)
            {
                operation = conversion.Operand;
            }

            return operation;
        }

        private LockPath? PathOf(IOperation? operation, int depth)
        {
            operation = Unwrap(operation);
            if (operation == null || depth > MaxAliasDepth)
            {
                return null;
            }

            switch (operation)
            {
                case IInstanceReferenceOperation instance:
                    return instance.ReferenceKind == InstanceReferenceKind.ContainingTypeInstance ? LockPath.ForThis(instance.Type) : null;
                case IParameterReferenceOperation parameter:
                    return LockPath.ForParameter(parameter.Parameter);
                case ILocalReferenceOperation local:
                    if (!_multiplyWritten.Contains(local.Local) && _singleWrites.TryGetValue(local.Local, out IOperation? value) && value != null)
                    {
                        LockPath? aliased = PathOf(value, depth + 1);
                        if (aliased != null)
                        {
                            return aliased;
                        }
                    }

                    return LockPath.ForLocal(local.Local);
                case IFieldReferenceOperation field:
                    return field.Field.IsStatic ? LockPath.ForStatic(field.Field) : PathOf(field.Instance, depth)?.Append(field.Field);
                case IPropertyReferenceOperation property when property.Arguments.IsEmpty:
                    return property.Property.IsStatic ? LockPath.ForStatic(property.Property) : PathOf(property.Instance, depth)?.Append(property.Property);
                case IFlowCaptureReferenceOperation capture:
                    return _captures.TryGetValue(capture.Id, out IOperation? captured) ? PathOf(captured, depth + 1) : null;
                default:
                    return null;
            }
        }

        private void Record(IOperation operation)
        {
            switch (operation)
            {
                case IInvalidOperation invalid when invalid.Parent is IExpressionStatementOperation statement &&
                    statement.Syntax is Microsoft.CodeAnalysis.CSharp.Syntax.LockStatementSyntax lockStatement:
                    foreach (IOperation child in invalid.ChildOperations)
                    {
                        if (PathOf(child) is LockPath path)
                        {
                            LockKind kind = _context.IsType(child.Type, _context.Symbols.SystemThreadingLock) ? LockKind.ThreadingLock : LockKind.Monitor;
                            ScopedLocks.Add((lockStatement.Statement.Span, path, kind, lockStatement.Expression.GetLocation()));
                        }

                        break;
                    }

                    break;
                case IFlowCaptureOperation capture:
                    // A capture assigned on several branches (a ?: b) names one path only if every branch agrees.
                    if (_captures.TryGetValue(capture.Id, out IOperation? previous))
                    {
                        if (previous != null && !Equals(PathOf(previous), PathOf(capture.Value)))
                        {
                            _captures[capture.Id] = null;
                        }
                    }
                    else
                    {
                        _captures.Add(capture.Id, capture.Value);
                    }

                    break;
                case ILocalReferenceOperation local:
                    RecordLocalWrite(local);
                    break;
                case IDeclarationPatternOperation declaration when declaration.DeclaredSymbol is ILocalSymbol declared:
                    Write(declared, PatternValue(declaration));
                    break;
                case IRecursivePatternOperation recursive when recursive.DeclaredSymbol is ILocalSymbol declared:
                    Write(declared, PatternValue(recursive));
                    break;
            }
        }

        private static IOperation? PatternValue(IOperation pattern) => pattern.Parent is IIsPatternOperation isPattern ? isPattern.Value : null;

        private void RecordLocalWrite(ILocalReferenceOperation local)
        {
            if (local.Local.IsRef)
            {
                _multiplyWritten.Add(local.Local);
                return;
            }

            IOperation? parent = local.Parent;
            switch (parent)
            {
                case ISimpleAssignmentOperation assignment when assignment.Target == local:
                    Write(local.Local, assignment.IsRef ? null : assignment.Value);
                    break;
                case ICompoundAssignmentOperation compound when compound.Target == local:
                case ICoalesceAssignmentOperation coalesce when coalesce.Target == local:
                case IIncrementOrDecrementOperation _:
                case IArgumentOperation argument when argument.Parameter != null && argument.Parameter.RefKind != RefKind.None && argument.Parameter.RefKind != RefKind.In:
                case ITupleOperation _:
                case IDeclarationExpressionOperation _:
                case IAddressOfOperation _:
                    _multiplyWritten.Add(local.Local);
                    break;
            }
        }

        private void Write(ILocalSymbol local, IOperation? value)
        {
            if (_singleWrites.ContainsKey(local) || value == null)
            {
                _multiplyWritten.Add(local);
            }
            else
            {
                _singleWrites.Add(local, value);
            }
        }
    }
}
