using System;
using System.Collections.Generic;
using System.IO;
using DriverPorts.Buggy;
using DriverPorts.Core;
using DriverPorts.Drivers;
using Iommu;

namespace DriverPorts
{
    /// <summary>
    /// Binds the sample drivers to a small machine through the driver core and prints what happened to each IOMMU group:
    /// return codes as errno names, the ownership count, the owner, the domain, the kernel log and any WARN. The run is
    /// single-threaded and prints nothing that depends on time or hashing, so its output is the same on every run.
    /// </summary>
    public static class Program
    {
        /// <summary>Runs the scenarios; the exit code is 0 when every group ends unowned in its default domain.</summary>
        public static int Main()
        {
            return Run(Console.Out);
        }

        /// <summary>The same run, printing to <paramref name="output"/>; the tests call this.</summary>
        public static int Run(TextWriter output)
        {
            var run = new Machine(output);
            return run.RunAll();
        }

        private sealed class Machine
        {
            private const int VoidResult = int.MinValue;

            private readonly TextWriter _out;
            private readonly Dmesg _dmesg = new Dmesg();
            private readonly List<IommuGroup> _groups = new List<IommuGroup>();
            private readonly List<Device> _devices = new List<Device>();
            private WarningCapture? _warnings;
            private int _warningsShown;

            public Machine(TextWriter output)
            {
                _out = output;
            }

            public int RunAll()
            {
                using (_warnings = OwnershipWarnings.Capture())
                {
                    // The machine: a dual-function NIC whose functions the IOMMU cannot isolate from each other (one
                    // group), three host1x clients behind one IOMMU group, a GPU alone in its group, two more host1x
                    // engines in groups of their own, a second GPU grouped with its HDMI audio controller, an NXP
                    // Management Complex container for user space, and an on-chip Ethernet controller behind no IOMMU
                    // at all.
                    IommuGroup nicGroup = NewGroup(1);
                    IommuGroup host1xGroup = NewGroup(2);
                    IommuGroup gpuGroup = NewGroup(3);
                    IommuGroup nvdecGroup = NewGroup(4);
                    IommuGroup vicGroup = NewGroup(5);
                    IommuGroup gpuAudioGroup = NewGroup(6);
                    IommuGroup dprcGroup = NewGroup(7);

                    Device nic0 = NewDevice("0000:01:00.0", nicGroup);
                    Device nic1 = NewDevice("0000:01:00.1", nicGroup);
                    Device dc = NewDevice("tegra-dc", host1xGroup);
                    Device gr2dDev = NewDevice("gr2d", host1xGroup);
                    Device gr3dDev = NewDevice("gr3d", host1xGroup);
                    Device gpu = NewDevice("57000000.gpu", gpuGroup);
                    Device nvdecDev = NewDevice("nvdec", nvdecGroup);
                    Device vicDev = NewDevice("vic", vicGroup);
                    Device gpu1 = NewDevice("17000000.gpu", gpuAudioGroup);
                    Device hda = NewDevice("70030000.hda", gpuAudioGroup);
                    Device dprc = NewDevice("dprc.2", dprcGroup);
                    Device eth = NewDevice("soc:ethernet", null);

                    var e1000e = new E1000eDriver(_dmesg);
                    var vfio = new VfioPciDriver(_dmesg);
                    var drm = new TegraDrm(_dmesg);
                    var tegraDc = new TegraDcDriver(drm);
                    var gr2d = new Gr2dDriver(drm);
                    var gr3d = new Gr3dDriver(drm);
                    var nouveau = new NouveauTegraDriver(_dmesg);
                    var hdaTegra = new HdaTegraDriver(_dmesg);

                    _out.WriteLine("IOMMU DMA-ownership sample: driver ports on the reference runtime");
                    PrintMachine();

                    VfioScenario(nicGroup, nic0, nic1, e1000e, vfio);
                    Host1xScenario(host1xGroup, dc, gr2dDev, gr3dDev, tegraDc, gr2d, gr3d, drm);
                    GpuScenario(gpuGroup, gpu, nouveau);
                    SharedGpuScenario(gpuAudioGroup, gpu1, hda, nouveau, hdaTegra);
                    NoIommuScenario(eth, e1000e, vfio);
                    BuggyDriversScenario(nvdecGroup, vicGroup, nvdecDev, vicDev, drm);
                    BuggyVfioScenario(dprcGroup, dprc);
                    CorePortScenario(vfio);

                    Section("teardown: unbind every driver");
                    foreach (Device dev in _devices)
                    {
                        if (dev.Driver != null)
                        {
                            Unbind(dev);
                        }
                    }

                    FlushLogs();
                    int exitCode = PrintFinalState();
                    PrintFixCommand();
                    return exitCode;
                }
            }

            // The IDs the package's code fixes handle: the build's warnings above with a fix, applied all at once.
            private static readonly string[] FixableRules =
            {
                "IOMMU0001", "IOMMU0002", "IOMMU0003", "IOMMU0004", "IOMMU0005", "IOMMU0006", "IOMMU0008", "IOMMU0100", "IOMMU0101", "IOMMU0104", "IOMMU0109", "IOMMU0110",
            };

            // Last, so that the main job's output ends with the one command that applies every fix.
            private void PrintFixCommand()
            {
                Section("fixes");
                // This sample takes the analyzers by project reference, which dotnet format does not load fixes from; a
                // port that installs the package does (.ci/legacy-port.sh runs this command on Samples/LegacyPort).
                _out.WriteLine("Apply every fix above to your port at once (a project that installs the package; bash .ci/legacy-port.sh shows it on Samples/LegacyPort):");
                _out.WriteLine("dotnet format analyzers MyPort.csproj --diagnostics " + string.Join(" ", FixableRules) + " --severity info");
            }

            // vfio-pci takes a whole group for a user; the kernel's DMA-API users and a second user are kept out.
            private void VfioScenario(IommuGroup group, Device nic0, Device nic1, E1000eDriver e1000e, VfioPciDriver vfio)
            {
                var qemu1 = new VfioUser("qemu-1");
                var qemu2 = new VfioUser("qemu-2");

                Section("VFIO: user-owned group " + group.Id);
                Bind(nic1, e1000e, "e1000e");
                Bind(nic0, vfio, "vfio-pci");
                Open(vfio, nic0, qemu1);
                PrintGroup(group);

                Unbind(nic1);
                Bind(nic1, vfio, "vfio-pci");
                Open(vfio, nic0, qemu1);
                PrintGroup(group);
                Open(vfio, nic1, qemu1);
                Open(vfio, nic0, qemu2);
                PrintGroup(group);

                // Removing vfio-pci from an open device revokes that user's claim; the kernel driver still cannot have
                // the freed device while the other function is open.
                Unbind(nic1);
                PrintGroup(group);
                Bind(nic1, e1000e, "e1000e");
                Close(vfio, nic0, qemu1);
                PrintGroup(group);
                Bind(nic1, e1000e, "e1000e");
                PrintGroup(group);
                FlushLogs();
            }

            // Three host1x clients share one domain; each attach and detach is counted.
            private void Host1xScenario(IommuGroup group, Device dc, Device gr2dDev, Device gr3dDev, TegraDcDriver tegraDc, Gr2dDriver gr2d, Gr3dDriver gr3d, TegraDrm drm)
            {
                Section("host1x: three clients sharing one domain in group " + group.Id);
                Bind(dc, tegraDc, "tegra-dc");
                Bind(gr2dDev, gr2d, "gr2d");
                Bind(gr3dDev, gr3d, "gr3d");
                PrintGroup(group);
                _out.WriteLine("host1x clients registered: " + drm.ClientCount());

                Unbind(gr2dDev);
                PrintGroup(group);
                Bind(gr2dDev, gr2d, "gr2d");
                PrintGroup(group);
                FlushLogs();
            }

            // The GPU attaches its own domain on top of the driver core's auto-claim.
            private void GpuScenario(IommuGroup group, Device gpu, NouveauTegraDriver nouveau)
            {
                Section("GPU: private domain in group " + group.Id);
                Bind(gpu, nouveau, "nouveau");
                PrintGroup(group);
                FlushLogs();
            }

            // With another DMA-API user in the group the private attach is refused, and the GPU stays on the DMA API.
            private void SharedGpuScenario(IommuGroup group, Device gpu, Device hda, NouveauTegraDriver nouveau, HdaTegraDriver hdaTegra)
            {
                Section("GPU: group " + group.Id + " shared with the HDMI audio controller");
                Bind(hda, hdaTegra, "tegra-hda");
                Bind(gpu, nouveau, "nouveau");
                PrintGroup(group);
                FlushLogs();
            }

            // A device behind no IOMMU: the DMA API works, VFIO has nothing to isolate.
            private void NoIommuScenario(Device eth, E1000eDriver e1000e, VfioPciDriver vfio)
            {
                Section("no IOMMU: " + eth.Name);
                Bind(eth, vfio, "vfio-pci");
                Bind(eth, e1000e, "e1000e");
                e1000e.ReceiveInterrupt(64);
                _out.WriteLine("e1000e rx packets: " + e1000e.RxPackets());
                FlushLogs();
            }

            // Two of the deliberately wrong ports whose run is safe: the runtime refuses their attach with a WARN and
            // the probe fails cleanly. The other wrong ports are only compiled (see their comments).
            private void BuggyDriversScenario(IommuGroup nvdecGroup, IommuGroup vicGroup, Device nvdecDev, Device vicDev, TegraDrm drm)
            {
                Section("wrong ports the runtime refuses (IOMMU0001, IOMMU0002)");
                Bind(nvdecDev, new TegraNvdecDriver(drm), "nvdec");
                PrintGroup(nvdecGroup);
                Bind(vicDev, new TegraVicDriver(), "vic");
                PrintGroup(vicGroup);
                FlushLogs();
            }

            // A wrong VFIO port whose run is safe: it binds, but the driver core's auto-claim for it refuses every
            // user's claim with -EBUSY (no WARN), and the group is left as the auto-claim made it.
            private void BuggyVfioScenario(IommuGroup group, Device dprc)
            {
                var fslMc = new VfioFslMcDriver(_dmesg);
                var qemu = new VfioUser("qemu-3");

                Section("wrong VFIO port refused by its own auto-claim (IOMMU0008)");
                Bind(dprc, fslMc, "vfio-fsl-mc");
                PrintGroup(group);
                int ret = fslMc.Open(dprc, qemu);
                _out.WriteLine("vfio open " + dprc.Name + " by " + qemu + " -> " + Errnos.Name(ret));
                FlushLogs();
                PrintGroup(group);
                FlushLogs();
            }

            // The kernel-style port of the iommu core against the runtime: the same steps on two identical groups.
            private void CorePortScenario(VfioPciDriver vfio)
            {
                Section("iommu core port (Core/IommuCorePort.cs) against IommuCore");
                _out.WriteLine("each step runs on group 10 through IommuCore and on group 11 through the port; WARNs come from the IommuCore side");
                IommuGroup runtimeGroup = NewGroup(10);
                IommuGroup portGroup = NewGroup(11);
                Device r0 = NewDevice("runtime:0", runtimeGroup);
                Device r1 = NewDevice("runtime:1", runtimeGroup);
                Device p0 = NewDevice("port:0", portGroup);
                Device p1 = NewDevice("port:1", portGroup);
                var userA = new VfioUser("a");
                var userB = new VfioUser("b");
                var runtimeDomain = new IommuDomain(IommuDomainType.Unmanaged);
                var portDomain = new IommuDomain(IommuDomainType.Unmanaged);

                var steps = new List<CoreStep>
                {
                    new CoreStep("use(dev0)", d => IommuCore.DeviceUseDmaApi(d.Dev0), d => IommuCorePort.DeviceUseDmaApi(d.Dev0)),
                    new CoreStep("use(dev1)", d => IommuCore.DeviceUseDmaApi(d.Dev1), d => IommuCorePort.DeviceUseDmaApi(d.Dev1)),
                    new CoreStep("set_owner(a)", d => IommuCore.GroupSetDmaOwner(d.Group, userA), d => IommuCorePort.GroupSetDmaOwner(d.Group, userA)),
                    new CoreStep("attach(dom, dev0)", d => IommuCore.AttachDevice(d.Domain, d.Dev0), d => IommuCorePort.AttachDevice(d.Domain, d.Dev0)),
                    new CoreStep("unuse(dev1)", d => Void(() => IommuCore.DeviceUnuseDmaApi(d.Dev1)), d => Void(() => IommuCorePort.DeviceUnuseDmaApi(d.Dev1))),
                    new CoreStep("attach(dom, dev0)", d => IommuCore.AttachDevice(d.Domain, d.Dev0), d => IommuCorePort.AttachDevice(d.Domain, d.Dev0)),
                    new CoreStep("use(dev1)", d => IommuCore.DeviceUseDmaApi(d.Dev1), d => IommuCorePort.DeviceUseDmaApi(d.Dev1)),
                    new CoreStep("detach(dom, dev0)", d => Void(() => IommuCore.DetachDevice(d.Domain, d.Dev0)), d => Void(() => IommuCorePort.DetachDevice(d.Domain, d.Dev0))),
                    new CoreStep("detach(dom, dev0)", d => Void(() => IommuCore.DetachDevice(d.Domain, d.Dev0)), d => Void(() => IommuCorePort.DetachDevice(d.Domain, d.Dev0))),
                    new CoreStep("unuse(dev0)", d => Void(() => IommuCore.DeviceUnuseDmaApi(d.Dev0)), d => Void(() => IommuCorePort.DeviceUnuseDmaApi(d.Dev0))),
                    new CoreStep("unuse(dev0)", d => Void(() => IommuCore.DeviceUnuseDmaApi(d.Dev0)), d => Void(() => IommuCorePort.DeviceUnuseDmaApi(d.Dev0))),
                    new CoreStep("set_owner(a)", d => IommuCore.GroupSetDmaOwner(d.Group, userA), d => IommuCorePort.GroupSetDmaOwner(d.Group, userA)),
                    new CoreStep("set_owner(a)", d => IommuCore.GroupSetDmaOwner(d.Group, userA), d => IommuCorePort.GroupSetDmaOwner(d.Group, userA)),
                    new CoreStep("set_owner(b)", d => IommuCore.GroupSetDmaOwner(d.Group, userB), d => IommuCorePort.GroupSetDmaOwner(d.Group, userB)),
                    new CoreStep("use(dev0)", d => IommuCore.DeviceUseDmaApi(d.Dev0), d => IommuCorePort.DeviceUseDmaApi(d.Dev0)),
                    new CoreStep("release_owner", d => Void(() => IommuCore.GroupReleaseDmaOwner(d.Group)), d => Void(() => IommuCorePort.GroupReleaseDmaOwner(d.Group))),
                    new CoreStep("release_owner", d => Void(() => IommuCore.GroupReleaseDmaOwner(d.Group)), d => Void(() => IommuCorePort.GroupReleaseDmaOwner(d.Group))),
                    new CoreStep("release_owner", d => Void(() => IommuCore.GroupReleaseDmaOwner(d.Group)), d => Void(() => IommuCorePort.GroupReleaseDmaOwner(d.Group))),
                    new CoreStep("attach_shared(dom, dev0)", d => IommuCore.AttachDeviceShared(d.Domain, d.Dev0), d => IommuCorePort.AttachDeviceShared(d.Domain, d.Dev0)),
                    new CoreStep("bind vfio-pci to dev0, dev1", d => BindBoth(d, vfio), d => BindBoth(d, vfio)),
                    new CoreStep("attach(dom, dev0)", d => IommuCore.AttachDevice(d.Domain, d.Dev0), d => IommuCorePort.AttachDevice(d.Domain, d.Dev0)),
                    new CoreStep("attach_shared(dom, dev0)", d => IommuCore.AttachDeviceShared(d.Domain, d.Dev0), d => IommuCorePort.AttachDeviceShared(d.Domain, d.Dev0)),
                    new CoreStep("attach_shared(dom, dev1)", d => IommuCore.AttachDeviceShared(d.Domain, d.Dev1), d => IommuCorePort.AttachDeviceShared(d.Domain, d.Dev1)),
                    new CoreStep("set_owner(a)", d => IommuCore.GroupSetDmaOwner(d.Group, userA), d => IommuCorePort.GroupSetDmaOwner(d.Group, userA)),
                    new CoreStep("detach_shared(dom, dev1)", d => Void(() => IommuCore.DetachDeviceShared(d.Domain, d.Dev1)), d => Void(() => IommuCorePort.DetachDeviceShared(d.Domain, d.Dev1))),
                    new CoreStep("detach_shared(dom, dev0)", d => Void(() => IommuCore.DetachDeviceShared(d.Domain, d.Dev0)), d => Void(() => IommuCorePort.DetachDeviceShared(d.Domain, d.Dev0))),
                    new CoreStep("detach_shared(dom, dev0)", d => Void(() => IommuCore.DetachDeviceShared(d.Domain, d.Dev0)), d => Void(() => IommuCorePort.DetachDeviceShared(d.Domain, d.Dev0))),
                };

                var runtimeSide = new CoreSide(runtimeGroup, r0, r1, runtimeDomain);
                var portSide = new CoreSide(portGroup, p0, p1, portDomain);
                int mismatches = 0;
                foreach (CoreStep step in steps)
                {
                    string runtimeResult = StepResult(step.Runtime(runtimeSide)) + " " + DescribeState(runtimeGroup, runtimeDomain);
                    string portResult = StepResult(step.Port(portSide)) + " " + DescribeState(portGroup, portDomain);
                    bool same = runtimeResult == portResult;
                    if (!same)
                    {
                        mismatches++;
                    }

                    _out.WriteLine((same ? "  same " : "  DIFF ") + step.Name.PadRight(28) + " IommuCore: " + runtimeResult + (same ? string.Empty : " | port: " + portResult));
                    FlushLogs();
                }

                _out.WriteLine("core port: " + steps.Count + " steps, " + mismatches + " mismatches");
                FlushLogs();
            }

            private static int BindBoth(CoreSide side, VfioPciDriver vfio)
            {
                int ret = DriverCore.Bind(side.Dev0, vfio);
                if (ret != 0)
                {
                    return ret;
                }

                return DriverCore.Bind(side.Dev1, vfio);
            }

            // A void function of the API as a step: its effect shows in the state, and its result prints as "void".
            private static int Void(Action call)
            {
                call();
                return VoidResult;
            }

            private static string StepResult(int ret) => ret == VoidResult ? "void" : Errnos.Name(ret);

            private int PrintFinalState()
            {
                Section("final state");
                bool allDefault = true;
                foreach (IommuGroup group in _groups)
                {
                    PrintGroup(group);
                    allDefault &= IsUnownedInDefaultDomain(group);
                }

                _out.WriteLine("all groups unowned in their default domain: " + (allDefault ? "yes" : "NO"));
                _out.WriteLine("WARNs in the whole run: " + _warningsShown);
                return allDefault ? 0 : 1;
            }

            private IommuGroup NewGroup(int id)
            {
                var group = new IommuGroup(id);
                _groups.Add(group);
                return group;
            }

            private Device NewDevice(string name, IommuGroup? group)
            {
                var dev = new Device(name, group);
                _devices.Add(dev);
                return dev;
            }

            private void PrintMachine()
            {
                foreach (IommuGroup group in _groups)
                {
                    var names = new List<string>();
                    foreach (Device dev in _devices)
                    {
                        if (dev.Group == group)
                        {
                            names.Add(dev.Name);
                        }
                    }

                    _out.WriteLine("group " + group.Id + ": " + string.Join(", ", names));
                }

                foreach (Device dev in _devices)
                {
                    if (dev.Group == null)
                    {
                        _out.WriteLine("no IOMMU: " + dev.Name);
                    }
                }
            }

            private void Section(string title)
            {
                _out.WriteLine();
                _out.WriteLine("== " + title + " ==");
            }

            private void Bind(Device dev, DeviceDriver drv, string driverName)
            {
                int ret = DriverCore.Bind(dev, drv);
                _out.WriteLine("bind " + driverName + " to " + dev.Name + " -> " + Errnos.Name(ret));
                FlushLogs();
            }

            private void Unbind(Device dev)
            {
                DriverCore.Unbind(dev);
                _out.WriteLine("unbind " + dev.Name);
                FlushLogs();
            }

            private void Open(VfioPciDriver vfio, Device dev, VfioUser user)
            {
                int ret = vfio.Open(dev, user);
                _out.WriteLine("vfio open " + dev.Name + " by " + user + " -> " + Errnos.Name(ret));
                FlushLogs();
            }

            private void Close(VfioPciDriver vfio, Device dev, VfioUser user)
            {
                int ret = vfio.Close(dev, user);
                _out.WriteLine("vfio close " + dev.Name + " by " + user + " -> " + Errnos.Name(ret));
                FlushLogs();
            }

            private void PrintGroup(IommuGroup group)
            {
                int ownerCount;
                object? owner;
                string domain;
                using (group.Mutex.Guard())
                {
                    ownerCount = group.OwnerCount;
                    owner = group.Owner;
                    domain = DescribeDomain(group.Domain, group.DefaultDomain, group.BlockingDomain);
                }

                _out.WriteLine("group " + group.Id + ": owner_cnt=" + ownerCount + " owner=" + (owner?.ToString() ?? "none") + " domain=" + domain);
            }

            // The kernel log and the WARNs raised since the last flush, in order.
            private void FlushLogs()
            {
                foreach (string line in _dmesg.Drain())
                {
                    _out.WriteLine("dmesg: " + line);
                }

                if (_warnings == null)
                {
                    return;
                }

                IReadOnlyList<OwnershipWarning> warnings = _warnings.Warnings;
                for (; _warningsShown < warnings.Count; _warningsShown++)
                {
                    _out.WriteLine("WARN: " + warnings[_warningsShown]);
                }
            }

            private static bool IsUnownedInDefaultDomain(IommuGroup group)
            {
                using (group.Mutex.Guard())
                {
                    return group.OwnerCount == 0 && group.Owner == null && group.Domain == group.DefaultDomain;
                }
            }

            // The group's state as the comparison of the core port sees it: the same on both groups when the port agrees.
            private static string DescribeState(IommuGroup group, IommuDomain attachable)
            {
                using (group.Mutex.Guard())
                {
                    string owner = group.Owner == null ? "none" : ReferenceEquals(group.Owner, attachable) ? "dom" : group.Owner.ToString() ?? "?";
                    string domain = group.Domain == attachable ? "dom" : DescribeDomain(group.Domain, group.DefaultDomain, group.BlockingDomain);
                    return "(owner_cnt=" + group.OwnerCount + " owner=" + owner + " domain=" + domain + ")";
                }
            }

            private static string DescribeDomain(IommuDomain? domain, IommuDomain defaultDomain, IommuDomain blockingDomain)
            {
                if (domain == null)
                {
                    return "none";
                }

                if (domain == defaultDomain)
                {
                    return domain.Type + " (default)";
                }

                return domain == blockingDomain ? domain.Type + " (blocking)" : domain.Type.ToString();
            }
        }

        // One side of the core-port comparison: a group, two of its devices, and a domain to attach.
        private sealed class CoreSide
        {
            public CoreSide(IommuGroup group, Device dev0, Device dev1, IommuDomain domain)
            {
                Group = group;
                Dev0 = dev0;
                Dev1 = dev1;
                Domain = domain;
            }

            public IommuGroup Group { get; }

            public Device Dev0 { get; }

            public Device Dev1 { get; }

            public IommuDomain Domain { get; }
        }

        // One step of the comparison, as the runtime's IommuCore and as the kernel-style port do it.
        private sealed class CoreStep
        {
            public CoreStep(string name, Func<CoreSide, int> runtime, Func<CoreSide, int> port)
            {
                Name = name;
                Runtime = runtime;
                Port = port;
            }

            public string Name { get; }

            public Func<CoreSide, int> Runtime { get; }

            public Func<CoreSide, int> Port { get; }
        }
    }
}
