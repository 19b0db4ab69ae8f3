using IommuAnalyzers.Flow;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace IommuAnalyzers.Locking.Inference
{
    /// <summary>
    /// Tells the accesses that are lock-free by design, or that happen before anyone else can see the object, from the
    /// ones that count as evidence. From the syntax and the semantic model, so that an access found by the flow engine
    /// (whose operations are the graph's) and one found by the pre-scan are judged alike.
    /// </summary>
    internal static class AccessSiteShapes
    {
        public static AccessSiteShape Classify(ISymbol owner, IMemberReferenceOperation access, AccessKind kind, SemanticModel model, LockModel locks)
        {
            SyntaxNode reference = access.Syntax;
            if (IsTestCode(owner))
            {
                return AccessSiteShape.TestCode;
            }

            if (kind == AccessKind.ByReference && IsLockFreeCall(reference, model))
            {
                return AccessSiteShape.LockFreeApi;
            }

            if (IsBeforePublication(access))
            {
                return AccessSiteShape.Startup;
            }

            if (kind == AccessKind.Read && IsDoubleCheckedTest(reference, model, locks))
            {
                return AccessSiteShape.DoubleCheckedRead;
            }

            return AccessSiteShape.Counted;
        }

        /// <summary>Whether a write stores a whole new value: a plain assignment, or the lazy <c>x ??= v</c>.</summary>
        public static bool ReplacesWhole(IMemberReferenceOperation access, AccessKind kind) =>
            kind == AccessKind.Write ||
            (kind == AccessKind.ReadWrite && access.Syntax.Parent is AssignmentExpressionSyntax assignment && assignment.Left == access.Syntax && assignment.IsKind(SyntaxKind.CoalesceAssignmentExpression));

        /// <summary><c>Volatile.Read(ref x)</c>, <c>Interlocked.Increment(ref x)</c> and the like.</summary>
        private static bool IsLockFreeCall(SyntaxNode reference, SemanticModel model)
        {
            if (!(reference.Parent is ArgumentSyntax { Parent: ArgumentListSyntax { Parent: InvocationExpressionSyntax invocation } }))
            {
                return false;
            }

            return model.GetSymbolInfo(invocation).Symbol is IMethodSymbol method &&
                method.ContainingType is { Name: "Volatile" or "Interlocked" } type && type.ContainingNamespace?.ToDisplayString() == "System.Threading";
        }

        /// <summary>An object initializer's member, or a member of a local that holds an object this body just created.</summary>
        private static bool IsBeforePublication(IMemberReferenceOperation access)
        {
            SyntaxNode reference = access.Syntax;
            if (reference.Parent is AssignmentExpressionSyntax { Parent: InitializerExpressionSyntax initializer } assignment && assignment.Left == reference &&
                initializer.IsKind(SyntaxKind.ObjectInitializerExpression))
            {
                return true;
            }

            if (!(OperationPaths.Unwrap(access.Instance) is ILocalReferenceOperation receiver))
            {
                return false;
            }

            foreach (SyntaxReference declaration in receiver.Local.DeclaringSyntaxReferences)
            {
                if (declaration.GetSyntax() is VariableDeclaratorSyntax { Initializer: { Value: BaseObjectCreationExpressionSyntax _ } })
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>A read in an <c>if</c> condition whose branch takes a lock (where the test is repeated).</summary>
        private static bool IsDoubleCheckedTest(SyntaxNode reference, SemanticModel model, LockModel locks)
        {
            for (SyntaxNode? node = reference.Parent; node != null && !(node is StatementSyntax && !(node is IfStatementSyntax)); node = node.Parent)
            {
                if (node is IfStatementSyntax test && test.Condition.Span.Contains(reference.Span))
                {
                    return TakesLock(test.Statement, model, locks);
                }
            }

            return false;
        }

        private static bool TakesLock(StatementSyntax statement, SemanticModel model, LockModel locks)
        {
            foreach (SyntaxNode node in statement.DescendantNodesAndSelf())
            {
                switch (node)
                {
                    case LockStatementSyntax _:
                        return true;
                    case InvocationExpressionSyntax invocation when model.GetSymbolInfo(invocation).Symbol is IMethodSymbol method &&
                        locks.Primitive(method) is LockPrimitive primitive && primitive.Action != LockAction.Release:
                        return true;
                }
            }

            return false;
        }

        private static bool IsTestCode(ISymbol owner)
        {
            for (ISymbol? scope = owner; scope != null && !(scope is INamespaceSymbol); scope = scope.ContainingSymbol)
            {
                foreach (AttributeData attribute in scope.GetAttributes())
                {
                    switch (attribute.AttributeClass?.Name)
                    {
                        case "FactAttribute":
                        case "TheoryAttribute":
                        case "TestAttribute":
                        case "TestCaseAttribute":
                        case "TestMethodAttribute":
                        case "DataTestMethodAttribute":
                        case "TestClassAttribute":
                        case "TestFixtureAttribute":
                            return true;
                    }
                }
            }

            return false;
        }
    }
}
