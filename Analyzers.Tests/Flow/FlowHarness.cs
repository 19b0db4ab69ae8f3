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

namespace IommuAnalyzers.Tests.Flow
{
    /// <summary>Compiles a snippet against the runtime and runs the lock engine alone on one method, lambda or local function.</summary>
    internal sealed class FlowHarness
    {
        private FlowHarness(LockFlowResult result, string source)
        {
            Result = result;
            Source = source;
        }

        public LockFlowResult Result { get; }

        public string Source { get; }

        /// <summary>Analyses method <paramref name="methodName"/> of the source (class members around a body go in <paramref name="source"/>).</summary>
        public static FlowHarness Analyze(string source, string methodName, string? lambdaOrLocalFunction = null, LanguageVersion languageVersion = LanguageVersion.Latest)
        {
            (Compilation compilation, IOperation body, ISymbol owner) = Compile(source, methodName, languageVersion);
            ControlFlowGraph graph = body is IMethodBodyOperation methodBody ? ControlFlowGraph.Create(methodBody) : ControlFlowGraph.Create((IConstructorBodyOperation)body);

            var symbols = IommuSymbols.TryCreate(compilation)!;
            var context = new LockFlowContext(symbols.LockModel);
            if (lambdaOrLocalFunction == "lambda")
            {
                IFlowAnonymousFunctionOperation lambda = graph.Blocks.SelectMany(b => b.Operations).SelectMany(o => o.DescendantsAndSelf()).OfType<IFlowAnonymousFunctionOperation>().First();
                return new FlowHarness(LockFlowAnalysis.Analyze(graph.GetAnonymousFunctionControlFlowGraph(lambda), lambda.Symbol, context, CancellationToken.None), source);
            }

            if (lambdaOrLocalFunction != null)
            {
                IMethodSymbol local = graph.LocalFunctions.Single(f => f.Name == lambdaOrLocalFunction);
                return new FlowHarness(LockFlowAnalysis.Analyze(graph.GetLocalFunctionControlFlowGraph(local), local, context, CancellationToken.None), source);
            }

            return new FlowHarness(LockFlowAnalysis.Analyze(graph, owner, context, CancellationToken.None), source);
        }

        /// <summary>The structured pass alone on method <paramref name="methodName"/>: its result, or null when it hands the body to the graph engine.</summary>
        public static LockFlowResult? Structured(string source, string methodName)
        {
            (Compilation compilation, IOperation body, ISymbol owner) = Compile(source, methodName, LanguageVersion.Latest);
            return LockFlowAnalysis.TryAnalyzeStructured(body, owner, new LockFlowContext(IommuSymbols.TryCreate(compilation)!.LockModel), CancellationToken.None);
        }

        private static (Compilation Compilation, IOperation Body, ISymbol Owner) Compile(string source, string methodName, LanguageVersion languageVersion)
        {
            SyntaxTree tree = CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(languageVersion));
            CSharpCompilation compilation = CSharpCompilation.Create(
                "FlowTests",
                new[] { tree },
                TestReferences.WithRuntime,
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
            Diagnostic[] errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
            if (errors.Length > 0)
            {
                throw new InvalidOperationException("The snippet does not compile: " + string.Join(Environment.NewLine, errors.Select(e => e.ToString())));
            }

            SemanticModel model = compilation.GetSemanticModel(tree);
            BaseMethodDeclarationSyntax declaration = tree.GetRoot().DescendantNodes().OfType<BaseMethodDeclarationSyntax>()
                .Single(m => (m as MethodDeclarationSyntax)?.Identifier.Text == methodName || (m is ConstructorDeclarationSyntax c && c.Identifier.Text + ".ctor" == methodName));
            return (compilation, model.GetOperation(declaration)!, model.GetDeclaredSymbol(declaration)!);
        }

        /// <summary>The lock state just before each access of a guarded member, in source order, as "member: {locks}".</summary>
        public IReadOnlyList<string> AccessStates() => Events(LockEventKind.GuardedAccess)
            .Select(e => e.Member!.Name + ": " + e.State)
            .ToList();

        /// <summary>The state at each exit, in source order, as "Kind: {locks}".</summary>
        public IReadOnlyList<string> ExitStates() => Events(LockEventKind.Exit)
            .Select(e => e.ExitKind + ": " + e.State)
            .ToList();

        public IReadOnlyList<string> Joins() => Events(LockEventKind.Join).Select(e => e.Lock + " at '" + e.Location.SourceTree!.GetText().ToString(e.Location.SourceSpan) + "'").ToList();

        public IEnumerable<LockEvent> Events(LockEventKind kind) =>
            Result.Events.Where(e => e.Kind == kind).OrderBy(e => e.Location.SourceSpan.Start);

        public static int Line(Location location) => location.GetLineSpan().StartLinePosition.Line + 1;
    }
}
