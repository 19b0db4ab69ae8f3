using System;
using System.IO;
using System.Linq;
using System.Reflection;

namespace IommuAnalyzers.Tests
{
    /// <summary>Paths the build wrote into the test assembly (repository root, built package).</summary>
    internal static class RepositoryPaths
    {
        public static string Root => Metadata("RepoRoot");

        public static string Package => Metadata("PackagePath");

        /// <summary>The version the package project packed, derived from git (MinVer) by the same build.</summary>
        public static string PackageVersion => Metadata("PackageVersion");

        public static string InRepo(params string[] parts) => Path.Combine(new[] { Root }.Concat(parts).ToArray());

        private static string Metadata(string key) =>
            typeof(RepositoryPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
            ?? throw new InvalidOperationException("Missing assembly metadata " + key);
    }
}
