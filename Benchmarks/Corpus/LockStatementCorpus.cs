using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace IommuAnalyzers.Benchmarks.Corpus
{
    /// <summary>
    /// The <see cref="CorpusKind.Locks"/> corpus: ordinary C# that references the runtime but is no driver port. Each
    /// file is a cache or registry class in the style of public libraries: many <c>lock</c> statements over a private
    /// object, an occasional static lock taken inside the instance one (always in that order), a single
    /// <c>[GuardedBy]</c> member, and mostly code without any lock. Its locking is consistent, so no IOMMU rule may
    /// report anything: what it measures is what the analyzers cost where there is little for them to check.
    /// </summary>
    internal static class LockStatementCorpus
    {
        public static GeneratedCorpus Generate(CorpusSettings settings)
        {
            var random = new Random(settings.Seed);
            var files = new List<CorpusFile>(settings.Files);
            for (int i = 0; i < settings.Files; i++)
            {
                files.Add(GenerateFile(settings, random, i));
            }

            return new GeneratedCorpus(settings, files, Array.Empty<PlantedBug>());
        }

        private static CorpusFile GenerateFile(CorpusSettings settings, Random random, int index)
        {
            string name = "Cache" + index.ToString("D4", CultureInfo.InvariantCulture);
            int target = settings.MinLines + random.Next(Math.Max(1, settings.MaxLines - settings.MinLines));
            var sb = new StringBuilder();
            int methods = 0;
            sb.Append($$"""
                // A generated cache class: lock statements over private objects, one guarded member.
                using System;
                using System.Collections.Generic;
                using System.Text;
                using Iommu;

                namespace LockCorpus.Caches;

                public sealed class {{name}}
                {
                    private static readonly object s_registryLock = new object();
                    private static readonly Dictionary<string, {{name}}> s_registry = new Dictionary<string, {{name}}>();

                    private readonly object _sync = new object();
                    private readonly Dictionary<int, string> _entries = new Dictionary<int, string>();
                    private readonly string _name;
                    private int _hits;
                    private int _misses;
                    private long _bytes;

                    [GuardedBy(nameof(_sync))]
                    private int _version;

                    public {{name}}(string name)
                    {
                        _name = name;
                        _hits = 0;
                    }

                    public bool TryGet(int key, out string? value)
                    {
                        lock (_sync)
                        {
                            if (_entries.TryGetValue(key, out value))
                            {
                                _hits++;
                                return true;
                            }

                            _misses++;
                            return false;
                        }
                    }

                    public void Put(int key, string value)
                    {
                        lock (_sync)
                        {
                            if (_entries.TryGetValue(key, out string? old))
                            {
                                _bytes -= old.Length;
                            }

                            _entries[key] = value;
                            _bytes += value.Length;
                            _version++;
                        }
                    }

                    public bool Remove(int key)
                    {
                        lock (_sync)
                        {
                            if (!_entries.Remove(key, out string? old))
                            {
                                return false;
                            }

                            _bytes -= old.Length;
                            _version++;
                            return true;
                        }
                    }

                    public int Version
                    {
                        get
                        {
                            lock (_sync)
                            {
                                return _version;
                            }
                        }
                    }

                    public string Stats()
                    {
                        lock (_sync)
                        {
                            return _name + ": " + _hits + " hits, " + _misses + " misses, " + _bytes + " bytes";
                        }
                    }

                    public void Register()
                    {
                        lock (_sync)
                        {
                            lock (s_registryLock)
                            {
                                s_registry[_name] = this;
                            }
                        }
                    }

                    public static int Registered()
                    {
                        lock (s_registryLock)
                        {
                            return s_registry.Count;
                        }
                    }

                """);
            methods += 8;

            // Line breaks so far, counted as each piece is appended (CountLines counts lines, one more than breaks).
            int lines = CorpusGenerator.CountLines(sb.ToString()) - 1;
            for (int member = 0; lines < target; member++)
            {
                string method = "M" + member.ToString(CultureInfo.InvariantCulture);
                string piece = Indent(Member(random.Next(8), method, random)) + "\n";
                sb.Append(piece);
                methods++;
                lines += CorpusGenerator.CountLines(piece) - 1;
            }

            sb.Append("}\n");
            return new CorpusFile("Locks/" + name + ".cs", sb.ToString(), lines + 1, methods);
        }

        /// <summary>One member of the kind <paramref name="kind"/>: four of the eight take a lock, four take none.</summary>
        private static string Member(int kind, string name, Random random)
        {
            int k = random.Next(2, 64);
            switch (kind)
            {
                case 0:
                    return $$"""
                        public static string {{name}}(int status)
                        {
                            switch (status % {{k}})
                            {
                                case 0:
                                    return "idle";
                                case 1:
                                    return "busy";
                                case 2:
                                    return "draining";
                                default:
                                    return "state " + status.ToString();
                            }
                        }
                        """;
                case 1:
                    return $$"""
                        public static uint {{name}}(int[] words)
                        {
                            uint sum = {{k}};
                            for (int i = 0; i < words.Length; i++)
                            {
                                sum = (sum << 5) ^ (sum >> 27) ^ (uint)words[i];
                            }

                            return sum;
                        }
                        """;
                case 2:
                    return $$"""
                        public int {{name}}(int key, int count)
                        {
                            int added = 0;
                            for (int i = 0; i < count; i++)
                            {
                                lock (_sync)
                                {
                                    if (!_entries.ContainsKey(key + i))
                                    {
                                        _entries[key + i] = "v" + i;
                                        _bytes += 1 + i / 10;
                                        added++;
                                    }
                                }
                            }

                            return added;
                        }
                        """;
                case 3:
                    return $$"""
                        public List<int> {{name}}(int min)
                        {
                            var keys = new List<int>();
                            lock (_sync)
                            {
                                foreach (KeyValuePair<int, string> entry in _entries)
                                {
                                    if (entry.Key >= min && entry.Value.Length < {{k}})
                                    {
                                        keys.Add(entry.Key);
                                    }
                                }
                            }

                            keys.Sort();
                            return keys;
                        }
                        """;
                case 4:
                    return $$"""
                        public string {{name}}(IEnumerable<string> parts)
                        {
                            var sb = new StringBuilder();
                            foreach (string part in parts)
                            {
                                if (sb.Length > 0)
                                {
                                    sb.Append(", ");
                                }

                                sb.Append(part.Length > {{k}} ? part.Substring(0, {{k}}) : part);
                            }

                            return sb.ToString();
                        }
                        """;
                case 5:
                    return $$"""
                        public bool {{name}}(int key, string expected, string replacement)
                        {
                            lock (_sync)
                            {
                                if (!_entries.TryGetValue(key, out string? current) || current != expected)
                                {
                                    _misses++;
                                    return false;
                                }

                                try
                                {
                                    _entries[key] = replacement;
                                    _version++;
                                }
                                finally
                                {
                                    _bytes += replacement.Length - expected.Length;
                                }

                                return true;
                            }
                        }
                        """;
                case 6:
                    return $$"""
                        public static double {{name}}(double[] samples)
                        {
                            if (samples.Length == 0)
                            {
                                return 0;
                            }

                            double mean = 0;
                            foreach (double sample in samples)
                            {
                                mean += sample / samples.Length;
                            }

                            double spread = 0;
                            foreach (double sample in samples)
                            {
                                spread += (sample - mean) * (sample - mean);
                            }

                            return Math.Sqrt(spread / samples.Length) * {{k}};
                        }
                        """;
                default:
                    return $$"""
                        public int {{name}}(Func<string, bool> keep)
                        {
                            List<int> doomed;
                            lock (_sync)
                            {
                                doomed = new List<int>();
                                foreach (KeyValuePair<int, string> entry in _entries)
                                {
                                    if (!keep(entry.Value))
                                    {
                                        doomed.Add(entry.Key);
                                    }
                                }

                                foreach (int key in doomed)
                                {
                                    _bytes -= _entries[key].Length;
                                    _entries.Remove(key);
                                }

                                _version += doomed.Count > 0 ? 1 : 0;
                            }

                            return doomed.Count;
                        }
                        """;
            }
        }

        private static string Indent(string text)
        {
            var sb = new StringBuilder();
            foreach (string line in text.Split('\n'))
            {
                sb.Append(line.Length == 0 ? string.Empty : "    ").Append(line).Append('\n');
            }

            return sb.ToString();
        }
    }
}
