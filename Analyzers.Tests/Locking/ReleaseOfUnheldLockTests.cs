using System.Threading.Tasks;
using IommuAnalyzers.Locking;
using Xunit;
using Verify = IommuAnalyzers.Tests.Verifiers.CSharpAnalyzerVerifier<IommuAnalyzers.Locking.LockDisciplineAnalyzer>;

namespace IommuAnalyzers.Tests.Locking
{
    public class ReleaseOfUnheldLockTests
    {
        [Theory]
        [InlineData(@"void F(IommuGroup g) { g.Mutex.Lock(); g.Mutex.Unlock(); {|IOMMU0102:g.Mutex.Unlock()|}; }")]
        [InlineData(@"void F(IommuGroup g) { {|IOMMU0102:g.Mutex.Unlock()|}; }")]
        [InlineData(@"void F() { {|IOMMU0102:Monitor.Exit(_gate)|}; }")]
        [InlineData(@"void F() { {|IOMMU0102:Leave()|}; }")]
        [InlineData(@"int F(IommuGroup g, bool c) { if (c) goto out_; g.Mutex.Lock(); g.Mutex.Unlock(); out_: {|IOMMU0102:g.Mutex.Unlock()|}; return 0; }")]
        [InlineData(@"void F() { {|IOMMU0102:_lock.Exit()|}; }")]
        [InlineData(@"void F(IommuGroup a, IommuGroup b) { a.Mutex.Lock(); {|IOMMU0102:b.Mutex.Unlock()|}; {|IOMMU0101:}|}")]
        public Task Positive(string members) => LockTestSource.VerifyMembersAsync(members);

        [Theory]
        [InlineData(@"void F(IommuGroup g) { g.Mutex.Lock(); g.OwnerCount++; g.Mutex.Unlock(); }")]
        [InlineData(@"void F(IommuGroup g) { var guard = g.Mutex.Guard(); g.OwnerCount++; guard.Dispose(); guard.Dispose(); }")]
        [InlineData(@"[ReleasesLock(""group.Mutex"")] static void F(IommuGroup group) { group.Mutex.Unlock(); }")]
        [InlineData(@"[RequiresLock(nameof(_mutex))] void F() { _count++; _mutex.Unlock(); _mutex.Lock(); }")]
        [InlineData(@"void F() { bool taken = false; try { Monitor.Enter(_gate, ref taken); _monitorCount++; } finally { if (taken) Monitor.Exit(_gate); } }")]
        [InlineData(@"void F(Device dev) { var grp = dev.Group; if (grp == null) return; dev.Group.Mutex.Lock(); grp.Mutex.Unlock(); }")]
        [InlineData(@"void F() { Enter(); _count++; Leave(); }")]
        public Task Negative(string members) => LockTestSource.VerifyMembersAsync(members);

        [Fact]
        public async Task UnlockAfterAConditionalLock_IsCoveredByTheJoinDiagnostic_NotAgain()
        {
            await LockTestSource.VerifyMembersAsync(@"void F(IommuGroup g, bool c) { if (c) g.Mutex.Lock(); {|IOMMU0105:g.Mutex.Unlock();|} }");
        }

        [Fact]
        public async Task Message_NamesTheLock()
        {
            await LockTestSource.VerifyMembersAsync(@"void F(Device dev) { {|#0:dev.Group.Mutex.Unlock()|}; }", Verify.Diagnostic(ReleaseOfUnheldLockRule.Rule).WithLocation(0).WithArguments("dev.Group.Mutex"));
        }

        [Fact]
        public async Task HalfTypedCode()
        {
            await LockTestSource.VerifyMembersAsync(@"void F(IommuGroup g) { {|IOMMU0102:g.Mutex.Unlock()|}; g.Mutex.{|CS1501:Unlock|}(1); }");
        }
    }
}
