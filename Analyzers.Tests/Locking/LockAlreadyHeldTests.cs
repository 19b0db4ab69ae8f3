using System.Threading.Tasks;
using IommuAnalyzers.Locking;
using Xunit;
using Verify = IommuAnalyzers.Tests.Verifiers.CSharpAnalyzerVerifier<IommuAnalyzers.Locking.LockDisciplineAnalyzer>;

namespace IommuAnalyzers.Tests.Locking
{
    public class LockAlreadyHeldTests
    {
        [Theory]
        [InlineData(@"void F(IommuGroup g) { g.Mutex.Lock(); {|IOMMU0103:g.Mutex.Lock()|}; g.Mutex.Unlock(); }")]
        [InlineData(@"void F(IommuGroup g) { using (g.Mutex.Guard()) { using ({|IOMMU0103:g.Mutex.Guard()|}) { } } }")]
        [InlineData(@"void F(Device dev) { using (dev.Group.Mutex.Guard()) { {|IOMMU0103:IommuCore.DeviceUnuseDmaApi(dev)|}; } }")]
        [InlineData(@"void F(IommuGroup group) { using (group.Mutex.Guard()) { {|IOMMU0103:IommuCore.GroupReleaseDmaOwner(group)|}; } }")]
        [InlineData(@"void F() { using (_mutex.Guard()) { {|IOMMU0103:Outer()|}; } }")]
        [InlineData(@"void F(IommuGroup g) { g.Mutex.Lock(); if ({|IOMMU0103:g.Mutex.TryLock()|}) { } g.Mutex.Unlock(); }")]
        [InlineData(@"void F() { _mutex.Lock(); {|IOMMU0103:Enter()|}; _mutex.Unlock(); }")]
        [InlineData(@"[RequiresLock(nameof(_mutex))] void F() { {|IOMMU0103:_mutex.Lock()|}; _mutex.Unlock(); }")]
        [InlineData(@"bool F(Device dev) { var grp = dev.Group; grp.Mutex.Lock(); bool owned = {|IOMMU0103:IommuCore.GroupDmaOwnerClaimed(dev.Group)|}; grp.Mutex.Unlock(); return owned; }")]
        public Task Positive(string members) => LockTestSource.VerifyMembersAsync(members);

        [Theory]
        [InlineData(@"void F() { lock (_gate) { lock (_gate) { _monitorCount++; } _monitorCount++; } }")]
        [InlineData(@"void F(IommuGroup a, IommuGroup b) { a.Mutex.Lock(); b.Mutex.Lock(); b.Mutex.Unlock(); a.Mutex.Unlock(); }")]
        [InlineData(@"void F(Device dev) { dev.Group.Mutex.Lock(); dev.Group.Mutex.Unlock(); IommuCore.DeviceUnuseDmaApi(dev); }")]
        [InlineData(@"void F(IommuGroup group, IommuGroup other) { using (other.Mutex.Guard()) { IommuCore.GroupReleaseDmaOwner(group); } }")]
        [InlineData(@"void F(IommuGroup g) { g.Mutex.Lock(); g.Mutex.Unlock(); g.Mutex.Lock(); g.Mutex.Unlock(); }")]
        [InlineData(@"void F() { Monitor.Enter(_gate); Monitor.Enter(_gate); Monitor.Exit(_gate); Monitor.Exit(_gate); }")]
        [InlineData(@"void F(Device dev) { using (dev.Group.Mutex.Guard()) { Action a = () => IommuCore.DeviceUnuseDmaApi(dev); } }")]
        public Task Negative(string members) => LockTestSource.VerifyMembersAsync(members);

        [Fact]
        public async Task Messages_NameTheLock_AndTheExcludingMethod()
        {
            await LockTestSource.VerifyMembersAsync(
                @"void F(Device dev) { dev.Group.Mutex.Lock(); {|#0:dev.Group.Mutex.Lock()|}; {|#1:IommuCore.DeviceUnuseDmaApi(dev)|}; dev.Group.Mutex.Unlock(); }",
                Verify.Diagnostic(LockAlreadyHeldRule.Rule).WithLocation(0).WithArguments("dev.Group.Mutex", "taking it again deadlocks, as KMutex is not recursive"),
                Verify.Diagnostic(LockAlreadyHeldRule.Rule).WithLocation(1).WithArguments("dev.Group.Mutex", "'DeviceUnuseDmaApi' takes it itself ([ExcludesLock]) and deadlocks"));
        }

        [Fact]
        public async Task HalfTypedCode()
        {
            await LockTestSource.VerifyMembersAsync(@"void F(IommuGroup g) { g.Mutex.Lock(); {|IOMMU0103:g.Mutex.Lock()|}; IommuCore.{|CS0117:Nope|}(g); g.Mutex.Unlock(); }");
        }
    }
}
