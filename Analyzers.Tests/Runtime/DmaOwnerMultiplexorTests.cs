using Iommu;
using Xunit;

namespace IommuAnalyzers.Tests.Runtime
{
    /// <summary>The old iommu_device_set_dma_owner() multiplexor, kept for ports.</summary>
    public class DmaOwnerMultiplexorTests
    {
        [Fact]
        public void Set_DmaApi_IsDeviceUseDmaApi()
        {
            var rig = new RuntimeRig();
            RuntimeRig.Returns(0, () => IommuCore.DeviceSetDmaOwner(rig.Dev0, DmaOwner.DmaApi, null));
            Assert.Equal(new GroupState(1, null, rig.DefaultDomain), rig.State);
            RuntimeRig.Returns(0, () => IommuCore.DeviceSetDmaOwner(rig.Dev1, DmaOwner.DmaApi, new UserCookie("ignored")));
            Assert.Equal(new GroupState(2, null, rig.DefaultDomain), rig.State);

            Assert.Empty(RuntimeRig.Watch(() => IommuCore.DeviceReleaseDmaOwner(rig.Dev0, DmaOwner.DmaApi)));
            Assert.Equal(new GroupState(1, null, rig.DefaultDomain), rig.State);
        }

        [Fact]
        public void Set_DmaApi_OnAUserOwnedGroup_IsBusy()
        {
            var rig = new RuntimeRig();
            RuntimeRig.Returns(0, () => IommuCore.DeviceSetDmaOwner(rig.Dev0, DmaOwner.User, new UserCookie("vfio")));
            rig.Fails(Errno.EBUSY, () => IommuCore.DeviceSetDmaOwner(rig.Dev1, DmaOwner.DmaApi, null));
        }

        [Theory]
        [InlineData(DmaOwner.User)]
        [InlineData(DmaOwner.PrivateDomain)]
        public void Set_UserOrPrivate_WithAnOwner_IsGroupSetDmaOwner(DmaOwner kind)
        {
            var rig = new RuntimeRig();
            var owner = new UserCookie("owner");
            RuntimeRig.Returns(0, () => IommuCore.DeviceSetDmaOwner(rig.Dev0, kind, owner));
            Assert.Equal(new GroupState(1, owner, rig.BlockingDomain), rig.State);
            RuntimeRig.Returns(0, () => IommuCore.DeviceSetDmaOwner(rig.Dev1, kind, owner));
            Assert.Equal(new GroupState(2, owner, rig.BlockingDomain), rig.State);
            rig.Fails(Errno.EBUSY, () => IommuCore.DeviceSetDmaOwner(rig.Dev1, kind, new UserCookie("other")));

            Assert.Empty(RuntimeRig.Watch(() => IommuCore.DeviceReleaseDmaOwner(rig.Dev0, kind)));
            Assert.Equal(new GroupState(1, owner, rig.BlockingDomain), rig.State);
            Assert.Empty(RuntimeRig.Watch(() => IommuCore.DeviceReleaseDmaOwner(rig.Dev1, kind)));
            Assert.Equal(new GroupState(0, null, rig.DefaultDomain), rig.State);
        }

        [Fact]
        public void Set_PrivateDomain_WithoutAnOwner_UsesTheBoundDriver()
        {
            var rig = new RuntimeRig();
            var drv = new ManagedDriver();
            rig.Bind(rig.Dev0, drv);
            RuntimeRig.Returns(0, () => IommuCore.DeviceSetDmaOwner(rig.Dev0, DmaOwner.PrivateDomain, null));
            Assert.Equal(new GroupState(1, drv, rig.BlockingDomain), rig.State);
        }

        [Fact]
        public void Set_UserOrPrivate_WithNeitherOwnerNorDriver_IsInvalid()
        {
            var rig = new RuntimeRig();
            rig.Fails(Errno.EINVAL, () => IommuCore.DeviceSetDmaOwner(rig.Dev0, DmaOwner.User, null));
            rig.Fails(Errno.EINVAL, () => IommuCore.DeviceSetDmaOwner(rig.Dev0, DmaOwner.PrivateDomain, null));
        }

        [Theory]
        [InlineData(DmaOwner.DmaApi)]
        [InlineData(DmaOwner.User)]
        [InlineData(DmaOwner.PrivateDomain)]
        public void NoGroup_SetReturnsZero_ReleaseDoesNothing(DmaOwner kind)
        {
            var lonely = new Device("lonely", null);
            RuntimeRig.Returns(0, () => IommuCore.DeviceSetDmaOwner(lonely, kind, new UserCookie("u")));
            Assert.Empty(RuntimeRig.Watch(() => IommuCore.DeviceReleaseDmaOwner(lonely, kind)));
        }

        [Fact]
        public void Release_User_WhenUnowned_WarnsFromGroupReleaseDmaOwner()
        {
            var rig = new RuntimeRig();
            rig.Bind(rig.Dev0, new PlainDriver());
            rig.Warns(nameof(IommuCore.GroupReleaseDmaOwner), () => IommuCore.DeviceReleaseDmaOwner(rig.Dev0, DmaOwner.User));
        }

        [Fact]
        public void Release_DmaApi_WhenUserOwned_WarnsFromDeviceUnuseDmaApi()
        {
            var rig = new RuntimeRig();
            RuntimeRig.Returns(0, () => IommuCore.GroupSetDmaOwner(rig.Group, new UserCookie("vfio")));
            rig.Warns(nameof(IommuCore.DeviceUnuseDmaApi), () => IommuCore.DeviceReleaseDmaOwner(rig.Dev0, DmaOwner.DmaApi));
        }

        [Fact]
        public void UnknownKind_Warns()
        {
            var rig = new RuntimeRig();
            rig.Warns(nameof(IommuCore.DeviceSetDmaOwner), () => IommuCore.DeviceSetDmaOwner(rig.Dev0, (DmaOwner)42, new UserCookie("u")));
            RuntimeRig.Returns(0, () => IommuCore.GroupSetDmaOwner(rig.Group, new UserCookie("vfio")));
            rig.Warns(nameof(IommuCore.DeviceReleaseDmaOwner), () => IommuCore.DeviceReleaseDmaOwner(rig.Dev0, (DmaOwner)42));
        }
    }
}
