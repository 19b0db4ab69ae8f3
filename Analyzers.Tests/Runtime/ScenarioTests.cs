using System;
using System.Collections.Generic;
using Iommu;
using Xunit;

namespace IommuAnalyzers.Tests.Runtime
{
    /// <summary>Multi-device scenarios, with the invariants of DESIGN.md section 3 checked after every step.</summary>
    public class ScenarioTests
    {
        [Fact]
        public void VfioStyleUserOwnership()
        {
            // A two-function NIC in one group, handed from its kernel driver to user space and back.
            var rig = new RuntimeRig(devices: 3);
            var step = new Steps(rig.Group);
            var vfio = new UserCookie("vfio-container");

            rig.Bind(rig.Dev0, new PlainDriver());
            rig.Bind(rig.Dev1, new PlainDriver());
            step.Check("ixgbe bound to both functions", expected: new GroupState(2, null, rig.DefaultDomain));

            rig.Fails(Errno.EBUSY, () => IommuCore.GroupSetDmaOwner(rig.Group, vfio));
            step.Check("user claim refused while kernel drivers use DMA");

            DriverCore.Unbind(rig.Dev0);
            step.Check("unbind function 0");
            rig.Fails(Errno.EBUSY, () => IommuCore.GroupSetDmaOwner(rig.Group, vfio));
            step.Check("still refused: function 1 is bound");
            DriverCore.Unbind(rig.Dev1);
            step.Check("unbind function 1", expected: new GroupState(0, null, rig.DefaultDomain));

            // vfio-pci manages ownership itself: binding it claims nothing.
            rig.Bind(rig.Dev0, new ManagedDriver());
            rig.Bind(rig.Dev1, new ManagedDriver());
            step.Check("vfio-pci bound", expected: new GroupState(0, null, rig.DefaultDomain));

            RuntimeRig.Returns(0, () => IommuCore.GroupSetDmaOwner(rig.Group, vfio));
            step.Check("container opens the group", expected: new GroupState(1, vfio, rig.BlockingDomain));
            RuntimeRig.Returns(0, () => IommuCore.GroupSetDmaOwner(rig.Group, vfio));
            step.Check("same container opens it again", expected: new GroupState(2, vfio, rig.BlockingDomain));
            rig.Fails(Errno.EBUSY, () => IommuCore.GroupSetDmaOwner(rig.Group, new UserCookie("iommufd")));
            step.Check("another user refused");

            // No DMA-API user can join while user space owns the group.
            var intruder = new PlainDriver();
            rig.Fails(Errno.EBUSY, () => DriverCore.Bind(rig.Devices[2], intruder));
            Assert.Null(rig.Devices[2].Driver);
            Assert.Empty(intruder.Calls);
            step.Check("kernel driver refused on the third function");
            Assert.True(IommuCore.GroupDmaOwnerClaimed(rig.Group));

            IommuCore.GroupReleaseDmaOwner(rig.Group);
            step.Check("first close", expected: new GroupState(1, vfio, rig.BlockingDomain));
            IommuCore.GroupReleaseDmaOwner(rig.Group);
            step.Check("last close", expected: new GroupState(0, null, rig.DefaultDomain));
            rig.Warns(nameof(IommuCore.GroupReleaseDmaOwner), () => IommuCore.GroupReleaseDmaOwner(rig.Group));
            step.Check("a third close WARNs");

            DriverCore.Unbind(rig.Dev0);
            DriverCore.Unbind(rig.Dev1);
            rig.Bind(rig.Dev0, new PlainDriver());
            step.Check("back to the kernel driver", expected: new GroupState(1, null, rig.DefaultDomain));
        }

        [Fact]
        public void Host1xStyleSharedDomainAcrossThreeDevices()
        {
            // Three host1x clients (display, 2D, video) share one domain; a fourth device wants the DMA API.
            var rig = new RuntimeRig(devices: 4);
            var step = new Steps(rig.Group);
            var shared = new IommuDomain(IommuDomainType.Unmanaged);

            for (int i = 0; i < 3; i++)
            {
                rig.Bind(rig.Devices[i], new Host1xClientDriver(shared));
                step.Check("client " + i + " attached", expected: new GroupState(i + 1, shared, shared));
            }

            rig.Fails(Errno.EBUSY, () => DriverCore.Bind(rig.Devices[3], new PlainDriver()));
            step.Check("a DMA-API driver refused");
            rig.Fails(Errno.EBUSY, () => IommuCore.GroupSetDmaOwner(rig.Group, new UserCookie("vfio")));
            step.Check("a user refused");

            // A client that brings a different domain fails its probe with -EBUSY, and Bind hands that back.
            var stray = new Host1xClientDriver(new IommuDomain(IommuDomainType.Unmanaged));
            var extra = new Device("vic", rig.Group);
            rig.Fails(Errno.EBUSY, () => DriverCore.Bind(extra, stray));
            Assert.Null(extra.Driver);
            step.Check("client with another domain refused");

            // Unbind in an order different from the binds: the domain stays until the last client goes.
            DriverCore.Unbind(rig.Devices[1]);
            step.Check("2D unbound", expected: new GroupState(2, shared, shared));
            DriverCore.Unbind(rig.Devices[0]);
            step.Check("display unbound", expected: new GroupState(1, shared, shared));
            DriverCore.Unbind(rig.Devices[2]);
            step.Check("video unbound", expected: new GroupState(0, null, rig.DefaultDomain));

            rig.Bind(rig.Devices[3], new PlainDriver());
            step.Check("the DMA-API driver binds now", expected: new GroupState(1, null, rig.DefaultDomain));
            rig.Fails(Errno.EBUSY, () => DriverCore.Bind(rig.Devices[0], new Host1xClientDriver(shared)));
            step.Check("a client is refused while the DMA-API driver is bound");
        }

        [Fact]
        public void GpuDriverWithAPrivateDomain()
        {
            // A GPU and its HDMI audio function in one group.
            var rig = new RuntimeRig(devices: 2);
            var step = new Steps(rig.Group);
            Device gpu = rig.Dev0;
            Device audio = rig.Dev1;
            var gpuDriver = new GpuDriver(new IommuDomain(IommuDomainType.Unmanaged));

            rig.Bind(gpu, gpuDriver);
            step.Check("GPU bound in its private domain", expected: new GroupState(1, null, gpuDriver.PrivateDomain));

            rig.Fails(Errno.EBUSY, () => DriverCore.Bind(audio, new PlainDriver()));
            step.Check("audio refused: the group left its default domain");
            rig.Fails(Errno.EBUSY, () => IommuCore.GroupSetDmaOwner(rig.Group, new UserCookie("vfio")));
            step.Check("user refused");

            DriverCore.Unbind(gpu);
            step.Check("GPU unbound: remove detached first", expected: new GroupState(0, null, rig.DefaultDomain));

            rig.Bind(audio, new PlainDriver());
            step.Check("audio bound", expected: new GroupState(1, null, rig.DefaultDomain));

            // Now the GPU is not the only DMA-API user: its exclusive attach fails and Bind undoes its auto-claim.
            rig.Fails(Errno.EBUSY, () => DriverCore.Bind(gpu, gpuDriver));
            Assert.Null(gpu.Driver);
            step.Check("GPU probe refused", expected: new GroupState(1, null, rig.DefaultDomain));

            DriverCore.Unbind(audio);
            rig.Bind(gpu, gpuDriver);
            step.Check("GPU rebound", expected: new GroupState(1, null, gpuDriver.PrivateDomain));
            DriverCore.Unbind(gpu);
            step.Check("GPU unbound again", expected: new GroupState(0, null, rig.DefaultDomain));
        }

        [Theory]
        [InlineData(1)]
        [InlineData(2)]
        [InlineData(3)]
        public void BindUnbindChurn(int seed)
        {
            // Random binds and unbinds of every kind of driver over one group, plus user claims and releases.
            var rig = new RuntimeRig(devices: 5);
            var step = new Steps(rig.Group);
            var random = new Random(seed);
            var shared = new IommuDomain(IommuDomainType.Unmanaged);
            var vfio = new UserCookie("vfio");
            int userClaims = 0;
            int bound = 0, refused = 0, claimed = 0;
            Func<DeviceDriver>[] drivers =
            {
                () => new PlainDriver(),
                () => new PlainDriver { ProbeResult = -5 },
                () => new ManagedDriver(),
                () => new Host1xClientDriver(shared),
                () => new GpuDriver(new IommuDomain(IommuDomainType.Unmanaged)),
            };

            for (int n = 0; n < 2000; n++)
            {
                Device dev = rig.Devices[random.Next(rig.Devices.Length)];
                int pick = random.Next(10);
                if (pick < 5)
                {
                    DeviceDriver drv = drivers[random.Next(drivers.Length)]();
                    GroupState before = rig.State;
                    bool wasBound = dev.Driver != null;
                    (int ret, IReadOnlyList<OwnershipWarning> warnings) = RuntimeRig.Watch(() => DriverCore.Bind(dev, drv));
                    Assert.Empty(warnings);
                    if (ret != 0)
                    {
                        refused++;
                        OwnershipInvariants.Unchanged(before, rig.Group, "failed bind");
                        Assert.True(wasBound ? dev.Driver != drv : dev.Driver == null);
                    }
                    else
                    {
                        bound++;
                        Assert.Same(drv, dev.Driver);
                    }

                    step.Check($"#{n} bind {drv.GetType().Name} to {dev} -> {ret}");
                }
                else if (pick < 8)
                {
                    Assert.Empty(RuntimeRig.Watch(() => DriverCore.Unbind(dev)));
                    Assert.Null(dev.Driver);
                    step.Check($"#{n} unbind {dev}");
                }
                else if (pick == 8)
                {
                    GroupState before = rig.State;
                    int ret = IommuCore.GroupSetDmaOwner(rig.Group, vfio);
                    if (ret == 0)
                    {
                        userClaims++;
                        claimed++;
                    }
                    else
                    {
                        Assert.Equal(-Errno.EBUSY, ret);
                        OwnershipInvariants.Unchanged(before, rig.Group, "refused claim");
                    }

                    step.Check($"#{n} user claim -> {ret}");
                }
                else if (userClaims > 0)
                {
                    Assert.Empty(RuntimeRig.Watch(() => IommuCore.GroupReleaseDmaOwner(rig.Group)));
                    userClaims--;
                    step.Check($"#{n} user release");
                }

                Assert.Equal(userClaims > 0, ReferenceEquals(vfio, rig.State.Owner));
            }

            while (userClaims-- > 0)
            {
                IommuCore.GroupReleaseDmaOwner(rig.Group);
            }

            foreach (Device dev in rig.Devices)
            {
                DriverCore.Unbind(dev);
                step.Check("final unbind of " + dev);
            }

            Assert.Equal(new GroupState(0, null, rig.DefaultDomain), rig.State);

            // The walk reached both outcomes of binding and the user-owned state, or it proved little.
            Assert.True(bound > 50 && refused > 50 && claimed > 5, $"bound {bound}, refused {refused}, claimed {claimed}");
        }

        // Runs the invariant checker after a step and, optionally, compares the whole state.
        private sealed class Steps
        {
            private readonly IommuGroup _group;

            public Steps(IommuGroup group)
            {
                _group = group;
                OwnershipInvariants.Check(group, "start");
            }

            public int Count { get; private set; }

            public void Check(string step, GroupState? expected = null)
            {
                Count++;
                GroupState state = OwnershipInvariants.Check(_group, step);
                if (expected is GroupState want)
                {
                    Assert.True(want == state, $"after '{step}': expected {want}, got {state}");
                }
            }
        }
    }
}
