using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace IommuAnalyzers.Benchmarks.Cost
{
    /// <summary>Markdown output of the cost harness.</summary>
    internal static class Report
    {
        private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

        public static string CostTable(IReadOnlyList<CorpusCost> results, IReadOnlyList<AnalyzerSet> sets)
        {
            // Per set: its own callback time (telemetry), that time over compile time, and the CPU time of compile plus
            // analysis over the CPU time of compile alone (what a build pays, analyzer driver included).
            var sb = new StringBuilder();
            sb.Append("| corpus | files | lines | compile ms |");
            var align = new StringBuilder("|---|---:|---:|---:|");
            foreach (AnalyzerSet set in sets)
            {
                sb.Append(' ').Append(set.Name).Append(" ms | ratio |");
                align.Append("---:|---:|");
                if (set.Name == AnalyzerSet.Iommu)
                {
                    sb.Append(" ms/kLOC |");
                    align.Append("---:|");
                }

                sb.Append(" cpu/compile |");
                align.Append("---:|");
            }

            sb.Append(" IOMMU found/planted |\n").Append(align).Append("---:|\n");
            foreach (CorpusCost r in results)
            {
                sb.Append(Inv, $"| {r.Corpus} | {r.Files:N0} | {r.Lines:N0} | {r.CompileMs:F0} |");
                foreach (AnalyzerSet set in sets)
                {
                    SetCost? s = r.Sets.FirstOrDefault(x => x.Set == set.Name);
                    string perKLoc = set.Name == AnalyzerSet.Iommu ? (s == null ? " - |" : string.Format(Inv, " {0:F3} |", s.MsPerKLoc)) : string.Empty;
                    if (s == null)
                    {
                        sb.Append(" - | - |").Append(perKLoc).Append(" - |");
                        continue;
                    }

                    sb.Append(Inv, $" {s.AnalyzerMs:F1} | {Percent(s.Ratio)} |").Append(perKLoc).Append(Inv, $" {s.CpuOverCompile:F2} |");
                }

                SetCost? iommu = r.Sets.FirstOrDefault(x => x.Set == AnalyzerSet.Iommu);
                int found = iommu?.Diagnostics.Values.Sum() ?? 0;
                sb.Append(Inv, $" {found}/{r.Planted.Values.Sum()} |\n");
            }

            return sb.ToString();
        }

        public static string Breakdown(IReadOnlyList<CorpusCost> results)
        {
            CorpusCost? largest = results.Where(r => r.Corpus == "driver").OrderByDescending(r => r.Files).FirstOrDefault();
            if (largest == null)
            {
                return string.Empty;
            }

            SetCost? iommu = largest.Sets.FirstOrDefault(s => s.Set == AnalyzerSet.Iommu);
            if (iommu == null)
            {
                return string.Empty;
            }

            var sb = new StringBuilder();
            sb.Append(Inv, $"IommuAnalyzers per analyzer, driver corpus, {largest.Files:N0} files (median ms):\n\n| analyzer | ms | share of compile |\n|---|---:|---:|\n");
            foreach (KeyValuePair<string, double> a in iommu.PerAnalyzerMs.OrderByDescending(p => p.Value))
            {
                sb.Append(Inv, $"| {a.Key} | {a.Value:F1} | {Percent(a.Value / largest.CompileMs)} |\n");
            }

            sb.Append(Inv, $"\nRules on the driver corpus, {largest.Files:N0} files (reported / planted; a rule not loaded yet shows -):\n\n| rule | reported | planted |\n|---|---:|---:|\n");
            foreach (string id in largest.Planted.Keys.Union(iommu.Diagnostics.Keys).OrderBy(k => k, StringComparer.Ordinal))
            {
                string reported = iommu.Diagnostics.TryGetValue(id, out int n) ? n.ToString(Inv) : "-";
                largest.Planted.TryGetValue(id, out int planted);
                sb.Append(Inv, $"| {id} | {reported} | {planted} |\n");
            }

            return sb.ToString();
        }

        public static string Targets(IReadOnlyList<CorpusCost> results)
        {
            var sb = new StringBuilder();
            sb.Append("| target | measured | verdict |\n|---|---|---|\n");

            List<CorpusCost> plain = results.Where(r => r.Corpus == "plain").ToList();
            if (plain.Count > 0)
            {
                double worst = plain.Max(r => Iommu(r)?.Ratio ?? double.NaN);
                sb.Append(Inv, $"| plain corpus: IommuAnalyzers <= 1% of compile | worst {Percent(worst)} ({string.Join(", ", plain.Select(r => r.Files.ToString("N0", Inv) + " files " + Percent(Iommu(r)?.Ratio ?? double.NaN)))}) | {Verdict(worst <= 0.01, worst / 0.01)} |\n");
            }

            // Code that references the runtime but guards few members: the engine must not charge it for lock statements alone.
            List<CorpusCost> locks = results.Where(r => r.Corpus == "locks").ToList();
            if (locks.Count > 0)
            {
                double worst = locks.Max(r => Iommu(r)?.Ratio ?? double.NaN);
                sb.Append(Inv, $"| locks corpus (lock statements, few guarded members): IommuAnalyzers <= 2% of compile | worst {Percent(worst)} ({string.Join(", ", locks.Select(r => r.Files.ToString("N0", Inv) + " files " + Percent(Iommu(r)?.Ratio ?? double.NaN)))}) | {Verdict(worst <= 0.02, worst / 0.02)} |\n");
            }

            List<CorpusCost> driver = results.Where(r => r.Corpus == "driver").OrderBy(r => r.Files).ToList();
            if (driver.Count > 0)
            {
                CorpusCost at1000 = driver.OrderBy(r => Math.Abs(r.Files - 1000)).First();
                double ratio = Iommu(at1000)?.Ratio ?? double.NaN;
                sb.Append(Inv, $"| driver corpus, {at1000.Files:N0} files: IommuAnalyzers <= 10% of compile | {Percent(ratio)} | {Verdict(ratio <= 0.10, ratio / 0.10)} |\n");
                SetCost? ca2000 = at1000.Sets.FirstOrDefault(s => s.Set == AnalyzerSet.Ca2000);
                if (ca2000 != null)
                {
                    double ours = Iommu(at1000)!.AnalyzerMs;
                    sb.Append(Inv, $"| driver corpus, {at1000.Files:N0} files: IommuAnalyzers below CA2000 alone | {ours:F0} ms vs {ca2000.AnalyzerMs:F0} ms ({ours / ca2000.AnalyzerMs:F2}x) | {Verdict(ours < ca2000.AnalyzerMs, ours / ca2000.AnalyzerMs)} |\n");
                }

                if (driver.Count > 1)
                {
                    CorpusCost small = driver.First();
                    CorpusCost large = driver.Last();
                    double a = Iommu(small)!.MsPerKLoc;
                    double b = Iommu(large)!.MsPerKLoc;
                    double change = b / a - 1;
                    sb.Append(Inv, $"| scaling: ms/kLOC at {large.Files:N0} files within 25% of {small.Files:N0} files | {b:F3} vs {a:F3} ({(change >= 0 ? "+" : "")}{change * 100:F0}%) | {Verdict(change <= 0.25, (1 + change) / 1.25)} |\n");
                }
            }

            return sb.ToString();
        }

        /// <summary>The Monitor-written IOMMU0101 leaks and who found them (driver corpus, <c>--sonar</c>).</summary>
        public static string MonitorLeaks(IReadOnlyList<CorpusCost> results)
        {
            List<CorpusCost> counted = results.Where(r => r.MonitorLeaks != null).ToList();
            if (counted.Count == 0)
            {
                return string.Empty;
            }

            var sb = new StringBuilder();
            sb.Append("IOMMU0101 leaks written with Monitor.Enter/Exit (found = a diagnostic of the rule inside the leaking member; first repetition):\n\n");
            sb.Append("| corpus | files | Monitor-written IOMMU0101 planted | IOMMU0101 found | S2222 found | S2222 diagnostics | S2222 outside the planted leaks |\n");
            sb.Append("|---|---:|---:|---:|---:|---:|---:|\n");
            foreach (CorpusCost r in counted)
            {
                MonitorLeakFinds m = r.MonitorLeaks!;
                sb.Append(Inv, $"| {r.Corpus} | {r.Files:N0} | {m.Planted} | {m.IommuFound} | {m.S2222Found} | {m.S2222Diagnostics} | {m.S2222Outside} |\n");
            }

            return sb.ToString();
        }

        public static string Percent(double ratio) => double.IsNaN(ratio) ? "-" : (ratio * 100).ToString(ratio < 0.01 ? "F3" : "F1", Inv) + "%";

        public static string Verdict(bool met, double overBy) =>
            met ? "met" : double.IsNaN(overBy) ? "not measured" : "missed (" + overBy.ToString("F2", Inv) + "x the limit)";

        private static SetCost? Iommu(CorpusCost r) => r.Sets.FirstOrDefault(s => s.Set == AnalyzerSet.Iommu);
    }
}
