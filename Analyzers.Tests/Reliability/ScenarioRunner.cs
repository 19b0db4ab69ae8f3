using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using System.Threading;
using Iommu;
using IommuAnalyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Emit;

namespace IommuAnalyzers.Tests.Reliability
{
    /// <summary>
    /// Runs a source's <c>Scenario.Run()</c> against the runtime: compiled in memory, loaded into a collectible context,
    /// run on its own thread under a timeout, with the WARNs it raises captured (LockDep is on in this test process, so a
    /// lock-order cycle is one). What a fixed source does when it runs, where the compiler and the analyzers cannot see.
    /// </summary>
    internal static class ScenarioRunner
    {
        public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

        /// <summary>Whether the source declares a scenario to run.</summary>
        public static bool HasScenario(string source) => source.Contains("static class Scenario", StringComparison.Ordinal);

        /// <summary>Empty when <c>Run()</c> finished in time, threw nothing and raised no WARN; else what went wrong.</summary>
        public static string Run(string source) => Run(new[] { source }, Timeout);

        public static string Run(string source, TimeSpan timeout) => Run(new[] { source }, timeout);

        /// <summary>The same for a scenario of several files (its own and the shared ones).</summary>
        public static string Run(IReadOnlyList<string> sources, TimeSpan timeout)
        {
            // File paths of their own: KMutex lock classes are keyed by construction site (file and line), and two
            // compilations of one scenario (the original, a fix) must not share classes in LockDep's graph.
            string path = "Scenario-" + Guid.NewGuid().ToString("N");
            CSharpCompilation compilation = CSharpCompilation.Create(
                path,
                sources.Select((source, i) => CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest), path + "-" + i + ".cs")),
                TestReferences.WithRuntime,
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
            using var image = new MemoryStream();
            EmitResult emitted = compilation.Emit(image);
            if (!emitted.Success)
            {
                return "does not compile: " + string.Join("; ", emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Take(3));
            }

            var context = new AssemblyLoadContext(path, isCollectible: true);
            try
            {
                image.Position = 0;
                Assembly assembly = context.LoadFromStream(image);
                MethodInfo? run = assembly.GetTypes().Where(t => t.Name == "Scenario").Select(t => t.GetMethod("Run", BindingFlags.Public | BindingFlags.Static, Type.EmptyTypes)).FirstOrDefault(m => m != null);
                if (run == null)
                {
                    return "no public static Scenario.Run()";
                }

                return RunOnThread(run, timeout);
            }
            finally
            {
                context.Unload();
            }
        }

        private static string RunOnThread(MethodInfo run, TimeSpan timeout)
        {
            Exception? thrown = null;
            using WarningCapture capture = OwnershipWarnings.Capture();

            // The capture is an AsyncLocal: the thread (and any thread Run() starts) inherits it with the execution context.
            var thread = new Thread(() =>
            {
                try
                {
                    run.Invoke(null, null);
                }
                catch (TargetInvocationException e)
                {
                    thrown = e.InnerException ?? e;
                }
            })
            {
                IsBackground = true,
                Name = "Scenario.Run",
            };
            thread.Start();
            if (!thread.Join(timeout))
            {
                // Left blocked in the background: a deadlocked scenario cannot be stopped, only abandoned.
                return "did not finish within " + timeout.TotalSeconds + " s (deadlock)";
            }

            if (thrown != null)
            {
                return "threw " + thrown.GetType().Name + ": " + FirstLine(thrown.Message);
            }

            IReadOnlyList<OwnershipWarning> warnings = capture.Warnings;
            return warnings.Count == 0 ? "" : "raised " + warnings.Count + " WARN(s), first: " + warnings[0];
        }

        private static string FirstLine(string text)
        {
            int end = text.IndexOfAny(new[] { '\r', '\n' });
            return end < 0 ? text : text.Substring(0, end);
        }
    }
}
