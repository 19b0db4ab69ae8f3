using System.Globalization;
using System.Text;

namespace IommuAnalyzers.Tests.Reliability
{
    /// <summary>
    /// A driver whose Probe is one enormous method: thousands of branches, loops, gotos, switches, try/finally, KMutex
    /// locks and unlocks on some paths only, and [GuardedBy] state read and written with and without the lock. Flow
    /// analysis over its control-flow graph is as large as a single method gets; it must stay bounded and cancellable.
    /// </summary>
    internal static class PathologicalMethodGenerator
    {
        /// <summary>Segments of the default method: about 2.3 branches each.</summary>
        public const int DefaultSegments = 1800;

        /// <summary>How many of the segments call the shared attach/detach (IOMMU0001 sites today).</summary>
        public static int SharedCallSites(int segments) => 2 * (segments / 6);

        public static string Generate(int segments = DefaultSegments)
        {
            var text = new StringBuilder(segments * 200);
            text.Append(@"using Iommu;

namespace Pathological
{
    // No [SuppressAutoClaimDmaOwner]: every shared attach below is an IOMMU0001 site.
    public sealed class TangledDriver : DeviceDriver
    {
        private readonly KMutex _lock = new KMutex();
        private readonly object _gate = new object();
        private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

        [GuardedBy(nameof(_lock))]
        private int _state;

        [GuardedBy(nameof(_gate))]
        private int _other;

        [RequiresLock(nameof(_lock))]
        private void Touch()
        {
            _state++;
        }

        public override int Probe(Device dev)
        {
            int x = dev.Name.Length;
            int ret = 0;
");
            for (int i = 0; i < segments; i++)
            {
                string n = i.ToString(CultureInfo.InvariantCulture);
                switch (i % 6)
                {
                    case 0:
                        // Guarded on one branch, not on the other.
                        text.Append("            if (x == ").Append(n).Append(") { _lock.Lock(); _state++; _lock.Unlock(); } else { _other = ").Append(n).Append("; }\n");
                        break;
                    case 1:
                        // Locked on some paths only, joined, then released on the same condition.
                        text.Append("            if (x > ").Append(n).Append(") { _lock.Lock(); }\n")
                            .Append("            _state += ").Append(n).Append(";\n")
                            .Append("            if (x > ").Append(n).Append(") { _lock.Unlock(); }\n");
                        break;
                    case 2:
                        text.Append("            using (_lock.Guard()) { if (x < ").Append(n).Append(") { Touch(); } else { _state = _other; } }\n");
                        break;
                    case 3:
                        text.Append("            while (x-- > ").Append(n).Append(") { _lock.Lock(); if (_state == ").Append(n).Append(") { _lock.Unlock(); break; } _lock.Unlock(); }\n");
                        break;
                    case 4:
                        text.Append("            try { _lock.Lock(); if (x == -").Append(n).Append(") { goto L").Append(n).Append("; } _state--; } finally { _lock.Unlock(); }\n")
                            .Append("        L").Append(n).Append(":\n            x ^= ").Append(n).Append(";\n");
                        break;
                    default:
                        text.Append("            switch (x % 4)\n            {\n")
                            .Append("                case 0: lock (_gate) { _other++; } break;\n")
                            .Append("                case 1: ret = IommuCore.AttachDeviceShared(_domain, dev); break;\n")
                            .Append("                case 2: IommuCore.DetachDeviceShared(_domain, dev); break;\n")
                            .Append("                default: if (_lock.TryLock()) { _state = ").Append(n).Append("; _lock.Unlock(); } break;\n")
                            .Append("            }\n");
                        break;
                }
            }

            text.Append(@"            return ret;
        }
    }
}
");
            return text.ToString();
        }
    }
}
