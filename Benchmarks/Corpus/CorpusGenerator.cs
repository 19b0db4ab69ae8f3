using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace IommuAnalyzers.Benchmarks.Corpus
{
    /// <summary>
    /// Generates C# driver ports of realistic shape (a guarded ring, kernel-style helpers with explicit
    /// lock/unlock and goto unwinding, a driver with Probe/Remove and lock-protected state, loops, switches,
    /// lambdas, async) and plants real bugs for the rules of DESIGN.md section 4 at a known rate, recording how
    /// many diagnostics each must produce.
    /// </summary>
    /// <remarks>
    /// Correct members are written so that no rule may report them under the contract: every guarded access under its
    /// lock, every [MustCheck] result read, ownership taken in Probe only as its last, returned step (so no error path
    /// follows it) and given back in Remove, no ownership call while a lock is held. Each bug template produces a
    /// fixed number of diagnostics of one rule and nothing for any other rule. Files are generated from one seeded
    /// stream, so a smaller corpus is a prefix of a larger one.
    /// </remarks>
    internal static class CorpusGenerator
    {
        private static readonly string[] Prefixes =
        {
            "Smmu", "Dmar", "Gart", "Vdpa", "Mdev", "Ipmmu", "Tegra", "Exynos", "Rockchip", "Sun50i", "Dart", "Virtio",
            "Mtk", "Msm", "Amdvi", "Sprd", "Omap", "Fsl", "Host1x", "Vfio",
        };

        private static readonly string[] Verbs = { "Flush", "Drain", "Sync", "Poll", "Kick", "Rearm", "Scan", "Trim", "Quiesce", "Refill", "Sample", "Rotate" };

        private static readonly string[] Nouns = { "Queue", "Ring", "Fifo", "Doorbell", "Window", "Batch", "Ctx", "Table", "Stream", "Slots", "Credits", "Fence" };

        // Rules planted inside one member, in a rotation so that every rule is planted before any repeats.
        private static readonly string[] MemberRules =
        {
            RuleIdentifiers.OldDmaOwnerMultiplexor,
            RuleIdentifiers.GroupDeviceCountDecidesOwnership,
            RuleIdentifiers.MustCheckResultIgnored,
            RuleIdentifiers.GuardedMemberWithoutLock,
            RuleIdentifiers.LockHeldAtExit,
            RuleIdentifiers.ReleaseOfUnheldLock,
            RuleIdentifiers.LockAlreadyHeld,
            RuleIdentifiers.RequiresLockCallWithoutLock,
            RuleIdentifiers.LockHeldOnSomePaths,
            RuleIdentifiers.UnresolvedLockExpression,
        };

        // Rules planted in the shape of a whole driver class.
        private static readonly string[] DriverRules =
        {
            RuleIdentifiers.SharedAttachWithoutSuppressAutoClaim,
            RuleIdentifiers.ExclusiveAttachWithSuppressedAutoClaim,
            RuleIdentifiers.OwnershipNotReleased,
            RuleIdentifiers.SuppressedAutoClaimWithoutOwnership,
        };

        /// <summary>Every rule the driver corpus plants.</summary>
        public static IReadOnlyList<string> PlantableRules
        {
            get
            {
                var all = new List<string>(DriverRules);
                all.AddRange(MemberRules);
                all.Sort(StringComparer.Ordinal);
                return all;
            }
        }

        public static GeneratedCorpus Generate(CorpusSettings settings)
        {
            if (settings.Kind == CorpusKind.Locks)
            {
                return LockStatementCorpus.Generate(settings);
            }

            var random = new Random(settings.Seed);
            var files = new List<CorpusFile>(settings.Files + 1);
            var bugs = new List<PlantedBug>();
            var state = new RotationState();
            if (settings.Kind == CorpusKind.Plain)
            {
                files.Add(PlainSupport());
            }

            for (int i = 0; i < settings.Files; i++)
            {
                var file = new FileGenerator(settings, random, state, i, bugs);
                files.Add(file.Generate());
            }

            return new GeneratedCorpus(settings, files, bugs);
        }

        internal static int CountLines(string text)
        {
            int lines = 1;
            foreach (char c in text)
            {
                if (c == '\n')
                {
                    lines++;
                }
            }

            return lines;
        }

        private static string Indent(string text, string indent)
        {
            var sb = new StringBuilder(text.Length + 64);
            foreach (string line in text.Replace("\r\n", "\n").Split('\n'))
            {
                if (line.Length > 0)
                {
                    sb.Append(indent).Append(line);
                }

                sb.Append('\n');
            }

            sb.Length--;
            return sb.ToString();
        }

        private static string Hex(int value) => "0x" + value.ToString("x", CultureInfo.InvariantCulture);

        // The plain corpus's own look-alikes of the runtime types, in a namespace the analyzers do not know.
        private static CorpusFile PlainSupport()
        {
            const string text = """
                using System;
                using System.Collections.Generic;
                using System.Threading;

                namespace PlainPorts.Support;

                public static class PortErrno
                {
                    public const int EPERM = 1;
                    public const int EBUSY = 16;
                    public const int ENODEV = 19;
                    public const int EINVAL = 22;
                }

                public sealed class PortMutex
                {
                    private readonly object _gate = new object();

                    public bool IsHeldByCurrentThread => Monitor.IsEntered(_gate);

                    public void Lock() => Monitor.Enter(_gate);

                    public bool TryLock() => Monitor.TryEnter(_gate);

                    public void Unlock() => Monitor.Exit(_gate);

                    public PortGuard Guard()
                    {
                        Lock();
                        return new PortGuard(this);
                    }
                }

                public struct PortGuard : IDisposable
                {
                    private PortMutex? _mutex;

                    public PortGuard(PortMutex mutex) => _mutex = mutex;

                    public void Dispose()
                    {
                        PortMutex? mutex = _mutex;
                        _mutex = null;
                        mutex?.Unlock();
                    }
                }

                public enum PortDomainType
                {
                    Blocked,
                    Identity,
                    Dma,
                    Unmanaged,
                }

                public sealed class PortDomain
                {
                    public PortDomain(PortDomainType type) => Type = type;

                    public PortDomainType Type { get; }
                }

                public sealed class PortGroup
                {
                    public PortGroup(int id)
                    {
                        Id = id;
                        DefaultDomain = new PortDomain(PortDomainType.Dma);
                        Domain = DefaultDomain;
                    }

                    public int Id { get; }

                    public PortMutex Mutex { get; } = new PortMutex();

                    public int OwnerCount { get; set; }

                    public object? Owner { get; set; }

                    public PortDomain? Domain { get; set; }

                    public PortDomain DefaultDomain { get; set; }

                    public IList<PortDevice> Devices { get; } = new List<PortDevice>();
                }

                public sealed class PortDevice
                {
                    public PortDevice(string name, PortGroup? group)
                    {
                        Name = name;
                        Group = group;
                    }

                    public string Name { get; }

                    public PortGroup? Group { get; }
                }

                public abstract class PortDriver
                {
                    public abstract int Probe(PortDevice dev);

                    public virtual void Remove(PortDevice dev)
                    {
                    }
                }

                public static class PortCore
                {
                    public static int AttachDevice(PortDomain domain, PortDevice dev) => Set(dev, domain, domain);

                    public static void DetachDevice(PortDomain domain, PortDevice dev) => Clear(dev);

                    public static int AttachDeviceShared(PortDomain domain, PortDevice dev) => Set(dev, domain, domain);

                    public static void DetachDeviceShared(PortDomain domain, PortDevice dev) => Clear(dev);

                    public static int GroupSetDmaOwner(PortGroup group, object owner)
                    {
                        using (group.Mutex.Guard())
                        {
                            if (group.OwnerCount != 0 && !ReferenceEquals(group.Owner, owner))
                            {
                                return -PortErrno.EBUSY;
                            }

                            group.Owner = owner;
                            group.OwnerCount++;
                            return 0;
                        }
                    }

                    public static void GroupReleaseDmaOwner(PortGroup group)
                    {
                        using (group.Mutex.Guard())
                        {
                            if (group.OwnerCount > 0 && --group.OwnerCount == 0)
                            {
                                group.Owner = null;
                            }
                        }
                    }

                    public static bool GroupDmaOwnerClaimed(PortGroup group)
                    {
                        using (group.Mutex.Guard())
                        {
                            return group.OwnerCount != 0;
                        }
                    }

                    private static int Set(PortDevice dev, PortDomain domain, object owner)
                    {
                        PortGroup? group = dev.Group;
                        if (group == null)
                        {
                            return -PortErrno.ENODEV;
                        }

                        using (group.Mutex.Guard())
                        {
                            group.Domain = domain;
                            group.Owner = owner;
                            group.OwnerCount++;
                            return 0;
                        }
                    }

                    private static void Clear(PortDevice dev)
                    {
                        PortGroup? group = dev.Group;
                        if (group == null)
                        {
                            return;
                        }

                        using (group.Mutex.Guard())
                        {
                            group.Domain = group.DefaultDomain;
                            group.Owner = null;
                            group.OwnerCount = 0;
                        }
                    }
                }
                """;
            return new CorpusFile("Plain/PortSupport.cs", text, CountLines(text), 17);
        }

        private sealed class RotationState
        {
            public int NextMemberRule { get; set; }

            public int NextDriverRule { get; set; }

            /// <summary>
            /// IOMMU0101 bugs planted so far: every second one is written with <c>Monitor.Enter</c>/<c>Exit</c>. A counter,
            /// not a draw from the seeded stream, so every other member of the corpus stays as it was.
            /// </summary>
            public int LockHeldAtExitPlanted { get; set; }
        }

        /// <summary>How a driver takes DMA ownership (and so which calls its Probe and Remove make).</summary>
        private enum Profile
        {
            AutoClaim,        // a plain DMA-API user: the driver core's auto-claim covers it
            AutoClaimPrivate, // exclusive private domain on top of the auto-claim (AttachDevice/DetachDevice)
            Shared,           // [SuppressAutoClaimDmaOwner] + shared domain (host1x clients)
            UserOwner,        // [SuppressAutoClaimDmaOwner] + explicit group owner (vfio-style)
        }

        private enum Target
        {
            Ring,
            Hw,
            Driver,
        }

        private sealed class Member
        {
            public Member(string text, int methods)
            {
                Text = text;
                Methods = methods;
                Lines = CountLines(text);
            }

            public string Text { get; }

            public int Methods { get; }

            public int Lines { get; }
        }

        /// <summary>Writes one file.</summary>
        private sealed class FileGenerator
        {
            private readonly CorpusSettings _settings;
            private readonly Random _random;
            private readonly RotationState _rotation;
            private readonly List<PlantedBug> _bugs;
            private readonly bool _plain;
            private readonly string _p;
            private readonly string _path;
            private readonly List<Member> _ring = new List<Member>();
            private readonly List<Member> _hw = new List<Member>();
            private readonly List<Member> _driver = new List<Member>();
            private readonly List<(List<Member> Owner, Member Member)> _extras = new List<(List<Member> Owner, Member Member)>();
            private int _names;

            // The type names the templates use: the runtime's, or the plain corpus's look-alikes.
            private readonly string Core;
            private readonly string Errno;
            private readonly string DriverBase;
            private readonly string Dev;
            private readonly string Group;
            private readonly string Mutex;
            private readonly string Domain;
            private readonly string DomainType;

            public FileGenerator(CorpusSettings settings, Random random, RotationState rotation, int index, List<PlantedBug> bugs)
            {
                _settings = settings;
                _random = random;
                _rotation = rotation;
                _bugs = bugs;
                _plain = settings.Kind == CorpusKind.Plain;
                _p = Prefixes[random.Next(Prefixes.Length)] + index.ToString("D4", CultureInfo.InvariantCulture);
                _path = (_plain ? "Plain/" : "Drivers/") + _p + ".cs";
                Core = _plain ? "PortCore" : "IommuCore";
                Errno = _plain ? "PortErrno" : "Errno";
                DriverBase = _plain ? "PortDriver" : "DeviceDriver";
                Dev = _plain ? "PortDevice" : "Device";
                Group = _plain ? "PortGroup" : "IommuGroup";
                Mutex = _plain ? "PortMutex" : "KMutex";
                Domain = _plain ? "PortDomain" : "IommuDomain";
                DomainType = _plain ? "PortDomainType" : "IommuDomainType";
            }

            public CorpusFile Generate()
            {
                int target = _random.Next(_settings.MinLines, _settings.MaxLines - 45);

                // The driver's shape first: a class-level bug decides its ownership profile.
                string? driverBug = null;
                if (!_plain && _random.NextDouble() < _settings.DriverBugRate)
                {
                    driverBug = DriverRules[_rotation.NextDriverRule++ % DriverRules.Length];
                }

                Profile profile = driverBug switch
                {
                    RuleIdentifiers.SharedAttachWithoutSuppressAutoClaim => Profile.Shared,
                    RuleIdentifiers.ExclusiveAttachWithSuppressedAutoClaim => Profile.Shared,
                    RuleIdentifiers.OwnershipNotReleased => _random.Next(2) == 0 ? Profile.Shared : Profile.UserOwner,
                    RuleIdentifiers.SuppressedAutoClaimWithoutOwnership => Profile.AutoClaim,
                    _ => (Profile)_random.Next(4),
                };
                bool suppress = driverBug == RuleIdentifiers.SuppressedAutoClaimWithoutOwnership ||
                    ((profile == Profile.Shared || profile == Profile.UserOwner) && driverBug != RuleIdentifiers.SharedAttachWithoutSuppressAutoClaim);

                FixedMembers(profile, driverBug);

                while (CurrentLines() < target)
                {
                    AddCorrect((Target)_random.Next(3));
                }

                // Bugs at the configured rate per method of the whole file, each taking the place of a correct extra
                // member so the file keeps its length.
                if (!_plain)
                {
                    int methods = CountMethods();
                    for (int m = 0; m < methods; m++)
                    {
                        if (_random.NextDouble() >= _settings.MemberBugRate)
                        {
                            continue;
                        }

                        if (_extras.Count > 0)
                        {
                            int victim = _random.Next(_extras.Count);
                            (List<Member> owner, Member member) = _extras[victim];
                            owner.Remove(member);
                            _extras.RemoveAt(victim);
                        }

                        AddBug(MemberRules[_rotation.NextMemberRule++ % MemberRules.Length]);
                    }
                }

                string text = Assemble(suppress);
                return new CorpusFile(_path, text, CountLines(text), CountMethods());
            }

            private int CountMethods()
            {
                int methods = 0;
                foreach (List<Member> list in new[] { _ring, _hw, _driver })
                {
                    foreach (Member m in list)
                    {
                        methods += m.Methods;
                    }
                }

                return methods;
            }

            private int CurrentLines()
            {
                int lines = 64; // usings, namespace, class headers, the ring's properties and the driver's fields
                foreach (List<Member> list in new[] { _ring, _hw, _driver })
                {
                    foreach (Member m in list)
                    {
                        lines += m.Lines + 1;
                    }
                }

                return lines;
            }

            private string Name()
            {
                _names++;
                return Verbs[_random.Next(Verbs.Length)] + Nouns[_random.Next(Nouns.Length)] + _names.ToString(CultureInfo.InvariantCulture);
            }

            private int K(int max) => _random.Next(2, max);

            // An attribute line in the driver corpus; nothing in the plain one.
            private string A(string attribute) => _plain ? string.Empty : "[" + attribute + "]\n";

            private void Plant(string rule, string member, int diagnostics, bool withMonitor = false)
            {
                _bugs.Add(new PlantedBug(rule, _path, member, diagnostics) { WithMonitor = withMonitor });
            }

            private string Assemble(bool suppress)
            {
                var sb = new StringBuilder(16 * 1024);
                sb.Append("using System;\nusing System.Collections.Generic;\nusing System.Linq;\nusing System.Threading;\nusing System.Threading.Tasks;\n");
                sb.Append(_plain ? "using PlainPorts.Support;\n" : "using Iommu;\n");
                sb.Append('\n').Append("namespace Ports.").Append(_p).Append(";\n\n");

                // The ring: state guarded by its own kernel mutex.
                sb.Append("/// <summary>Descriptor ring of the ").Append(_p).Append(" engine; every index is guarded by <see cref=\"Mutex\"/>.</summary>\n");
                sb.Append("internal sealed class ").Append(_p).Append("Ring\n{\n");
                string fields = $$"""
                    public {{_p}}Ring(int size)
                    {
                        Size = size;
                        Slots = new int[size];
                        Stopped = true;
                    }

                    public {{Mutex}} Mutex { get; } = new {{Mutex}}();

                    public int Size { get; }

                    {{A("GuardedBy(nameof(Mutex))")}}public int Head { get; set; }

                    {{A("GuardedBy(nameof(Mutex))")}}public int Tail { get; set; }

                    {{A("GuardedBy(nameof(Mutex))")}}public int Pending { get; set; }

                    {{A("GuardedBy(nameof(Mutex))")}}public int Errors { get; set; }

                    {{A("GuardedBy(nameof(Mutex))")}}public bool Stopped { get; set; }

                    {{A("GuardedBy(nameof(Mutex))")}}public int[] Slots { get; }
                    """;
                sb.Append(Indent(fields, "    "));
                AppendMembers(sb, _ring);
                sb.Append("}\n\n");

                sb.Append("/// <summary>Register-level helpers of the ").Append(_p).Append(" engine, in the style of the C driver they port.</summary>\n");
                sb.Append("internal static class ").Append(_p).Append("Hw\n{\n");
                AppendMembers(sb, _hw, first: true);
                sb.Append("}\n\n");

                sb.Append("/// <summary>The ").Append(_p).Append(" driver.</summary>\n");
                if (suppress)
                {
                    sb.Append(A("SuppressAutoClaimDmaOwner"));
                }

                sb.Append("internal sealed class ").Append(_p).Append("Driver : ").Append(DriverBase).Append("\n{\n");
                string driverFields = $$"""
                    private readonly object _lock = new object();
                    private readonly {{_p}}Ring _ring;
                    private readonly {{Domain}} _domain;
                    private readonly {{Domain}} _fwDomain;

                    {{A("GuardedBy(nameof(_lock))")}}private int _irqs;

                    {{A("GuardedBy(nameof(_lock))")}}private int _errors;

                    {{A("GuardedBy(nameof(_lock))")}}private int _state;

                    {{A("GuardedBy(nameof(_lock))")}}private readonly List<int> _events;

                    public {{_p}}Driver(int slots)
                    {
                        _ring = new {{_p}}Ring(slots);
                        _domain = new {{Domain}}({{DomainType}}.Unmanaged);
                        _fwDomain = new {{Domain}}({{DomainType}}.Unmanaged);
                        _events = new List<int>();
                        _state = 0;
                    }
                    """;
                sb.Append(Indent(driverFields, "    "));
                AppendMembers(sb, _driver);
                sb.Append("}\n");
                return sb.ToString();
            }

            private static void AppendMembers(StringBuilder sb, List<Member> members, bool first = false)
            {
                foreach (Member m in members)
                {
                    if (!first)
                    {
                        sb.Append("\n\n");
                    }

                    first = false;
                    sb.Append(Indent(m.Text, "    "));
                }

                sb.Append('\n');
            }

            // ---- Members every file has ----

            private void FixedMembers(Profile profile, string? driverBug)
            {
                int bad = 1 << K(12);
                int step = K(97);
                _hw.Add(new Member($$"""
                    // Brings the engine out of reset; the register writes need the ring lock (mirrors *_hw_init()).
                    {{A("MustCheck")}}public static int InitEngine({{_p}}Ring ring, int flags)
                    {
                        int ret;

                        if ((flags & {{Hex(bad)}}) != 0 && (flags & 1) == 0)
                        {
                            return -{{Errno}}.EINVAL;
                        }

                        ring.Mutex.Lock();
                        if (!ring.Stopped)
                        {
                            ret = -{{Errno}}.EBUSY;
                            goto out_unlock;
                        }

                        ret = ProgramRegisters(ring, flags);
                        if (ret != 0)
                        {
                            goto out_unlock;
                        }

                        ring.Stopped = false;
                        ring.Errors = 0;

                    out_unlock:
                        ring.Mutex.Unlock();
                        return ret;
                    }
                    """, 1));
                _hw.Add(new Member($$"""
                    {{A("MustCheck")}}{{A("RequiresLock(\"ring.Mutex\")")}}private static int ProgramRegisters({{_p}}Ring ring, int flags)
                    {
                        for (int i = 0; i < ring.Size; i++)
                        {
                            ring.Slots[i] = flags ^ (i * {{step}});
                        }

                        ring.Head = 0;
                        ring.Tail = 0;
                        ring.Pending = 0;
                        return (flags & {{Hex(bad << 1)}}) != 0 ? -{{Errno}}.EINVAL : 0;
                    }
                    """, 1));
                _hw.Add(new Member($$"""
                    public static void StopEngine({{_p}}Ring ring)
                    {
                        using var guard = ring.Mutex.Guard();
                        ring.Stopped = true;
                        ring.Pending = 0;
                    }
                    """, 1));
                _hw.Add(new Member($$"""
                    // Queues a batch of commands (mirrors *_ring_submit()): the count queued, or a negative errno.
                    {{A("MustCheck")}}public static int Submit({{_p}}Ring ring, int[] batch)
                    {
                        int ret = 0;
                        int queued = 0;

                        ring.Mutex.Lock();
                        if (ring.Stopped)
                        {
                            ret = -{{Errno}}.ENODEV;
                            goto out_unlock;
                        }

                        foreach (int cmd in batch)
                        {
                            if (ring.Pending >= ring.Size)
                            {
                                ret = -{{Errno}}.EBUSY;
                                goto out_unlock;
                            }

                            ring.Slots[ring.Tail] = cmd;
                            ring.Tail = (ring.Tail + 1) % ring.Size;
                            ring.Pending++;
                            queued++;
                        }

                    out_unlock:
                        ring.Mutex.Unlock();
                        return ret != 0 ? ret : queued;
                    }
                    """, 1));
                _hw.Add(new Member($$"""
                    {{A("RequiresLock(\"ring.Mutex\")")}}private static int ReapLocked({{_p}}Ring ring, int budget)
                    {
                        int reaped = 0;
                        while (ring.Pending > 0 && reaped < budget)
                        {
                            ring.Slots[ring.Head] = 0;
                            ring.Head = (ring.Head + 1) % ring.Size;
                            ring.Pending--;
                            reaped++;
                        }

                        return reaped;
                    }
                    """, 1));
                _hw.Add(new Member($$"""
                    public static int Reap({{_p}}Ring ring, int budget)
                    {
                        ring.Mutex.Lock();
                        int reaped = ReapLocked(ring, budget);
                        ring.Mutex.Unlock();
                        return reaped;
                    }
                    """, 1));

                DriverProbeRemove(profile, driverBug);

                _driver.Add(new Member($$"""
                    public int HandleIrq(int status)
                    {
                        int handled = 0;
                        for (int bit = 0; bit < 32; bit++)
                        {
                            if ((status & (1 << bit)) == 0)
                            {
                                continue;
                            }

                            switch (bit)
                            {
                                case 0:
                                    handled += {{_p}}Hw.Reap(_ring, {{K(64)}});
                                    break;
                                case 1:
                                case 2:
                                    lock (_lock)
                                    {
                                        _errors++;
                                    }

                                    break;
                                default:
                                    lock (_lock)
                                    {
                                        _irqs++;
                                        _events.Add(bit);
                                    }

                                    break;
                            }
                        }

                        return handled;
                    }
                    """, 1));
                _driver.Add(new Member($$"""
                    public override string ToString()
                    {
                        int irqs;
                        int errors;
                        int state;
                        lock (_lock)
                        {
                            irqs = _irqs;
                            errors = _errors;
                            state = _state;
                        }

                        return $"{{_p}}: state {state}, {irqs} irqs, {errors} errors";
                    }
                    """, 1));
            }

            private void DriverProbeRemove(Profile profile, string? driverBug)
            {
                int flags = K(0x7fff);
                string claim;
                string release;
                string groupCheck = string.Empty;
                switch (profile)
                {
                    case Profile.AutoClaimPrivate:
                        claim = $"return {Core}.AttachDevice(_domain, dev);";
                        release = $"{Core}.DetachDevice(_domain, dev);\n    ";
                        break;
                    case Profile.Shared:
                        claim = $"return {Core}.AttachDeviceShared(_domain, dev);";
                        release = $"{Core}.DetachDeviceShared(_domain, dev);\n    ";
                        break;
                    case Profile.UserOwner:
                        // Continuation lines carry the method body's indentation: the text is spliced into the Probe template.
                        groupCheck = $"{Group}? group = dev.Group;\n    if (group == null)\n    {{\n        return -{Errno}.ENODEV;\n    }}\n\n    ";
                        claim = $"return {Core}.GroupSetDmaOwner(group, this);";
                        release = $"{Core}.GroupReleaseDmaOwner(dev.Group!);\n    ";
                        break;
                    default:
                        claim = "return 0;";
                        release = string.Empty;
                        break;
                }

                switch (driverBug)
                {
                    case RuleIdentifiers.SharedAttachWithoutSuppressAutoClaim:
                        // No attribute: the shared attach in Probe and the shared detach in Remove each report.
                        Plant(driverBug, "Probe/Remove", 2);
                        break;
                    case RuleIdentifiers.OwnershipNotReleased:
                        // Remove forgets to give back what Probe took.
                        release = string.Empty;
                        Plant(driverBug, "Probe", 1);
                        break;
                    case RuleIdentifiers.SuppressedAutoClaimWithoutOwnership:
                        Plant(driverBug, "class", 1);
                        break;
                    case RuleIdentifiers.ExclusiveAttachWithSuppressedAutoClaim:
                        string reload = "ReloadFirmware" + (++_names).ToString(CultureInfo.InvariantCulture);
                        _driver.Add(new Member($$"""
                            // Firmware is loaded through a private domain.
                            private int {{reload}}({{Dev}} dev, int[] image)
                            {
                                int ret = {{Core}}.AttachDevice(_fwDomain, dev);
                                if (ret != 0)
                                {
                                    return ret;
                                }

                                int loaded = 0;
                                foreach (int word in image)
                                {
                                    loaded += word & 0xff;
                                }

                                return loaded;
                            }
                            """, 1));
                        Plant(driverBug, reload, 1);
                        break;
                }

                _driver.Insert(0, new Member($$"""
                    public override int Probe({{Dev}} dev)
                    {
                        {{groupCheck}}int ret = {{_p}}Hw.InitEngine(_ring, dev.Name.Length | {{Hex(flags)}});
                        if (ret != 0)
                        {
                            return ret;
                        }

                        lock (_lock)
                        {
                            _state = 1;
                            _events.Clear();
                        }

                        {{claim}}
                    }
                    """, 1));
                _driver.Insert(1, new Member($$"""
                    public override void Remove({{Dev}} dev)
                    {
                        {{release}}{{_p}}Hw.StopEngine(_ring);
                        lock (_lock)
                        {
                            _state = 0;
                        }
                    }
                    """, 1));
            }

            // ---- Correct members ----

            private void AddCorrect(Target where)
            {
                List<Member> owner = where == Target.Ring ? _ring : where == Target.Hw ? _hw : _driver;
                int before = owner.Count;
                AddCorrectTo(where);
                if (owner.Count > before)
                {
                    _extras.Add((owner, owner[owner.Count - 1]));
                }
            }

            private void AddCorrectTo(Target where)
            {
                switch (where)
                {
                    case Target.Ring:
                        AddRing(_random.Next(4));
                        break;
                    case Target.Hw:
                        AddHw(_random.Next(8));
                        break;
                    default:
                        AddDriver(_random.Next(7));
                        break;
                }
            }

            private void AddRing(int which)
            {
                string n = Name();
                switch (which)
                {
                    case 0:
                        _ring.Add(new Member($$"""
                            public int {{n}}()
                            {
                                Mutex.Lock();
                                int used = Pending;
                                Mutex.Unlock();
                                return Size - used;
                            }
                            """, 1));
                        break;
                    case 1:
                        _ring.Add(new Member($$"""
                            public bool {{n}}(int slot)
                            {
                                using (Mutex.Guard())
                                {
                                    return slot >= 0 && slot < Size && Slots[slot] != 0;
                                }
                            }
                            """, 1));
                        break;
                    case 2:
                        _ring.Add(new Member($$"""
                            {{A("RequiresLock(\"Mutex\")")}}private void {{n}}Locked(int fill)
                            {
                                for (int i = 0; i < Slots.Length; i++)
                                {
                                    Slots[i] = fill;
                                }

                                Head = 0;
                                Tail = 0;
                                Pending = 0;
                            }

                            public void {{n}}(int fill)
                            {
                                Mutex.Lock();
                                {{n}}Locked(fill);
                                Mutex.Unlock();
                            }
                            """, 2));
                        break;
                    default:
                        _ring.Add(new Member($$"""
                            public int {{n}}()
                            {
                                int errors;
                                using (Mutex.Guard())
                                {
                                    errors = Errors;
                                    if (errors > {{K(50)}})
                                    {
                                        Stopped = true;
                                    }
                                }

                                return errors;
                            }
                            """, 1));
                        break;
                }
            }

            private void AddHw(int which)
            {
                string n = Name();
                switch (which)
                {
                    case 0:
                        _hw.Add(new Member($$"""
                            public static string {{n}}(int status)
                            {
                                switch (status & 0xf)
                                {
                                    case 0x0:
                                        return "idle";
                                    case 0x1:
                                        return "running";
                                    case 0x2:
                                    case 0x3:
                                        return "draining";
                                    case {{Hex(K(8) + 7)}}:
                                        return "fault";
                                    default:
                                        return "reserved " + (status & 0xf).ToString("x");
                                }
                            }
                            """, 1));
                        break;
                    case 1:
                        int rot = K(31);
                        _hw.Add(new Member($$"""
                            public static uint {{n}}(int[] words, int count)
                            {
                                uint sum = {{Hex(_random.Next())}}u;
                                for (int i = 0; i < count && i < words.Length; i++)
                                {
                                    uint w = unchecked((uint)words[i]);
                                    sum ^= w;
                                    sum = (sum << {{rot}}) | (sum >> {{32 - rot}});
                                    if ((sum & 1) != 0)
                                    {
                                        sum ^= {{Hex(_random.Next())}}u;
                                    }
                                }

                                return sum;
                            }
                            """, 1));
                        break;
                    case 2:
                        _hw.Add(new Member($$"""
                            // Whether the group is in DMA-API use only (mirrors a read of owner_cnt under group->mutex).
                            public static bool {{n}}({{Dev}} dev)
                            {
                                {{Group}}? group = dev.Group;
                                if (group == null)
                                {
                                    return false;
                                }

                                using (group.Mutex.Guard())
                                {
                                    return group.OwnerCount != 0 && group.Owner == null && group.Domain == group.DefaultDomain;
                                }
                            }
                            """, 1));
                        break;
                    case 3:
                        _hw.Add(new Member($$"""
                            {{A("MustCheck")}}public static int {{n}}({{_p}}Ring ring)
                            {
                                if (ring.Mutex.TryLock())
                                {
                                    int errors = ring.Errors;
                                    ring.Errors = 0;
                                    ring.Mutex.Unlock();
                                    return errors;
                                }

                                return -{{Errno}}.EBUSY;
                            }
                            """, 1));
                        break;
                    case 4:
                        _hw.Add(new Member($$"""
                            public static int {{n}}({{_p}}Ring ring, Func<int, bool> filter)
                            {
                                int[] snapshot;
                                using (ring.Mutex.Guard())
                                {
                                    snapshot = ring.Slots.Take(ring.Size).ToArray();
                                }

                                return snapshot.Where(filter).Select(s => s & {{Hex(0xff >> K(6))}}).Distinct().Count();
                            }
                            """, 1));
                        break;
                    case 5:
                        _hw.Add(new Member($$"""
                            public static void {{n}}({{_p}}Ring ring, int value)
                            {
                                ring.Mutex.Lock();
                                try
                                {
                                    Fill(ring.Slots, value);
                                    ring.Head = 0;
                                    ring.Tail = 0;
                                    ring.Pending = 0;
                                }
                                finally
                                {
                                    ring.Mutex.Unlock();
                                }

                                static void Fill(int[] slots, int v)
                                {
                                    for (int i = 0; i < slots.Length; i++)
                                    {
                                        slots[i] = v + i;
                                    }
                                }
                            }
                            """, 1));
                        break;
                    case 6:
                        _hw.Add(new Member($$"""
                            // Bring-up with unwinding in reverse order (mirrors the goto ladder of a C probe path).
                            {{A("MustCheck")}}public static int {{n}}({{_p}}Ring ring, int[] batch, int flags)
                            {
                                int ret;

                                ret = InitEngine(ring, flags);
                                if (ret != 0)
                                {
                                    goto err_out;
                                }

                                ret = Submit(ring, batch);
                                if (ret < 0)
                                {
                                    goto err_stop;
                                }

                                return 0;

                            err_stop:
                                StopEngine(ring);
                            err_out:
                                return ret;
                            }
                            """, 1));
                        break;
                    default:
                        _hw.Add(new Member($$"""
                            public static int {{n}}({{_p}}Ring ring, int rounds)
                            {
                                int moved = 0;
                                for (int round = 0; round < rounds; round++)
                                {
                                    ring.Mutex.Lock();
                                    if (ring.Pending == 0)
                                    {
                                        ring.Mutex.Unlock();
                                        break;
                                    }

                                    if ((ring.Head & 1) != 0)
                                    {
                                        ring.Head = (ring.Head + 1) % ring.Size;
                                        ring.Mutex.Unlock();
                                        continue;
                                    }

                                    ring.Pending--;
                                    moved++;
                                    ring.Mutex.Unlock();
                                }

                                return moved;
                            }
                            """, 1));
                        break;
                }
            }

            private void AddDriver(int which)
            {
                string n = Name();
                switch (which)
                {
                    case 0:
                        _driver.Add(new Member($$"""
                            private void {{n}}(int status)
                            {
                                lock (_lock)
                                {
                                    switch (status)
                                    {
                                        case 0:
                                            _state = 2;
                                            break;
                                        case -{{Errno}}.EBUSY:
                                            _events.Add(status);
                                            break;
                                        case -{{Errno}}.ENODEV:
                                            _state = 0;
                                            _errors++;
                                            break;
                                        default:
                                            _errors++;
                                            break;
                                    }
                                }
                            }
                            """, 1));
                        break;
                    case 1:
                        _driver.Add(new Member($$"""
                            public Action {{n}}()
                            {
                                return () =>
                                {
                                    lock (_lock)
                                    {
                                        _irqs = 0;
                                        _events.RemoveAll(e => e > {{K(32)}});
                                    }
                                };
                            }
                            """, 1));
                        break;
                    case 2:
                        _driver.Add(new Member($$"""
                            public static string {{n}}(int reg, int value)
                            {
                                var parts = new List<string>();
                                for (int bit = 0; bit < 16; bit++)
                                {
                                    if ((value & (1 << bit)) != 0)
                                    {
                                        parts.Add("b" + bit);
                                    }
                                }

                                string name = reg switch
                                {
                                    0x00 => "CTRL",
                                    0x04 => "STATUS",
                                    0x08 => "IRQ_MASK",
                                    {{Hex(K(16) * 4 + 0x10)}} => "DOORBELL",
                                    _ => "REG_" + reg.ToString("x2"),
                                };
                                return name + "=" + string.Join("|", parts);
                            }
                            """, 1));
                        break;
                    case 3:
                        _driver.Add(new Member($$"""
                            public int {{n}}(int limit)
                            {
                                int drained = 0;
                                Monitor.Enter(_lock);
                                try
                                {
                                    while (_events.Count > 0 && drained < limit)
                                    {
                                        _events.RemoveAt(_events.Count - 1);
                                        drained++;
                                    }
                                }
                                finally
                                {
                                    Monitor.Exit(_lock);
                                }

                                return drained;
                            }
                            """, 1));
                        break;
                    case 4:
                        _driver.Add(new Member($$"""
                            public int[] {{n}}(int mask)
                            {
                                List<int> copy;
                                lock (_lock)
                                {
                                    copy = new List<int>(_events);
                                }

                                return copy.Where(e => (e & mask) != 0).OrderBy(e => e).ToArray();
                            }
                            """, 1));
                        break;
                    case 5:
                        _driver.Add(new Member($$"""
                            public async Task<int> {{n}}Async(int[] frames, CancellationToken cancellationToken)
                            {
                                int sent = 0;
                                foreach (int frame in frames)
                                {
                                    cancellationToken.ThrowIfCancellationRequested();
                                    await Task.Delay(0, cancellationToken).ConfigureAwait(false);
                                    sent += frame & {{Hex(0xff >> K(6))}};
                                }

                                return sent;
                            }
                            """, 1));
                        break;
                    default:
                        _driver.Add(new Member($$"""
                            public int {{n}}(int[] batch)
                            {
                                int queued = {{_p}}Hw.Submit(_ring, batch);
                                if (queued < 0)
                                {
                                    lock (_lock)
                                    {
                                        _errors++;
                                    }

                                    return queued;
                                }

                                lock (_lock)
                                {
                                    _events.Add(queued);
                                }

                                return queued;
                            }
                            """, 1));
                        break;
                }
            }

            // ---- Planted bugs: each a real bug that produces exactly the recorded diagnostics ----

            private void AddBug(string rule)
            {
                string n = Name();
                switch (rule)
                {
                    case RuleIdentifiers.OldDmaOwnerMultiplexor:
                        _hw.Add(new Member($$"""
                            {{A("MustCheck")}}public static int {{n}}({{Dev}} dev, object owner)
                            {
                                int ret = {{Core}}.DeviceSetDmaOwner(dev, DmaOwner.User, owner);
                                if (ret != 0)
                                {
                                    return ret;
                                }

                                return 0;
                            }
                            """, 1));
                        break;
                    case RuleIdentifiers.GroupDeviceCountDecidesOwnership:
                        _hw.Add(new Member($$"""
                            // Alone in its group, the device may be taken over.
                            public static bool {{n}}({{Dev}} dev)
                            {
                                {{Group}}? group = dev.Group;
                                if (group == null)
                                {
                                    return true;
                                }

                                return {{Core}}.GroupDeviceCount(group) == 1;
                            }
                            """, 1));
                        break;
                    case RuleIdentifiers.MustCheckResultIgnored:
                        _hw.Add(new Member($$"""
                            public static void {{n}}({{_p}}Ring ring, int flags)
                            {
                                StopEngine(ring);
                                InitEngine(ring, flags);
                            }
                            """, 1));
                        break;
                    case RuleIdentifiers.GuardedMemberWithoutLock:
                        if (_random.Next(2) == 0)
                        {
                            _ring.Add(new Member($$"""
                                public bool {{n}}()
                                {
                                    return Pending == 0;
                                }
                                """, 1));
                        }
                        else
                        {
                            _driver.Add(new Member($$"""
                                public bool {{n}}()
                                {
                                    return _irqs > {{K(100)}};
                                }
                                """, 1));
                        }

                        break;
                    case RuleIdentifiers.LockHeldAtExit:
                        if (_rotation.LockHeldAtExitPlanted++ % 2 == 1)
                        {
                            // The same leak on the driver's object lock: a shape that lock-release checkers built on
                            // Monitor (not on the runtime's KMutex) can see too.
                            _driver.Add(new Member($$"""
                                public int {{n}}(int status)
                                {
                                    Monitor.Enter(_lock);
                                    if (_state == 0)
                                    {
                                        return -{{Errno}}.ENODEV;
                                    }

                                    _events.Add(status);
                                    _irqs++;
                                    Monitor.Exit(_lock);
                                    return 0;
                                }
                                """, 1));
                            Plant(rule, n, 1, withMonitor: true);
                            return;
                        }

                        _hw.Add(new Member($$"""
                            {{A("MustCheck")}}public static int {{n}}({{_p}}Ring ring, int cmd)
                            {
                                ring.Mutex.Lock();
                                if (ring.Stopped)
                                {
                                    return -{{Errno}}.ENODEV;
                                }

                                ring.Slots[ring.Tail] = cmd;
                                ring.Tail = (ring.Tail + 1) % ring.Size;
                                ring.Pending++;
                                ring.Mutex.Unlock();
                                return 0;
                            }
                            """, 1));
                        break;
                    case RuleIdentifiers.ReleaseOfUnheldLock:
                        _hw.Add(new Member($$"""
                            public static int {{n}}({{_p}}Ring ring)
                            {
                                ring.Mutex.Lock();
                                int pending = ring.Pending;
                                ring.Mutex.Unlock();
                                if (pending > ring.Size)
                                {
                                    ring.Mutex.Unlock();
                                    return -{{Errno}}.EINVAL;
                                }

                                return pending;
                            }
                            """, 1));
                        break;
                    case RuleIdentifiers.LockAlreadyHeld:
                        _hw.Add(new Member($$"""
                            public static int {{n}}({{Group}} group)
                            {
                                group.Mutex.Lock();
                                int owners = group.OwnerCount;
                                bool claimed = {{Core}}.GroupDmaOwnerClaimed(group);
                                group.Mutex.Unlock();
                                return claimed ? owners : 0;
                            }
                            """, 1));
                        break;
                    case RuleIdentifiers.RequiresLockCallWithoutLock:
                        _hw.Add(new Member($$"""
                            public static int {{n}}({{_p}}Ring ring, int budget)
                            {
                                if (budget <= 0)
                                {
                                    return 0;
                                }

                                return ReapLocked(ring, budget);
                            }
                            """, 1));
                        break;
                    case RuleIdentifiers.LockHeldOnSomePaths:
                        _hw.Add(new Member($$"""
                            public static int {{n}}({{_p}}Ring ring)
                            {
                                ring.Mutex.Lock();
                                int pending = ring.Pending;
                                if (pending == 0)
                                {
                                    ring.Mutex.Unlock();
                                }

                                int score = pending * {{K(9)}} + 1;
                                return score;
                            }
                            """, 1));
                        break;
                    case RuleIdentifiers.UnresolvedLockExpression:
                        // A misspelt lock name; the member is otherwise unused so no access rule is involved.
                        _ring.Add(new Member($$"""
                            [GuardedBy("Mutx")]
                            public int {{n}} { get; set; }
                            """, 0));
                        break;
                    default:
                        throw new ArgumentOutOfRangeException(nameof(rule), rule, "no template plants this rule");
                }

                Plant(rule, n, 1);
            }
        }
    }
}
