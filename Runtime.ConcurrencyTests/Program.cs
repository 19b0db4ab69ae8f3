using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Iommu;
using Microsoft.Coyote;
using Microsoft.Coyote.Rewriting;
using Microsoft.Coyote.SystematicTesting;

namespace IommuAnalyzers.Runtime.ConcurrencyTests
{
    /// <summary>
    /// Runs every scenario under Coyote's TestingEngine and exits non-zero if a correct scenario fails or the broken
    /// variant is not caught. Usage: <c>--mode short|full</c> (default short), <c>--iterations N</c> to override,
    /// <c>--seed N</c>. Only meaningful on rewritten assemblies: run it through .ci/coyote.sh.
    /// </summary>
    internal static class Program
    {
        private const uint ShortIterations = 1_000;
        private const uint FullIterations = 10_000;

        private static int Main(string[] args)
        {
            string mode = Option(args, "--mode") ?? "short";
            if (mode != "short" && mode != "full")
            {
                Console.Error.WriteLine("--mode must be short or full");
                return 2;
            }

            uint iterations = uint.TryParse(Option(args, "--iterations"), out uint n) ? n : mode == "full" ? FullIterations : ShortIterations;
            uint seed = uint.TryParse(Option(args, "--seed"), out uint s) ? s : 20220502;

            // Without rewriting, Coyote controls nothing and every "pass" would be meaningless.
            foreach (Type type in new[] { typeof(Program), typeof(IommuCore) })
            {
                if (!RewritingEngine.IsAssemblyRewritten(type.Assembly))
                {
                    Console.Error.WriteLine($"{type.Assembly.GetName().Name} is not rewritten by coyote; run .ci/coyote.sh");
                    return 2;
                }
            }

            var scenarios = new List<(string Name, int Actors, Func<Task> Body, bool MustFail, uint Iterations)>
            {
                ("WarnsReachTheCapture", 1, Scenarios.WarnsReachTheCapture, false, 10),
                ("DriversVersusVfioOwner", 3, Scenarios.DriversVersusVfioOwner, false, iterations),
                ("SameDeviceBindRace", 3, Scenarios.SameDeviceBindRace, false, iterations),
                ("SharedClientsVersusKernelDriver", 4, Scenarios.SharedClientsVersusKernelDriver, false, iterations),
                ("ExclusiveAttachVersusOthers", 3, Scenarios.ExclusiveAttachVersusOthers, false, iterations),
                ("EveryKindOfOwner", 4, Scenarios.EveryKindOfOwner, false, iterations),
                ("BrokenSplitClaim", 3, Scenarios.BrokenSplitClaim, true, iterations),
                ("LockDepReportsAbbaWithoutDeadlock", 2, Scenarios.LockDepReportsAbbaWithoutDeadlock, false, iterations),
                ("LockDepQuietOnAConsistentOrder", 3, Scenarios.LockDepQuietOnAConsistentOrder, false, iterations),
            };

            // The runtime's lock-order check watches every scenario: the ownership ones must never report.
            LockDep.Enabled = true;

            string? only = Option(args, "--scenario");
            int failures = 0;
            Console.WriteLine($"Coyote systematic tests, mode {mode}, {iterations} iterations per scenario, seed {seed}");
            foreach (var scenario in scenarios.Where(x => only == null || x.Name == only))
            {
                Configuration configuration = Configuration.Create()
                    .WithTestingIterations(scenario.Iterations)
                    .WithRandomGeneratorSeed(seed)
                    .WithMaxSchedulingSteps(2_000)
                    .WithTelemetryEnabled(false)
                    .WithVerbosityEnabled(Microsoft.Coyote.Logging.VerbosityLevel.None);
                var clock = Stopwatch.StartNew();
                TestingEngine engine = TestingEngine.Create(configuration, scenario.Body);

                // The engine reports progress on the console whatever the verbosity; keep it for a failure only.
                TextWriter console = Console.Out;
                var engineLog = new StringWriter();
                Console.SetOut(engineLog);
                try
                {
                    engine.Run();
                }
                finally
                {
                    Console.SetOut(console);
                    RuntimeTestSeams.SplitDmaApiClaim = false;
                }

                clock.Stop();
                TestReport report = engine.TestReport;
                int explored = report.NumOfExploredFairPaths + report.NumOfExploredUnfairPaths;
                bool found = report.NumOfFoundBugs > 0;

                // The broken variant must be caught by the invariants, not by some unrelated crash of the harness.
                bool caughtByInvariant = found && report.BugReports.All(r => r.Contains(nameof(Tests.Runtime.InvariantViolationException), StringComparison.Ordinal));
                bool ok = (scenario.MustFail ? caughtByInvariant : !found) && report.InternalErrors.Count == 0 && report.UncontrolledInvocations.Count == 0;
                string verdict = scenario.MustFail
                    ? (caughtByInvariant ? $"caught as expected after {explored} schedule(s)" : found ? "FAILED FOR ANOTHER REASON" : "NOT CAUGHT")
                    : (found ? "BUG" : "ok");
                Console.WriteLine($"  {scenario.Name,-34} {scenario.Actors} actors  {explored,6} schedules  max {report.MaxExploredFairSteps,4} steps  {clock.Elapsed.TotalSeconds,7:F2} s  {verdict}");
                if (found)
                {
                    // The first line names the violated invariant; the stack follows only when the result is wrong.
                    foreach (string bug in report.BugReports)
                    {
                        Console.WriteLine("      " + (ok ? bug.Split('\n')[0].Trim() : bug));
                    }
                }

                if (!ok)
                {
                    failures++;
                    Console.WriteLine(engineLog.ToString());
                    Console.WriteLine(report.GetText(configuration, "      "));
                    foreach (string error in report.InternalErrors)
                    {
                        Console.WriteLine("      internal error: " + error);
                    }

                    foreach (string call in report.UncontrolledInvocations)
                    {
                        Console.WriteLine("      uncontrolled: " + call);
                    }

                    if (found && !scenario.MustFail)
                    {
                        Console.WriteLine("      reproducible trace:\n" + engine.ReproducibleTrace);
                    }
                }
            }

            Console.WriteLine(failures == 0 ? "All Coyote scenarios behaved as expected." : $"{failures} Coyote scenario(s) failed.");
            return failures == 0 ? 0 : 1;
        }

        private static string? Option(string[] args, string name)
        {
            int i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        }
    }
}
