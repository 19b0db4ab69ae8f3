using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Reflection;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace IommuAnalyzers.Benchmarks.Corpus
{
    /// <summary>Turns a generated corpus into a compilation the way a project build would see it.</summary>
    internal static class CorpusCompilation
    {
        public static readonly CSharpParseOptions ParseOptions = new CSharpParseOptions(LanguageVersion.Latest);

        /// <summary>The packaged .NET 10 reference assemblies (no download).</summary>
        public static ImmutableArray<MetadataReference> FrameworkReferences { get; } =
            ImmutableArray.CreateRange<MetadataReference>(Basic.Reference.Assemblies.Net100.References.All);

        /// <summary>The ownership runtime the driver corpus compiles against.</summary>
        public static MetadataReference RuntimeReference { get; } = MetadataReference.CreateFromFile(typeof(Iommu.KMutex).Assembly.Location);

        public static ImmutableArray<SyntaxTree> Parse(GeneratedCorpus corpus, CancellationToken cancellationToken = default)
        {
            var trees = new SyntaxTree[corpus.Files.Count];
            for (int i = 0; i < trees.Length; i++)
            {
                CorpusFile file = corpus.Files[i];
                trees[i] = CSharpSyntaxTree.ParseText(SourceText.From(file.Text, System.Text.Encoding.UTF8), ParseOptions, file.Path, cancellationToken);
            }

            return ImmutableArray.Create(trees);
        }

        /// <summary>
        /// A fresh compilation over already-parsed trees: nothing bound yet. The plain corpus gets no runtime reference.
        /// <paramref name="treeOptions"/> stands where a build puts what it read from .editorconfig files.
        /// </summary>
        public static CSharpCompilation Create(
            GeneratedCorpus corpus,
            ImmutableArray<SyntaxTree> trees,
            IEnumerable<KeyValuePair<string, ReportDiagnostic>>? specificOptions = null,
            SyntaxTreeOptionsProvider? treeOptions = null)
        {
            ImmutableArray<MetadataReference> references = corpus.Settings.Kind != CorpusKind.Plain
                ? FrameworkReferences.Add(RuntimeReference)
                : FrameworkReferences;
            var options = new CSharpCompilationOptions(
                OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable,
                optimizationLevel: OptimizationLevel.Release,
                concurrentBuild: true,
                deterministic: true);
            if (specificOptions != null)
            {
                options = options.WithSpecificDiagnosticOptions(specificOptions);
            }

            if (treeOptions != null)
            {
                options = options.WithSyntaxTreeOptionsProvider(treeOptions);
            }

            return CSharpCompilation.Create("Corpus" + corpus.Settings.Kind, trees, references, options);
        }
    }

    /// <summary>The analyzers of the IommuAnalyzers assembly, found by reflection so that rules added later are included.</summary>
    internal static class IommuAnalyzerCatalog
    {
        public static Assembly AnalyzerAssembly => typeof(IommuAnalyzers.Ownership.SharedAttachWithoutSuppressAutoClaimAnalyzer).Assembly;

        public static ImmutableArray<DiagnosticAnalyzer> CreateAll()
        {
            var analyzers = new List<DiagnosticAnalyzer>();
            foreach (Type type in AnalyzerAssembly.GetTypes().OrderBy(t => t.FullName, StringComparer.Ordinal))
            {
                if (!type.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(type) &&
                    type.GetCustomAttributes(typeof(DiagnosticAnalyzerAttribute), inherit: false).Length > 0 &&
                    type.GetConstructor(Type.EmptyTypes) != null)
                {
                    analyzers.Add((DiagnosticAnalyzer)Activator.CreateInstance(type)!);
                }
            }

            return analyzers.ToImmutableArray();
        }

        /// <summary>Every rule that one of the analyzers reports.</summary>
        public static ImmutableHashSet<string> SupportedIds(ImmutableArray<DiagnosticAnalyzer> analyzers) =>
            analyzers.SelectMany(a => a.SupportedDiagnostics).Select(d => d.Id).ToImmutableHashSet(StringComparer.Ordinal);

        /// <summary>
        /// Enables every supported rule at its default severity, so a rule that ships disabled by default is still
        /// counted (the planted bugs are real bugs whatever the default).
        /// </summary>
        public static IEnumerable<KeyValuePair<string, ReportDiagnostic>> EnableAll(ImmutableArray<DiagnosticAnalyzer> analyzers)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (DiagnosticDescriptor descriptor in analyzers.SelectMany(a => a.SupportedDiagnostics))
            {
                if (!descriptor.IsEnabledByDefault && seen.Add(descriptor.Id))
                {
                    ReportDiagnostic severity = descriptor.DefaultSeverity switch
                    {
                        DiagnosticSeverity.Error => ReportDiagnostic.Error,
                        DiagnosticSeverity.Warning => ReportDiagnostic.Warn,
                        DiagnosticSeverity.Info => ReportDiagnostic.Info,
                        _ => ReportDiagnostic.Hidden,
                    };
                    yield return new KeyValuePair<string, ReportDiagnostic>(descriptor.Id, severity);
                }
            }
        }
    }
}
