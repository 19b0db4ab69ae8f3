using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using IommuAnalyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit;

namespace IommuAnalyzers.Tests.Samples
{
    /// <summary>
    /// The analyzers over the sample driver ports report exactly the planted bugs: every "// BUG(ID)" line gets its
    /// diagnostic (no false negative) and nothing else is reported (no false positive on the correct ports).
    /// </summary>
    public class DriverPortsDiagnosticsTests
    {
        [Fact]
        public async Task Analyzers_ReportExactlyThePlantedBugs()
        {
            string root = DriverPortsBugMarkerTests.SamplesRoot();
            ImmutableArray<DiagnosticAnalyzer> analyzers = AnalyzerCatalog.Analyzers;
            var supported = new HashSet<string>(analyzers.SelectMany(a => a.SupportedDiagnostics).Select(d => d.Id), StringComparer.Ordinal);

            var trees = Directory.GetFiles(root, "*.cs", SearchOption.AllDirectories)
                .Where(f => !IsBuildOutput(Path.GetRelativePath(root, f)))
                .Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f), new CSharpParseOptions(LanguageVersion.Latest), path: Path.GetRelativePath(root, f)))
                .ToList();
            CSharpCompilation compilation = CSharpCompilation.Create(
                "DriverPorts",
                trees,
                TestReferences.WithRuntime,
                new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));
            Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));

            var options = new CompilationWithAnalyzersOptions(
                new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
                onAnalyzerException: (exception, analyzer, diagnostic) => throw new InvalidOperationException(analyzer + " threw", exception),
                concurrentAnalysis: false,
                logAnalyzerExecutionTime: false);
            ImmutableArray<Diagnostic> diagnostics = await compilation.WithAnalyzers(analyzers, options).GetAnalyzerDiagnosticsAsync();

            string[] expected = DriverPortsBugMarkerTests.Markers()
                .Where(m => supported.Contains(m.Id))
                .Select(m => m.File + ":" + m.Line + " " + m.Id)
                .OrderBy(s => s, StringComparer.Ordinal)
                .ToArray();
            string[] actual = diagnostics
                .Where(d => d.Id.StartsWith("IOMMU", StringComparison.Ordinal))
                .Select(Describe)
                .Distinct()
                .OrderBy(s => s, StringComparer.Ordinal)
                .ToArray();

            Assert.NotEmpty(expected);
            Assert.Equal(expected, actual);
        }

        private static string Describe(Diagnostic diagnostic)
        {
            FileLinePositionSpan span = diagnostic.Location.GetLineSpan();
            return span.Path + ":" + (span.StartLinePosition.Line + 1) + " " + diagnostic.Id;
        }

        private static bool IsBuildOutput(string relative) =>
            relative.StartsWith("bin" + Path.DirectorySeparatorChar, StringComparison.Ordinal) ||
            relative.StartsWith("obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal);
    }
}
