using System.Threading.Tasks;
using IommuAnalyzers.Locking;
using Microsoft.CodeAnalysis.Testing;
using Xunit;
using Verify = IommuAnalyzers.Tests.Verifiers.CSharpAnalyzerVerifier<IommuAnalyzers.Locking.LockDisciplineAnalyzer>;

namespace IommuAnalyzers.Tests.Locking
{
    public class GuardedMemberWithoutLockTests
    {
        [Theory]
        [InlineData(@"void F(IommuGroup g) { {|IOMMU0100:g.OwnerCount|}++; }")]
        [InlineData(@"int F(IommuGroup g) { g.Mutex.Lock(); g.Mutex.Unlock(); return {|IOMMU0100:g.OwnerCount|}; }")]
        [InlineData(@"void F() { {|IOMMU0100:_count|} = 1; }")]
        [InlineData(@"void F(IommuGroup a, IommuGroup b) { using (a.Mutex.Guard()) { {|IOMMU0100:b.Owner|} = null; } }")]
        [InlineData(@"void F() { {|IOMMU0100:Registry.Count|}++; }")]
        [InlineData(@"void F(IommuGroup g) { using (g.Mutex.Guard()) { Action a = () => {|IOMMU0100:g.Domain|} = null; a(); } }")]
        [InlineData(@"void F() { lock (_mutex) { {|IOMMU0100:_monitorCount|}++; } }")]
        [InlineData(@"void F(IommuGroup g) { if (!g.Mutex.TryLock()) { {|IOMMU0100:g.OwnerCount|} = 0; return; } g.Mutex.Unlock(); }")]
        [InlineData(@"void F(Port other) { using (_mutex.Guard()) { {|IOMMU0100:other._count|}++; } }")]
        [InlineData(@"void F(IommuGroup g) { Local(); void Local() { {|IOMMU0100:g.Devices|}.Clear(); } }")]
        [InlineData(@"[GuardedBy(""this"")] private int _self; void F() { lock (_gate) { {|IOMMU0100:_self|}++; } }")]
        [InlineData(@"private int P => {|IOMMU0100:_count|};")]
        [InlineData(@"private int Q { get { return {|IOMMU0100:_count|}; } set { {|IOMMU0100:_count|} = value; } }")]
        public Task Positive(string members) => LockTestSource.VerifyMembersAsync(members);

        [Theory]
        [InlineData(@"void F(IommuGroup g) { using (g.Mutex.Guard()) g.OwnerCount++; }")]
        [InlineData(@"void F(Device dev) { var grp = dev.Group; if (grp == null) return; grp.Mutex.Lock(); dev.Group.OwnerCount++; grp.Mutex.Unlock(); }")]
        [InlineData(@"[RequiresLock(""group.Mutex"")] void F(IommuGroup group) { group.OwnerCount++; }")]
        [InlineData(@"Port(int start) { _count = start; _monitorCount = start; }")]
        [InlineData(@"[NoLockAnalysis] void F(IommuGroup g) { g.OwnerCount++; }")]
        [InlineData(@"void F() { lock (_gate) { _monitorCount++; } }")]
        [InlineData(@"string F() => nameof(IommuGroup.OwnerCount);")]
        [InlineData(@"int F(IommuGroup g) => g.Id;")]
        [InlineData(@"void F() { using (Registry.Lock.Guard()) { Registry.Count++; } }")]
        [InlineData(@"void F() { using (_lock.EnterScope()) { _lockCount++; } lock (_lock) { _lockCount--; } }")]
        [InlineData(@"int F(IommuGroup g) { g.Mutex.Lock(); try { return g.OwnerCount; } finally { g.Mutex.Unlock(); } }")]
        [InlineData(@"[GuardedBy(""this"")] private int _self; void F() { lock (this) { _self++; } }")]
        public Task Negative(string members) => LockTestSource.VerifyMembersAsync(members);

        [Fact]
        public async Task Message_NamesMember_Access_AndLockPath()
        {
            await LockTestSource.VerifyMembersAsync(
                @"void F(Device dev) { {|#0:dev.Group.OwnerCount|} = 1; var n = {|#1:dev.Group.Owner|}; }",
                Verify.Diagnostic(GuardedMemberWithoutLockRule.Rule).WithLocation(0).WithArguments("dev.Group.OwnerCount", "written", "dev.Group.Mutex"),
                Verify.Diagnostic(GuardedMemberWithoutLockRule.Rule).WithLocation(1).WithArguments("dev.Group.Owner", "read", "dev.Group.Mutex"));
        }

        [Fact]
        public async Task Message_ACompoundAssignmentOfAConditionalValue_IsAWrite_AndAConditionalRead_IsARead()
        {
            // The graph captures the target of x += c ? 1 : 0 before the value's branches; the access is still a write.
            await LockTestSource.VerifyMembersAsync(
                @"void F(bool c) { {|#0:_count|} += c ? 1 : 0; var n = c ? {|#1:_count|} : 0; {|#2:_count|} = c ? 1 : 0; }",
                Verify.Diagnostic(GuardedMemberWithoutLockRule.Rule).WithLocation(0).WithArguments("_count", "written", "this._mutex"),
                Verify.Diagnostic(GuardedMemberWithoutLockRule.Rule).WithLocation(1).WithArguments("_count", "read", "this._mutex"),
                Verify.Diagnostic(GuardedMemberWithoutLockRule.Rule).WithLocation(2).WithArguments("_count", "written", "this._mutex"));
        }

        [Fact]
        public async Task HalfTypedCode_StillAnalysed_NeverThrows()
        {
            await LockTestSource.VerifyMembersAsync(
                @"void F(IommuGroup g) { {|IOMMU0100:g.OwnerCount|}++ }
    void G(IommuGroup g) { g.Mutex.{|CS1061:Lok|}(); {|IOMMU0100:g.Owner|} = {|CS0103:missing|}; }
    void H(IommuGroup g) { using (g.Mutex.Guard()) { g.Domain = null; if ({|CS0103:x|}) return; g.OwnerCount++; } }",
                DiagnosticResult.CompilerError("CS1002").WithSpan(LockTestSource.FirstMemberLine, 39, LockTestSource.FirstMemberLine, 40));
        }

        [Fact]
        public async Task WithoutRuntime_NothingIsRegistered()
        {
            var test = new Verify.Test
            {
                WithoutRuntime = true,
                TestCode = @"
class GuardedByAttribute : System.Attribute { public GuardedByAttribute(string s) { } }
class KMutex { public void Lock() { } }
class C { KMutex M = new KMutex(); [GuardedBy(""M"")] int X; void F() { X++; } }
",
            };
            await test.RunAsync();
        }
    }
}
