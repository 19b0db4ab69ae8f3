using System;
using System.Diagnostics;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Xunit;

namespace IommuAnalyzers.Tests.Package
{
    /// <summary>
    /// The package's version comes from git (MinVer): a release tag gives its version, every other commit a version of
    /// its own with a pre-release suffix, so a rebuilt package is never mistaken for an older one in a NuGet cache.
    /// </summary>
    public class PackageVersionTests
    {
        [Fact]
        public void Nuspec_CarriesTheVersionTheBuildComputed()
        {
            Assert.Equal(RepositoryPaths.PackageVersion, NuspecVersion());
            Assert.EndsWith("IommuAnalyzers." + RepositoryPaths.PackageVersion + ".nupkg", RepositoryPaths.Package, StringComparison.Ordinal);
        }

        [Fact]
        public void Version_IsTheReleaseTagOnATaggedCommit_AndAPreReleaseAboveTheLastReleaseOtherwise()
        {
            string version = NuspecVersion();
            string tagAtHead = Git("tag", "--points-at", "HEAD", "--list", "v*").Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "";
            if (tagAtHead.Length > 0)
            {
                Assert.Equal(tagAtHead.Substring(1), version);
                return;
            }

            // Between releases: the next minor, a pre-release suffix and the commit's height, e.g. 1.1.0-alpha.0.12. A
            // shallow clone has no history to count (MinVer falls back to 1.1.0-alpha.0); .ci/run unshallows first.
            bool shallow = Git("rev-parse", "--is-shallow-repository").Trim() == "true";
            Match match = Regex.Match(version, shallow ? @"^(\d+)\.(\d+)\.(\d+)-alpha\.0(\.\d+)?$" : @"^(\d+)\.(\d+)\.(\d+)-alpha\.0\.(\d+)$");
            Assert.True(match.Success, "'" + version + "' is not a pre-release version with a height");
            var core = new Version(int.Parse(match.Groups[1].Value), int.Parse(match.Groups[2].Value), int.Parse(match.Groups[3].Value));
            Assert.True(core > new Version(1, 0, 0), "'" + version + "' does not sort above the shipped 1.0.0");
        }

        [Fact]
        public void PackedRuntime_NamesTheCommitItWasBuiltFrom()
        {
            // The SDK appends the commit to the informational version: two commits never share one package identity.
            string head = Git("rev-parse", "HEAD").Trim();
            using ZipArchive archive = ZipFile.OpenRead(RepositoryPaths.Package);
            using var buffer = new MemoryStream();
            using (Stream stream = archive.GetEntry("lib/netstandard2.0/IommuAnalyzers.Runtime.dll")!.Open())
            {
                stream.CopyTo(buffer);
            }

            string path = Path.Combine(Path.GetTempPath(), "iommu-runtime-" + Guid.NewGuid().ToString("N") + ".dll");
            File.WriteAllBytes(path, buffer.ToArray());
            try
            {
                string? informational = FileVersionInfo.GetVersionInfo(path).ProductVersion;
                Assert.Equal(RepositoryPaths.PackageVersion + "+" + head, informational);
            }
            finally
            {
                File.Delete(path);
            }
        }

        private static string NuspecVersion()
        {
            using ZipArchive archive = ZipFile.OpenRead(RepositoryPaths.Package);
            using Stream stream = archive.GetEntry("IommuAnalyzers.nuspec")!.Open();
            XElement metadata = XDocument.Load(stream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
            return metadata.Elements().Single(e => e.Name.LocalName == "version").Value;
        }

        private static string Git(params string[] args)
        {
            var start = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = RepositoryPaths.Root };
            foreach (string arg in args)
            {
                start.ArgumentList.Add(arg);
            }

            using Process process = Process.Start(start)!;
            string output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, "git " + string.Join(" ", args) + " failed: " + process.StandardError.ReadToEnd());
            return output;
        }
    }
}
