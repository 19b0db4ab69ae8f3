using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using IommuAnalyzers.Benchmarks.Corpus;
using IommuAnalyzers.Benchmarks.Cost;

namespace IommuAnalyzers.Benchmarks
{
    internal static class Program
    {
        private const string Usage = """
            IommuAnalyzers benchmarks (run with -c Release; see BENCHMARKS.md)

              cost     [--files 250,1000,4000] [--reps 3] [--corpus driver,plain] [--no-peers | --peer-files 250,1000]
                       [--json FILE] [--smoke] [--floor] [--lock-order] [--inference] [--sonar]
                       [--graph-engine]
                       compile time vs analyzer time (IommuAnalyzers, CA2000 alone, VS threading) per corpus and size
                       (--lock-order adds the IOMMU analyzers with IOMMU0108 off, for the rule's own cost;
                        --inference adds them with IOMMU0109/IOMMU0110 off, for the guard inference's own cost;
                        --graph-engine adds them with every body through the graph engine, the structured pass's reference;
                        --sonar adds SonarAnalyzer.CSharp's S2222 alone, even with --no-peers, and on the driver corpus
                        counts its finds and ours among the IOMMU0101 leaks written with Monitor.Enter/Exit)
              ide      [--files 1000] [--lines 300] [--reps 15] [--smoke]
                       semantic diagnostics of one document of a large compilation, as an IDE asks for them
              runtime  [BenchmarkDotNet arguments, e.g. --filter *Uncontended*]
                       runtime micro-benchmarks: use/unuse pair and KMutex against a bare lock pair
              phases   [--files 1000] [--corpus driver]
                       where the lock engine's time goes: binding, pre-scan, structured pass, graphs and fixed point
              generate --out DIR [--files 250] [--corpus driver]
                       writes a corpus to disk (to build it with dotnet build -p:ReportAnalyzer=true)
            """;

        public static async Task<int> Main(string[] args)
        {
            if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
            {
                Console.WriteLine(Usage);
                return args.Length == 0 ? 2 : 0;
            }

            string[] rest = args.Skip(1).ToArray();
            try
            {
                switch (args[0])
                {
                    case "cost":
                        Console.Error.WriteLine("machine: " + Machine.Summary());
                        return await CostHarness.RunAsync(HarnessOptions.Parse(rest), Console.Out).ConfigureAwait(false);
                    case "ide":
                        Console.Error.WriteLine("machine: " + Machine.Summary());
                        return await Ide.IdeLatency.RunAsync(HarnessOptions.Parse(rest), Console.Out).ConfigureAwait(false);
                    case "runtime":
                        return RuntimeBench.RuntimeBenchmarks.Run(rest);
                    case "phases":
                        return EnginePhases.Run(HarnessOptions.Parse(rest), Console.Out);
                    case "generate":
                        return Generate(HarnessOptions.Parse(rest));
                    default:
                        Console.Error.WriteLine("unknown mode " + args[0]);
                        Console.Error.WriteLine(Usage);
                        return 2;
                }
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine(e.Message);
                Console.Error.WriteLine(Usage);
                return 2;
            }
        }

        private static int Generate(HarnessOptions options)
        {
            if (options.OutDir == null)
            {
                throw new ArgumentException("generate needs --out DIR");
            }

            foreach (CorpusKind kind in options.Corpora)
            {
                GeneratedCorpus corpus = CorpusGenerator.Generate(new CorpusSettings(kind, options.Files[0]) { Seed = options.Seed });
                foreach (CorpusFile file in corpus.Files)
                {
                    string path = Path.Combine(options.OutDir, file.Path);
                    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                    File.WriteAllText(path, file.Text);
                }

                Console.WriteLine($"{kind}: {corpus.Files.Count} files, {corpus.TotalLines:N0} lines, {corpus.TotalMethods:N0} methods; planted: " +
                    string.Join(", ", corpus.PlantedDiagnostics.Select(p => p.Key + "=" + p.Value)));
            }

            return 0;
        }
    }
}
