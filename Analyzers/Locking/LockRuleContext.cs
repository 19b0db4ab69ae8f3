using System;
using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using IommuAnalyzers.Flow;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace IommuAnalyzers.Locking
{
    /// <summary>The keys of <see cref="Diagnostic.Properties"/> the lock rules fill for their fixes.</summary>
    internal static class LockDiagnosticProperties
    {
        /// <summary>The lock object as a C# expression valid at the diagnostic (<c>group.Mutex</c>, <c>Mutex</c>, <c>this</c>, <c>Registry.Lock</c>).</summary>
        public const string LockExpression = "LockExpression";

        /// <summary><c>KMutex</c>, <c>Monitor</c> or <c>Lock</c> (System.Threading.Lock): which wrapping the fix writes.</summary>
        public const string LockKind = "LockKind";

        /// <summary>The argument of a <c>[RequiresLock]</c> for the enclosing method; absent when the lock is not rooted at <c>this</c> or its parameters.</summary>
        public const string RequiresLockArgument = "RequiresLockArgument";

        /// <summary>For IOMMU0101: <c>Return</c>, <c>Throw</c> or <c>EndOfBody</c>.</summary>
        public const string ExitKind = "ExitKind";

        /// <summary>
        /// For IOMMU0101: the statement that gives the lock back the way it was taken (<c>m.Unlock();</c>,
        /// <c>guard.Dispose();</c>, <c>Gate.Release();</c>), valid at the exit; absent when none can.
        /// </summary>
        public const string ReleaseStatement = "ReleaseStatement";

        /// <summary>
        /// For IOMMU0100: the access's statement follows, in the same statement list, an explicit release of its lock
        /// (<c>Unlock()</c>, <c>Monitor.Exit</c>, <c>Exit()</c>) that ran with the lock held on every path, and no other
        /// use of the lock lies between them: how many statements back that release is. The fix widens that section.
        /// </summary>
        public const string ReleaseStatementsBack = "ReleaseStatementsBack";

        /// <summary>
        /// For a wrap: the lock's class (the member that declares it, as a documentation ID), as IOMMU0108 and lockdep
        /// key locks. Absent for a lock without one (a local, a parameter, <c>this</c>).
        /// </summary>
        public const string LockClass = "LockClass";

        /// <summary>For a wrap: the classes of the other locks held at the site, ';'-separated (absent when none): the wrap would nest inside them.</summary>
        public const string HeldLockClasses = "HeldLockClasses";

        /// <summary>With <see cref="ReleaseStatementsBack"/>: the release call as written (<c>_lock.Unlock()</c>), so the fix finds that very statement.</summary>
        public const string ReleaseCall = "ReleaseCall";

        /// <summary>
        /// For a wrap: where the body itself takes the same lock (every acquisition of it, TryLock included), as
        /// ';'-separated <c>start,length</c> spans. A wrap around any of them would take the lock a second time.
        /// </summary>
        public const string TakenAt = "TakenAt";

        public const string KMutexKind = "KMutex";
        public const string MonitorKind = "Monitor";
        public const string ThreadingLockKind = "Lock";
    }

    /// <summary>What a lock rule sees of one analysed body, and how it reports.</summary>
    internal sealed class LockRuleContext
    {
        private readonly Action<Diagnostic> _report;

        public LockRuleContext(LockFlowResult result, SemanticModel model, LockModel locks, Action<Diagnostic> report)
        {
            Result = result;
            Model = model;
            Locks = locks;
            _report = report;
        }

        public LockFlowResult Result { get; }

        /// <summary>The lock primitives (to tell a primitive's release from a <c>[ReleasesLock]</c> helper's).</summary>
        public LockModel Locks { get; }

        public SemanticModel Model { get; }

        public void Report(Diagnostic diagnostic) => _report(diagnostic);

        /// <summary>The properties a wrap-in-lock / add-[RequiresLock] fix needs for <paramref name="path"/> at <paramref name="location"/>.</summary>
        public ImmutableDictionary<string, string?> FixProperties(LockPath path, LockKind kind, Location location, string? asWritten = null, LockState? state = null)
        {
            ImmutableDictionary<string, string?>.Builder properties = ImmutableDictionary.CreateBuilder<string, string?>();
            if (state != null)
            {
                AddLockClasses(properties, path, state);
                AddAcquisitions(properties, path);
            }

            // A lock type of the code's own is taken through its helpers: `lock (x)` on it would take another lock.
            string? code = kind == LockKind.Monitor && LockReleaseCode.IsOwnLockType(this, path.Type) ? null : LockCodeText.At(Model, path, location.SourceSpan.Start, asWritten);
            if (code != null)
            {
                properties[LockDiagnosticProperties.LockExpression] = code;
            }

            properties[LockDiagnosticProperties.LockKind] = KindText(kind);
            if (CanRequireOnOwner(path))
            {
                properties[LockDiagnosticProperties.RequiresLockArgument] = path.ToAttributeExpression();
            }

            return properties.ToImmutable();
        }

        /// <summary>What a fix needs to keep a wrap from nesting a lock inside another of its class, or against an order.</summary>
        private static void AddLockClasses(ImmutableDictionary<string, string?>.Builder properties, LockPath path, LockState state)
        {
            if (LockOrderGraph.ClassOf(path)?.GetDocumentationCommentId() is string own)
            {
                properties[LockDiagnosticProperties.LockClass] = own;
            }

            var held = new StringBuilder();
            foreach (HeldLock lockHeld in state.Locks)
            {
                if (!lockHeld.Path.Equals(path) && LockOrderGraph.ClassOf(lockHeld.Path)?.GetDocumentationCommentId() is string id)
                {
                    held.Append(held.Length == 0 ? "" : ";").Append(id);
                }
            }

            if (held.Length > 0)
            {
                properties[LockDiagnosticProperties.HeldLockClasses] = held.ToString();
            }
        }

        private void AddAcquisitions(ImmutableDictionary<string, string?>.Builder properties, LockPath path)
        {
            var spans = new StringBuilder();
            foreach (LockEvent lockEvent in Result.Events)
            {
                if (lockEvent.Kind == LockEventKind.Acquire && path.Equals(lockEvent.Lock))
                {
                    Microsoft.CodeAnalysis.Text.TextSpan span = lockEvent.Location.SourceSpan;
                    spans.Append(spans.Length == 0 ? "" : ";").Append(span.Start.ToString(CultureInfo.InvariantCulture)).Append(',').Append(span.Length.ToString(CultureInfo.InvariantCulture));
                }
            }

            if (spans.Length > 0)
            {
                properties[LockDiagnosticProperties.TakenAt] = spans.ToString();
            }
        }

        public static string KindText(LockKind kind) => kind switch
        {
            LockKind.KMutex => LockDiagnosticProperties.KMutexKind,
            LockKind.ThreadingLock => LockDiagnosticProperties.ThreadingLockKind,
            _ => LockDiagnosticProperties.MonitorKind,
        };

        /// <summary>"line 12" (1-based) for where a lock was taken, or "entry" when the body starts with it held.</summary>
        public static string Where(HeldLock held) =>
            held.AcquiredAt == null ? "entry" : "line " + (held.AcquiredAt.GetLineSpan().StartLinePosition.Line + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);

        private bool CanRequireOnOwner(LockPath path)
        {
            if (!(Result.Owner is IMethodSymbol method) ||
                !(method.MethodKind == MethodKind.Ordinary || method.MethodKind == MethodKind.Constructor || method.MethodKind == MethodKind.LocalFunction))
            {
                return false;
            }

            bool rootedAtOwner = !path.HasElements && path.Version == null && path.RootKind switch
            {
                LockPathRootKind.This => !method.IsStatic && NamedFromOwner(method, path),
                LockPathRootKind.Parameter => SymbolEqualityComparer.Default.Equals(path.Root?.ContainingSymbol, method),
                _ => false,
            };

            // A body that takes the lock itself (kernel style: lock, touch, unlock, then touch again by mistake) cannot
            // require it of its callers: its own acquire would then be a self-deadlock (IOMMU0103).
            return rootedAtOwner && !AcquiresInBody(path);
        }

        /// <summary>
        /// Whether the attribute's text (the member names from <c>this</c>) finds the path's own first member when the
        /// method's annotation is read: a member of the class that hides a base class's (<c>new KMutex MyLock</c>), or
        /// a parameter of the same name, would make <c>[RequiresLock("MyLock")]</c> name another lock.
        /// </summary>
        private static bool NamedFromOwner(IMethodSymbol method, LockPath path)
        {
            ImmutableArray<ISymbol> members = path.Members;
            if (members.IsEmpty)
            {
                return true;
            }

            foreach (IParameterSymbol parameter in method.Parameters)
            {
                if (parameter.Name == members[0].Name)
                {
                    return false;
                }
            }

            return LockExpressionResolver.FindMember(method.ContainingType, members[0].Name) is ISymbol found &&
                SymbolEqualityComparer.Default.Equals(found.OriginalDefinition, members[0].OriginalDefinition);
        }

        private bool AcquiresInBody(LockPath path)
        {
            foreach (LockEvent lockEvent in Result.Events)
            {
                if (lockEvent.Kind == LockEventKind.Acquire && path.Equals(lockEvent.Lock))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
