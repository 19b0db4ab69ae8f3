using System.IO;
using System.Linq;
using System.Text.Json;
using Xunit;

namespace IommuAnalyzers.Tests.Integration
{
    /// <summary>
    /// What a user meets after `dotnet add package IommuAnalyzers`: the warning in `dotnet build`, the presets chosen
    /// with IommuAnalysisMode, and the SARIF log with the rules' help links.
    /// </summary>
    [Collection(nameof(InstalledPackageCollection))]
    public class PackagePresetAndSarifTests
    {
        private readonly InstalledPackageProject _project;

        public PackagePresetAndSarifTests(InstalledPackageProject project)
        {
            _project = project;
        }

        [Fact]
        public void DefaultMode_ReportsIOMMU0001AsAWarning_AndTheBuildSucceeds()
        {
            BuildResult result = _project.Build();
            Assert.True(result.ExitCode == 0, result.Output);
            Assert.Contains("warning IOMMU0001", result.Output);
        }

        [Fact]
        public void StrictMode_TurnsIOMMU0001IntoAnError_AndFailsTheBuild()
        {
            BuildResult result = _project.Build("IommuAnalysisMode=Strict");
            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains("error IOMMU0001", result.Output);
        }

        [Fact]
        public void NoneMode_SilencesEveryRule()
        {
            BuildResult result = _project.Build("IommuAnalysisMode=None");
            Assert.True(result.ExitCode == 0, result.Output);
            Assert.DoesNotContain("IOMMU0", result.Output);
        }

        [Theory]
        [InlineData("strict")]
        [InlineData("STRICT")]
        public void StrictMode_InAnyCase_IsTheStrictPreset(string mode)
        {
            // MSBuild's conditions ignore case but Linux file names do not: the preset file must still be found.
            BuildResult result = _project.Build("IommuAnalysisMode=" + mode);
            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains("error IOMMU0001", result.Output);
            Assert.DoesNotContain("CS2001", result.Output);
        }

        [Fact]
        public void NoneMode_InLowerCase_SilencesEveryRule()
        {
            BuildResult result = _project.Build("IommuAnalysisMode=none");
            Assert.True(result.ExitCode == 0, result.Output);
            Assert.DoesNotContain("IOMMU0", result.Output);
        }

        [Fact]
        public void UnknownMode_FailsWithAClearMessage()
        {
            BuildResult result = _project.Build("IommuAnalysisMode=Paranoid");
            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains("IommuAnalysisMode is 'Paranoid'; it must be Default, Strict or None", result.Output);
        }

        [Fact]
        public void EditorConfigSeverity_WinsOverThePreset()
        {
            File.WriteAllText(Path.Combine(_project.Directory, ".editorconfig"), "root = true\n\n[*.cs]\ndotnet_diagnostic.IOMMU0001.severity = none\n");
            try
            {
                BuildResult result = _project.Build("IommuAnalysisMode=Strict");
                Assert.True(result.ExitCode == 0, result.Output);
                Assert.DoesNotContain("IOMMU0001", result.Output);
            }
            finally
            {
                File.Delete(Path.Combine(_project.Directory, ".editorconfig"));
            }
        }

        [Fact]
        public void ErrorLog_WritesSarifWithTheRuleAndItsHelpLink()
        {
            string sarif = Path.Combine(_project.Directory, "build.sarif");
            BuildResult result = _project.Build("ErrorLog=" + sarif + "%2Cversion=2.1");
            Assert.True(result.ExitCode == 0, result.Output);

            using JsonDocument log = JsonDocument.Parse(File.ReadAllText(sarif));
            JsonElement run = log.RootElement.GetProperty("runs")[0];
            JsonElement rule = run.GetProperty("tool").GetProperty("driver").GetProperty("rules").EnumerateArray()
                .Single(r => r.GetProperty("id").GetString() == "IOMMU0001");
            Assert.Equal(RuleIdentifiers.GetHelpUri("IOMMU0001"), rule.GetProperty("helpUri").GetString());
            Assert.Contains(run.GetProperty("results").EnumerateArray(), r => r.GetProperty("ruleId").GetString() == "IOMMU0001");
        }
    }

    [CollectionDefinition(nameof(InstalledPackageCollection))]
    public class InstalledPackageCollection : ICollectionFixture<InstalledPackageProject>
    {
    }
}
