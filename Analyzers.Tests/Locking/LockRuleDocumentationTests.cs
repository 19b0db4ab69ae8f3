using System;
using System.IO;
using IommuAnalyzers.Locking;
using Microsoft.CodeAnalysis;
using Xunit;

namespace IommuAnalyzers.Tests.Locking
{
    public class LockRuleDocumentationTests
    {
        [Fact]
        public void EveryLockRule_HasAHelpLinkToItsDocPage_AndAReleaseEntry()
        {
            string root = AppContext.BaseDirectory;
            while (!File.Exists(Path.Combine(root, "IommuAnalyzers.sln")))
            {
                root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("repository root not found");
            }

            string releases = File.ReadAllText(Path.Combine(root, "Analyzers", "AnalyzerReleases.Unshipped.md"));
            foreach (DiagnosticDescriptor rule in new LockDisciplineAnalyzer().SupportedDiagnostics)
            {
                Assert.Equal(RuleIdentifiers.HelpLinkBase + rule.Id + ".md", rule.HelpLinkUri);
                string page = Path.Combine(root, "docs", "rules", rule.Id + ".md");
                Assert.True(File.Exists(page), page);
                Assert.StartsWith("# " + rule.Id + ":", File.ReadAllText(page));
                Assert.Contains(rule.Id + " | Locking | Warning | LockDisciplineAnalyzer", releases);
            }
        }
    }
}
