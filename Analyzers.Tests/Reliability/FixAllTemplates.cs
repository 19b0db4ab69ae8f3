using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Text;

namespace IommuAnalyzers.Tests.Reliability
{
    /// <summary>
    /// One generator per fixable rule ID: a document that compiles and holds 100+ diagnostics of that rule, for the Fix
    /// All tests. A generator is used only once a fixer for its ID exists; a fixer whose ID has no generator here fails
    /// the Fix All test until one is added.
    /// </summary>
    internal static class FixAllTemplates
    {
        public const int MinimumDiagnostics = 100;

        private static readonly ImmutableDictionary<string, Func<string>> s_templates = new Dictionary<string, Func<string>>(StringComparer.Ordinal)
        {
            [RuleIdentifiers.SharedAttachWithoutSuppressAutoClaim] = SharedAttachWithoutSuppressAutoClaim,
            [RuleIdentifiers.ExclusiveAttachWithSuppressedAutoClaim] = ExclusiveAttachWithSuppressedAutoClaim,
            [RuleIdentifiers.OldDmaOwnerMultiplexor] = OldDmaOwnerMultiplexor,
            [RuleIdentifiers.GroupDeviceCountDecidesOwnership] = GroupDeviceCountDecidesOwnership,
            [RuleIdentifiers.MustCheckResultIgnored] = MustCheckResultIgnored,
            [RuleIdentifiers.OwnershipNotReleased] = OwnershipNotReleased,
            [RuleIdentifiers.GroupClaimWithoutSuppressAutoClaim] = GroupClaimWithoutSuppressAutoClaim,
            [RuleIdentifiers.GuardedMemberWithoutLock] = GuardedMemberWithoutLock,
            [RuleIdentifiers.LockHeldAtExit] = LockHeldAtExit,
            [RuleIdentifiers.RequiresLockCallWithoutLock] = RequiresLockCallWithoutLock,
            [RuleIdentifiers.MemberLockedInconsistently] = MemberLockedInconsistently,
            [RuleIdentifiers.HelperReliesOnCallersLock] = HelperReliesOnCallersLock,
        }.ToImmutableDictionary(StringComparer.Ordinal);

        public static IEnumerable<string> Ids => s_templates.Keys;

        public static string? For(string id) => s_templates.TryGetValue(id, out Func<string>? template) ? template() : null;

        // IOMMU0001: 40 host1x-style clients without the driver flag, four shared calls each. Variants: a partial driver
        // split in two parts, a driver with an attribute already, a nested namespace and fully qualified names.
        private static string SharedAttachWithoutSuppressAutoClaim()
        {
            var text = new StringBuilder("using System;\nusing Iommu;\n\nnamespace FixAll.SharedAttach\n{\n");
            for (int i = 0; i < 40; i++)
            {
                string attribute = i % 3 == 0 ? "    [Serializable]\n" : "";
                string partial = i % 5 == 0 ? "partial " : "";
                text.Append(attribute).Append("    public sealed ").Append(partial).Append("class Client").Append(i).Append(" : DeviceDriver\n    {\n")
                    .Append("        private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);\n\n")
                    .Append("        public override int Probe(Device dev) => IommuCore.AttachDeviceShared(_domain, dev);\n\n")
                    .Append("        public int Reset(Device dev)\n        {\n            IommuCore.DetachDeviceShared(_domain, dev);\n            return IommuCore.AttachDeviceShared(_domain, dev);\n        }\n");
                if (i % 5 == 0)
                {
                    text.Append("    }\n\n    public sealed partial class Client").Append(i).Append("\n    {\n");
                }

                text.Append("        public override void Remove(Device dev) => IommuCore.DetachDeviceShared(_domain, dev);\n    }\n\n");
            }

            text.Append("    namespace Qualified\n    {\n");
            for (int i = 0; i < 5; i++)
            {
                text.Append("        public sealed class Engine").Append(i).Append(" : Iommu.DeviceDriver\n        {\n")
                    .Append("            private readonly Iommu.IommuDomain _domain = new Iommu.IommuDomain(Iommu.IommuDomainType.Unmanaged);\n\n")
                    .Append("            public override int Probe(Iommu.Device dev) => Iommu.IommuCore.AttachDeviceShared(_domain, dev);\n\n")
                    .Append("            public override void Remove(Iommu.Device dev) => Iommu.IommuCore.DetachDeviceShared(_domain, dev);\n        }\n\n");
            }

            return text.Append("    }\n}\n").ToString();
        }

        // IOMMU0002: drivers that suppress the auto-claim yet attach exclusively.
        private static string ExclusiveAttachWithSuppressedAutoClaim() => Drivers(60, i =>
            "    [SuppressAutoClaimDmaOwner]\n    public sealed class Exclusive" + i + " : DeviceDriver\n    {\n" +
            "        private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);\n\n" +
            "        public override int Probe(Device dev) => IommuCore.AttachDevice(_domain, dev);\n\n" +
            "        public override void Remove(Device dev) => IommuCore.DetachDevice(_domain, dev);\n    }\n");

        // IOMMU0003: the old multiplexor with each constant kind.
        private static string OldDmaOwnerMultiplexor() => Helpers(60, i =>
        {
            string kind = (i % 3) switch { 0 => "DmaApi", 1 => "User", _ => "PrivateDomain" };
            return "        public static int Claim" + i + "(Device dev, object owner)\n        {\n" +
                "            int ret = IommuCore.DeviceSetDmaOwner(dev, DmaOwner." + kind + ", owner);\n            if (ret != 0)\n            {\n                return ret;\n            }\n\n" +
                "            IommuCore.DeviceReleaseDmaOwner(dev, DmaOwner." + kind + ");\n            return 0;\n        }\n";
        });

        // IOMMU0004: the group's device count deciding whether to take the group, read where the group lock is held
        // (the only place the fix applies; the call there also draws IOMMU0103, which the fix removes with it).
        private static string GroupDeviceCountDecidesOwnership() => Helpers(110, i =>
            "        public static int Attach" + i + "(IommuDomain domain, Device dev)\n        {\n" +
            "            IommuGroup? group = dev.Group;\n            if (group == null)\n            {\n                return -Errno.ENODEV;\n            }\n\n" +
            "            using (group.Mutex.Guard())\n            {\n                if (IommuCore.GroupDeviceCount(group) > 1)\n                {\n                    return -Errno.EBUSY;\n                }\n            }\n\n" +
            "            return IommuCore.AttachDevice(domain, dev);\n        }\n");

        // IOMMU0005: a [MustCheck] result dropped in an int-returning method.
        private static string MustCheckResultIgnored() => Helpers(110, i =>
            "        public static int Use" + i + "(Device dev)\n        {\n            IommuCore.DeviceUseDmaApi(dev);\n            return 0;\n        }\n");

        // IOMMU0006: ownership taken in Probe and never given back.
        private static string OwnershipNotReleased() => Drivers(110, i =>
            "    [SuppressAutoClaimDmaOwner]\n    public sealed class Holder" + i + " : DeviceDriver\n    {\n" +
            "        private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);\n\n" +
            "        public override int Probe(Device dev) => IommuCore.AttachDeviceShared(_domain, dev);\n    }\n");

        // IOMMU0008: 40 VFIO-style drivers without the driver flag, three claims each (Probe, a later open, the old
        // multiplexor). Variants: an attribute already there, a partial driver split in two parts, a claim from a nested
        // helper type, and fully qualified names.
        private static string GroupClaimWithoutSuppressAutoClaim()
        {
            var text = new StringBuilder("using System;\nusing Iommu;\n\nnamespace FixAll.GroupClaim\n{\n");
            for (int i = 0; i < 40; i++)
            {
                string attribute = i % 3 == 0 ? "    [Serializable]\n" : "";
                string partial = i % 5 == 0 ? "partial " : "";
                string kind = i % 2 == 0 ? "User" : "PrivateDomain";
                text.Append(attribute).Append("    public sealed ").Append(partial).Append("class Vfio").Append(i).Append(" : DeviceDriver\n    {\n")
                    .Append("        public override int Probe(Device dev) => IommuCore.GroupSetDmaOwner(dev.Group!, this);\n\n")
                    .Append("        public int Legacy(Device dev, object user) => IommuCore.DeviceSetDmaOwner(dev, DmaOwner.").Append(kind).Append(", user);\n");
                if (i % 5 == 0)
                {
                    text.Append("    }\n\n    public sealed partial class Vfio").Append(i).Append("\n    {\n");
                }

                if (i % 7 == 0)
                {
                    text.Append("        public int Open(Device dev, object user) => Container.Attach(dev, user);\n\n")
                        .Append("        private static class Container\n        {\n")
                        .Append("            public static int Attach(Device dev, object user) => IommuCore.GroupSetDmaOwner(dev.Group!, user);\n        }\n\n");
                }
                else
                {
                    text.Append("        public int Open(Device dev, object user) => IommuCore.GroupSetDmaOwner(dev.Group!, user);\n\n");
                }

                text.Append("        public override void Remove(Device dev) => IommuCore.GroupReleaseDmaOwner(dev.Group!);\n    }\n\n");
            }

            text.Append("    namespace Qualified\n    {\n");
            for (int i = 0; i < 5; i++)
            {
                text.Append("        public sealed class Platform").Append(i).Append(" : Iommu.DeviceDriver\n        {\n")
                    .Append("            public override int Probe(Iommu.Device dev) => Iommu.IommuCore.GroupSetDmaOwner(dev.Group!, this);\n\n")
                    .Append("            public override void Remove(Iommu.Device dev) => Iommu.IommuCore.GroupReleaseDmaOwner(dev.Group!);\n        }\n\n");
            }

            return text.Append("    }\n}\n").ToString();
        }

        // IOMMU0100: a guarded field written without its lock.
        private static string GuardedMemberWithoutLock() => LockedClass(110, i =>
            "        public void Touch" + i + "()\n        {\n            Count = " + i + ";\n        }\n");

        // IOMMU0101: an early return that leaves the lock held.
        private static string LockHeldAtExit() => LockedClass(110, i =>
            "        public int Op" + i + "(bool fail)\n        {\n            Mutex.Lock();\n            if (fail)\n            {\n                return -Errno.EBUSY;\n            }\n\n" +
            "            Count = " + i + ";\n            Mutex.Unlock();\n            return 0;\n        }\n");

        // IOMMU0104: a [RequiresLock] member called without the lock.
        private static string RequiresLockCallWithoutLock() => LockedClass(110, i =>
            "        public void Call" + i + "()\n        {\n            Bump();\n        }\n");

        // IOMMU0109: 60 rings whose counters are written under the ring lock in three methods and read without it in two.
        // Variants: a field declared with another (split off), an auto-property, a static lock of another type.
        private static string MemberLockedInconsistently()
        {
            var text = new StringBuilder("using System;\nusing Iommu;\n\nnamespace FixAll.Inference\n{\n    public static class Registry\n    {\n        public static readonly object Sync = new object();\n    }\n\n");
            for (int i = 0; i < 60; i++)
            {
                string member = i % 4 == 1 ? "Head" : "_head";
                string declaration = i % 4 == 1 ? "        public int Head { get; set; }\n" : i % 4 == 2 ? "        private int _head, _spare;\n" : "        private int _head;\n";
                string take = i % 4 == 3 ? "lock (Registry.Sync)" : "using (_lock.Guard())";
                text.Append("    public sealed class Ring").Append(i).Append("\n    {\n        private readonly KMutex _lock = new KMutex();\n").Append(declaration)
                    .Append("\n        public void Push() { ").Append(take).Append(" { ").Append(member).Append("++; } }\n")
                    .Append("        public void Pop() { ").Append(take).Append(" { ").Append(member).Append("--; } }\n")
                    .Append("        public int Count() { ").Append(take).Append(" { return ").Append(member).Append("; } }\n")
                    .Append("        public int Peek() => ").Append(member).Append(";\n")
                    .Append("        public bool Empty() => ").Append(member).Append(" == 0;\n    }\n\n");
            }

            return text.Append("}\n").ToString();
        }

        // IOMMU0110: 110 helpers that touch guarded state, each called from two methods that hold the lock.
        private static string HelperReliesOnCallersLock() => LockedClass(110, i =>
            "        public void Push" + i + "()\n        {\n            using (Mutex.Guard())\n            {\n                Step" + i + "();\n            }\n        }\n\n" +
            "        public void Pop" + i + "()\n        {\n            Mutex.Lock();\n            Step" + i + "();\n            Mutex.Unlock();\n        }\n\n" +
            "        private void Step" + i + "()\n        {\n            Count += " + i + ";\n        }\n");

        private static string Drivers(int count, Func<int, string> driver)
        {
            var text = new StringBuilder("using Iommu;\n\nnamespace FixAll.Drivers\n{\n");
            for (int i = 0; i < count; i++)
            {
                text.Append(driver(i)).Append('\n');
            }

            return text.Append("}\n").ToString();
        }

        private static string Helpers(int count, Func<int, string> method)
        {
            var text = new StringBuilder("using Iommu;\n\nnamespace FixAll.Helpers\n{\n    public static class PortHelpers\n    {\n");
            for (int i = 0; i < count; i++)
            {
                text.Append(method(i)).Append('\n');
            }

            return text.Append("    }\n}\n").ToString();
        }

        private static string LockedClass(int count, Func<int, string> method)
        {
            var text = new StringBuilder("using Iommu;\n\nnamespace FixAll.Locking\n{\n    public sealed class Counters\n    {\n")
                .Append("        public KMutex Mutex { get; } = new KMutex();\n\n        [GuardedBy(nameof(Mutex))]\n        public int Count;\n\n")
                .Append("        [RequiresLock(nameof(Mutex))]\n        private void Bump()\n        {\n            Count++;\n        }\n\n");
            for (int i = 0; i < count; i++)
            {
                text.Append(method(i)).Append('\n');
            }

            return text.Append("    }\n}\n").ToString();
        }
    }
}
