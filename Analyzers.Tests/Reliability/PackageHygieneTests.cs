using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;
using Xunit;
using Xunit.Abstractions;

namespace IommuAnalyzers.Tests.Reliability
{
    /// <summary>
    /// Issue 6, item 6: the package runs nothing at install or build beyond the compiler loading the analyzers, and the
    /// analyzer assemblies themselves touch no files, processes, environment or code loading (checked in their metadata,
    /// whatever the source-level banned-API list let through).
    /// </summary>
    public class PackageHygieneTests
    {
        // Types whose mere use in an analyzer or fix is the problem.
        private static readonly string[] s_bannedTypes =
        {
            "System.Diagnostics.Process", "System.Diagnostics.ProcessStartInfo",
            "System.IO.File", "System.IO.Directory", "System.IO.FileInfo", "System.IO.DirectoryInfo", "System.IO.FileStream", "System.IO.FileSystemWatcher",
            "System.Environment", "System.Runtime.Loader.AssemblyLoadContext", "System.Activator",
            "System.Net.WebClient", "System.Net.Http.HttpClient", "System.Net.Sockets.Socket",
        };

        // Members of banned types that read nothing from outside: the C# compiler's own iterator code calls
        // Environment.CurrentManagedThreadId to hand each thread its own enumerator.
        private static readonly string[] s_allowedMembers = { "System.Environment.get_CurrentManagedThreadId" };

        // Members of otherwise allowed types.
        private static readonly string[] s_bannedMembers =
        {
            "System.Reflection.Assembly.Load", "System.Reflection.Assembly.LoadFrom", "System.Reflection.Assembly.LoadFile",
            "System.Reflection.Assembly.UnsafeLoadFrom", "System.Reflection.Assembly.LoadWithPartialName", "System.Reflection.Assembly.ReflectionOnlyLoad",
            "System.Reflection.Assembly.ReflectionOnlyLoadFrom", "System.AppDomain.Load", "System.AppDomain.ExecuteAssembly",
            "System.Type.GetType", "System.Type.GetTypeFromProgID", "System.Type.GetTypeFromCLSID",
        };

        private static readonly Regex s_executingMsBuild = new Regex(@"<\s*(Exec|UsingTask)\b", RegexOptions.IgnoreCase | RegexOptions.Compiled);

        private readonly ITestOutputHelper _output;

        public PackageHygieneTests(ITestOutputHelper output)
        {
            _output = output;
        }

        [Fact]
        public void Package_RunsNothingAtInstallOrBuild()
        {
            using ZipArchive archive = ZipFile.OpenRead(RepositoryPaths.Package);
            string[] entries = archive.Entries.Select(e => e.FullName).ToArray();
            _output.WriteLine(string.Join("\n", entries));

            // NuGet runs tools/init.ps1 and install.ps1 (packages.config) in Visual Studio; nothing of the kind may ship.
            Assert.DoesNotContain(entries, e => e.StartsWith("tools/", StringComparison.OrdinalIgnoreCase));
            string[] scripts = { ".ps1", ".psm1", ".psd1", ".sh", ".cmd", ".bat", ".exe", ".vbs", ".js" };
            Assert.DoesNotContain(entries, e => scripts.Any(ext => e.EndsWith(ext, StringComparison.OrdinalIgnoreCase)));
            Assert.DoesNotContain(entries, e => Path.GetFileName(e).Equals("init.ps1", StringComparison.OrdinalIgnoreCase) || Path.GetFileName(e).Equals("install.ps1", StringComparison.OrdinalIgnoreCase));

            // MSBuild files NuGet imports into the consumer's build: if any ever ship, they may set properties, never run anything.
            foreach (ZipArchiveEntry entry in archive.Entries.Where(e => IsImportedBuildFile(e.FullName)))
            {
                using var reader = new StreamReader(entry.Open());
                string xml = reader.ReadToEnd();
                Assert.False(s_executingMsBuild.IsMatch(xml), entry.FullName + " runs a task or an executable in the consumer's build");
            }

            // The only code in the package: the analyzers (loaded by the compiler) and the runtime (referenced).
            Assert.All(entries.Where(e => e.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)), e =>
                Assert.True(e.StartsWith("analyzers/dotnet/cs/", StringComparison.Ordinal) || e.StartsWith("lib/netstandard2.0/", StringComparison.Ordinal), e));
        }

        [Fact]
        public void PackagedAnalyzerAssemblies_ReferenceNoFileProcessEnvironmentOrLoadingApi()
        {
            using ZipArchive archive = ZipFile.OpenRead(RepositoryPaths.Package);
            ZipArchiveEntry[] analyzers = archive.Entries.Where(e => e.FullName.StartsWith("analyzers/", StringComparison.Ordinal) && e.FullName.EndsWith(".dll", StringComparison.Ordinal)).ToArray();
            Assert.Equal(2, analyzers.Length);
            foreach (ZipArchiveEntry entry in analyzers)
            {
                using var buffer = new MemoryStream();
                using (Stream stream = entry.Open())
                {
                    stream.CopyTo(buffer);
                }

                List<string> found = BannedReferences(buffer.ToArray());
                _output.WriteLine(entry.FullName + ": " + (found.Count == 0 ? "clean" : string.Join(", ", found)));
                Assert.True(found.Count == 0, entry.FullName + " references " + string.Join(", ", found));
            }
        }

        [Fact]
        public void MetadataScan_FindsWhatItBans()
        {
            // The scanner can fail: this test assembly reads files (the corpus) with System.IO.File, and it must be seen.
            List<string> found = BannedReferences(File.ReadAllBytes(typeof(PackageHygieneTests).Assembly.Location));
            Assert.Contains("System.IO.File", found);
            Assert.Contains(found, f => f.StartsWith("System.IO.File.ReadAllText", StringComparison.Ordinal));
        }

        private static bool IsImportedBuildFile(string entry) =>
            (entry.StartsWith("build/", StringComparison.OrdinalIgnoreCase) || entry.StartsWith("buildTransitive/", StringComparison.OrdinalIgnoreCase) ||
             entry.StartsWith("buildMultiTargeting/", StringComparison.OrdinalIgnoreCase)) &&
            (entry.EndsWith(".props", StringComparison.OrdinalIgnoreCase) || entry.EndsWith(".targets", StringComparison.OrdinalIgnoreCase));

        /// <summary>Banned types among the assembly's type references, and banned members among its member references.</summary>
        private static List<string> BannedReferences(byte[] image)
        {
            var found = new SortedSet<string>(StringComparer.Ordinal);
            using var pe = new PEReader(new MemoryStream(image));
            MetadataReader reader = pe.GetMetadataReader();

            // A banned type counts through its members, unless nothing but allowed members of it is referenced.
            var typesUsedOnlyThroughAllowedMembers = new HashSet<string>(StringComparer.Ordinal);
            var typesUsedOtherwise = new HashSet<string>(StringComparer.Ordinal);
            foreach (MemberReferenceHandle handle in reader.MemberReferences)
            {
                MemberReference member = reader.GetMemberReference(handle);
                if (member.Parent.Kind == HandleKind.TypeReference)
                {
                    string type = FullName(reader, (TypeReferenceHandle)member.Parent);
                    bool allowed = s_allowedMembers.Contains(type + "." + reader.GetString(member.Name), StringComparer.Ordinal);
                    (allowed ? typesUsedOnlyThroughAllowedMembers : typesUsedOtherwise).Add(type);
                }
            }

            foreach (TypeReferenceHandle handle in reader.TypeReferences)
            {
                string name = FullName(reader, handle);
                bool onlyAllowed = typesUsedOnlyThroughAllowedMembers.Contains(name) && !typesUsedOtherwise.Contains(name);
                if (s_bannedTypes.Contains(name, StringComparer.Ordinal) && !onlyAllowed)
                {
                    found.Add(name);
                }
            }

            foreach (MemberReferenceHandle handle in reader.MemberReferences)
            {
                MemberReference member = reader.GetMemberReference(handle);
                if (member.Parent.Kind != HandleKind.TypeReference)
                {
                    continue;
                }

                string type = FullName(reader, (TypeReferenceHandle)member.Parent);
                string name = type + "." + reader.GetString(member.Name);
                if (s_allowedMembers.Contains(name, StringComparer.Ordinal))
                {
                    continue;
                }

                if (s_bannedTypes.Contains(type, StringComparer.Ordinal) || s_bannedMembers.Contains(name, StringComparer.Ordinal))
                {
                    found.Add(name);
                }
            }

            return found.ToList();
        }

        private static string FullName(MetadataReader reader, TypeReferenceHandle handle)
        {
            TypeReference type = reader.GetTypeReference(handle);
            string name = reader.GetString(type.Name);
            if (type.ResolutionScope.Kind == HandleKind.TypeReference)
            {
                return FullName(reader, (TypeReferenceHandle)type.ResolutionScope) + "+" + name;
            }

            string ns = reader.GetString(type.Namespace);
            return ns.Length == 0 ? name : ns + "." + name;
        }
    }
}
