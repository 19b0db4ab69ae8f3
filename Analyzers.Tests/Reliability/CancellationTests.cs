using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Linq;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit;
using Xunit.Abstractions;

namespace IommuAnalyzers.Tests.Reliability
{
    /// <summary>
    /// Issue 6, item 3: analysis of a pathological method stops promptly when cancelled (the IDE cancels on every
    /// keystroke), and finishes within a stated bound when it is not.
    /// </summary>
    [Collection(ReliabilityCollection.Name)]
    public class CancellationTests
    {
        /// <summary>How long a cancelled analysis may take to notice.</summary>
        private static readonly TimeSpan s_promptness = TimeSpan.FromSeconds(5);

        /// <summary>The stated bound on the analyzers' time for the pathological method (a single file; the corpus bar is 1 s).</summary>
        private static readonly TimeSpan s_analyzerBound = TimeSpan.FromSeconds(10);

        private readonly ITestOutputHelper _output;

        public CancellationTests(ITestOutputHelper output)
        {
            _output = output;
        }

        [Fact]
        public async Task PathologicalMethod_AnalysisFinishes_WithinTheBound_AndReportsEveryRuleSite()
        {
            string source = PathologicalMethodGenerator.Generate();
            ImmutableArray<DiagnosticAnalyzer> analyzers = AnalyzerCatalog.Analyzers;

            // The compiler alone, for scale.
            Stopwatch compile = Stopwatch.StartNew();
            Compilation plain = Compile(source);
            Diagnostic[] errors = plain.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
            compile.Stop();
            Assert.True(errors.Length == 0, "the generated method does not compile:\n" + string.Join("\n", errors.Take(10)));

            Dictionary<MemberInfo, long> countersBefore = IterationCounters.Read();
            AnalysisOutcome outcome = await AnalysisRunner.RunAsync(Compile(source), analyzers);
            Dictionary<MemberInfo, long> countersAfter = IterationCounters.Read();

            TimeSpan analyzerTime = outcome.SlowestTree + outcome.CompilationTime;
            int lines = source.Split('\n').Length;
            _output.WriteLine(
                "pathological method: " + PathologicalMethodGenerator.DefaultSegments + " segments, " + lines + " lines; compiler alone " +
                compile.Elapsed.TotalMilliseconds.ToString("F0") + " ms; with analyzers wall " + outcome.WallTime.TotalMilliseconds.ToString("F0") +
                " ms, analyzer time " + analyzerTime.TotalMilliseconds.ToString("F0") + " ms (bound " + s_analyzerBound.TotalSeconds + " s); diagnostics " +
                string.Join(", ", outcome.Iommu.GroupBy(d => d.Id).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => g.Key + "=" + g.Count())) +
                "; " + IterationCounters.Describe(countersBefore, countersAfter));

            Assert.True(outcome.Failures.IsEmpty, string.Join("\n", outcome.Failures));
            Assert.True(analyzerTime < s_analyzerBound, "analyzers took " + analyzerTime + " on the pathological method");

            // The method was really analyzed: every shared call site in it is reported.
            Assert.Equal(
                PathologicalMethodGenerator.SharedCallSites(PathologicalMethodGenerator.DefaultSegments),
                outcome.Iommu.Count(d => d.Id == RuleIdentifiers.SharedAttachWithoutSuppressAutoClaim));
        }

        [Fact]
        public async Task PathologicalMethod_CancelledAnalysis_StopsPromptly()
        {
            string source = PathologicalMethodGenerator.Generate();
            ImmutableArray<DiagnosticAnalyzer> analyzers = AnalyzerCatalog.Analyzers;

            // Warm up (the first run of a method this size is much slower), measure the whole run once, then cancel at
            // several points inside it, so the cancellation lands in the compiler's binding as well as in the analyzers'
            // own work.
            await AnalysisRunner.RunAsync(Compile(source), analyzers);
            Stopwatch full = Stopwatch.StartNew();
            await AnalysisRunner.RunAsync(Compile(source), analyzers);
            full.Stop();

            var reports = new List<string>();
            int cancelled = 0;
            foreach (double fraction in new[] { 0.05, 0.15, 0.3, 0.6 })
            {
                TimeSpan delay = TimeSpan.FromTicks((long)(full.Elapsed.Ticks * fraction));

                // A stop slower than the bound is tried again (twice): the machine is shared, and a load spike must not
                // fail the run, while an analysis that ignores its token is slow every time.
                for (int attempt = 1; ; attempt++)
                {
                    TimeSpan? stopped = await CancelAfterAsync(source, analyzers, delay);
                    if (stopped == null)
                    {
                        reports.Add(fraction + ": finished before the cancellation");
                        break;
                    }

                    reports.Add(fraction + ": cancelled after " + delay.TotalMilliseconds.ToString("F0") + " ms, stopped in " + stopped.Value.TotalMilliseconds.ToString("F0") + " ms");
                    if (stopped.Value < s_promptness)
                    {
                        cancelled++;
                        break;
                    }

                    Assert.True(attempt < 3, "the analysis took " + stopped.Value + " to stop after cancellation, three times: " + string.Join("; ", reports));
                }
            }

            _output.WriteLine("uncancelled run " + full.Elapsed.TotalMilliseconds.ToString("F0") + " ms; " + string.Join("; ", reports));

            // At least the early cancellations must land while the analysis is still running.
            Assert.True(cancelled >= 2, "only " + cancelled + " of 4 cancellations landed during the analysis: " + string.Join("; ", reports));
        }

        [Fact]
        public async Task Harness_NoticesAnAnalyzerThatIgnoresCancellation()
        {
            // The promptness check can fail: an analyzer that sleeps through its token is caught.
            ImmutableArray<DiagnosticAnalyzer> deaf = ImmutableArray.Create<DiagnosticAnalyzer>(new CanaryAnalyzers.Deaf());
            TimeSpan? stopped = await CancelAfterAsync(PathologicalMethodGenerator.Generate(60), deaf, TimeSpan.FromMilliseconds(300));
            Assert.NotNull(stopped);
            Assert.True(stopped.Value >= s_promptness, "the deaf analyzer stopped in " + stopped.Value);
        }

        /// <summary>Starts a fresh analysis, cancels it after <paramref name="delay"/>; how long it took to stop, or null if it finished first.</summary>
        private static async Task<TimeSpan?> CancelAfterAsync(string source, ImmutableArray<DiagnosticAnalyzer> analyzers, TimeSpan delay)
        {
            using var cancellation = new CancellationTokenSource();
            Compilation compilation = Compile(source);
            Task<AnalysisOutcome> run = Task.Run(() => AnalysisRunner.RunAsync(compilation, analyzers, cancellation.Token));
            await Task.WhenAny(run, Task.Delay(delay));
            Stopwatch stopping = Stopwatch.StartNew();
            cancellation.Cancel();
            TimeSpan limit = s_promptness + TimeSpan.FromSeconds(55);
            Task finished = await Task.WhenAny(run, Task.Delay(limit));
            Assert.True(finished == run, "the analysis did not stop " + limit + " after cancellation");
            try
            {
                await run;
                return null;
            }
            catch (OperationCanceledException)
            {
                return stopping.Elapsed;
            }
        }

        private static Compilation Compile(string source) =>
            AnalysisRunner.Compile("Pathological", new[] { new CorpusFile("Pathological.cs", source) });

        /// <summary>
        /// The lock engine's fixed-point iteration count, if it exposes one: any static integer field or property whose
        /// name mentions iterations in the analyzer assembly. Read before and after a run and reported, never asserted.
        /// </summary>
        private static class IterationCounters
        {
            public static Dictionary<MemberInfo, long> Read()
            {
                var values = new Dictionary<MemberInfo, long>();
                const BindingFlags flags = BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
                foreach (Type type in AnalyzerCatalog.ProductAssemblies.SelectMany(SafeTypes).Where(t => !t.ContainsGenericParameters))
                {
                    foreach (MemberInfo member in type.GetFields(flags).Cast<MemberInfo>().Concat(type.GetProperties(flags)))
                    {
                        if (member.Name.IndexOf("Iteration", StringComparison.OrdinalIgnoreCase) < 0)
                        {
                            continue;
                        }

                        object? value = member switch
                        {
                            FieldInfo field when field.FieldType == typeof(int) || field.FieldType == typeof(long) => field.GetValue(null),
                            PropertyInfo property when property.GetIndexParameters().Length == 0 && (property.PropertyType == typeof(int) || property.PropertyType == typeof(long)) => property.GetValue(null),
                            _ => null,
                        };
                        if (value != null)
                        {
                            values[member] = Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
                        }
                    }
                }

                return values;
            }

            public static string Describe(Dictionary<MemberInfo, long> before, Dictionary<MemberInfo, long> after) =>
                after.Count == 0
                    ? "no fixed-point iteration counter exposed"
                    : "iteration counters: " + string.Join(", ", after.Select(e => e.Key.DeclaringType!.Name + "." + e.Key.Name + " +" + (e.Value - before.GetValueOrDefault(e.Key))));

            private static IEnumerable<Type> SafeTypes(Assembly assembly)
            {
                try
                {
                    return assembly.GetTypes();
                }
                catch (ReflectionTypeLoadException e)
                {
                    return e.Types.Where(t => t != null).Select(t => t!);
                }
            }
        }
    }
}
