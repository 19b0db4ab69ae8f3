using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace IommuAnalyzers.Tests.Verifiers
{
    /// <summary>Runs one analyzer over sources with markup (<c>{|IOMMU0001:...|}</c>, <c>{|#0:...|}</c>) and checks its diagnostics.</summary>
    public static class CSharpAnalyzerVerifier<TAnalyzer>
        where TAnalyzer : DiagnosticAnalyzer, new()
    {
        public static DiagnosticResult Diagnostic(string diagnosticId) => new DiagnosticResult(diagnosticId, DiagnosticSeverity.Warning);

        public static DiagnosticResult Diagnostic(DiagnosticDescriptor descriptor) => new DiagnosticResult(descriptor);

        public static Task VerifyAnalyzerAsync(string source, params DiagnosticResult[] expected)
        {
            var test = new Test { TestCode = source };
            test.ExpectedDiagnostics.AddRange(expected);
            return test.RunAsync(CancellationToken.None);
        }

        /// <summary>The analyzer test with the project's references (no runtime when <see cref="WithoutRuntime"/> is set).</summary>
        public sealed class Test : CSharpAnalyzerTest<TAnalyzer, DefaultVerifier>
        {
            public Test()
            {
                TestVerifiers.Configure(this, () => WithoutRuntime);
            }

            public bool WithoutRuntime { get; set; }
        }
    }

    /// <summary>Runs one analyzer and one fix: diagnostics before, fixed code after, Fix All checked by the library.</summary>
    public static class CSharpCodeFixVerifier<TAnalyzer, TCodeFix>
        where TAnalyzer : DiagnosticAnalyzer, new()
        where TCodeFix : Microsoft.CodeAnalysis.CodeFixes.CodeFixProvider, new()
    {
        public static DiagnosticResult Diagnostic(string diagnosticId) => new DiagnosticResult(diagnosticId, DiagnosticSeverity.Warning);

        public static Task VerifyAnalyzerAsync(string source, params DiagnosticResult[] expected)
        {
            var test = new Test { TestCode = source };
            test.ExpectedDiagnostics.AddRange(expected);
            return test.RunAsync(CancellationToken.None);
        }

        public static Task VerifyCodeFixAsync(string source, string fixedSource) =>
            VerifyCodeFixAsync(source, DiagnosticResult.EmptyDiagnosticResults, fixedSource);

        public static Task VerifyCodeFixAsync(string source, DiagnosticResult[] expected, string fixedSource)
        {
            var test = new Test { TestCode = source, FixedCode = fixedSource };
            test.ExpectedDiagnostics.AddRange(expected);
            return test.RunAsync(CancellationToken.None);
        }

        /// <summary>The code-fix test with the project's references; multi-document and Fix All setups use its states directly.</summary>
        public sealed class Test : CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier>
        {
            public Test()
            {
                TestVerifiers.Configure(this, () => WithoutRuntime);
            }

            public bool WithoutRuntime { get; set; }
        }
    }

    internal static class TestVerifiers
    {
        /// <summary>No downloaded targeting pack, the latest language version, the packaged references and (unless told not to) the runtime.</summary>
        public static void Configure(AnalyzerTest<DefaultVerifier> test, System.Func<bool> withoutRuntime)
        {
            test.ReferenceAssemblies = TestReferences.None;
            test.SolutionTransforms.Add((solution, projectId) =>
            {
                Project project = solution.GetProject(projectId)!;
                var parseOptions = ((CSharpParseOptions)project.ParseOptions!).WithLanguageVersion(LanguageVersion.Latest);
                var compilationOptions = project.CompilationOptions!.WithSpecificDiagnosticOptions(
                    project.CompilationOptions.SpecificDiagnosticOptions.SetItem("CS1591", ReportDiagnostic.Suppress));
                solution = solution
                    .WithProjectParseOptions(projectId, parseOptions)
                    .WithProjectCompilationOptions(projectId, compilationOptions)
                    .AddMetadataReferences(projectId, withoutRuntime() ? TestReferences.Framework : TestReferences.WithRuntime);
                return solution;
            });
        }
    }
}
