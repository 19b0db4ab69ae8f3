using System.Threading.Tasks;
using IommuAnalyzers.Locking;
using Xunit;
using Verify = IommuAnalyzers.Tests.Verifiers.CSharpAnalyzerVerifier<IommuAnalyzers.Locking.LockDisciplineAnalyzer>;

namespace IommuAnalyzers.Tests.Locking
{
    public class UnresolvedLockExpressionTests
    {
        [Theory]
        [InlineData(@"[GuardedBy({|IOMMU0106:""Mutx""|})] private int _a;")]
        [InlineData(@"[GuardedBy({|IOMMU0106:nameof(_count)|})] private int _a;")]
        [InlineData(@"[RequiresLock({|IOMMU0106:""grp.Mutex""|})] void F(IommuGroup group) { }")]
        [InlineData(@"[RequiresLock({|IOMMU0106:""group.Mutx""|})] void F(IommuGroup group) { }")]
        [InlineData(@"[GuardedBy({|IOMMU0106:""this""|})] private static int _a;")]
        [InlineData(@"[ExcludesLock(nameof(_mutex), {|IOMMU0106:""Nope""|})] void F() { }")]
        [InlineData(@"[AcquiresLock({|IOMMU0106:""""|})] void F() { }")]
        [InlineData(@"[GuardedBy({|IOMMU0106:""Registry.Missing""|})] private int _a;")]
        [InlineData(@"[GuardedBy({|IOMMU0106:""dev.Group.Mutex""|})] private int _a;")]
        [InlineData(@"[ReleasesLock({|IOMMU0106:""Registry.Count""|})] void F() { }")]
        [InlineData(@"void F() { L(null!); [RequiresLock({|IOMMU0106:""x.Mutx""|})] static void L(IommuGroup x) { } }")]
        public Task Positive(string members) => LockTestSource.VerifyMembersAsync(members);

        [Theory]
        [InlineData(@"[GuardedBy(nameof(_mutex))] private int _a;")]
        [InlineData(@"[GuardedBy(""this"")] private int _a;")]
        [InlineData(@"[GuardedBy(""Registry.Lock"")] private static int _a;")]
        [InlineData(@"[RequiresLock(""group.Mutex"")] void F(IommuGroup group) { }")]
        [InlineData(@"[GuardedBy(""_gate"")] private int _a;")]
        [InlineData(@"[GuardedBy(""_lock"")] private int _a;")]
        [InlineData(@"[RequiresLock(""dev.Group.Mutex"", ""this"")] void F(Device dev) { }")]
        [InlineData(@"[GuardedBy(""Group.Mutex"")] private int _a; private IommuGroup Group { get; } = new IommuGroup(1);")]
        [InlineData(@"void F() { [RequiresLock(""x.Mutex"")] static void L(IommuGroup x) => x.OwnerCount++; }")]
        public Task Negative(string members) => LockTestSource.VerifyMembersAsync(members);

        [Fact]
        public async Task Message_NamesExpression_Member_AndReason()
        {
            await LockTestSource.VerifyMembersAsync(
                @"[GuardedBy({|#0:""_count""|})] private int _a;",
                Verify.Diagnostic(UnresolvedLockExpressionRule.Rule).WithLocation(0).WithArguments("_count", "_a", "its type 'int' is not a KMutex, a System.Threading.Lock or an object usable with lock"));
        }

        [Fact]
        public async Task GuardedMemberWithUnresolvedLock_IsNotCheckedByTheFlowRules()
        {
            await LockTestSource.VerifyMembersAsync(@"[GuardedBy({|IOMMU0106:""Mutx""|})] private int _a; void F() { _a++; }");
        }

        [Fact]
        public async Task HalfTypedAttribute()
        {
            await LockTestSource.VerifyMembersAsync(@"[GuardedBy({|CS0103:Mutx|})] private int _a; [RequiresLock({|IOMMU0106:""a..b""|})] void F() { }");
        }
    }
}
