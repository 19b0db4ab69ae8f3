using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace IommuAnalyzers.Tests.Reliability
{
    /// <summary>
    /// Short (CI) or full runs of the reliability tests. <c>IOMMU_FULL=1</c> selects the full run; <c>IOMMU_SEED</c>
    /// replays another mutant stream, <c>IOMMU_MUTANTS</c> overrides the mutant count, and <c>IOMMU_MUTANT_INDICES</c>
    /// (<c>5282,5296</c>) runs just those mutants of the stream (all three for reproducing a failure).
    /// </summary>
    /// <remarks>
    /// Short run (part of <c>dotnet test IommuAnalyzers.sln</c>):
    /// <c>dotnet test Analyzers.Tests --filter "FullyQualifiedName~Reliability" --logger "console;verbosity=detailed"</c>.
    /// Full run: the same command with <c>IOMMU_FULL=1</c> in front. The detailed logger prints the counts and times.
    /// </remarks>
    internal static class ReliabilityMode
    {
        public const int DefaultSeed = 20220502;

        public static bool Full => Environment.GetEnvironmentVariable("IOMMU_FULL") == "1";

        public static string Name => Full ? "full" : "short";

        public static int Seed => ReadInt("IOMMU_SEED") ?? DefaultSeed;

        /// <summary>The issue asks for at least 10,000 mutants in the full run and a few hundred in CI.</summary>
        public static int MutantCount => ReadInt("IOMMU_MUTANTS") ?? (Full ? 10_000 : 300);

        /// <summary>Which mutants of the stream to run: those <c>IOMMU_MUTANT_INDICES</c> names, or the first <see cref="MutantCount"/>.</summary>
        public static IReadOnlyList<int> MutantIndices
        {
            get
            {
                string? listed = Environment.GetEnvironmentVariable("IOMMU_MUTANT_INDICES");
                if (string.IsNullOrWhiteSpace(listed))
                {
                    return Enumerable.Range(0, MutantCount).ToList();
                }

                return listed.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Select(text => int.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture))
                    .ToList();
            }
        }

        /// <summary>Analyzer time one file may take (the corpus bar of issue 6).</summary>
        public static readonly TimeSpan PerFileBudget = TimeSpan.FromSeconds(1);

        private static int? ReadInt(string name)
        {
            string? value = Environment.GetEnvironmentVariable(name);
            return int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int parsed) ? parsed : null;
        }
    }
}
