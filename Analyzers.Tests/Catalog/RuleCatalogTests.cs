using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit;

namespace IommuAnalyzers.Tests.Catalog
{
    /// <summary>
    /// Keeps every place that describes a rule in step with its descriptor: the help link and its page, the README
    /// table, the release-tracking files and the shipped presets. A rule cannot be added, renamed or re-graded in one
    /// place and forgotten in another.
    /// </summary>
    public class RuleCatalogTests
    {
        public static IEnumerable<object[]> Descriptors() =>
            AllDescriptors().Select(d => new object[] { d.Id });

        [Fact]
        public void EveryRuleIdentifier_HasExactlyOneDescriptor()
        {
            string[] declared = typeof(RuleIdentifiers)
                .GetFields(BindingFlags.Public | BindingFlags.Static | BindingFlags.NonPublic)
                .Where(f => f.IsLiteral && f.FieldType == typeof(string) && f.Name != nameof(RuleIdentifiers.HelpLinkBase))
                .Select(f => (string)f.GetRawConstantValue()!)
                .OrderBy(id => id, StringComparer.Ordinal)
                .ToArray();
            string[] described = AllDescriptors().Select(d => d.Id).OrderBy(id => id, StringComparer.Ordinal).ToArray();

            Assert.Equal(declared, described);
        }

        [Theory]
        [MemberData(nameof(Descriptors))]
        public void HelpLink_PointsAtAnExistingPageThatNamesTheRule(string id)
        {
            DiagnosticDescriptor descriptor = Descriptor(id);
            Assert.Equal(RuleIdentifiers.GetHelpUri(id), descriptor.HelpLinkUri);
            Assert.True(descriptor.IsEnabledByDefault, id + " must be on by default; presets and .editorconfig turn rules off");

            string page = RepositoryPaths.InRepo("docs", "rules", id + ".md");
            Assert.True(File.Exists(page), "missing " + page);
            string heading = File.ReadLines(page).First(line => line.StartsWith("# ", StringComparison.Ordinal));
            Assert.Contains(id, heading);
            // Headings may set code in backticks; the words must be the title's.
            Assert.Contains(descriptor.Title.ToString(), heading.Replace("`", string.Empty));
        }

        [Theory]
        [MemberData(nameof(Descriptors))]
        public void ReadmeTable_MatchesTheDescriptor(string id)
        {
            DiagnosticDescriptor descriptor = Descriptor(id);
            string readme = File.ReadAllText(RepositoryPaths.InRepo("README.md"));
            string row = $"| [{id}](docs/rules/{id}.md) | {descriptor.Category} | {descriptor.DefaultSeverity} | {descriptor.Title} |";
            Assert.Contains(row, readme);
        }

        [Theory]
        [MemberData(nameof(Descriptors))]
        public void ReleaseTracking_ListsTheRuleWithItsCategoryAndSeverity(string id)
        {
            DiagnosticDescriptor descriptor = Descriptor(id);
            string releases = File.ReadAllText(RepositoryPaths.InRepo("Analyzers", "AnalyzerReleases.Shipped.md"))
                + File.ReadAllText(RepositoryPaths.InRepo("Analyzers", "AnalyzerReleases.Unshipped.md"));
            Assert.Matches(new Regex("^" + id + @"\s*\|\s*" + descriptor.Category + @"\s*\|\s*" + descriptor.DefaultSeverity + @"\s*\|", RegexOptions.Multiline), releases);
        }

        private static readonly HashSet<string> s_inferenceRules = new HashSet<string>(StringComparer.Ordinal)
        {
            RuleIdentifiers.MemberLockedInconsistently,
            RuleIdentifiers.HelperReliesOnCallersLock,
        };

        [Theory]
        [InlineData("Strict", "error")]
        [InlineData("None", "none")]
        public void Presets_CoverEveryRule(string mode, string severity)
        {
            string config = File.ReadAllText(RepositoryPaths.InRepo("Analyzers.Package", "buildTransitive", "config", "IommuAnalysisMode." + mode + ".globalconfig"));
            foreach (DiagnosticDescriptor descriptor in AllDescriptors())
            {
                // Strict warns on the inference rules (IOMMU0109, IOMMU0110) rather than failing a build on evidence.
                string expected = mode == "Strict" && s_inferenceRules.Contains(descriptor.Id) ? "warning" : severity;
                Assert.Contains("dotnet_diagnostic." + descriptor.Id + ".severity = " + expected, config);
            }
        }

        [Fact]
        public void EveryRulePage_BelongsToARule()
        {
            var ids = new HashSet<string>(AllDescriptors().Select(d => d.Id));
            foreach (string page in Directory.GetFiles(RepositoryPaths.InRepo("docs", "rules"), "*.md"))
            {
                Assert.Contains(Path.GetFileNameWithoutExtension(page), ids);
            }
        }

        private static DiagnosticDescriptor Descriptor(string id) => AllDescriptors().Single(d => d.Id == id);

        internal static IReadOnlyList<DiagnosticDescriptor> AllDescriptors() =>
            AnalyzerCatalog.Analyzers
                .SelectMany(a => a.SupportedDiagnostics)
                .GroupBy(d => d.Id)
                .Select(g => g.First())
                .OrderBy(d => d.Id, StringComparer.Ordinal)
                .ToList();
    }
}
