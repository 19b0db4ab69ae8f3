using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;

namespace IommuAnalyzers.Tests.Integration
{
    /// <summary>
    /// A throwaway user project that installs the built package from artifacts/packages (not by project reference)
    /// and is built with the real `dotnet build`, as a user builds it.
    /// </summary>
    public sealed class InstalledPackageProject : IDisposable
    {
        // Shared settings of the repository must not leak into the user's project, and the package cache is
        // private: the version is one per commit, so a rebuild with uncommitted changes keeps the same version.
        private const string ProjectFile = @"<Project Sdk=""Microsoft.NET.Sdk"">
  <PropertyGroup>
    <OutputType>Library</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include=""IommuAnalyzers"" Version=""{version}"" />
  </ItemGroup>
</Project>
";

        private const string DriverSource = @"using Iommu;

namespace UserDrivers
{
    public sealed class DisplayClient : DeviceDriver
    {
        private readonly IommuDomain _shared = new IommuDomain(IommuDomainType.Unmanaged);

        public override int Probe(Device dev) => IommuCore.AttachDeviceShared(_shared, dev);

        public override void Remove(Device dev) => IommuCore.DetachDeviceShared(_shared, dev);
    }
}
";

        public InstalledPackageProject()
        {
            Directory = Path.Combine(Path.GetTempPath(), "iommu-consumer-" + Guid.NewGuid().ToString("N"));
            System.IO.Directory.CreateDirectory(Directory);
            File.WriteAllText(Path.Combine(Directory, "Directory.Build.props"), "<Project />\n");
            File.WriteAllText(Path.Combine(Directory, "Directory.Build.targets"), "<Project />\n");
            File.WriteAllText(Path.Combine(Directory, "Consumer.csproj"), ProjectFile.Replace("{version}", RepositoryPaths.PackageVersion));
            File.WriteAllText(Path.Combine(Directory, "Drivers.cs"), DriverSource);
            string feed = Path.GetDirectoryName(RepositoryPaths.Package)!;
            File.WriteAllText(Path.Combine(Directory, "nuget.config"), $@"<?xml version=""1.0"" encoding=""utf-8""?>
<configuration>
  <config><add key=""globalPackagesFolder"" value=""packages"" /></config>
  <packageSources>
    <clear />
    <add key=""local"" value=""{feed}"" />
  </packageSources>
</configuration>
");
            BuildResult restore = Run("restore");
            if (restore.ExitCode != 0)
            {
                throw new InvalidOperationException("restore of the consumer project failed:\n" + restore.Output);
            }
        }

        public string Directory { get; }

        public BuildResult Build(params string[] properties)
        {
            var args = new List<string> { "build", "--no-restore", "--no-incremental", "-nologo", "-clp:NoSummary" };
            foreach (string property in properties)
            {
                args.Add("-p:" + property);
            }

            return Run(args.ToArray());
        }

        public void Dispose()
        {
            try
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
            catch (IOException)
            {
                // A build server may still hold a file; the temp folder is cleaned by the OS.
            }
        }

        private BuildResult Run(params string[] args)
        {
            var start = new ProcessStartInfo(DotnetHost())
            {
                WorkingDirectory = Directory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (string arg in args)
            {
                start.ArgumentList.Add(arg);
            }

            // The test host runs inside `dotnet test`; its MSBuild variables would point the child build at the
            // wrong SDK state.
            foreach (string key in new[] { "MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBUILD_EXE_PATH", "MSBuildLoadMicrosoftTargetsReadOnly" })
            {
                start.Environment.Remove(key);
            }

            start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
            start.Environment["DOTNET_NOLOGO"] = "1";
            start.Environment["MSBUILDDISABLENODEREUSE"] = "1";

            using Process process = Process.Start(start)!;
            var output = new StringBuilder();
            process.OutputDataReceived += (_, e) => { if (e.Data != null) { lock (output) { output.AppendLine(e.Data); } } };
            process.ErrorDataReceived += (_, e) => { if (e.Data != null) { lock (output) { output.AppendLine(e.Data); } } };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            if (!process.WaitForExit(240_000))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException("dotnet " + string.Join(" ", args) + " did not finish in 4 minutes");
            }

            process.WaitForExit();
            return new BuildResult(process.ExitCode, output.ToString());
        }

        private static string DotnetHost()
        {
            string? fromSdk = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
            if (!string.IsNullOrEmpty(fromSdk) && File.Exists(fromSdk))
            {
                return fromSdk;
            }

            string? current = Process.GetCurrentProcess().MainModule?.FileName;
            return current != null && Path.GetFileNameWithoutExtension(current) == "dotnet" ? current : "dotnet";
        }
    }

    public sealed record BuildResult(int ExitCode, string Output);
}
