using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Xml.Linq;
using Xunit;

namespace IommuAnalyzers.Tests.Package
{
    /// <summary>The package users install: exactly the three assemblies where NuGet and the compiler look for them.</summary>
    public class PackageContentsTests
    {
        [Fact]
        public void Package_HoldsExactlyTheExpectedEntries()
        {
            using ZipArchive archive = ZipFile.OpenRead(RepositoryPaths.Package);
            string[] entries = archive.Entries
                .Select(e => e.FullName)
                .Where(name => !name.StartsWith("package/services/metadata/core-properties/", System.StringComparison.Ordinal))
                .OrderBy(name => name, System.StringComparer.Ordinal)
                .ToArray();

            Assert.Equal(
                new[]
                {
                    "IommuAnalyzers.nuspec",
                    "README.md",
                    "[Content_Types].xml",
                    "_rels/.rels",
                    "analyzers/dotnet/cs/IommuAnalyzers.CodeFixes.dll",
                    "analyzers/dotnet/cs/IommuAnalyzers.dll",
                    "buildTransitive/IommuAnalyzers.targets",
                    "buildTransitive/config/IommuAnalysisMode.Default.globalconfig",
                    "buildTransitive/config/IommuAnalysisMode.None.globalconfig",
                    "buildTransitive/config/IommuAnalysisMode.Strict.globalconfig",
                    "lib/netstandard2.0/IommuAnalyzers.Runtime.dll",
                    "lib/netstandard2.0/IommuAnalyzers.Runtime.xml",
                },
                entries);

            // The one core-properties part NuGet always writes, and nothing else under package/.
            Assert.Single(archive.Entries, e => e.FullName.StartsWith("package/", System.StringComparison.Ordinal));
        }

        [Fact]
        public void Nuspec_HasIdLicenseReadmeRepositoryAndNoDependencies()
        {
            using ZipArchive archive = ZipFile.OpenRead(RepositoryPaths.Package);
            using Stream stream = archive.GetEntry("IommuAnalyzers.nuspec")!.Open();
            XElement metadata = XDocument.Load(stream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
            string Value(string name) => metadata.Elements().Single(e => e.Name.LocalName == name).Value;

            Assert.Equal("IommuAnalyzers", Value("id"));
            Assert.Equal("MIT", Value("license"));
            Assert.Equal("README.md", Value("readme"));
            Assert.Contains("iommu", Value("tags"));
            Assert.NotNull(metadata.Elements().SingleOrDefault(e => e.Name.LocalName == "repository"));

            // The analyzers are not a library users reference; the runtime needs nothing beyond netstandard2.0.
            XElement? dependencies = metadata.Elements().SingleOrDefault(e => e.Name.LocalName == "dependencies");
            Assert.True(dependencies == null || !dependencies.Descendants().Any(e => e.Name.LocalName == "dependency"));
        }

        [Theory]
        [InlineData("analyzers/dotnet/cs/IommuAnalyzers.dll", "IommuAnalyzers")]
        [InlineData("analyzers/dotnet/cs/IommuAnalyzers.CodeFixes.dll", "IommuAnalyzers.CodeFixes")]
        [InlineData("lib/netstandard2.0/IommuAnalyzers.Runtime.dll", "IommuAnalyzers.Runtime")]
        public void PackedAssemblies_AreTheProjectsAssemblies(string entryName, string assemblyName)
        {
            using ZipArchive archive = ZipFile.OpenRead(RepositoryPaths.Package);
            using var buffer = new MemoryStream();
            using (Stream stream = archive.GetEntry(entryName)!.Open())
            {
                stream.CopyTo(buffer);
            }

            buffer.Position = 0;
            using var pe = new PEReader(buffer);
            MetadataReader reader = pe.GetMetadataReader();
            Assert.Equal(assemblyName, reader.GetString(reader.GetAssemblyDefinition().Name));
        }
    }
}
