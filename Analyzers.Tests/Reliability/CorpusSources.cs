using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace IommuAnalyzers.Tests.Reliability
{
    /// <summary>Where a corpus project comes from.</summary>
    internal enum CorpusKind
    {
        /// <summary>A project under Samples/ (the driver ports, the package consumer).</summary>
        Sample,

        /// <summary>A driver source of the reliability tests (Reliability/Inputs), self-contained.</summary>
        ReliabilityInput,

        /// <summary>A C# snippet from a rule test's string literal, markup removed.</summary>
        TestSnippet,

        /// <summary>A plain test-input file (a .cs file under a test Inputs/TestData folder).</summary>
        TestInputFile,
    }

    /// <summary>One source file: a repository-relative name (for messages) and its text.</summary>
    internal sealed class CorpusFile
    {
        public CorpusFile(string name, string text)
        {
            Name = name;
            Text = text;
        }

        public string Name { get; }

        public string Text { get; }

        public override string ToString() => Name;
    }

    /// <summary>Files that compile together.</summary>
    internal sealed class CorpusProject
    {
        public CorpusProject(string name, CorpusKind kind, ImmutableArray<CorpusFile> files)
        {
            Name = name;
            Kind = kind;
            Files = files;
        }

        public string Name { get; }

        public CorpusKind Kind { get; }

        public ImmutableArray<CorpusFile> Files { get; }

        public override string ToString() => Name + " (" + Kind + ", " + Files.Length + " files)";
    }

    /// <summary>
    /// The inputs of the reliability tests, found by globbing the repository, so sample ports and rule tests merged
    /// later are picked up by the next run.
    /// </summary>
    internal static class CorpusSources
    {
        private static readonly string[] s_skippedDirectories = { "bin", "obj", "packages", ".git", "artifacts", "TestResults" };

        // Plain test-input files live in folders with one of these names (outside Reliability, which has its own).
        private static readonly string[] s_inputFolderNames = { "Inputs", "TestData", "TestInputs", "Corpus" };

        // Microsoft.CodeAnalysis.Testing markup: {|ID:...|}, {|#0:...|}, [|...|] and the $$ caret.
        private static readonly Regex s_markup = new Regex(@"\{\|[^:{}|\r\n]*:|\|\}|\[\||\|\]|\$\$", RegexOptions.Compiled);

        private static readonly Lazy<ImmutableArray<CorpusProject>> s_all = new Lazy<ImmutableArray<CorpusProject>>(
            () => Samples().Concat(ReliabilityInputs()).Concat(TestInputFiles()).Concat(TestSnippets()).ToImmutableArray());

        /// <summary>Everything: samples, reliability inputs, plain test inputs and test snippets.</summary>
        public static ImmutableArray<CorpusProject> All => s_all.Value;

        /// <summary>What the mutator starts from: the sample driver ports and the reliability driver inputs.</summary>
        public static ImmutableArray<CorpusProject> DriverPorts =>
            All.Where(p => p.Kind == CorpusKind.ReliabilityInput || (p.Kind == CorpusKind.Sample && p.Name.StartsWith("Samples/DriverPorts", StringComparison.Ordinal)))
                .ToImmutableArray();

        public static string Relative(string path) => Path.GetRelativePath(RepositoryPaths.Root, path).Replace('\\', '/');

        /// <summary>Samples/**/*.cs, one project per folder that holds a .csproj (files above any project each alone).</summary>
        public static IEnumerable<CorpusProject> Samples()
        {
            string root = RepositoryPaths.InRepo("Samples");
            if (!Directory.Exists(root))
            {
                return Enumerable.Empty<CorpusProject>();
            }

            return SourceFiles(root)
                .GroupBy(file => ProjectDirectory(file, root) ?? file, StringComparer.Ordinal)
                .OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => new CorpusProject(Relative(g.Key), CorpusKind.Sample, Read(g)))
                .ToList();
        }

        /// <summary>
        /// Analyzers.Tests/Reliability/Inputs/*.cs, each file its own project; the fix scenarios apart (they are inputs of
        /// the fix-correctness oracle, which keeps its own list of the fixes still wrong on them).
        /// </summary>
        public static IEnumerable<CorpusProject> ReliabilityInputs()
        {
            string root = RepositoryPaths.InRepo("Analyzers.Tests", "Reliability", "Inputs");
            string scenarios = Path.Combine(root, FixScenarioFolder) + Path.DirectorySeparatorChar;
            return SourceFiles(root)
                .Where(f => !f.StartsWith(scenarios, StringComparison.Ordinal))
                .OrderBy(f => f, StringComparer.Ordinal)
                .Select(f => new CorpusProject(Relative(f), CorpusKind.ReliabilityInput, Read(new[] { f })))
                .ToList();
        }

        public const string FixScenarioFolder = "FixScenarios";

        /// <summary>
        /// Analyzers.Tests/Reliability/Inputs/FixScenarios/*.cs, each file a project with a <c>Scenario.Run()</c>, together
        /// with the shared files of its Support folder (the scenario file first).
        /// </summary>
        public static IEnumerable<CorpusProject> FixScenarios()
        {
            string root = RepositoryPaths.InRepo("Analyzers.Tests", "Reliability", "Inputs", FixScenarioFolder);
            string support = Path.Combine(root, "Support");
            ImmutableArray<CorpusFile> shared = Directory.Exists(support) ? Read(SourceFiles(support).OrderBy(f => f, StringComparer.Ordinal)) : ImmutableArray<CorpusFile>.Empty;
            return Directory.GetFiles(root, "*.cs")
                .OrderBy(f => f, StringComparer.Ordinal)
                .Select(f => new CorpusProject(Relative(f), CorpusKind.ReliabilityInput, Read(new[] { f }).AddRange(shared)))
                .ToList();
        }

        /// <summary>Plain .cs files in Inputs/TestData folders of the test project, one project per folder.</summary>
        public static IEnumerable<CorpusProject> TestInputFiles()
        {
            string tests = RepositoryPaths.InRepo("Analyzers.Tests");
            string reliability = Path.Combine(tests, "Reliability") + Path.DirectorySeparatorChar;
            return SourceFiles(tests)
                .Where(f => !f.StartsWith(reliability, StringComparison.Ordinal))
                .Where(f => Path.GetRelativePath(tests, f).Split('/', '\\').Any(part => s_inputFolderNames.Contains(part, StringComparer.OrdinalIgnoreCase)))
                .GroupBy(f => Path.GetDirectoryName(f)!, StringComparer.Ordinal)
                .OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => new CorpusProject(Relative(g.Key), CorpusKind.TestInputFile, Read(g)))
                .ToList();
        }

        /// <summary>
        /// The C# sources rule tests feed their verifiers: multi-line string literals of the test files that look like a
        /// compilation unit, markup removed. Half-typed snippets are kept: they are exactly what must not crash.
        /// </summary>
        public static IEnumerable<CorpusProject> TestSnippets()
        {
            string tests = RepositoryPaths.InRepo("Analyzers.Tests");
            string reliability = Path.Combine(tests, "Reliability") + Path.DirectorySeparatorChar;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var projects = new List<CorpusProject>();
            foreach (string file in SourceFiles(tests).Where(f => !f.StartsWith(reliability, StringComparison.Ordinal)).OrderBy(f => f, StringComparer.Ordinal))
            {
                SyntaxNode root = CSharpSyntaxTree.ParseText(File.ReadAllText(file)).GetRoot();
                int index = 0;
                foreach (SyntaxToken token in root.DescendantTokens())
                {
                    if (!token.IsKind(SyntaxKind.StringLiteralToken) && !token.IsKind(SyntaxKind.MultiLineRawStringLiteralToken) &&
                        !token.IsKind(SyntaxKind.SingleLineRawStringLiteralToken))
                    {
                        continue;
                    }

                    string text = StripMarkup(token.ValueText);
                    if (!LooksLikeSource(text) || !seen.Add(text))
                    {
                        continue;
                    }

                    int line = token.GetLocation().GetLineSpan().StartLinePosition.Line + 1;
                    string name = Relative(file) + ":" + line;
                    projects.Add(new CorpusProject(name, CorpusKind.TestSnippet, ImmutableArray.Create(new CorpusFile(name + "#" + index++, text))));
                }
            }

            return projects;
        }

        public static string StripMarkup(string text) => s_markup.Replace(text, string.Empty);

        private static bool LooksLikeSource(string text) =>
            text.IndexOf('\n') >= 0 &&
            (text.Contains("class ", StringComparison.Ordinal) || text.Contains("struct ", StringComparison.Ordinal) || text.Contains("namespace ", StringComparison.Ordinal)) &&
            text.IndexOf('{') >= 0;

        private static ImmutableArray<CorpusFile> Read(IEnumerable<string> files) =>
            files.OrderBy(f => f, StringComparer.Ordinal).Select(f => new CorpusFile(Relative(f), File.ReadAllText(f))).ToImmutableArray();

        private static IEnumerable<string> SourceFiles(string root)
        {
            if (!Directory.Exists(root))
            {
                yield break;
            }

            foreach (string file in Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories))
            {
                string relative = Path.GetRelativePath(root, file);
                if (!relative.Split('/', '\\').Any(part => s_skippedDirectories.Contains(part, StringComparer.OrdinalIgnoreCase)))
                {
                    yield return file;
                }
            }
        }

        private static string? ProjectDirectory(string file, string samplesRoot)
        {
            for (string? dir = Path.GetDirectoryName(file); dir != null && dir.Length >= samplesRoot.Length; dir = Path.GetDirectoryName(dir))
            {
                if (Directory.EnumerateFiles(dir, "*.csproj").Any())
                {
                    return dir;
                }
            }

            return null;
        }
    }
}
