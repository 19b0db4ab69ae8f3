using Iommu;
using Xunit;

namespace IommuAnalyzers.Tests.Runtime
{
    /// <summary>
    /// One test per row (and per branch of a row) of the ownership API table in DESIGN.md section 3. Each checks the
    /// return code, the WARNs and the resulting owner_cnt/owner/domain, so a row implemented differently fails.
    /// </summary>
    public class IommuCoreSemanticsTests
    {
        // ---- Errno ----

        [Fact]
        public void Errno_HasTheKernelValues()
        {
            Assert.Equal(16, Errno.EBUSY);
            Assert.Equal(1, Errno.EPERM);
            Assert.Equal(22, Errno.EINVAL);
            Assert.Equal(19, Errno.ENODEV);
        }

        [Fact]
        public void NewGroup_IsInItsDefaultDmaDomain_Unowned()
        {
            var rig = new RuntimeRig();
            using (rig.Group.Mutex.Guard())
            {
                Assert.Equal(0, rig.Group.OwnerCount);
                Assert.Null(rig.Group.Owner);
                Assert.Same(rig.Group.DefaultDomain, rig.Group.Domain);
                Assert.Equal(IommuDomainType.Dma, rig.Group.DefaultDomain.Type);
                Assert.Equal(IommuDomainType.Blocked, rig.Group.BlockingDomain.Type);
                Assert.NotSame(rig.Group.DefaultDomain, rig.Group.BlockingDomain);
                Assert.Equal(new[] { rig.Dev0, rig.Dev1 }, rig.Group.Devices);
            }

            Assert.Same(rig.Group, rig.Dev0.Group);
            Assert.Null(rig.Dev0.Driver);
        }

        // ---- DeviceUseDmaApi ----

        [Fact]
        public void DeviceUseDmaApi_NoGroup_ReturnsZero()
        {
            RuntimeRig.Returns(0, () => IommuCore.DeviceUseDmaApi(new Device("lonely", null)));
        }

        [Fact]
        public void DeviceUseDmaApi_FreeGroup_CountsEachUser()
        {
            var rig = new RuntimeRig();
            RuntimeRig.Returns(0, () => IommuCore.DeviceUseDmaApi(rig.Dev0));
            Assert.Equal(new GroupState(1, null, rig.DefaultDomain), rig.State);
            RuntimeRig.Returns(0, () => IommuCore.DeviceUseDmaApi(rig.Dev1));
            Assert.Equal(new GroupState(2, null, rig.DefaultDomain), rig.State);
        }

        [Fact]
        public void DeviceUseDmaApi_UserOwnedGroup_IsBusy()
        {
            var rig = new RuntimeRig();
            var user = new UserCookie("vfio");
            RuntimeRig.Returns(0, () => IommuCore.GroupSetDmaOwner(rig.Group, user));
            rig.Fails(Errno.EBUSY, () => IommuCore.DeviceUseDmaApi(rig.Dev0));
            Assert.Equal(new GroupState(1, user, rig.BlockingDomain), rig.State);
        }

        [Fact]
        public void DeviceUseDmaApi_UserOwnedGroupBackInDefaultDomain_IsStillBusyBecauseOfTheOwner()
        {
            // Only the "Owner != null" half of the condition holds: a shared owner whose domain is the default one
            // (an exclusive detach can no longer bring a user-owned group back to its default domain).
            var rig = new RuntimeRig();
            rig.Bind(rig.Dev0, new ManagedDriver());
            IommuDomain shared = rig.DefaultDomain;
            RuntimeRig.Returns(0, () => IommuCore.AttachDeviceShared(shared, rig.Dev0));
            Assert.Equal(new GroupState(1, shared, rig.DefaultDomain), rig.State);
            rig.Fails(Errno.EBUSY, () => IommuCore.DeviceUseDmaApi(rig.Dev1));
        }

        [Fact]
        public void DeviceUseDmaApi_PrivateDomainAttached_IsBusyBecauseOfTheDomain()
        {
            // Only the "Domain != DefaultDomain" half holds: a GPU driver's private domain, no owner.
            var rig = new RuntimeRig();
            RuntimeRig.Returns(0, () => IommuCore.DeviceUseDmaApi(rig.Dev0));
            RuntimeRig.Returns(0, () => IommuCore.AttachDevice(rig.DomainA, rig.Dev0));
            rig.Fails(Errno.EBUSY, () => IommuCore.DeviceUseDmaApi(rig.Dev1));
            Assert.Equal(new GroupState(1, null, rig.DomainA), rig.State);
        }

        [Fact]
        public void DeviceUseDmaApi_SharedDomainOwner_IsBusy()
        {
            var rig = new RuntimeRig();
            rig.Bind(rig.Dev0, new ManagedDriver());
            RuntimeRig.Returns(0, () => IommuCore.AttachDeviceShared(rig.DomainA, rig.Dev0));
            rig.Fails(Errno.EBUSY, () => IommuCore.DeviceUseDmaApi(rig.Dev1));
            Assert.Equal(new GroupState(1, rig.DomainA, rig.DomainA), rig.State);
        }

        [Fact]
        public void DeviceUseDmaApi_UnclaimedGroupOutsideItsDefaultDomain_CountsBecauseOwnerCountIsZero()
        {
            // The busy test starts with "OwnerCount != 0": with nobody counted, the domain alone does not refuse.
            var rig = new RuntimeRig();
            rig.LeaveStrandedPrivateDomain(rig.DomainA);
            RuntimeRig.Returns(0, () => IommuCore.DeviceUseDmaApi(rig.Dev1));
            Assert.Equal(new GroupState(1, null, rig.DomainA), rig.State);
        }

        // ---- DeviceUnuseDmaApi ----

        [Fact]
        public void DeviceUnuseDmaApi_NoGroup_DoesNothing()
        {
            Assert.Empty(RuntimeRig.Watch(() => IommuCore.DeviceUnuseDmaApi(new Device("lonely", null))));
        }

        [Fact]
        public void DeviceUnuseDmaApi_CountsDown()
        {
            var rig = new RuntimeRig();
            RuntimeRig.Returns(0, () => IommuCore.DeviceUseDmaApi(rig.Dev0));
            RuntimeRig.Returns(0, () => IommuCore.DeviceUseDmaApi(rig.Dev1));
            Assert.Empty(RuntimeRig.Watch(() => IommuCore.DeviceUnuseDmaApi(rig.Dev1)));
            Assert.Equal(new GroupState(1, null, rig.DefaultDomain), rig.State);
            Assert.Empty(RuntimeRig.Watch(() => IommuCore.DeviceUnuseDmaApi(rig.Dev0)));
            Assert.Equal(new GroupState(0, null, rig.DefaultDomain), rig.State);
        }

        [Fact]
        public void DeviceUnuseDmaApi_NoUser_Warns()
        {
            var rig = new RuntimeRig();
            rig.Warns(nameof(IommuCore.DeviceUnuseDmaApi), () => IommuCore.DeviceUnuseDmaApi(rig.Dev0));
            Assert.Equal(new GroupState(0, null, rig.DefaultDomain), rig.State);
        }

        [Fact]
        public void DeviceUnuseDmaApi_UserOwnedGroup_Warns()
        {
            var rig = new RuntimeRig();
            var user = new UserCookie("vfio");
            RuntimeRig.Returns(0, () => IommuCore.GroupSetDmaOwner(rig.Group, user));
            rig.Warns(nameof(IommuCore.DeviceUnuseDmaApi), () => IommuCore.DeviceUnuseDmaApi(rig.Dev0));
            Assert.Equal(new GroupState(1, user, rig.BlockingDomain), rig.State);
        }

        [Fact]
        public void DeviceUnuseDmaApi_WithPrivateDomainAttached_StillCountsDown_AsTheTableSays()
        {
            // The row has no domain condition: giving back the auto-claim without detaching leaves the group in the
            // private domain at owner_cnt 0 (see LeaveStrandedPrivateDomain). Drivers must detach in Remove first.
            var rig = new RuntimeRig();
            RuntimeRig.Returns(0, () => IommuCore.DeviceUseDmaApi(rig.Dev0));
            RuntimeRig.Returns(0, () => IommuCore.AttachDevice(rig.DomainA, rig.Dev0));
            Assert.Empty(RuntimeRig.Watch(() => IommuCore.DeviceUnuseDmaApi(rig.Dev0)));
            Assert.Equal(new GroupState(0, null, rig.DomainA), rig.State);
        }

        // ---- GroupSetDmaOwner ----

        [Fact]
        public void GroupSetDmaOwner_NullOwner_IsInvalid()
        {
            var rig = new RuntimeRig();
            rig.Fails(Errno.EINVAL, () => IommuCore.GroupSetDmaOwner(rig.Group, null!));
            Assert.Equal(new GroupState(0, null, rig.DefaultDomain), rig.State);
        }

        [Fact]
        public void GroupSetDmaOwner_FreeGroup_BlocksDmaAndRecordsTheOwner()
        {
            var rig = new RuntimeRig();
            var user = new UserCookie("vfio");
            RuntimeRig.Returns(0, () => IommuCore.GroupSetDmaOwner(rig.Group, user));
            Assert.Equal(new GroupState(1, user, rig.BlockingDomain), rig.State);
        }

        [Fact]
        public void GroupSetDmaOwner_SameOwnerAgain_Counts_AndEachReleaseGivesOneBack()
        {
            var rig = new RuntimeRig();
            var user = new UserCookie("vfio");
            RuntimeRig.Returns(0, () => IommuCore.GroupSetDmaOwner(rig.Group, user));
            RuntimeRig.Returns(0, () => IommuCore.GroupSetDmaOwner(rig.Group, user));
            Assert.Equal(new GroupState(2, user, rig.BlockingDomain), rig.State);

            Assert.Empty(RuntimeRig.Watch(() => IommuCore.GroupReleaseDmaOwner(rig.Group)));
            Assert.Equal(new GroupState(1, user, rig.BlockingDomain), rig.State);
            Assert.Empty(RuntimeRig.Watch(() => IommuCore.GroupReleaseDmaOwner(rig.Group)));
            Assert.Equal(new GroupState(0, null, rig.DefaultDomain), rig.State);
        }

        [Fact]
        public void GroupSetDmaOwner_OtherOwner_IsBusy()
        {
            var rig = new RuntimeRig();
            var user = new UserCookie("vfio");
            RuntimeRig.Returns(0, () => IommuCore.GroupSetDmaOwner(rig.Group, user));
            rig.Fails(Errno.EBUSY, () => IommuCore.GroupSetDmaOwner(rig.Group, new UserCookie("iommufd")));
        }

        [Fact]
        public void GroupSetDmaOwner_EqualButNotTheSameOwner_IsBusy()
        {
            // The owner is compared by reference, as the kernel compares pointers.
            var rig = new RuntimeRig();
            var first = new ValueCookie(7);
            var twin = new ValueCookie(7);
            Assert.Equal(first, twin);
            RuntimeRig.Returns(0, () => IommuCore.GroupSetDmaOwner(rig.Group, first));
            rig.Fails(Errno.EBUSY, () => IommuCore.GroupSetDmaOwner(rig.Group, twin));
            Assert.Same(first, rig.State.Owner);
        }

        [Fact]
        public void GroupSetDmaOwner_DmaApiUser_IsBusy()
        {
            var rig = new RuntimeRig();
            rig.Bind(rig.Dev0, new PlainDriver());
            rig.Fails(Errno.EBUSY, () => IommuCore.GroupSetDmaOwner(rig.Group, new UserCookie("vfio")));
            Assert.Equal(new GroupState(1, null, rig.DefaultDomain), rig.State);
        }

        [Fact]
        public void GroupSetDmaOwner_UnclaimedGroupOutsideItsDefaultDomain_IsBusy()
        {
            var rig = new RuntimeRig();
            rig.LeaveStrandedPrivateDomain(rig.DomainA);
            rig.Fails(Errno.EBUSY, () => IommuCore.GroupSetDmaOwner(rig.Group, new UserCookie("vfio")));
        }

        // ---- GroupReleaseDmaOwner ----

        [Fact]
        public void GroupReleaseDmaOwner_LastClaim_ReturnsToTheDefaultDomain()
        {
            var rig = new RuntimeRig();
            RuntimeRig.Returns(0, () => IommuCore.GroupSetDmaOwner(rig.Group, new UserCookie("vfio")));
            Assert.Empty(RuntimeRig.Watch(() => IommuCore.GroupReleaseDmaOwner(rig.Group)));
            Assert.Equal(new GroupState(0, null, rig.DefaultDomain), rig.State);
        }

        [Fact]
        public void GroupReleaseDmaOwner_Unclaimed_Warns()
        {
            var rig = new RuntimeRig();
            rig.Warns(nameof(IommuCore.GroupReleaseDmaOwner), () => IommuCore.GroupReleaseDmaOwner(rig.Group));
        }

        [Fact]
        public void GroupReleaseDmaOwner_OnlyDmaApiUsers_Warns()
        {
            var rig = new RuntimeRig();
            rig.Bind(rig.Dev0, new PlainDriver());
            rig.Warns(nameof(IommuCore.GroupReleaseDmaOwner), () => IommuCore.GroupReleaseDmaOwner(rig.Group));
            Assert.Equal(new GroupState(1, null, rig.DefaultDomain), rig.State);
        }

        [Fact]
        public void GroupReleaseDmaOwner_SharedDomainOwner_CountsDownLikeADetach()
        {
            // The row only asks for an owner; a shared domain is one.
            var rig = new RuntimeRig();
            rig.Bind(rig.Dev0, new ManagedDriver());
            RuntimeRig.Returns(0, () => IommuCore.AttachDeviceShared(rig.DomainA, rig.Dev0));
            Assert.Empty(RuntimeRig.Watch(() => IommuCore.GroupReleaseDmaOwner(rig.Group)));
            Assert.Equal(new GroupState(0, null, rig.DefaultDomain), rig.State);
        }

        // ---- GroupDmaOwnerClaimed ----

        [Fact]
        public void GroupDmaOwnerClaimed_IsOwnerCountNotZero()
        {
            var rig = new RuntimeRig();
            Assert.False(IommuCore.GroupDmaOwnerClaimed(rig.Group));

            rig.Bind(rig.Dev0, new PlainDriver());
            Assert.True(IommuCore.GroupDmaOwnerClaimed(rig.Group));
            DriverCore.Unbind(rig.Dev0);
            Assert.False(IommuCore.GroupDmaOwnerClaimed(rig.Group));

            RuntimeRig.Returns(0, () => IommuCore.GroupSetDmaOwner(rig.Group, new UserCookie("vfio")));
            Assert.True(IommuCore.GroupDmaOwnerClaimed(rig.Group));
            IommuCore.GroupReleaseDmaOwner(rig.Group);
            Assert.False(IommuCore.GroupDmaOwnerClaimed(rig.Group));

            // A group stranded outside its default domain is still unclaimed: the row reads only owner_cnt.
            rig.LeaveStrandedPrivateDomain(rig.DomainA);
            Assert.False(IommuCore.GroupDmaOwnerClaimed(rig.Group));
        }

        // ---- AttachDevice ----

        [Fact]
        public void AttachDevice_NoGroup_IsNoDevice_EvenForADriverThatSuppressesAutoClaim()
        {
            var rig = new RuntimeRig();
            rig.Bind(rig.NoIommu, new ManagedDriver());
            RuntimeRig.Returns(-Errno.ENODEV, () => IommuCore.AttachDevice(rig.DomainA, rig.NoIommu));
        }

        [Fact]
        public void AttachDevice_FromADriverThatSuppressesAutoClaim_Warns()
        {
            var rig = new RuntimeRig();
            rig.Bind(rig.Dev0, new ManagedDriver());
            RuntimeRig.Returns(0, () => IommuCore.DeviceUseDmaApi(rig.Dev0)); // would otherwise be allowed
            rig.Warns(nameof(IommuCore.AttachDevice), () => IommuCore.AttachDevice(rig.DomainA, rig.Dev0));
            Assert.Equal(new GroupState(1, null, rig.DefaultDomain), rig.State);
        }

        [Fact]
        public void AttachDevice_CallerIsTheOnlyDmaApiUser_Attaches()
        {
            var rig = new RuntimeRig();
            rig.Bind(rig.Dev0, new PlainDriver());
            RuntimeRig.Returns(0, () => IommuCore.AttachDevice(rig.DomainA, rig.Dev0));
            Assert.Equal(new GroupState(1, null, rig.DomainA), rig.State);
        }

        [Fact]
        public void AttachDevice_NoDmaApiUser_IsBusy()
        {
            var rig = new RuntimeRig();
            rig.Fails(Errno.EBUSY, () => IommuCore.AttachDevice(rig.DomainA, rig.Dev0));
            Assert.Equal(new GroupState(0, null, rig.DefaultDomain), rig.State);
        }

        [Fact]
        public void AttachDevice_TwoDmaApiUsers_IsBusy()
        {
            var rig = new RuntimeRig();
            rig.Bind(rig.Dev0, new PlainDriver());
            rig.Bind(rig.Dev1, new PlainDriver());
            rig.Fails(Errno.EBUSY, () => IommuCore.AttachDevice(rig.DomainA, rig.Dev0));
            Assert.Equal(new GroupState(2, null, rig.DefaultDomain), rig.State);
        }

        [Fact]
        public void AttachDevice_OwnerCountOneButOwned_IsBusy()
        {
            // owner_cnt 1 and the default domain, but the count is a shared owner's, not an auto-claim.
            var rig = new RuntimeRig();
            rig.Bind(rig.Dev0, new ManagedDriver());
            IommuDomain shared = rig.DefaultDomain;
            RuntimeRig.Returns(0, () => IommuCore.AttachDeviceShared(shared, rig.Dev0));
            rig.Fails(Errno.EBUSY, () => IommuCore.AttachDevice(rig.DomainA, rig.Dev1));
            Assert.Equal(new GroupState(1, shared, rig.DefaultDomain), rig.State);
        }

        [Fact]
        public void AttachDevice_AlreadyOutsideTheDefaultDomain_IsBusy()
        {
            var rig = new RuntimeRig();
            rig.Bind(rig.Dev0, new PlainDriver());
            RuntimeRig.Returns(0, () => IommuCore.AttachDevice(rig.DomainA, rig.Dev0));
            rig.Fails(Errno.EBUSY, () => IommuCore.AttachDevice(rig.DomainB, rig.Dev0));
            Assert.Equal(new GroupState(1, null, rig.DomainA), rig.State);
        }

        // ---- DetachDevice ----

        [Fact]
        public void DetachDevice_AttachedDomain_ReturnsToTheDefaultDomain()
        {
            var rig = new RuntimeRig();
            rig.Bind(rig.Dev0, new PlainDriver());
            RuntimeRig.Returns(0, () => IommuCore.AttachDevice(rig.DomainA, rig.Dev0));
            Assert.Empty(RuntimeRig.Watch(() => IommuCore.DetachDevice(rig.DomainA, rig.Dev0)));
            Assert.Equal(new GroupState(1, null, rig.DefaultDomain), rig.State);
        }

        [Fact]
        public void DetachDevice_NotTheGroupsDomain_Warns()
        {
            var rig = new RuntimeRig();
            rig.Bind(rig.Dev0, new PlainDriver());
            RuntimeRig.Returns(0, () => IommuCore.AttachDevice(rig.DomainA, rig.Dev0));
            rig.Warns(nameof(IommuCore.DetachDevice), () => IommuCore.DetachDevice(rig.DomainB, rig.Dev0));
            Assert.Equal(new GroupState(1, null, rig.DomainA), rig.State);
        }

        [Fact]
        public void DetachDevice_NeverAttached_Warns()
        {
            var rig = new RuntimeRig();
            rig.Warns(nameof(IommuCore.DetachDevice), () => IommuCore.DetachDevice(rig.DomainA, rig.Dev0));
        }

        [Fact]
        public void DetachDevice_UserOwnedGroup_WarnsAndKeepsTheBlockingDomain()
        {
            var rig = new RuntimeRig();
            var user = new UserCookie("vfio");
            RuntimeRig.Returns(0, () => IommuCore.GroupSetDmaOwner(rig.Group, user));
            rig.Warns(nameof(IommuCore.DetachDevice), () => IommuCore.DetachDevice(rig.BlockingDomain, rig.Dev0));
            Assert.Equal(new GroupState(1, user, rig.BlockingDomain), rig.State);
        }

        [Fact]
        public void DetachDevice_SharedOwner_WarnsAndKeepsTheSharedDomain()
        {
            var rig = new RuntimeRig();
            rig.Bind(rig.Dev0, new ManagedDriver());
            RuntimeRig.Returns(0, () => IommuCore.AttachDeviceShared(rig.DomainA, rig.Dev0));
            rig.Warns(nameof(IommuCore.DetachDevice), () => IommuCore.DetachDevice(rig.DomainA, rig.Dev1));
            Assert.Equal(new GroupState(1, rig.DomainA, rig.DomainA), rig.State);
        }

        [Fact]
        public void DetachDevice_NoGroup_DoesNothing()
        {
            Assert.Empty(RuntimeRig.Watch(() => IommuCore.DetachDevice(new IommuDomain(IommuDomainType.Unmanaged), new Device("lonely", null))));
        }

        // ---- AttachDeviceShared ----

        [Fact]
        public void AttachDeviceShared_NoGroup_IsNoDevice_EvenForADriverWithoutTheAttribute()
        {
            var rig = new RuntimeRig();
            rig.Bind(rig.NoIommu, new PlainDriver());
            RuntimeRig.Returns(-Errno.ENODEV, () => IommuCore.AttachDeviceShared(rig.DomainA, rig.NoIommu));
        }

        [Fact]
        public void AttachDeviceShared_FromADriverWithoutTheAttribute_Warns()
        {
            var rig = new RuntimeRig();
            rig.Bind(rig.Dev0, new PlainDriver());
            rig.Warns(nameof(IommuCore.AttachDeviceShared), () => IommuCore.AttachDeviceShared(rig.DomainA, rig.Dev0));
            Assert.Equal(new GroupState(1, null, rig.DefaultDomain), rig.State);
        }

        [Fact]
        public void AttachDeviceShared_FromAnUnboundDevice_Warns()
        {
            var rig = new RuntimeRig();
            rig.Warns(nameof(IommuCore.AttachDeviceShared), () => IommuCore.AttachDeviceShared(rig.DomainA, rig.Dev0));
            Assert.Equal(new GroupState(0, null, rig.DefaultDomain), rig.State);
        }

        [Fact]
        public void AttachDeviceShared_First_MakesTheDomainTheOwner()
        {
            var rig = new RuntimeRig();
            rig.Bind(rig.Dev0, new ManagedDriver());
            RuntimeRig.Returns(0, () => IommuCore.AttachDeviceShared(rig.DomainA, rig.Dev0));
            Assert.Equal(new GroupState(1, rig.DomainA, rig.DomainA), rig.State);
        }

        [Fact]
        public void AttachDeviceShared_InheritedAttribute_IsHonoured()
        {
            var rig = new RuntimeRig();
            rig.Bind(rig.Dev0, new DerivedManagedDriver());
            RuntimeRig.Returns(0, () => IommuCore.AttachDeviceShared(rig.DomainA, rig.Dev0));
            Assert.Equal(new GroupState(1, rig.DomainA, rig.DomainA), rig.State);
        }

        [Fact]
        public void AttachDeviceShared_SameDomain_Counts()
        {
            var rig = new RuntimeRig();
            rig.Bind(rig.Dev0, new ManagedDriver());
            rig.Bind(rig.Dev1, new ManagedDriver());
            RuntimeRig.Returns(0, () => IommuCore.AttachDeviceShared(rig.DomainA, rig.Dev0));
            RuntimeRig.Returns(0, () => IommuCore.AttachDeviceShared(rig.DomainA, rig.Dev1));
            Assert.Equal(new GroupState(2, rig.DomainA, rig.DomainA), rig.State);
        }

        [Fact]
        public void AttachDeviceShared_OtherDomain_IsBusy()
        {
            var rig = new RuntimeRig();
            rig.Bind(rig.Dev0, new ManagedDriver());
            rig.Bind(rig.Dev1, new ManagedDriver());
            RuntimeRig.Returns(0, () => IommuCore.AttachDeviceShared(rig.DomainA, rig.Dev0));
            rig.Fails(Errno.EBUSY, () => IommuCore.AttachDeviceShared(rig.DomainB, rig.Dev1));
            Assert.Equal(new GroupState(1, rig.DomainA, rig.DomainA), rig.State);
        }

        [Fact]
        public void AttachDeviceShared_DmaApiUser_IsBusy()
        {
            var rig = new RuntimeRig();
            rig.Bind(rig.Dev0, new PlainDriver());
            rig.Bind(rig.Dev1, new ManagedDriver());
            rig.Fails(Errno.EBUSY, () => IommuCore.AttachDeviceShared(rig.DomainA, rig.Dev1));
            Assert.Equal(new GroupState(1, null, rig.DefaultDomain), rig.State);
        }

        [Fact]
        public void AttachDeviceShared_UserOwned_IsBusy()
        {
            var rig = new RuntimeRig();
            var user = new UserCookie("vfio");
            RuntimeRig.Returns(0, () => IommuCore.GroupSetDmaOwner(rig.Group, user));
            rig.Bind(rig.Dev0, new ManagedDriver());
            rig.Fails(Errno.EBUSY, () => IommuCore.AttachDeviceShared(rig.DomainA, rig.Dev0));
            Assert.Equal(new GroupState(1, user, rig.BlockingDomain), rig.State);
        }

        [Fact]
        public void AttachDeviceShared_UnclaimedGroupOutsideItsDefaultDomain_IsBusy()
        {
            var rig = new RuntimeRig();
            rig.LeaveStrandedPrivateDomain(rig.DomainA);
            rig.Bind(rig.Dev1, new ManagedDriver());
            rig.Fails(Errno.EBUSY, () => IommuCore.AttachDeviceShared(rig.DomainB, rig.Dev1));
        }

        // ---- DetachDeviceShared ----

        [Fact]
        public void DetachDeviceShared_CountsDown_AndTheLastReturnsToTheDefaultDomain()
        {
            var rig = new RuntimeRig();
            rig.Bind(rig.Dev0, new ManagedDriver());
            rig.Bind(rig.Dev1, new ManagedDriver());
            RuntimeRig.Returns(0, () => IommuCore.AttachDeviceShared(rig.DomainA, rig.Dev0));
            RuntimeRig.Returns(0, () => IommuCore.AttachDeviceShared(rig.DomainA, rig.Dev1));

            Assert.Empty(RuntimeRig.Watch(() => IommuCore.DetachDeviceShared(rig.DomainA, rig.Dev0)));
            Assert.Equal(new GroupState(1, rig.DomainA, rig.DomainA), rig.State);
            Assert.Empty(RuntimeRig.Watch(() => IommuCore.DetachDeviceShared(rig.DomainA, rig.Dev1)));
            Assert.Equal(new GroupState(0, null, rig.DefaultDomain), rig.State);
        }

        [Fact]
        public void DetachDeviceShared_Unclaimed_Warns()
        {
            var rig = new RuntimeRig();
            rig.Bind(rig.Dev0, new ManagedDriver());
            rig.Warns(nameof(IommuCore.DetachDeviceShared), () => IommuCore.DetachDeviceShared(rig.DomainA, rig.Dev0));
        }

        [Fact]
        public void DetachDeviceShared_OtherDomain_Warns()
        {
            var rig = new RuntimeRig();
            rig.Bind(rig.Dev0, new ManagedDriver());
            RuntimeRig.Returns(0, () => IommuCore.AttachDeviceShared(rig.DomainA, rig.Dev0));
            rig.Warns(nameof(IommuCore.DetachDeviceShared), () => IommuCore.DetachDeviceShared(rig.DomainB, rig.Dev0));
            Assert.Equal(new GroupState(1, rig.DomainA, rig.DomainA), rig.State);
        }

        [Fact]
        public void DetachDeviceShared_OnlyDmaApiUsers_Warns()
        {
            var rig = new RuntimeRig();
            rig.Bind(rig.Dev0, new PlainDriver());
            rig.Warns(nameof(IommuCore.DetachDeviceShared), () => IommuCore.DetachDeviceShared(rig.DefaultDomain, rig.Dev0));
            Assert.Equal(new GroupState(1, null, rig.DefaultDomain), rig.State);
        }

        // ---- GroupDeviceCount ----

        [Fact]
        public void GroupDeviceCount_CountsMembers_NotOwners()
        {
            var rig = new RuntimeRig(devices: 3);
            RuntimeRig.Returns(3, () => IommuCore.GroupDeviceCount(rig.Group));
            rig.Bind(rig.Dev0, new PlainDriver());
            RuntimeRig.Returns(3, () => IommuCore.GroupDeviceCount(rig.Group));
            _ = new Device("hotplugged", rig.Group);
            RuntimeRig.Returns(4, () => IommuCore.GroupDeviceCount(rig.Group));
            Assert.Equal(new GroupState(1, null, rig.DefaultDomain), rig.State);
        }
    }
}
