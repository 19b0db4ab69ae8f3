using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using Xunit;

namespace IommuAnalyzers.Tests.Samples
{
    /// <summary>
    /// The planted bugs of Samples/DriverPorts are marked "// BUG(IOMMUxxxx): why" on the line where the diagnostic
    /// belongs; these markers are what a check of the analyzers against the samples compares with. They must name real
    /// rules, sit on code, cover every rule, and stay out of the correct ports.
    /// </summary>
    public class DriverPortsBugMarkerTests
    {
        private static readonly Regex s_marker = new Regex(@"//\s*BUG\((?<id>[A-Z]+\d+)\):\s*(?<why>.*)$", RegexOptions.CultureInvariant);

        [Fact]
        public void EveryMarker_NamesAKnownRule_SitsOnCode_AndSaysWhy()
        {
            HashSet<string> ids = RuleIds();
            List<Marker> markers = Markers();

            Assert.NotEmpty(markers);
            foreach (Marker marker in markers)
            {
                Assert.True(ids.Contains(marker.Id), marker + ": unknown rule ID");
                Assert.True(marker.Code.Trim().Length > 0, marker + ": the marker must share its line with the code it marks");
                Assert.True(marker.Why.Trim().Length >= 10, marker + ": say why it is a bug");
            }
        }

        [Fact]
        public void EveryRule_HasAPlantedBug()
        {
            HashSet<string> planted = new HashSet<string>(Markers().Select(m => m.Id), StringComparer.Ordinal);

            foreach (string id in RuleIds().OrderBy(i => i, StringComparer.Ordinal))
            {
                Assert.True(planted.Contains(id), "no planted bug for " + id);
            }
        }

        [Fact]
        public void CorrectPorts_CarryNoMarkers()
        {
            string root = SamplesRoot();
            List<string> correct = Directory.GetFiles(Path.Combine(root, "Drivers"), "*.cs").ToList();
            correct.Add(Path.Combine(root, "Core", "IommuCorePort.cs"));
            correct.Add(Path.Combine(root, "Program.cs"));

            foreach (string file in correct)
            {
                Assert.True(File.Exists(file), file);
                Assert.DoesNotContain("BUG(", File.ReadAllText(file), StringComparison.Ordinal);
            }
        }

        private static HashSet<string> RuleIds()
        {
            return new HashSet<string>(
                typeof(RuleIdentifiers).GetFields(BindingFlags.Public | BindingFlags.Static)
                    .Where(f => f.IsLiteral && f.FieldType == typeof(string))
                    .Select(f => (string)f.GetRawConstantValue()!)
                    .Where(v => v.StartsWith("IOMMU", StringComparison.Ordinal)),
                StringComparer.Ordinal);
        }

        internal static List<Marker> Markers()
        {
            string root = SamplesRoot();
            var markers = new List<Marker>();
            foreach (string file in Directory.GetFiles(root, "*.cs", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal))
            {
                string relative = Path.GetRelativePath(root, file);
                if (relative.StartsWith("bin", StringComparison.Ordinal) || relative.StartsWith("obj", StringComparison.Ordinal))
                {
                    continue;
                }

                string[] lines = File.ReadAllLines(file);
                for (int i = 0; i < lines.Length; i++)
                {
                    Match match = s_marker.Match(lines[i]);
                    if (match.Success)
                    {
                        markers.Add(new Marker(relative, i + 1, match.Groups["id"].Value, match.Groups["why"].Value, lines[i].Substring(0, match.Index)));
                    }
                }
            }

            return markers;
        }

        // Samples/DriverPorts of the repository the tests were built from.
        internal static string SamplesRoot()
        {
            for (DirectoryInfo? dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "IommuAnalyzers.sln")))
                {
                    return Path.Combine(dir.FullName, "Samples", "DriverPorts");
                }
            }

            throw new DirectoryNotFoundException("IommuAnalyzers.sln not found above " + AppContext.BaseDirectory);
        }

        internal sealed class Marker
        {
            public Marker(string file, int line, string id, string why, string code)
            {
                File = file;
                Line = line;
                Id = id;
                Why = why;
                Code = code;
            }

            public string File { get; }

            public int Line { get; }

            public string Id { get; }

            public string Why { get; }

            public string Code { get; }

            public override string ToString() => File + ":" + Line + " " + Id;
        }
    }
}
