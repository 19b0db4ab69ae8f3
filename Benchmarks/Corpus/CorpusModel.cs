using System.Collections.Generic;

namespace IommuAnalyzers.Benchmarks.Corpus
{
    /// <summary>Which corpus to generate.</summary>
    internal enum CorpusKind
    {
        /// <summary>Driver ports against the ownership runtime, with planted bugs.</summary>
        Driver,

        /// <summary>The same shapes and size with look-alike types of their own: nothing of the runtime is referenced.</summary>
        Plain,

        /// <summary>
        /// Ordinary code that references the runtime: many <c>lock</c> statements, few <c>[GuardedBy]</c> members, no
        /// bugs (<see cref="LockStatementCorpus"/>).
        /// </summary>
        Locks,
    }

    /// <summary>What to generate. Equal settings give byte-identical corpora.</summary>
    internal sealed class CorpusSettings
    {
        /// <summary>The seed of the published figures.</summary>
        public const int DefaultSeed = 20220124;

        public CorpusSettings(CorpusKind kind, int files)
        {
            Kind = kind;
            Files = files;
        }

        public CorpusKind Kind { get; }

        public int Files { get; }

        public int Seed { get; set; } = DefaultSeed;

        /// <summary>Planted bugs per method (method-level rules): 0.03 is three per hundred methods.</summary>
        public double MemberBugRate { get; set; } = 0.03;

        /// <summary>Chance that a file's driver class carries a planted class-level bug (IOMMU0001/0002/0006/0007).</summary>
        public double DriverBugRate { get; set; } = 0.05;

        /// <summary>
        /// Smallest and largest file, in lines (targets; a file ends at the first member past its target). Every file has
        /// a fixed part of about 250 lines (ring, engine helpers, Probe/Remove, IRQ handler), so smaller targets change nothing.
        /// </summary>
        public int MinLines { get; set; } = 250;

        public int MaxLines { get; set; } = 400;

        /// <summary>A tiny corpus dense in bugs, so that every rule is planted several times: the CI smoke check.</summary>
        public static CorpusSettings Smoke(CorpusKind kind, int files = 14) => new CorpusSettings(kind, files)
        {
            MemberBugRate = 0.25,
            DriverBugRate = 0.7,
        };
    }

    /// <summary>One planted bug: the rule that must report it, where, and how many diagnostics it must produce.</summary>
    internal sealed class PlantedBug
    {
        public PlantedBug(string ruleId, string filePath, string member, int diagnostics)
        {
            RuleId = ruleId;
            FilePath = filePath;
            Member = member;
            Diagnostics = diagnostics;
        }

        public string RuleId { get; }

        public string FilePath { get; }

        public string Member { get; }

        public int Diagnostics { get; }

        /// <summary>An IOMMU0101 bug written with <c>Monitor.Enter</c>/<c>Exit</c> on an object lock (not with a KMutex).</summary>
        public bool WithMonitor { get; init; }

        public override string ToString() => RuleId + " x" + Diagnostics + " in " + FilePath + " (" + Member + (WithMonitor ? ", Monitor" : "") + ")";
    }

    /// <summary>One generated source file.</summary>
    internal sealed class CorpusFile
    {
        public CorpusFile(string path, string text, int lines, int methods)
        {
            Path = path;
            Text = text;
            Lines = lines;
            Methods = methods;
        }

        public string Path { get; }

        public string Text { get; }

        public int Lines { get; }

        public int Methods { get; }
    }

    /// <summary>A generated corpus and exactly what was planted in it.</summary>
    internal sealed class GeneratedCorpus
    {
        public GeneratedCorpus(CorpusSettings settings, IReadOnlyList<CorpusFile> files, IReadOnlyList<PlantedBug> bugs)
        {
            Settings = settings;
            Files = files;
            Bugs = bugs;
            var counts = new SortedDictionary<string, int>(System.StringComparer.Ordinal);
            foreach (PlantedBug bug in bugs)
            {
                counts.TryGetValue(bug.RuleId, out int n);
                counts[bug.RuleId] = n + bug.Diagnostics;
            }

            PlantedDiagnostics = counts;
            foreach (CorpusFile file in files)
            {
                TotalLines += file.Lines;
                TotalMethods += file.Methods;
            }
        }

        public CorpusSettings Settings { get; }

        public IReadOnlyList<CorpusFile> Files { get; }

        public IReadOnlyList<PlantedBug> Bugs { get; }

        /// <summary>Rule ID to the number of diagnostics the planted bugs must produce.</summary>
        public IReadOnlyDictionary<string, int> PlantedDiagnostics { get; }

        public int TotalLines { get; }

        public int TotalMethods { get; }

        public int PlantedCount(string ruleId) => PlantedDiagnostics.TryGetValue(ruleId, out int n) ? n : 0;
    }
}
