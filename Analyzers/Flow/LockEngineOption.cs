using System;
using Microsoft.CodeAnalysis.Diagnostics;

namespace IommuAnalyzers.Flow
{
    /// <summary>
    /// <c>iommu_analyzers.lock_engine = graph</c> (a global analyzer config setting): analyse every body with the
    /// control-flow-graph engine, the structured pass's reference. For telling whether a diagnostic comes from the
    /// structured pass, and for the differential tests; the default, <c>structured</c>, gives the same diagnostics faster.
    /// </summary>
    internal static class LockEngineOption
    {
        public const string Key = "iommu_analyzers.lock_engine";

        public static bool GraphOnly(AnalyzerOptions options) =>
            options.AnalyzerConfigOptionsProvider.GlobalOptions.TryGetValue(Key, out string? value) &&
            string.Equals(value.Trim(), "graph", StringComparison.OrdinalIgnoreCase);
    }
}
