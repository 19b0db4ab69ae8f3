using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;

namespace IommuAnalyzers.Tests.Verifiers
{
    /// <summary>
    /// The references every test compilation gets: the .NET 10 reference assemblies shipped in a package (so tests
    /// download nothing) and the ownership runtime itself.
    /// </summary>
    internal static class TestReferences
    {
        /// <summary>An empty reference set: the testing library must not try to download a targeting pack.</summary>
        public static readonly ReferenceAssemblies None = new ReferenceAssemblies("net10.0");

        public static readonly MetadataReference Runtime = MetadataReference.CreateFromFile(typeof(Iommu.KMutex).Assembly.Location);

        public static readonly ImmutableArray<MetadataReference> Framework =
            ImmutableArray.CreateRange<MetadataReference>(Basic.Reference.Assemblies.Net100.References.All);

        /// <summary>The framework plus the runtime.</summary>
        public static readonly ImmutableArray<MetadataReference> WithRuntime = Framework.Add(Runtime);
    }
}
