using System;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace IommuAnalyzers.Benchmarks
{
    /// <summary>The facts about the machine that every published figure is quoted with.</summary>
    internal static class Machine
    {
        public static object Describe() => new
        {
            cores = Environment.ProcessorCount,
            os = RuntimeInformation.OSDescription,
            arch = RuntimeInformation.ProcessArchitecture.ToString(),
            runtime = RuntimeInformation.FrameworkDescription,
            sdk = SdkVersion(),
            roslyn = typeof(Microsoft.CodeAnalysis.Compilation).Assembly.GetName().Version?.ToString(),
            serverGc = System.Runtime.GCSettings.IsServerGC,
        };

        public static string Summary() =>
            $"{Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, SDK {SdkVersion()}, Roslyn {typeof(Microsoft.CodeAnalysis.Compilation).Assembly.GetName().Version}";

        private static string SdkVersion()
        {
            try
            {
                var start = new ProcessStartInfo("dotnet", "--version")
                {
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                    UseShellExecute = false,
                };

                // Under `dotnet-trace collect -- <benchmark>` the child would inherit the tracer's diagnostic port and
                // wait for a tracer that never connects to it, hanging the benchmark before it measures anything.
                start.Environment.Remove("DOTNET_DiagnosticPorts");
                using var process = Process.Start(start);
                if (process == null)
                {
                    return "?";
                }

                string version = process.StandardOutput.ReadToEnd().Trim();
                process.WaitForExit(10_000);
                return version.Length > 0 ? version : "?";
            }
            catch (Exception)
            {
                return "?";
            }
        }
    }
}
