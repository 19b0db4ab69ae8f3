using System.Collections.Immutable;
using System.Linq;
using System.Threading.Tasks;
using IommuAnalyzers.Ownership;
using IommuAnalyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit;

namespace IommuAnalyzers.Tests.Ownership
{
    /// <summary>
    /// Runs every ownership analyzer together over plain sources (no markup), so a test can assert that the code a fix
    /// produced compiles and draws no ownership diagnostic from any rule, not only from the rule that was fixed.
    /// </summary>
    internal static class OwnershipRules
    {
        public static ImmutableArray<DiagnosticAnalyzer> All => ImmutableArray.Create<DiagnosticAnalyzer>(
            new SharedAttachWithoutSuppressAutoClaimAnalyzer(),
            new ExclusiveAttachWithSuppressedAutoClaimAnalyzer(),
            new OldDmaOwnerMultiplexorAnalyzer(),
            new GroupDeviceCountDecidesOwnershipAnalyzer(),
            new MustCheckResultIgnoredAnalyzer(),
            new OwnershipNotReleasedAnalyzer(),
            new SuppressedAutoClaimWithoutOwnershipAnalyzer(),
            new GroupClaimWithoutSuppressAutoClaimAnalyzer());

        /// <summary>Compiler errors and warnings plus every ownership diagnostic, for the given sources.</summary>
        public static async Task<ImmutableArray<Diagnostic>> DiagnosticsAsync(params string[] sources)
        {
            var options = new CSharpParseOptions(LanguageVersion.Latest);
            CSharpCompilation compilation = CSharpCompilation.Create(
                "OwnershipCheck",
                sources.Select((source, i) => CSharpSyntaxTree.ParseText(source, options, path: "Source" + i + ".cs")),
                TestReferences.WithRuntime,
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
            ImmutableArray<Diagnostic> compiler = compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToImmutableArray();
            ImmutableArray<Diagnostic> analyzers = await compilation.WithAnalyzers(All).GetAnalyzerDiagnosticsAsync();
            return compiler.AddRange(analyzers);
        }

        /// <summary>Asserts that the sources compile without warnings and no ownership rule reports anything in them.</summary>
        public static async Task AssertCleanAsync(params string[] sources)
        {
            ImmutableArray<Diagnostic> diagnostics = await DiagnosticsAsync(sources);
            Assert.True(diagnostics.IsEmpty, "Expected no diagnostics, got:\n" + string.Join("\n", diagnostics));
        }

        /// <summary>Asserts that the sources compile without warnings and report exactly the given IDs, in source order.</summary>
        public static async Task AssertOnlyAsync(string[] expectedIds, params string[] sources)
        {
            ImmutableArray<Diagnostic> diagnostics = await DiagnosticsAsync(sources);
            string[] actual = diagnostics.OrderBy(d => d.Location.SourceTree?.FilePath).ThenBy(d => d.Location.SourceSpan.Start).Select(d => d.Id).ToArray();
            Assert.True(expectedIds.SequenceEqual(actual), "Expected " + string.Join(", ", expectedIds) + ", got:\n" + string.Join("\n", diagnostics));
        }
    }
}
