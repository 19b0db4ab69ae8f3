using System.Linq;
using System.Reflection;

namespace IommuAnalyzers.Benchmarks
{
    /// <summary>Build facts the project file stamps into the assembly (package versions and folders).</summary>
    internal static class ThisAssembly
    {
        public static string NetAnalyzersVersion => Metadata("NetAnalyzersVersion");

        public static string VsThreadingVersion => Metadata("VsThreadingAnalyzersVersion");

        public static string SonarAnalyzerVersion => Metadata("SonarAnalyzerVersion");

        public static string RoslynVersion => Metadata("RoslynVersion");

        public static string Metadata(string key) =>
            typeof(ThisAssembly).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == key)?.Value ?? "?";
    }
}
