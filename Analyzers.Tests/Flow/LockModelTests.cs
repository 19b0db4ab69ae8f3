using System.Collections.Generic;
using System.Linq;
using System.Threading;
using IommuAnalyzers.Flow;
using IommuAnalyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;
using Xunit;

namespace IommuAnalyzers.Tests.Flow
{
    /// <summary>
    /// The engine on a lock model of its own: a toy mutex and a toy guard attribute, compiled without the Iommu
    /// runtime. Nothing in the engine knows the runtime's names, so the same flow results come out.
    /// </summary>
    public class LockModelTests
    {
        private const string Source = @"
namespace Toy
{
    public sealed class SpinMutex
    {
        public void Lock() { }
        public void Unlock() { }
        public bool TryLock() => true;
        public Scope Guard() => default;
        public bool IsLocked => false;
    }

    public struct Scope : System.IDisposable { public void Dispose() { } }

    [System.AttributeUsage(System.AttributeTargets.All)]
    public sealed class ProtectedBy : System.Attribute { public ProtectedBy(string lockExpression) { } }

    public sealed class Driver
    {
        private readonly SpinMutex _lock = new SpinMutex();
        [ProtectedBy(nameof(_lock))] private int _count;

        void Explicit() { _lock.Lock(); _count++; _lock.Unlock(); _count--; }
        void Scoped() { using (_lock.Guard()) { _count++; } _count--; }
        void Try() { if (!_lock.TryLock()) return; _count++; _lock.Unlock(); }
        bool NotAPrimitive() { return _lock.IsLocked && _count > 0; }
    }
}";

        private static (LockModel Model, CSharpCompilation Compilation, SyntaxTree Tree) Build()
        {
            SyntaxTree tree = CSharpSyntaxTree.ParseText(Source);
            CSharpCompilation compilation = CSharpCompilation.Create("Toy", new[] { tree }, TestReferences.Framework, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
            Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
            var model = new LockModel(
                compilation,
                compilation.GetTypeByMetadataName("Toy.SpinMutex"),
                compilation.GetTypeByMetadataName("Toy.Scope"),
                compilation.GetTypeByMetadataName("System.Threading.Monitor"),
                compilation.GetTypeByMetadataName("System.Threading.Lock"),
                new LockAnnotations(compilation.GetTypeByMetadataName("Toy.ProtectedBy"), null, null, null, null, null, null, null));
            return (model, compilation, tree);
        }

        private static IReadOnlyList<string> Accesses(string method)
        {
            (LockModel model, CSharpCompilation compilation, SyntaxTree tree) = Build();
            SemanticModel semantics = compilation.GetSemanticModel(tree);
            MethodDeclarationSyntax declaration = tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>().Single(m => m.Identifier.Text == method);
            ControlFlowGraph graph = ControlFlowGraph.Create((IMethodBodyOperation)semantics.GetOperation(declaration)!);
            LockFlowResult result = LockFlowAnalysis.Analyze(graph, semantics.GetDeclaredSymbol(declaration)!, new LockFlowContext(model), CancellationToken.None);
            return result.Events.Where(e => e.Kind == LockEventKind.GuardedAccess).OrderBy(e => e.Location.SourceSpan.Start).Select(e => e.Member!.Name + ": " + e.State).ToList();
        }

        [Fact]
        public void TheTable_DescribesTheToyMutex_BySymbol()
        {
            (LockModel model, CSharpCompilation compilation, _) = Build();
            INamedTypeSymbol mutex = compilation.GetTypeByMetadataName("Toy.SpinMutex")!;
            LockAction? Action(string name) => model.Primitive(mutex.GetMembers(name).OfType<IMethodSymbol>().Single())?.Action;

            Assert.Equal(LockAction.Acquire, Action("Lock"));
            Assert.Equal(LockAction.Release, Action("Unlock"));
            Assert.Equal(LockAction.TryAcquire, Action("TryLock"));
            Assert.Equal(LockAction.ScopedAcquire, Action("Guard"));
            Assert.Null(model.Primitive(((IPropertySymbol)mutex.GetMembers("IsLocked").Single()).GetMethod!));
            Assert.Equal(LockKind.KMutex, model.KindOf(mutex));
        }

        [Fact]
        public void ExplicitLockAndUnlock_OfAToyMutex() =>
            Assert.Equal(new[] { "_count: {this._lock}", "_count: {}" }, Accesses("Explicit"));

        [Fact]
        public void ScopedGuard_OfAToyMutex() =>
            Assert.Equal(new[] { "_count: {this._lock}", "_count: {}" }, Accesses("Scoped"));

        [Fact]
        public void TryLock_OfAToyMutex() =>
            Assert.Equal(new[] { "_count: {this._lock}" }, Accesses("Try"));

        [Fact]
        public void NearMiss_AMemberOfTheLockTypeThatIsNotInTheTable_TakesNothing() =>
            Assert.Equal(new[] { "_count: {}" }, Accesses("NotAPrimitive"));
    }
}
