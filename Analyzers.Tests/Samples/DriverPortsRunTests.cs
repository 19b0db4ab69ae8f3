using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Xunit;

namespace IommuAnalyzers.Tests.Samples
{
    /// <summary>
    /// Runs the sample driver ports' Main in-process and checks its report against what the runtime's semantics
    /// (DESIGN.md section 3) imply for each scenario. The sample binds through DriverCore, so these facts hold only if
    /// both the drivers and the runtime behave.
    /// </summary>
    public class DriverPortsRunTests
    {
        private static readonly Lazy<Report> s_report = new Lazy<Report>(Report.Run);

        [Fact]
        public void Run_EndsWithEveryGroupUnownedInItsDefaultDomain()
        {
            Report report = s_report.Value;

            Assert.Equal(0, report.ExitCode);
            IReadOnlyList<string> final = report.Section("final state");
            List<string> groupIds = report.Section("machine").Where(l => l.StartsWith("group ", StringComparison.Ordinal)).Select(l => l.Substring(0, l.IndexOf(':'))).ToList();
            groupIds.Add("group 10");
            groupIds.Add("group 11");
            foreach (string group in groupIds)
            {
                Assert.Contains(group + ": owner_cnt=0 owner=none domain=Dma (default)", final);
            }

            Assert.Equal(groupIds.Count, final.Count(l => l.StartsWith("group ", StringComparison.Ordinal)));
            Assert.Contains("all groups unowned in their default domain: yes", final);
        }

        [Fact]
        public void Vfio_ClaimIsRefusedWhileAKernelDriverOrAnotherUserHoldsTheGroup()
        {
            IReadOnlyList<string> vfio = s_report.Value.Section("VFIO: user-owned group 1");

            AssertInOrder(
                vfio,
                // A DMA-API user (the auto-claim of e1000e) keeps user space out: GroupSetDmaOwner gives -EBUSY.
                "bind e1000e to 0000:01:00.1 -> 0",
                "bind vfio-pci to 0000:01:00.0 -> 0",
                "vfio open 0000:01:00.0 by user qemu-1 -> -EBUSY",
                "group 1: owner_cnt=1 owner=none domain=Dma (default)",
                // With the kernel driver gone the user owns the group, which sits in its blocking domain.
                "unbind 0000:01:00.1",
                "vfio open 0000:01:00.0 by user qemu-1 -> 0",
                "group 1: owner_cnt=1 owner=user qemu-1 domain=Blocked (blocking)",
                // The same owner's second claim counts; a second owner gets -EBUSY.
                "vfio open 0000:01:00.1 by user qemu-1 -> 0",
                "vfio open 0000:01:00.0 by user qemu-2 -> -EBUSY",
                "group 1: owner_cnt=2 owner=user qemu-1 domain=Blocked (blocking)",
                // Removing vfio-pci from an open device gives back that claim only.
                "unbind 0000:01:00.1",
                "group 1: owner_cnt=1 owner=user qemu-1 domain=Blocked (blocking)",
                // The driver core's auto-claim is refused while a user owns the group.
                "bind e1000e to 0000:01:00.1 -> -EBUSY",
                // The last release returns the group to its default domain, and the kernel driver can bind again.
                "vfio close 0000:01:00.0 by user qemu-1 -> 0",
                "group 1: owner_cnt=0 owner=none domain=Dma (default)",
                "bind e1000e to 0000:01:00.1 -> 0",
                "group 1: owner_cnt=1 owner=none domain=Dma (default)");
            Assert.DoesNotContain(vfio, l => l.StartsWith("WARN:", StringComparison.Ordinal));
        }

        [Fact]
        public void Host1x_ThreeClientsShareOneDomain_CountedPerAttach()
        {
            IReadOnlyList<string> host1x = s_report.Value.Section("host1x: three clients sharing one domain in group 2");

            AssertInOrder(
                host1x,
                "bind tegra-dc to tegra-dc -> 0",
                "bind gr2d to gr2d -> 0",
                "bind gr3d to gr3d -> 0",
                // The shared domain is the owner; each attach counts.
                "group 2: owner_cnt=3 owner=IommuDomain(Unmanaged) domain=Unmanaged",
                "host1x clients registered: 3",
                // One detach gives back one count and leaves the others attached.
                "unbind gr2d",
                "group 2: owner_cnt=2 owner=IommuDomain(Unmanaged) domain=Unmanaged",
                "bind gr2d to gr2d -> 0",
                "group 2: owner_cnt=3 owner=IommuDomain(Unmanaged) domain=Unmanaged");
            Assert.DoesNotContain(host1x, l => l.StartsWith("WARN:", StringComparison.Ordinal));
        }

        [Fact]
        public void Gpu_AttachesItsPrivateDomainOnTopOfTheAutoClaim()
        {
            IReadOnlyList<string> gpu = s_report.Value.Section("GPU: private domain in group 3");

            AssertInOrder(
                gpu,
                "bind nouveau to 57000000.gpu -> 0",
                // AttachDevice succeeds: the auto-claim is the group's only DMA-API user.
                "dmesg: nouveau 57000000.gpu: iommu_attach_device() -> 0",
                "group 3: owner_cnt=1 owner=none domain=Unmanaged");
            Assert.DoesNotContain(gpu, l => l.StartsWith("WARN:", StringComparison.Ordinal));
        }

        [Fact]
        public void Gpu_InAGroupWithAnotherDmaApiUser_IsRefusedItsPrivateDomain()
        {
            IReadOnlyList<string> gpu = s_report.Value.Section("GPU: group 6 shared with the HDMI audio controller");

            AssertInOrder(
                gpu,
                "bind tegra-hda to 70030000.hda -> 0",
                // The GPU's own auto-claim still succeeds (the group is in its default domain, nobody owns it) ...
                "bind nouveau to 17000000.gpu -> 0",
                // ... but AttachDevice needs owner_cnt == 1, and the audio driver's claim makes it 2.
                "dmesg: nouveau 17000000.gpu: iommu_attach_device() -> -EBUSY",
                "group 6: owner_cnt=2 owner=none domain=Dma (default)");
            Assert.DoesNotContain(gpu, l => l.StartsWith("WARN:", StringComparison.Ordinal));
        }

        [Fact]
        public void NoIommu_DmaApiWorks_VfioRefuses()
        {
            IReadOnlyList<string> noIommu = s_report.Value.Section("no IOMMU: soc:ethernet");

            AssertInOrder(
                noIommu,
                "bind vfio-pci to soc:ethernet -> -EINVAL",
                "bind e1000e to soc:ethernet -> 0",
                "dmesg: e1000e soc:ethernet: DMA API, no IOMMU (direct mapping)",
                "e1000e rx packets: 64");
            Assert.DoesNotContain(noIommu, l => l.StartsWith("WARN:", StringComparison.Ordinal));
        }

        [Fact]
        public void WrongPorts_AreRefusedWithAWarn_AndLeaveTheirGroupsUntouched()
        {
            IReadOnlyList<string> wrong = s_report.Value.Section("wrong ports the runtime refuses (IOMMU0001, IOMMU0002)");

            AssertInOrder(
                wrong,
                // Shared attach from a driver that keeps the auto-claim: WARN, -EINVAL, and Bind undoes the claim.
                "bind nvdec to nvdec -> -EINVAL",
                "WARN: AttachDeviceShared: driver of nvdec does not suppress auto-claim ([SuppressAutoClaimDmaOwner])",
                "group 4: owner_cnt=0 owner=none domain=Dma (default)",
                // Exclusive attach from a driver that suppresses auto-claim: WARN, -EINVAL, no state change.
                "bind vic to vic -> -EINVAL",
                "group 5: owner_cnt=0 owner=none domain=Dma (default)");
            Assert.Single(wrong, l => l.StartsWith("WARN: AttachDevice:", StringComparison.Ordinal));
            Assert.Equal(2, wrong.Count(l => l.StartsWith("WARN:", StringComparison.Ordinal)));
        }

        [Fact]
        public void WrongVfioPort_Binds_ButItsOwnAutoClaimRefusesTheUsersClaim_WithoutAWarn()
        {
            IReadOnlyList<string> wrong = s_report.Value.Section("wrong VFIO port refused by its own auto-claim (IOMMU0008)");

            AssertInOrder(
                wrong,
                // Without [SuppressAutoClaimDmaOwner] the driver core claims the group for the DMA API at bind ...
                "bind vfio-fsl-mc to dprc.2 -> 0",
                "dmesg: vfio-fsl-mc dprc.2: registered with iommu group 7",
                "group 7: owner_cnt=1 owner=none domain=Dma (default)",
                // ... and the claim for the user meets it: -EBUSY, nothing changed.
                "vfio open dprc.2 by user qemu-3 -> -EBUSY",
                "dmesg: vfio-fsl-mc dprc.2: iommu_group_claim_dma_owner() for user qemu-3 failed: -EBUSY",
                "group 7: owner_cnt=1 owner=none domain=Dma (default)");
            Assert.DoesNotContain(wrong, l => l.StartsWith("WARN:", StringComparison.Ordinal));
        }

        [Fact]
        public void CorePort_AgreesWithTheRuntimeOnEveryStep()
        {
            IReadOnlyList<string> core = s_report.Value.Section("iommu core port (Core/IommuCorePort.cs) against IommuCore");

            List<string> steps = core.Where(l => l.StartsWith("  same ", StringComparison.Ordinal) || l.StartsWith("  DIFF ", StringComparison.Ordinal)).ToList();
            Assert.True(steps.Count >= 20, "the comparison should run a real sequence, ran " + steps.Count);
            Assert.DoesNotContain(steps, l => l.StartsWith("  DIFF ", StringComparison.Ordinal));
            Assert.Contains("core port: " + steps.Count + " steps, 0 mismatches", core);

            // Spot checks that the comparison exercised the interesting outcomes, not only successes.
            Assert.Contains(steps, l => l.Contains("set_owner(b)", StringComparison.Ordinal) && l.Contains("IommuCore: -EBUSY (owner_cnt=2 owner=user a domain=Blocked (blocking))", StringComparison.Ordinal));
            Assert.Contains(steps, l => l.Contains("attach(dom, dev0)", StringComparison.Ordinal) && l.Contains("IommuCore: 0 (owner_cnt=1 owner=none domain=dom)", StringComparison.Ordinal));
            Assert.Contains(steps, l => l.Contains("attach_shared(dom, dev1)", StringComparison.Ordinal) && l.Contains("IommuCore: 0 (owner_cnt=2 owner=dom domain=dom)", StringComparison.Ordinal));
        }

        [Fact]
        public void Run_EndsWithTheOneCommandThatAppliesEveryFix()
        {
            // The main job's output ends with the fix command; it must name exactly the rules that have a fix.
            string[] lines = s_report.Value.Text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToArray();
            string expected = "dotnet format analyzers MyPort.csproj --diagnostics " +
                string.Join(" ", AnalyzerCatalog.FixableIds.OrderBy(id => id, StringComparer.Ordinal)) + " --severity info";
            Assert.Equal(expected, lines[lines.Length - 1]);
            Assert.Single(s_report.Value.Section("fixes"), l => l.StartsWith("dotnet format", StringComparison.Ordinal));

            // The same command as the README's, which .ci/legacy-port.sh runs on a port that installs the package.
            Assert.Contains(expected, File.ReadAllText(RepositoryPaths.InRepo("README.md")), StringComparison.Ordinal);
        }

        [Fact]
        public void Run_IsDeterministic()
        {
            Report again = Report.Run();

            Assert.Equal(s_report.Value.Text, again.Text);
        }

        // Asserts that the expected lines occur in the section in this order (other lines may come between them).
        private static void AssertInOrder(IReadOnlyList<string> lines, params string[] expected)
        {
            int at = 0;
            foreach (string line in expected)
            {
                int found = -1;
                for (int i = at; i < lines.Count; i++)
                {
                    if (lines[i] == line)
                    {
                        found = i;
                        break;
                    }
                }

                Assert.True(found >= 0, "expected, after line " + at + ": \"" + line + "\"\nin:\n" + string.Join("\n", lines));
                at = found + 1;
            }
        }

        private sealed class Report
        {
            private readonly Dictionary<string, List<string>> _sections;

            private Report(int exitCode, string text)
            {
                ExitCode = exitCode;
                Text = text;
                _sections = Split(text);
            }

            public int ExitCode { get; }

            public string Text { get; }

            public static Report Run()
            {
                using var output = new StringWriter();
                int exitCode = DriverPorts.Program.Run(output);
                return new Report(exitCode, output.ToString());
            }

            public IReadOnlyList<string> Section(string title)
            {
                Assert.True(_sections.TryGetValue(title, out List<string>? lines), "no section \"" + title + "\" in the report:\n" + Text);
                return lines!;
            }

            // "== title ==" starts a section; the lines before the first one describe the machine.
            private static Dictionary<string, List<string>> Split(string text)
            {
                var sections = new Dictionary<string, List<string>>(StringComparer.Ordinal);
                var current = new List<string>();
                sections["machine"] = current;
                foreach (string line in text.Split('\n'))
                {
                    string trimmed = line.TrimEnd('\r');
                    if (trimmed.StartsWith("== ", StringComparison.Ordinal) && trimmed.EndsWith(" ==", StringComparison.Ordinal))
                    {
                        current = new List<string>();
                        sections[trimmed.Substring(3, trimmed.Length - 6)] = current;
                    }
                    else if (trimmed.Length != 0)
                    {
                        current.Add(trimmed);
                    }
                }

                return sections;
            }
        }
    }
}
