using System;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit;

namespace IommuAnalyzers.Tests.Ownership
{
    /// <summary>Every ownership descriptor has its docs page, its release row and the house conventions.</summary>
    public class OwnershipRuleMetadataTests
    {
        public static TheoryData<string> Ids => new TheoryData<string> { "IOMMU0001", "IOMMU0002", "IOMMU0003", "IOMMU0004", "IOMMU0005", "IOMMU0006", "IOMMU0007" };

        [Theory]
        [MemberData(nameof(Ids))]
        public void EachRule_HasOneDescriptor_ADocsPage_AndAReleaseRow(string id)
        {
            DiagnosticDescriptor[] descriptors = OwnershipRules.All.SelectMany(a => a.SupportedDiagnostics).Where(d => d.Id == id).ToArray();
            DiagnosticDescriptor descriptor = Assert.Single(descriptors);

            Assert.Equal(RuleIdentifiers.GetHelpUri(id), descriptor.HelpLinkUri);
            Assert.Equal(RuleCategories.Ownership, descriptor.Category);
            Assert.True(descriptor.IsEnabledByDefault);
            Assert.Equal(id == "IOMMU0007" ? DiagnosticSeverity.Info : DiagnosticSeverity.Warning, descriptor.DefaultSeverity);

            string root = RepositoryRoot();
            string page = Path.Combine(root, "docs", "rules", id + ".md");
            Assert.True(File.Exists(page), "missing " + page);
            Assert.StartsWith("# " + id + ":", File.ReadAllText(page), StringComparison.Ordinal);

            string[] rows = File.ReadAllLines(Path.Combine(root, "Analyzers", "AnalyzerReleases.Unshipped.md"));
            string severity = descriptor.DefaultSeverity.ToString();
            Assert.Contains(rows, row => row.StartsWith(id + " | Ownership | " + severity + " |", StringComparison.Ordinal));
        }

        private static string RepositoryRoot()
        {
            for (DirectoryInfo? directory = new DirectoryInfo(AppContext.BaseDirectory); directory != null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "IommuAnalyzers.sln")))
                {
                    return directory.FullName;
                }
            }

            throw new InvalidOperationException("IommuAnalyzers.sln not found above " + AppContext.BaseDirectory);
        }
    }
}
