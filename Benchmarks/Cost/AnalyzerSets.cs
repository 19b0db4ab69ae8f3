using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using IommuAnalyzers.Benchmarks.Corpus;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace IommuAnalyzers.Benchmarks.Cost
{
    /// <summary>A set of analyzers measured together, with the diagnostic options it needs (a rule enabled alone).</summary>
    internal sealed class AnalyzerSet
    {
        public AnalyzerSet(string name, ImmutableArray<DiagnosticAnalyzer> analyzers, IEnumerable<KeyValuePair<string, ReportDiagnostic>> options, string source, SyntaxTreeOptionsProvider? treeOptions = null, AnalyzerConfigOptionsProvider? configOptions = null)
        {
            ConfigOptions = configOptions;
            Name = name;
            Analyzers = analyzers;
            Options = options.ToImmutableArray();
            Source = source;
            TreeOptions = treeOptions;
        }

        public string Name { get; }

        public ImmutableArray<DiagnosticAnalyzer> Analyzers { get; }

        public ImmutableArray<KeyValuePair<string, ReportDiagnostic>> Options { get; }

        /// <summary>Where the analyzers came from (assembly and version), for the report.</summary>
        public string Source { get; }

        /// <summary>Per-tree options for the set's compilation, for analyzers that need them (null: none, as before).</summary>
        public SyntaxTreeOptionsProvider? TreeOptions { get; }

        /// <summary>Analyzer config options (what a build reads from .globalconfig files) for the set; null: none.</summary>
        public AnalyzerConfigOptionsProvider? ConfigOptions { get; }

        public const string Iommu = "IommuAnalyzers";
        public const string IommuGraphEngine = "IommuAnalyzers-graph";
        public const string Ca2000 = "CA2000";
        public const string VsThreading = "VSTHRD";
        public const string Floor = "NoOpOperation";
        public const string IommuWithoutLockOrder = "IommuAnalyzers-no0108";
        public const string IommuWithoutInference = "IommuAnalyzers-no0109-0110";
        public const string S2222 = "S2222";

        /// <summary>The IOMMU sets, whose diagnostics are the IOMMU ones.</summary>
        public bool IsIommu => Name == Iommu || Name == IommuWithoutLockOrder || Name == IommuWithoutInference || Name == IommuGraphEngine;

        /// <summary>The IDs the set's own diagnostics start with (compiler diagnostics are not counted).</summary>
        public string DiagnosticPrefix => IsIommu ? "IOMMU" : Name switch
        {
            Ca2000 => "CA2000",
            Floor => "BENCH",
            S2222 => "S2222",
            _ => "VSTHRD",
        };

        public static AnalyzerSet IommuAnalyzers()
        {
            ImmutableArray<DiagnosticAnalyzer> analyzers = IommuAnalyzerCatalog.CreateAll();
            Assembly assembly = IommuAnalyzerCatalog.AnalyzerAssembly;
            return new AnalyzerSet(Iommu, analyzers, IommuAnalyzerCatalog.EnableAll(analyzers), assembly.GetName().Name + " " + assembly.GetName().Version + " (" + analyzers.Length + " analyzers)");
        }

        /// <summary>
        /// The same analyzers with <c>iommu_analyzers.lock_engine = graph</c>: every body through the control-flow-graph
        /// engine, the structured pass's reference. The difference to <see cref="IommuAnalyzers"/> is what the structured
        /// pass saves.
        /// </summary>
        public static AnalyzerSet IommuAnalyzersGraphEngine()
        {
            ImmutableArray<DiagnosticAnalyzer> analyzers = IommuAnalyzerCatalog.CreateAll();
            return new AnalyzerSet(IommuGraphEngine, analyzers, IommuAnalyzerCatalog.EnableAll(analyzers), "the same, with iommu_analyzers.lock_engine = graph", configOptions: new GlobalConfigOptions("iommu_analyzers.lock_engine", "graph"));
        }

        /// <summary>
        /// The same analyzers with IOMMU0108 switched off (the rule then registers nothing): the difference to
        /// <see cref="IommuAnalyzers"/> is the lock-order rule's own cost.
        /// </summary>
        public static AnalyzerSet IommuAnalyzersWithoutLockOrder()
        {
            ImmutableArray<DiagnosticAnalyzer> analyzers = IommuAnalyzerCatalog.CreateAll();
            IEnumerable<KeyValuePair<string, ReportDiagnostic>> options = IommuAnalyzerCatalog.EnableAll(analyzers)
                .Concat(new[] { new KeyValuePair<string, ReportDiagnostic>("IOMMU0108", ReportDiagnostic.Suppress) });
            return new AnalyzerSet(IommuWithoutLockOrder, analyzers, options, "the same, with IOMMU0108 suppressed");
        }

        /// <summary>
        /// The same analyzers with IOMMU0109 and IOMMU0110 switched off (the engine then records no inference facts and
        /// the inference registers nothing): the difference to <see cref="IommuAnalyzers"/> is the guard inference's cost.
        /// </summary>
        public static AnalyzerSet IommuAnalyzersWithoutInference()
        {
            ImmutableArray<DiagnosticAnalyzer> analyzers = IommuAnalyzerCatalog.CreateAll();
            IEnumerable<KeyValuePair<string, ReportDiagnostic>> options = IommuAnalyzerCatalog.EnableAll(analyzers)
                .Concat(new[]
                {
                    new KeyValuePair<string, ReportDiagnostic>("IOMMU0109", ReportDiagnostic.Suppress),
                    new KeyValuePair<string, ReportDiagnostic>("IOMMU0110", ReportDiagnostic.Suppress),
                });
            return new AnalyzerSet(IommuWithoutInference, analyzers, options, "the same, with IOMMU0109 and IOMMU0110 suppressed");
        }

        /// <summary>
        /// NetAnalyzers' dispose dataflow rule alone: only the analyzer types that report CA2000, and CA2000 switched on
        /// (it ships disabled) through the compilation's specific diagnostic options.
        /// </summary>
        public static AnalyzerSet? Ca2000Alone(TextWriter log)
        {
            string? folder = PackageFolder("NetAnalyzersPackage", "microsoft.codeanalysis.netanalyzers", ThisAssembly.NetAnalyzersVersion);
            if (folder == null)
            {
                log.WriteLine("CA2000: package folder not found; skipped.");
                return null;
            }

            string dir = Path.Combine(folder, "analyzers", "dotnet", "cs");
            ImmutableArray<DiagnosticAnalyzer> all = Load(dir, log);
            ImmutableArray<DiagnosticAnalyzer> ca2000 = all.Where(a => Supports(a, "CA2000")).ToImmutableArray();
            if (ca2000.IsEmpty)
            {
                log.WriteLine("CA2000: no analyzer reports CA2000 in " + dir + "; skipped.");
                return null;
            }

            return new AnalyzerSet(Ca2000, ca2000, new[] { new KeyValuePair<string, ReportDiagnostic>("CA2000", ReportDiagnostic.Warn) }, "Microsoft.CodeAnalysis.NetAnalyzers " + ThisAssembly.NetAnalyzersVersion + " (" + string.Join(", ", ca2000.Select(a => a.GetType().Name)) + ")");
        }

        /// <summary>Every analyzer of Microsoft.VisualStudio.Threading.Analyzers at its default severities.</summary>
        public static AnalyzerSet? VsThreadingAll(TextWriter log)
        {
            string? folder = PackageFolder("VsThreadingAnalyzersPackage", "microsoft.visualstudio.threading.analyzers", ThisAssembly.VsThreadingVersion);
            if (folder == null)
            {
                log.WriteLine("VSTHRD: package folder not found; skipped.");
                return null;
            }

            string dir = Path.Combine(folder, "analyzers", "cs");
            ImmutableArray<DiagnosticAnalyzer> all = Load(dir, log);
            if (all.IsEmpty)
            {
                log.WriteLine("VSTHRD: no analyzer loaded from " + dir + "; skipped.");
                return null;
            }

            return new AnalyzerSet(VsThreading, all, Array.Empty<KeyValuePair<string, ReportDiagnostic>>(), "Microsoft.VisualStudio.Threading.Analyzers " + ThisAssembly.VsThreadingVersion + " (" + all.Length + " analyzers)");
        }

        /// <summary>
        /// SonarAnalyzer.CSharp's "locks released on all paths" alone: the analyzer type(s) that report S2222 (its
        /// symbolic-execution runner, which carries 14 other rules), with S2222 on and every other rule they support
        /// suppressed, so the runner executes the S2222 check only.
        /// </summary>
        /// <remarks>
        /// S2222 needs no SonarLint.xml or other additional file: its rule has no parameters, and without Sonar's project
        /// configuration the analyzers run as they do in an IDE. What it does need is the per-tree options a build always
        /// gives a compilation (read from .editorconfig files): Sonar asks them for each rule's severity and throws a
        /// NullReferenceException on a compilation made by hand, which has none. <see cref="NoEditorConfig"/> gives it
        /// the answer of a build whose .editorconfig sets nothing.
        /// </remarks>
        public static AnalyzerSet? S2222Alone(TextWriter log)
        {
            string? folder = PackageFolder("SonarAnalyzerPackage", "sonaranalyzer.csharp", ThisAssembly.SonarAnalyzerVersion);
            if (folder == null)
            {
                log.WriteLine("S2222: package folder not found; skipped.");
                return null;
            }

            string dir = Path.Combine(folder, "analyzers");
            ImmutableArray<DiagnosticAnalyzer> s2222 = Load(dir, log).Where(a => Supports(a, S2222)).ToImmutableArray();
            if (s2222.IsEmpty)
            {
                log.WriteLine("S2222: no analyzer reports S2222 in " + dir + "; skipped.");
                return null;
            }

            var options = new Dictionary<string, ReportDiagnostic>(StringComparer.Ordinal);
            foreach (DiagnosticDescriptor descriptor in s2222.SelectMany(a => a.SupportedDiagnostics))
            {
                options[descriptor.Id] = descriptor.Id == S2222 ? ReportDiagnostic.Warn : ReportDiagnostic.Suppress;
            }

            return new AnalyzerSet(S2222, s2222, options, "SonarAnalyzer.CSharp " + ThisAssembly.SonarAnalyzerVersion + " (" + string.Join(", ", s2222.Select(a => a.GetType().Name)) + ", S2222 only)", new NoEditorConfig());
        }

        private static bool Supports(DiagnosticAnalyzer analyzer, string id)
        {
            try
            {
                return analyzer.SupportedDiagnostics.Any(d => d.Id == id);
            }
            catch (Exception)
            {
                return false;
            }
        }

        private static ImmutableArray<DiagnosticAnalyzer> Load(string dir, TextWriter log)
        {
            var loader = new DefaultContextLoader();
            var result = ImmutableArray.CreateBuilder<DiagnosticAnalyzer>();
            foreach (string dll in Directory.GetFiles(dir, "*.dll").OrderBy(p => p, StringComparer.Ordinal))
            {
                loader.AddDependencyLocation(dll);
            }

            foreach (string dll in Directory.GetFiles(dir, "*.dll").OrderBy(p => p, StringComparer.Ordinal))
            {
                if (dll.EndsWith("CodeFixes.dll", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                var reference = new AnalyzerFileReference(dll, loader);
                reference.AnalyzerLoadFailed += (_, e) => log.WriteLine("  load failure in " + Path.GetFileName(dll) + ": " + e.ErrorCode + " " + e.Message);
                result.AddRange(reference.GetAnalyzers(LanguageNames.CSharp));
            }

            return result.ToImmutable();
        }

        private static string? PackageFolder(string metadataKey, string id, string version)
        {
            string? path = typeof(AnalyzerSet).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .FirstOrDefault(a => a.Key == metadataKey)?.Value;
            if (!string.IsNullOrEmpty(path) && Directory.Exists(path))
            {
                return path;
            }

            string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            string fallback = Path.Combine(packages, id, version);
            return Directory.Exists(fallback) ? fallback : null;
        }

        /// <summary>Per-tree options of a build whose .editorconfig files set nothing: no severity, nothing marked generated.</summary>
        private sealed class NoEditorConfig : SyntaxTreeOptionsProvider
        {
            public override GeneratedKind IsGenerated(SyntaxTree tree, System.Threading.CancellationToken cancellationToken) => GeneratedKind.Unknown;

            public override bool TryGetDiagnosticValue(SyntaxTree tree, string diagnosticId, System.Threading.CancellationToken cancellationToken, out ReportDiagnostic severity)
            {
                severity = ReportDiagnostic.Default;
                return false;
            }

            public override bool TryGetGlobalDiagnosticValue(string diagnosticId, System.Threading.CancellationToken cancellationToken, out ReportDiagnostic severity)
            {
                severity = ReportDiagnostic.Default;
                return false;
            }
        }

        /// <summary>
        /// Loads analyzer assemblies into the default context, so they bind to the Roslyn this process already runs
        /// (the peers are built against an equal or older Microsoft.CodeAnalysis).
        /// </summary>
        private sealed class DefaultContextLoader : IAnalyzerAssemblyLoader
        {
            private readonly Dictionary<string, string> _byName = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

            public DefaultContextLoader()
            {
                AssemblyLoadContext.Default.Resolving += (context, name) =>
                    name.Name != null && _byName.TryGetValue(name.Name, out string? path) ? context.LoadFromAssemblyPath(path) : null;
            }

            public void AddDependencyLocation(string fullPath)
            {
                _byName[Path.GetFileNameWithoutExtension(fullPath)] = fullPath;
            }

            public Assembly LoadFromPath(string fullPath)
            {
                string name = Path.GetFileNameWithoutExtension(fullPath);
                Assembly? loaded = AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => string.Equals(a.GetName().Name, name, StringComparison.OrdinalIgnoreCase));
                return loaded ?? AssemblyLoadContext.Default.LoadFromAssemblyPath(fullPath);
            }
        }
    }
}
