using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using IommuAnalyzers.Benchmarks.Corpus;

namespace IommuAnalyzers.Benchmarks
{
    /// <summary>Command-line options shared by the cost and ide modes.</summary>
    internal sealed class HarnessOptions
    {
        public int[] Files { get; private set; } = { 250, 1000, 4000 };

        public int Reps { get; private set; } = 3;

        public bool Smoke { get; private set; }

        public CorpusKind[] Corpora { get; private set; } = { CorpusKind.Driver, CorpusKind.Plain };

        public bool Peers { get; private set; } = true;

        /// <summary>Also measure a do-nothing operation analyzer: the analyzer driver's own floor.</summary>
        public bool Floor { get; private set; }

        /// <summary>Also measure the IOMMU analyzers with IOMMU0108 off, to read the lock-order rule's own cost.</summary>
        public bool LockOrder { get; private set; }

        /// <summary>Also measure the IOMMU analyzers with IOMMU0109 and IOMMU0110 off, to read the guard inference's own cost.</summary>
        public bool Inference { get; private set; }

        /// <summary>Also measure the IOMMU analyzers with every body through the graph engine (iommu_analyzers.lock_engine = graph).</summary>
        public bool GraphEngine { get; private set; }

        /// <summary>Also measure SonarAnalyzer.CSharp's S2222 alone and count its finds among the Monitor-written leaks.</summary>
        public bool Sonar { get; private set; }

        public string? JsonPath { get; private set; }

        /// <summary>Corpus sizes at which the peers are measured too (all sizes when not given): they dominate the run time.</summary>
        public int[]? PeerFiles { get; private set; }

        public int Seed { get; private set; } = CorpusSettings.DefaultSeed;

        /// <summary>ide mode: the compilation size and the document's target length.</summary>
        public int IdeFiles { get; private set; } = 1000;

        public int IdeLines { get; private set; } = 300;

        public string? OutDir { get; private set; }

        public static HarnessOptions Parse(IReadOnlyList<string> args)
        {
            var options = new HarnessOptions();
            bool repsGiven = false;
            bool filesGiven = false;
            for (int i = 0; i < args.Count; i++)
            {
                string arg = args[i];
                string Next() => i + 1 < args.Count ? args[++i] : throw new ArgumentException(arg + " needs a value");
                switch (arg)
                {
                    case "--files":
                        options.Files = Next().Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
                        options.IdeFiles = options.Files.Max();
                        filesGiven = true;
                        break;
                    case "--reps":
                        options.Reps = int.Parse(Next(), CultureInfo.InvariantCulture);
                        repsGiven = true;
                        break;
                    case "--smoke":
                        options.Smoke = true;
                        break;
                    case "--corpus":
                        options.Corpora = Next().Split(',', StringSplitOptions.RemoveEmptyEntries)
                            .Select(s => Enum.Parse<CorpusKind>(s, ignoreCase: true)).ToArray();
                        break;
                    case "--peer-files":
                        options.PeerFiles = Next().Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
                        break;
                    case "--lock-order":
                        options.LockOrder = true;
                        break;
                    case "--inference":
                        options.Inference = true;
                        break;
                    case "--graph-engine":
                        options.GraphEngine = true;
                        break;
                    case "--sonar":
                        options.Sonar = true;
                        break;
                    case "--floor":
                        options.Floor = true;
                        break;
                    case "--no-peers":
                        options.Peers = false;
                        break;
                    case "--json":
                        options.JsonPath = Next();
                        break;
                    case "--seed":
                        options.Seed = int.Parse(Next(), CultureInfo.InvariantCulture);
                        break;
                    case "--lines":
                        options.IdeLines = int.Parse(Next(), CultureInfo.InvariantCulture);
                        break;
                    case "--out":
                        options.OutDir = Next();
                        break;
                    default:
                        throw new ArgumentException("unknown option " + arg);
                }
            }

            if (options.Smoke)
            {
                // A check that the harness works end to end, not a measurement.
                if (!filesGiven)
                {
                    options.Files = new[] { 20 };
                    options.IdeFiles = 40;
                }

                if (!repsGiven)
                {
                    options.Reps = 1;
                }
            }

            return options;
        }
    }
}
