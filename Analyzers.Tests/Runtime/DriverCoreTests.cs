using System;
using System.Collections.Generic;
using Iommu;
using Xunit;

namespace IommuAnalyzers.Tests.Runtime
{
    /// <summary>really_probe() / device_release_driver() with the DMA auto-claim.</summary>
    public class DriverCoreTests
    {
        [Fact]
        public void Bind_PlainDriver_AutoClaimsBeforeProbe()
        {
            var rig = new RuntimeRig();
            var drv = new PlainDriver();
            RuntimeRig.Returns(0, () => DriverCore.Bind(rig.Dev0, drv));
            Assert.Same(drv, rig.Dev0.Driver);
            Assert.Same(drv, drv.DriverSeenInProbe); // dev->driver is set before probe()
            Assert.Equal(1, drv.OwnerCountSeenInProbe); // and the claim is already taken
            Assert.Equal(new GroupState(1, null, rig.DefaultDomain), OwnershipInvariants.Check(rig.Group, "bind"));
        }

        [Fact]
        public void Bind_DriverWithSuppressAutoClaim_DoesNotClaim()
        {
            var rig = new RuntimeRig();
            var drv = new ManagedDriver();
            rig.Bind(rig.Dev0, drv);
            Assert.Same(drv, rig.Dev0.Driver);
            Assert.Equal(0, drv.OwnerCountSeenInProbe);
            Assert.Equal(new GroupState(0, null, rig.DefaultDomain), OwnershipInvariants.Check(rig.Group, "bind"));
        }

        [Fact]
        public void Bind_DriverInheritingSuppressAutoClaim_DoesNotClaim()
        {
            var rig = new RuntimeRig();
            rig.Bind(rig.Dev0, new DerivedManagedDriver());
            Assert.Equal(new GroupState(0, null, rig.DefaultDomain), OwnershipInvariants.Check(rig.Group, "bind"));
        }

        [Fact]
        public void Bind_AlreadyBound_IsBusy_WithoutProbing()
        {
            var rig = new RuntimeRig();
            var first = new PlainDriver();
            var second = new PlainDriver();
            rig.Bind(rig.Dev0, first);
            rig.Fails(Errno.EBUSY, () => DriverCore.Bind(rig.Dev0, second));
            Assert.Same(first, rig.Dev0.Driver);
            Assert.Empty(second.Calls);
            rig.Fails(Errno.EBUSY, () => DriverCore.Bind(rig.Dev0, new ManagedDriver()));
            OwnershipInvariants.Check(rig.Group, "rebind");
        }

        [Fact]
        public void Bind_GroupOwnedByUser_IsBusy_WithoutProbing()
        {
            var rig = new RuntimeRig();
            RuntimeRig.Returns(0, () => IommuCore.GroupSetDmaOwner(rig.Group, new UserCookie("vfio")));
            var drv = new PlainDriver();
            rig.Fails(Errno.EBUSY, () => DriverCore.Bind(rig.Dev0, drv));
            Assert.Null(rig.Dev0.Driver);
            Assert.Empty(drv.Calls);
            OwnershipInvariants.Check(rig.Group, "bind while owned");
        }

        [Fact]
        public void Bind_ProbeFails_ReturnsItsError_UndoesTheClaimAndTheDriver()
        {
            var rig = new RuntimeRig();
            var drv = new PlainDriver { ProbeResult = -5 }; // -EIO
            rig.Fails(5, () => DriverCore.Bind(rig.Dev0, drv));
            Assert.Null(rig.Dev0.Driver);
            Assert.Equal(1, drv.OwnerCountSeenInProbe);
            Assert.Equal(new GroupState(0, null, rig.DefaultDomain), OwnershipInvariants.Check(rig.Group, "failed probe"));
        }

        [Fact]
        public void Bind_ProbeOfAManagedDriverFails_ReturnsItsError_WithoutTouchingTheGroup()
        {
            var rig = new RuntimeRig();
            rig.Bind(rig.Dev1, new PlainDriver());
            rig.Fails(Errno.ENODEV, () => DriverCore.Bind(rig.Dev0, new ManagedDriver { ProbeResult = -Errno.ENODEV }));
            Assert.Null(rig.Dev0.Driver);
            Assert.Equal(new GroupState(1, null, rig.DefaultDomain), OwnershipInvariants.Check(rig.Group, "failed probe"));
        }

        [Fact]
        public void Bind_ProbeThrows_UndoesTheClaimAndTheDriver()
        {
            var rig = new RuntimeRig();
            var drv = new PlainDriver { ProbeThrows = new InvalidOperationException("probe blew up") };
            Assert.Throws<InvalidOperationException>(() => DriverCore.Bind(rig.Dev0, drv));
            Assert.Null(rig.Dev0.Driver);
            Assert.Equal(new GroupState(0, null, rig.DefaultDomain), OwnershipInvariants.Check(rig.Group, "throwing probe"));
            rig.Bind(rig.Dev0, new PlainDriver());
        }

        [Fact]
        public void Bind_DriverClaimingItsGroupInProbe_WithoutSuppressAutoClaim_IsBusy_AndLeavesNoTrace()
        {
            // IOMMU0008: the auto-claim taken before probe is a DMA-API user with no owner, so the claim is refused,
            // and the failed probe gives the auto-claim back.
            var rig = new RuntimeRig();
            var drv = new GroupClaimingDriver();
            rig.Fails(Errno.EBUSY, () => DriverCore.Bind(rig.Dev0, drv));
            Assert.Null(rig.Dev0.Driver);
            Assert.Equal(new GroupState(0, null, rig.DefaultDomain), OwnershipInvariants.Check(rig.Group, "failed bind"));
        }

        [Fact]
        public void Bind_DriverClaimingItsGroupInProbe_WithSuppressAutoClaim_OwnsTheGroup_UntilUnbind()
        {
            var rig = new RuntimeRig();
            var drv = new ManagedGroupClaimingDriver();
            rig.Bind(rig.Dev0, drv);
            Assert.Equal(new GroupState(1, drv, rig.BlockingDomain), OwnershipInvariants.Check(rig.Group, "bind"));

            Assert.Empty(RuntimeRig.Watch(() => DriverCore.Unbind(rig.Dev0)));
            Assert.Equal(0, drv.ClaimInRemove); // the owner's own re-claim counts
            Assert.Equal(new GroupState(0, null, rig.DefaultDomain), OwnershipInvariants.Check(rig.Group, "unbind"));
        }

        [Fact]
        public void BoundDriverWithoutSuppressAutoClaim_ClaimsAfterProbe_AndInRemove_AreBusy()
        {
            // A claim made at any time the driver is bound meets its own auto-claim: from an open after probe (for the
            // driver or a user, directly or through the multiplexor), and from remove, which runs before the driver
            // core gives the auto-claim back.
            var rig = new RuntimeRig();
            var drv = new GroupClaimingDriver { ClaimInProbe = false };
            rig.Bind(rig.Dev0, drv);
            Assert.Equal(new GroupState(1, null, rig.DefaultDomain), rig.State);
            rig.Fails(Errno.EBUSY, () => IommuCore.GroupSetDmaOwner(rig.Group, drv));
            rig.Fails(Errno.EBUSY, () => IommuCore.GroupSetDmaOwner(rig.Group, new UserCookie("qemu")));
            rig.Fails(Errno.EBUSY, () => IommuCore.DeviceSetDmaOwner(rig.Dev0, DmaOwner.User, null));
            rig.Fails(Errno.EBUSY, () => IommuCore.DeviceSetDmaOwner(rig.Dev0, DmaOwner.PrivateDomain, new UserCookie("qemu")));

            Assert.Empty(RuntimeRig.Watch(() => DriverCore.Unbind(rig.Dev0)));
            Assert.Equal(-Errno.EBUSY, drv.ClaimInRemove);
            Assert.Equal(new GroupState(0, null, rig.DefaultDomain), OwnershipInvariants.Check(rig.Group, "unbind"));
        }

        [Fact]
        public void Bind_NoIommu_BindsWithoutAClaim()
        {
            var rig = new RuntimeRig();
            var drv = new PlainDriver();
            rig.Bind(rig.NoIommu, drv);
            Assert.Same(drv, rig.NoIommu.Driver);
            DriverCore.Unbind(rig.NoIommu);
            Assert.Null(rig.NoIommu.Driver);
            OwnershipInvariants.Check(rig.Group, "no-iommu device");
        }

        [Fact]
        public void Bind_NullArguments_Warn()
        {
            var rig = new RuntimeRig();
            rig.Warns(nameof(DriverCore.Bind), () => DriverCore.Bind(null!, new PlainDriver()));
            rig.Warns(nameof(DriverCore.Bind), () => DriverCore.Bind(rig.Dev0, null!));
            Assert.Null(rig.Dev0.Driver);
        }

        [Fact]
        public void Unbind_RemovesThenGivesBackTheClaim()
        {
            var rig = new RuntimeRig();
            var drv = new PlainDriver();
            rig.Bind(rig.Dev0, drv);
            rig.Bind(rig.Dev1, new PlainDriver());
            Assert.Empty(RuntimeRig.Watch(() => DriverCore.Unbind(rig.Dev0)));
            Assert.Equal(new[] { "probe dev0", "remove dev0" }, drv.Calls);
            Assert.Null(rig.Dev0.Driver);
            Assert.Equal(new GroupState(1, null, rig.DefaultDomain), OwnershipInvariants.Check(rig.Group, "unbind"));
        }

        [Fact]
        public void Unbind_ManagedDriver_LeavesTheCountAlone()
        {
            var rig = new RuntimeRig();
            rig.Bind(rig.Dev0, new PlainDriver());
            rig.Bind(rig.Dev1, new DerivedManagedDriver());
            Assert.Empty(RuntimeRig.Watch(() => DriverCore.Unbind(rig.Dev1)));
            Assert.Null(rig.Dev1.Driver);
            Assert.Equal(new GroupState(1, null, rig.DefaultDomain), OwnershipInvariants.Check(rig.Group, "unbind"));
        }

        [Fact]
        public void Unbind_Unbound_DoesNothing()
        {
            var rig = new RuntimeRig();
            GroupState before = rig.State;
            Assert.Empty(RuntimeRig.Watch(() => DriverCore.Unbind(rig.Dev0)));
            OwnershipInvariants.Unchanged(before, rig.Group, "unbind of an unbound device");
        }

        [Fact]
        public void Unbind_RemoveLeftItsPrivateDomain_WarnsAndRepairsTheDomain()
        {
            var rig = new RuntimeRig();
            var drv = new LeakyGpuDriver(rig.DomainA);
            rig.Bind(rig.Dev0, drv);
            Assert.Equal(new GroupState(1, null, rig.DomainA), rig.State);
            IReadOnlyList<OwnershipWarning> warnings = RuntimeRig.Watch(() => DriverCore.Unbind(rig.Dev0));
            OwnershipWarning warning = Assert.Single(warnings);
            Assert.Equal(nameof(DriverCore.Unbind), warning.Function);
            Assert.Contains("dev0", warning.Message);
            Assert.Null(rig.Dev0.Driver);
            Assert.Equal(new GroupState(0, null, rig.DefaultDomain), OwnershipInvariants.Check(rig.Group, "unbind of a leaky driver"));
        }

        [Fact]
        public void Unbind_OtherDeviceWhilePrivateDomainUserStaysBound_NoRepair()
        {
            // The private domain's user still holds its auto-claim (owner_cnt 1): not the stranded state, so
            // unbinding another device in the group neither WARNs nor touches the domain.
            var rig = new RuntimeRig();
            rig.Bind(rig.Dev0, new LeakyGpuDriver(rig.DomainA));
            rig.Bind(rig.Dev1, new ManagedDriver());
            Assert.Empty(RuntimeRig.Watch(() => DriverCore.Unbind(rig.Dev1)));
            Assert.Equal(new GroupState(1, null, rig.DomainA), rig.State);
        }

        [Fact]
        public void Unbind_RemoveDetachedItsPrivateDomain_NoWarn()
        {
            var rig = new RuntimeRig();
            rig.Bind(rig.Dev0, new GpuDriver(rig.DomainA));
            Assert.Empty(RuntimeRig.Watch(() => DriverCore.Unbind(rig.Dev0)));
            Assert.Equal(new GroupState(0, null, rig.DefaultDomain), OwnershipInvariants.Check(rig.Group, "unbind"));
        }

        [Fact]
        public void Unbind_SharedOwnerStays_NoRepair()
        {
            // Owner != null: the shared domain belongs to the other client, Unbind leaves it.
            var rig = new RuntimeRig();
            var shared = rig.DomainA;
            rig.Bind(rig.Dev0, new Host1xClientDriver(shared));
            rig.Bind(rig.Dev1, new Host1xClientDriver(shared));
            Assert.Empty(RuntimeRig.Watch(() => DriverCore.Unbind(rig.Dev0)));
            Assert.Equal(new GroupState(1, shared, shared), rig.State);
        }

        [Fact]
        public void Unbind_Null_Warns()
        {
            var rig = new RuntimeRig();
            rig.Warns(nameof(DriverCore.Unbind), () => DriverCore.Unbind(null!));
        }

        // Bind_WhileTheGroupLockIsHeld_ThrowsLockRecursion is in LockDepSwitchTests: it inverts the driver core's
        // lock order on purpose, which must not enter the process-wide lock graph the other tests share.
    }
}
