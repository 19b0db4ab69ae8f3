using System;
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
    /// The engine's <see cref="LockEventKind.SynchronousLambda"/> events (a lambda run on the spot, with the state it is
    /// created in) and the analysis of such a lambda from that state, nested lambdas included.
    /// </summary>
    public class SynchronousLambdaFlowTests
    {
        private static string Port(string members) => @"using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Iommu;

class Port
{
    private readonly KMutex _mutex = new KMutex();
    [GuardedBy(nameof(_mutex))] private int _count;
    private IEnumerable<int> _query = Array.Empty<int>();

" + members + @"
}";

        /// <summary>The method's result, and each lambda it creates on the spot analysed from its recorded state (recursively).</summary>
        private sealed class Run
        {
            public Run(string members)
            {
                Source = Port(members);
                SyntaxTree tree = CSharpSyntaxTree.ParseText(Source, new CSharpParseOptions(LanguageVersion.Latest));
                CSharpCompilation compilation = CSharpCompilation.Create("FlowTests", new[] { tree }, TestReferences.WithRuntime,
                    new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
                Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
                SemanticModel model = compilation.GetSemanticModel(tree);
                MethodDeclarationSyntax method = tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>().Single(m => m.Identifier.Text == "F");
                ControlFlowGraph graph = ControlFlowGraph.Create((IMethodBodyOperation)model.GetOperation(method)!);
                Context = new LockFlowContext(IommuSymbols.TryCreate(compilation)!.LockModel);
                Method = LockFlowAnalysis.Analyze(graph, model.GetDeclaredSymbol(method)!, Context, CancellationToken.None);
                Collect(graph, Method);
            }

            public string Source { get; }

            public LockFlowContext Context { get; }

            public LockFlowResult Method { get; }

            /// <summary>Every lambda run on the spot, outermost first, as "lambda text: {entry state}".</summary>
            public List<string> OnTheSpot { get; } = new List<string>();

            /// <summary>Every guarded access inside those lambdas, as "member: {locks}".</summary>
            public List<string> LambdaAccesses { get; } = new List<string>();

            public List<LockFlowResult> Lambdas { get; } = new List<LockFlowResult>();

            private void Collect(ControlFlowGraph graph, LockFlowResult result)
            {
                foreach (LockEvent e in result.Events.Where(e => e.Kind == LockEventKind.SynchronousLambda).OrderBy(e => e.Location.SourceSpan.Start))
                {
                    var lambda = (IFlowAnonymousFunctionOperation)e.Operation!;
                    OnTheSpot.Add(lambda.Syntax + ": " + e.State);
                    ControlFlowGraph inner = graph.GetAnonymousFunctionControlFlowGraph(lambda);
                    LockFlowResult lambdaResult = LockFlowAnalysis.Analyze(inner, lambda.Symbol, Context, e.State, CancellationToken.None);
                    Lambdas.Add(lambdaResult);
                    LambdaAccesses.AddRange(lambdaResult.Events.Where(a => a.Kind == LockEventKind.GuardedAccess).Select(a => a.Member!.Name + ": " + a.State));
                    Collect(inner, lambdaResult);
                }
            }
        }

        [Fact]
        public void LambdaPassedToAConsumer_StartsWithTheLocksHeldAtTheCall()
        {
            var run = new Run(@"
    int F(IEnumerable<int> items)
    {
        using (_mutex.Guard())
        {
            return items.Sum(i => i + _count);
        }
    }");

            Assert.Equal(new[] { "i => i + _count: {this._mutex}" }, run.OnTheSpot);
            Assert.Equal(new[] { "_count: {this._mutex}" }, run.LambdaAccesses);
            // The caller's lock is the lambda's on entry and may still be held when it returns.
            Assert.Equal(new[] { "this._mutex" }, run.Lambdas[0].HeldOnEntry.Select(p => p.ToString()));
            Assert.Equal(new[] { "this._mutex" }, run.Lambdas[0].HeldAtExitByContract.Select(p => p.ToString()));
        }

        [Fact]
        public void DeferredOperators_MaterializedInTheSameExpression_RunOnTheSpot()
        {
            var run = new Run(@"
    List<int> F(IEnumerable<int> items)
    {
        _mutex.Lock();
        List<int> r = items.Where(i => i > _count).OrderBy(i => -i).Select(i => i * _count).ToList();
        _mutex.Unlock();
        return r;
    }");

            Assert.Equal(new[] { "i => i > _count: {this._mutex}", "i => -i: {this._mutex}", "i => i * _count: {this._mutex}" }, run.OnTheSpot);
        }

        [Fact]
        public void NestedLambda_OnTheSpotInsideOne_StartsWithTheOuterLambdasState()
        {
            var run = new Run(@"
    int F(int[] items, List<int> other)
    {
        using (_mutex.Guard())
        {
            return items.Sum(i => other.Count(j => j == _count));
        }
    }");

            Assert.Equal(new[] { "i => other.Count(j => j == _count): {this._mutex}", "j => j == _count: {this._mutex}" }, run.OnTheSpot);
            Assert.Equal(new[] { "_count: {this._mutex}" }, run.LambdaAccesses);
        }

        [Fact]
        public void StateAtCreation_IsTheOneRecorded_ReleasedLocksAndSomePathsIncluded()
        {
            var run = new Run(@"
    int F(IEnumerable<int> items, bool c)
    {
        _mutex.Lock();
        _mutex.Unlock();
        int a = items.Count(i => i == 0);
        if (c) _mutex.Lock();
        int b = items.Count(i => i == 1);
        if (c) _mutex.Unlock();
        return a + b;
    }");

            Assert.Equal(new[] { "i => i == 0: {}", "i => i == 1: {~this._mutex}" }, run.OnTheSpot);
        }

        [Theory]
        [InlineData("return items.Where(i => i > _count);")]
        [InlineData("var q = items.Where(i => i > _count); return q;")]
        [InlineData("_query = items.Where(i => i > _count); return _query;")]
        [InlineData("Func<int, bool> p = i => i > _count; return items.Where(p).ToList();")]
        [InlineData("Task.Run(() => _count++); return items;")]
        [InlineData("new Thread(() => _count++).Start(); return items;")]
        [InlineData("Parallel.ForEach(items, i => _count++); return items;")]
        [InlineData("return items.Select(async i => { await Task.Yield(); return i + _count; }).Select(t => t.Result).ToList();")]
        [InlineData("return Enumerable.ToList(Keep(items.Where(i => i > _count)));")]
        public void LambdaThatMayRunLaterOrElsewhere_IsNotOnTheSpot(string statement)
        {
            var run = new Run(@"
    static IEnumerable<int> Keep(IEnumerable<int> source) => source;

    IEnumerable<int> F(IEnumerable<int> items)
    {
        using (_mutex.Guard())
        {
            " + statement + @"
        }
    }");

            Assert.DoesNotContain(run.OnTheSpot, s => s.Contains("_count", StringComparison.Ordinal));
        }
    }
}
