using System;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace IommuAnalyzers.Flow
{
    /// <summary>What a lock primitive does to its lock.</summary>
    internal enum LockAction
    {
        /// <summary>Takes the lock (<c>m.Lock()</c>, <c>Monitor.Enter(o)</c>, <c>l.Enter()</c>).</summary>
        Acquire,

        /// <summary>Gives it back (<c>m.Unlock()</c>, <c>Monitor.Exit(o)</c>, <c>l.Exit()</c>).</summary>
        Release,

        /// <summary>Takes it when it returns true, or sets its taken flag (<c>m.TryLock()</c>, <c>Monitor.TryEnter(o, ref taken)</c>).</summary>
        TryAcquire,

        /// <summary>Takes it and returns a guard whose disposal gives it back (<c>m.Guard()</c>, <c>l.EnterScope()</c>).</summary>
        ScopedAcquire,
    }

    /// <summary>Which operand of a primitive is the lock.</summary>
    internal enum LockOperand
    {
        /// <summary>The receiver (<c>m.Lock()</c>).</summary>
        Receiver,

        /// <summary>The first argument (<c>Monitor.Enter(o)</c>).</summary>
        FirstArgument,
    }

    /// <summary>One lock primitive: what it does, to which operand, and how the lock behaves.</summary>
    internal readonly struct LockPrimitive
    {
        public LockPrimitive(LockAction action, LockOperand operand, LockKind kind, bool takenFlag)
        {
            Action = action;
            Operand = operand;
            Kind = kind;
            TakenFlag = takenFlag;
        }

        public LockAction Action { get; }

        public LockOperand Operand { get; }

        public LockKind Kind { get; }

        /// <summary>The last parameter is a <c>ref bool lockTaken</c> that tells whether the lock was taken.</summary>
        public bool TakenFlag { get; }
    }

    /// <summary>
    /// The engine's own small model of locks: the lock types, the annotation attributes, and one table of the
    /// primitives (locks described as data, as Error Prone's lock-resource table does). The domain fills it in (the
    /// Iommu runtime's <c>KMutex</c> and attributes, filled in by <c>IommuSymbols.LockModel</c>), and a test can fill it
    /// with any lock type; nothing else in the engine knows a primitive by name.
    /// </summary>
    internal sealed class LockModel
    {
        // The built-in table: (method name, action, operand) per kind of lock type. The only place primitive names appear.
        private static readonly (string Name, LockAction Action)[] s_mutexMethods =
        {
            ("Lock", LockAction.Acquire), ("Unlock", LockAction.Release), ("TryLock", LockAction.TryAcquire), ("Guard", LockAction.ScopedAcquire),
        };

        private static readonly (string Name, LockAction Action)[] s_monitorMethods =
        {
            ("Enter", LockAction.Acquire), ("Exit", LockAction.Release), ("TryEnter", LockAction.TryAcquire),
        };

        private static readonly (string Name, LockAction Action)[] s_threadingLockMethods =
        {
            ("Enter", LockAction.Acquire), ("Exit", LockAction.Release), ("TryEnter", LockAction.TryAcquire), ("EnterScope", LockAction.ScopedAcquire),
        };

        private readonly Dictionary<IMethodSymbol, LockPrimitive> _primitives = new Dictionary<IMethodSymbol, LockPrimitive>(SymbolEqualityComparer.Default);

        public LockModel(
            Compilation compilation,
            INamedTypeSymbol? mutexType,
            INamedTypeSymbol? scopedGuardType,
            INamedTypeSymbol? monitorType,
            INamedTypeSymbol? threadingLockType,
            LockAnnotations annotations)
        {
            Compilation = compilation;
            MutexType = mutexType;
            ScopedGuardType = scopedGuardType;
            MonitorType = monitorType;
            ThreadingLockType = threadingLockType;
            Annotations = annotations;
            MonitorEnterWithFlag = FindMethod(monitorType, "Enter", m => m.Parameters.Length == 2 && m.Parameters[1].RefKind == RefKind.Ref);
            MonitorExit = FindMethod(monitorType, "Exit", m => m.Parameters.Length == 1);
            DisposableDispose = FindMethod(compilation.GetSpecialType(SpecialType.System_IDisposable), "Dispose", m => m.Parameters.IsEmpty);
            AddPrimitives(mutexType, s_mutexMethods, LockOperand.Receiver, LockKind.KMutex);
            AddPrimitives(monitorType, s_monitorMethods, LockOperand.FirstArgument, LockKind.Monitor);
            AddPrimitives(threadingLockType, s_threadingLockMethods, LockOperand.Receiver, LockKind.ThreadingLock);
        }

        public Compilation Compilation { get; }

        /// <summary>The non-recursive mutex (<c>Iommu.KMutex</c>): Lock, Unlock, TryLock, Guard.</summary>
        public INamedTypeSymbol? MutexType { get; }

        /// <summary>The guard the mutex's scoped acquire returns (<c>Iommu.MutexGuard</c>).</summary>
        public INamedTypeSymbol? ScopedGuardType { get; }

        /// <summary><c>System.Threading.Monitor</c>.</summary>
        public INamedTypeSymbol? MonitorType { get; }

        /// <summary><c>System.Threading.Lock</c> (.NET 9+); null on older targets.</summary>
        public INamedTypeSymbol? ThreadingLockType { get; }

        public LockAnnotations Annotations { get; }

        /// <summary><c>Monitor.Enter(object, ref bool)</c>: what the graph lowers a <c>lock</c> statement's entry to.</summary>
        public IMethodSymbol? MonitorEnterWithFlag { get; }

        /// <summary><c>Monitor.Exit(object)</c>: what the graph lowers a <c>lock</c> statement's release to.</summary>
        public IMethodSymbol? MonitorExit { get; }

        /// <summary><c>IDisposable.Dispose()</c>: what the graph lowers the end of a <c>using</c> of a guard to (a ref struct's own Dispose aside).</summary>
        public IMethodSymbol? DisposableDispose { get; }

        /// <summary>The first method named <paramref name="name"/> of <paramref name="type"/> that <paramref name="matches"/>, or null.</summary>
        public static IMethodSymbol? FindMethod(ITypeSymbol? type, string name, Func<IMethodSymbol, bool> matches)
        {
            if (type == null)
            {
                return null;
            }

            foreach (ISymbol member in type.GetMembers(name))
            {
                if (member is IMethodSymbol method && matches(method))
                {
                    return method;
                }
            }

            return null;
        }

        /// <summary>What <paramref name="method"/> does to a lock, when it is one of the primitives.</summary>
        public LockPrimitive? Primitive(IMethodSymbol method) =>
            _primitives.TryGetValue(method.OriginalDefinition, out LockPrimitive primitive) ? primitive : (LockPrimitive?)null;

        /// <summary>Whether <paramref name="type"/> is one of the lock types (its methods are lock-relevant).</summary>
        public bool IsLockType(ITypeSymbol? type) =>
            type != null && (Is(type, MutexType) || Is(type, MonitorType) || Is(type, ThreadingLockType));

        /// <summary>How an object of <paramref name="type"/> behaves as a lock: the mutex, a Lock, or any object used with a monitor.</summary>
        public LockKind KindOf(ITypeSymbol? type) =>
            Is(type, MutexType) ? LockKind.KMutex : Is(type, ThreadingLockType) ? LockKind.ThreadingLock : LockKind.Monitor;

        private static bool Is(ITypeSymbol? type, INamedTypeSymbol? expected) =>
            type != null && expected != null && SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, expected);

        private void AddPrimitives(INamedTypeSymbol? type, (string Name, LockAction Action)[] methods, LockOperand operand, LockKind kind)
        {
            if (type == null)
            {
                return;
            }

            foreach ((string name, LockAction action) in methods)
            {
                foreach (ISymbol member in type.GetMembers(name))
                {
                    if (!(member is IMethodSymbol method) || (operand == LockOperand.FirstArgument && method.Parameters.IsEmpty))
                    {
                        continue;
                    }

                    // A try-acquire either returns whether it took the lock or reports it through a ref bool.
                    bool takenFlag = method.Parameters.Length > 0 && method.Parameters[method.Parameters.Length - 1] is { RefKind: RefKind.Ref, Type.SpecialType: SpecialType.System_Boolean };
                    if (action == LockAction.TryAcquire && !takenFlag && method.ReturnType.SpecialType != SpecialType.System_Boolean)
                    {
                        continue;
                    }

                    _primitives[method.OriginalDefinition] = new LockPrimitive(action, operand, kind, takenFlag);
                }
            }
        }
    }

    /// <summary>The annotation attributes the engine reads (each may be absent).</summary>
    internal sealed class LockAnnotations
    {
        public LockAnnotations(
            INamedTypeSymbol? guardedBy,
            INamedTypeSymbol? requiresLock,
            INamedTypeSymbol? acquiresLock,
            INamedTypeSymbol? releasesLock,
            INamedTypeSymbol? excludesLock,
            INamedTypeSymbol? noLockAnalysis,
            INamedTypeSymbol? acquiredBefore,
            INamedTypeSymbol? acquiredAfter)
        {
            GuardedByAttribute = guardedBy;
            RequiresLockAttribute = requiresLock;
            AcquiresLockAttribute = acquiresLock;
            ReleasesLockAttribute = releasesLock;
            ExcludesLockAttribute = excludesLock;
            NoLockAnalysisAttribute = noLockAnalysis;
            AcquiredBeforeAttribute = acquiredBefore;
            AcquiredAfterAttribute = acquiredAfter;
        }

        public INamedTypeSymbol? GuardedByAttribute { get; }

        public INamedTypeSymbol? RequiresLockAttribute { get; }

        public INamedTypeSymbol? AcquiresLockAttribute { get; }

        public INamedTypeSymbol? ReleasesLockAttribute { get; }

        public INamedTypeSymbol? ExcludesLockAttribute { get; }

        public INamedTypeSymbol? NoLockAnalysisAttribute { get; }

        public INamedTypeSymbol? AcquiredBeforeAttribute { get; }

        public INamedTypeSymbol? AcquiredAfterAttribute { get; }

        /// <summary>The first application of <paramref name="attributeType"/> on the symbol, or null.</summary>
        public static AttributeData? Find(ISymbol symbol, INamedTypeSymbol? attributeType)
        {
            if (attributeType == null)
            {
                return null;
            }

            foreach (AttributeData attribute in symbol.GetAttributes())
            {
                if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, attributeType))
                {
                    return attribute;
                }
            }

            return null;
        }
    }
}
