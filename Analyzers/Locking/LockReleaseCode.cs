using System.Collections.Immutable;
using System.Linq;
using IommuAnalyzers.Flow;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace IommuAnalyzers.Locking
{
    /// <summary>
    /// The statement that gives a held lock back the way it was taken, for IOMMU0101's release fix: the primitive's
    /// own release on the receiver the acquiring call wrote (<c>group.Mutex.Unlock()</c>, <c>Monitor.Exit(o)</c>),
    /// <c>guard.Dispose()</c> for a guard kept in a local, and the <c>[ReleasesLock]</c> partner of an
    /// <c>[AcquiresLock]</c> helper (<c>Gate.Release()</c> after <c>Gate.Lock()</c>). Where the lock was taken in a way
    /// no statement at the exit can undo (a guard that was never kept, a helper without a partner on a lock type of
    /// the code's own), there is no release, and so no fix.
    /// </summary>
    internal readonly struct LockReleaseCode
    {
        private LockReleaseCode(string lockText, string statement)
        {
            LockText = lockText;
            Statement = statement;
        }

        /// <summary>The lock as the acquisition wrote it (for the fix's title and the scoped-guard rewrite).</summary>
        public string LockText { get; }

        /// <summary>The release statement, valid at the exit.</summary>
        public string Statement { get; }

        public static LockReleaseCode? For(LockRuleContext context, HeldLock held, int exit)
        {
            if (held.Path.IsOpaque || !(AcquiringCall(held.AcquiredAt) is InvocationExpressionSyntax call) ||
                !(context.Model.GetSymbolInfo(call).Symbol is IMethodSymbol method))
            {
                return null;
            }

            if (context.Locks.Primitive(method) is LockPrimitive primitive)
            {
                ExpressionSyntax? operand = primitive.Operand == LockOperand.Receiver
                    ? (call.Expression as MemberAccessExpressionSyntax)?.Expression
                    : call.ArgumentList.Arguments.Count > 0 ? call.ArgumentList.Arguments[0].Expression : null;
                if (operand == null || !LockCodeText.BindsAlike(context.Model, operand.ToString(), call.SpanStart, exit))
                {
                    return null;
                }

                string text = operand.ToString();
                string? statement = primitive.Action == LockAction.ScopedAcquire ? GuardDisposal(context, call, exit) : PrimitiveRelease(context, primitive.Kind, text, exit);
                return statement == null ? (LockReleaseCode?)null : new LockReleaseCode(text, statement);
            }

            AttributeData? acquires = LockAnnotations.Find(method, context.Locks.Annotations.AcquiresLockAttribute);
            if (acquires == null)
            {
                return null;
            }

            string? lockText = LockCodeText.At(context.Model, held.Path, exit, null);
            if (!method.ReturnsVoid)
            {
                // The helper hands back the guard (Ring.Hold() => _mutex.Guard()): disposing it is the release.
                string? disposal = GuardDisposal(context, call, exit);
                return disposal == null ? (LockReleaseCode?)null : new LockReleaseCode(lockText ?? held.Path.ToString(), disposal);
            }

            if (PartnerCall(context, call, method, acquires, exit) is string partner)
            {
                return new LockReleaseCode(lockText ?? held.Path.ToString(), partner);
            }

            // A helper without a partner that takes a primitive lock (Acquire(ring) => ring.Mutex.Lock()): the
            // primitive's release on the lock itself, where its text names it at the exit. Not for a lock type of the
            // code's own, whose object is not the monitor its helpers take.
            if (lockText == null || IsOwnLockType(context, held.Path.Type))
            {
                return null;
            }

            string? release = PrimitiveRelease(context, held.Kind, lockText, exit);
            return release == null ? (LockReleaseCode?)null : new LockReleaseCode(lockText, release);
        }

        /// <summary>
        /// Whether <paramref name="type"/> is a lock of the code's own: it declares an <c>[AcquiresLock("this")]</c>
        /// method. Such an object is locked through its helpers; <c>lock (x)</c> or <c>Monitor.Exit(x)</c> on it would
        /// take or give back its monitor, another lock that only the analyzer would think the same.
        /// </summary>
        public static bool IsOwnLockType(LockRuleContext context, ITypeSymbol? type)
        {
            if (type == null || context.Locks.IsLockType(type))
            {
                return false;
            }

            foreach (ISymbol member in type.GetMembers())
            {
                if (member is IMethodSymbol method && !method.IsStatic &&
                    LockAnnotations.Find(method, context.Locks.Annotations.AcquiresLockAttribute) is AttributeData attribute && Texts(attribute) is { Length: 1 } texts && texts[0] == "this")
                {
                    return true;
                }
            }

            return false;
        }

        private static InvocationExpressionSyntax? AcquiringCall(Location? acquiredAt)
        {
            if (acquiredAt?.SourceTree == null || !acquiredAt.SourceTree.TryGetRoot(out SyntaxNode? root) || !root.FullSpan.Contains(acquiredAt.SourceSpan))
            {
                return null;
            }

            return root.FindNode(acquiredAt.SourceSpan, getInnermostNodeForTie: true) as InvocationExpressionSyntax;
        }

        private static string? PrimitiveRelease(LockRuleContext context, LockKind kind, string lockText, int exit) => kind switch
        {
            LockKind.KMutex => lockText + ".Unlock();",
            LockKind.ThreadingLock => lockText + ".Exit();",
            _ => context.Locks.MonitorType is INamedTypeSymbol monitor ? monitor.ToMinimalDisplayString(context.Model, exit) + ".Exit(" + lockText + ");" : null,
        };

        /// <summary>
        /// <c>guard.Dispose();</c> for a guard the code kept in a local (<c>var guard = m.Guard();</c>,
        /// <c>guard = ring.Hold();</c>) that still names it at the exit. A guard kept nowhere cannot be given back.
        /// </summary>
        private static string? GuardDisposal(LockRuleContext context, InvocationExpressionSyntax call, int exit)
        {
            SyntaxNode? parent = call.Parent;
            while (parent is ParenthesizedExpressionSyntax)
            {
                parent = parent.Parent;
            }

            string? name = parent switch
            {
                EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax { Parent: LocalDeclarationStatementSyntax { UsingKeyword.RawKind: 0 } } } declarator } => declarator.Identifier.ValueText,
                AssignmentExpressionSyntax { Left: IdentifierNameSyntax target } assignment when assignment.IsKind(SyntaxKind.SimpleAssignmentExpression) && assignment.Right == call => target.Identifier.ValueText,
                _ => null,
            };

            if (name == null)
            {
                return null;
            }

            string text = SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;
            return context.Model.GetSpeculativeSymbolInfo(exit, SyntaxFactory.IdentifierName(text), SpeculativeBindingOption.BindAsExpression).Symbol is ILocalSymbol
                ? text + ".Dispose();"
                : null;
        }

        /// <summary>
        /// The call of the acquiring helper's partner: a method of the same type with <c>[ReleasesLock]</c> on the same
        /// lock texts and the same parameters, on the same receiver with the same arguments (<c>Gate.Release()</c>).
        /// </summary>
        private static string? PartnerCall(LockRuleContext context, InvocationExpressionSyntax call, IMethodSymbol acquire, AttributeData acquires, int exit)
        {
            ImmutableArray<string> locks = Texts(acquires);
            foreach (ISymbol member in acquire.ContainingType.GetMembers())
            {
                if (!(member is IMethodSymbol release) || !release.ReturnsVoid || release.IsStatic != acquire.IsStatic || release.Parameters.Length != acquire.Parameters.Length ||
                    !(LockAnnotations.Find(release, context.Locks.Annotations.ReleasesLockAttribute) is AttributeData releases) || !Texts(releases).SequenceEqual(locks) ||
                    !context.Model.IsAccessible(exit, release) || !SameParameters(acquire, release) || !ArgumentsArePlain(call))
                {
                    continue;
                }

                string callee = call.Expression switch
                {
                    MemberAccessExpressionSyntax access when access.IsKind(SyntaxKind.SimpleMemberAccessExpression) => access.Expression + "." + release.Name,
                    IdentifierNameSyntax _ => release.Name,
                    _ => string.Empty,
                };
                if (callee.Length == 0 || (call.Expression is MemberAccessExpressionSyntax receiver && !LockCodeText.BindsAlike(context.Model, receiver.Expression.ToString(), call.SpanStart, exit)))
                {
                    return null;
                }

                return callee + call.ArgumentList + ";";
            }

            return null;
        }

        private static bool SameParameters(IMethodSymbol a, IMethodSymbol b)
        {
            for (int i = 0; i < a.Parameters.Length; i++)
            {
                if (!SymbolEqualityComparer.Default.Equals(a.Parameters[i].Type, b.Parameters[i].Type) || a.Parameters[i].RefKind != b.Parameters[i].RefKind)
                {
                    return false;
                }
            }

            return true;
        }

        // Arguments written again at the exit must mean what they meant at the acquisition: names and literals only.
        private static bool ArgumentsArePlain(InvocationExpressionSyntax call)
        {
            foreach (ArgumentSyntax argument in call.ArgumentList.Arguments)
            {
                if (!(argument.Expression is IdentifierNameSyntax || argument.Expression is LiteralExpressionSyntax || argument.Expression is ThisExpressionSyntax ||
                    argument.Expression is MemberAccessExpressionSyntax))
                {
                    return false;
                }
            }

            return true;
        }

        private static ImmutableArray<string> Texts(AttributeData attribute)
        {
            ImmutableArray<string>.Builder texts = ImmutableArray.CreateBuilder<string>();
            foreach (TypedConstant argument in attribute.ConstructorArguments)
            {
                if (argument.Kind == TypedConstantKind.Array)
                {
                    foreach (TypedConstant element in argument.Values)
                    {
                        texts.Add(element.Value as string ?? string.Empty);
                    }
                }
                else
                {
                    texts.Add(argument.Value as string ?? string.Empty);
                }
            }

            return texts.ToImmutable();
        }
    }
}
