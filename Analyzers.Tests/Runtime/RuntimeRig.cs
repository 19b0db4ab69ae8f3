using System;
using System.Collections.Generic;
using Iommu;
using Xunit;

namespace IommuAnalyzers.Tests.Runtime
{
    /// <summary>One IOMMU group with a few devices, two spare domains and helpers to watch WARNs.</summary>
    internal sealed class RuntimeRig
    {
        private static int s_nextGroupId = 1000;

        public RuntimeRig(int devices = 2)
        {
            Group = new IommuGroup(System.Threading.Interlocked.Increment(ref s_nextGroupId));
            Devices = new Device[devices];
            for (int i = 0; i < devices; i++)
            {
                Devices[i] = new Device("dev" + i, Group);
            }

            NoIommu = new Device("noiommu", null);
        }

        public IommuGroup Group { get; }

        public Device[] Devices { get; }

        public Device Dev0 => Devices[0];

        public Device Dev1 => Devices[1];

        // A device behind no IOMMU.
        public Device NoIommu { get; }

        public IommuDomain DomainA { get; } = new IommuDomain(IommuDomainType.Unmanaged);

        public IommuDomain DomainB { get; } = new IommuDomain(IommuDomainType.Unmanaged);

        public GroupState State => GroupState.Of(Group);

        public IommuDomain DefaultDomain
        {
            get
            {
                using (Group.Mutex.Guard())
                {
                    return Group.DefaultDomain;
                }
            }
        }

        public IommuDomain BlockingDomain
        {
            get
            {
                using (Group.Mutex.Guard())
                {
                    return Group.BlockingDomain;
                }
            }
        }

        /// <summary>Runs <paramref name="call"/> and returns its result with the WARNs it raised.</summary>
        public static (T Result, IReadOnlyList<OwnershipWarning> Warnings) Watch<T>(Func<T> call)
        {
            using WarningCapture capture = OwnershipWarnings.Capture();
            T result = call();
            return (result, capture.Warnings);
        }

        /// <summary>Runs <paramref name="call"/> and returns the WARNs it raised.</summary>
        public static IReadOnlyList<OwnershipWarning> Watch(Action call)
        {
            using WarningCapture capture = OwnershipWarnings.Capture();
            call();
            return capture.Warnings;
        }

        /// <summary>Asserts that the call returned <paramref name="expected"/> without a WARN.</summary>
        public static void Returns(int expected, Func<int> call)
        {
            (int ret, IReadOnlyList<OwnershipWarning> warnings) = Watch(call);
            Assert.Empty(warnings);
            Assert.Equal(expected, ret);
        }

        /// <summary>Asserts that the int call WARNed once from <paramref name="function"/>, returned -EINVAL and changed nothing.</summary>
        public void Warns(string function, Func<int> call)
        {
            GroupState before = State;
            (int ret, IReadOnlyList<OwnershipWarning> warnings) = Watch(call);
            OwnershipWarning warning = Assert.Single(warnings);
            Assert.Equal(function, warning.Function);
            Assert.False(string.IsNullOrEmpty(warning.Message));
            Assert.Equal(-Errno.EINVAL, ret);
            OwnershipInvariants.Unchanged(before, Group, function);
        }

        /// <summary>Asserts that the void call WARNed once from <paramref name="function"/> and changed nothing.</summary>
        public void Warns(string function, Action call)
        {
            GroupState before = State;
            IReadOnlyList<OwnershipWarning> warnings = Watch(call);
            OwnershipWarning warning = Assert.Single(warnings);
            Assert.Equal(function, warning.Function);
            Assert.False(string.IsNullOrEmpty(warning.Message));
            OwnershipInvariants.Unchanged(before, Group, function);
        }

        /// <summary>Asserts that the call failed with <paramref name="errno"/> (negated), without a WARN, changing nothing.</summary>
        public void Fails(int errno, Func<int> call)
        {
            GroupState before = State;
            Returns(-errno, call);
            OwnershipInvariants.Unchanged(before, Group, "call failing with -" + errno);
        }

        /// <summary>Binds a driver and asserts success.</summary>
        public void Bind(Device dev, DeviceDriver drv) => Returns(0, () => DriverCore.Bind(dev, drv));

        /// <summary>Leaves the group at owner_cnt 0 and without an owner, but still in <paramref name="domain"/>: a GPU
        /// driver attached its private domain and then gave back its auto-claim without detaching. The table's
        /// DeviceUnuseDmaApi row has no domain condition, so this state is reachable.</summary>
        public void LeaveStrandedPrivateDomain(IommuDomain domain)
        {
            Returns(0, () => IommuCore.DeviceUseDmaApi(Dev0));
            Returns(0, () => IommuCore.AttachDevice(domain, Dev0));
            Assert.Empty(Watch(() => IommuCore.DeviceUnuseDmaApi(Dev0)));
            Assert.Equal(new GroupState(0, null, domain), State);
        }
    }
}
