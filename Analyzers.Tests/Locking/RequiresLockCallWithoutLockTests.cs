using System.Threading.Tasks;
using IommuAnalyzers.Locking;
using Xunit;
using Verify = IommuAnalyzers.Tests.Verifiers.CSharpAnalyzerVerifier<IommuAnalyzers.Locking.LockDisciplineAnalyzer>;

namespace IommuAnalyzers.Tests.Locking
{
    public class RequiresLockCallWithoutLockTests
    {
        [Theory]
        [InlineData(@"void F(IommuGroup g) { {|IOMMU0104:ResetLocked(g)|}; }")]
        [InlineData(@"void F() { {|IOMMU0104:BumpLocked()|}; }")]
        [InlineData(@"void F() { _mutex.Lock(); _mutex.Unlock(); {|IOMMU0104:BumpLocked()|}; }")]
        [InlineData(@"void F(IommuGroup g) { using (g.Mutex.Guard()) { Action a = () => {|IOMMU0104:ResetLocked(g)|}; a(); } }")]
        [InlineData(@"void F(IommuGroup a, IommuGroup b) { using (a.Mutex.Guard()) { {|IOMMU0104:ResetLocked(b)|}; } }")]
        [InlineData(@"int F() => {|IOMMU0104:Snapshot|};")]
        [InlineData(@"void F() { {|IOMMU0104:Registry.BumpLocked()|}; }")]
        [InlineData(@"void F(IommuGroup g) { {|IOMMU0104:Local(g)|}; [RequiresLock(""x.Mutex"")] static void Local(IommuGroup x) => x.OwnerCount++; }")]
        public Task Positive(string members) => LockTestSource.VerifyMembersAsync(members);

        [Theory]
        [InlineData(@"void F(IommuGroup g) { using (g.Mutex.Guard()) { ResetLocked(g); } }")]
        [InlineData(@"[RequiresLock(""group.Mutex"")] void F(IommuGroup group) { ResetLocked(group); }")]
        [InlineData(@"void F(Device dev) { var grp = dev.Group; using (grp.Mutex.Guard()) { ResetLocked(dev.Group); } }")]
        [InlineData(@"void F() { using (Registry.Lock.Guard()) { Registry.BumpLocked(); } }")]
        [InlineData(@"[NoLockAnalysis] void F(IommuGroup g) { ResetLocked(g); }")]
        [InlineData(@"void F() { Enter(); BumpLocked(); int n = Snapshot; Leave(); }")]
        [InlineData(@"void F(IommuGroup g) { if (g.Mutex.TryLock()) { ResetLocked(g); g.Mutex.Unlock(); } }")]
        public Task Negative(string members) => LockTestSource.VerifyMembersAsync(members);

        [Fact]
        public async Task Message_NamesTheMemberAndTheLock()
        {
            await LockTestSource.VerifyMembersAsync(@"void F(Device dev) { {|#0:ResetLocked(dev.Group)|}; }", Verify.Diagnostic(RequiresLockCallWithoutLockRule.Rule).WithLocation(0).WithArguments("ResetLocked", "dev.Group.Mutex"));
        }

        [Fact]
        public async Task HalfTypedCode()
        {
            await LockTestSource.VerifyMembersAsync(@"void F(IommuGroup g) { {|IOMMU0104:ResetLocked(g)|}; {|CS7036:ResetLocked|}(); }");
        }
    }
}
