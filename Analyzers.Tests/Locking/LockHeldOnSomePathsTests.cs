using System.Threading.Tasks;
using IommuAnalyzers.Locking;
using Xunit;
using Verify = IommuAnalyzers.Tests.Verifiers.CSharpAnalyzerVerifier<IommuAnalyzers.Locking.LockDisciplineAnalyzer>;

namespace IommuAnalyzers.Tests.Locking
{
    public class LockHeldOnSomePathsTests
    {
        [Theory]
        [InlineData(@"void F(IommuGroup g, bool c) { if (c) g.Mutex.Lock(); {|IOMMU0105:g.OwnerCount++;|} if (c) g.Mutex.Unlock(); }")]
        [InlineData(@"void F(IommuGroup g, bool c) { g.Mutex.Lock(); if (c) g.Mutex.Unlock(); {|IOMMU0105:Console.WriteLine();|} }")]
        [InlineData(@"void F(IommuGroup g, int n) { while ({|IOMMU0105:n-- > 0|}) { g.Mutex.Lock(); } }")]
        [InlineData(@"void F(IommuGroup g, int k) { switch (k) { case 1: g.Mutex.Lock(); break; default: break; } {|IOMMU0105:Console.WriteLine();|} }")]
        [InlineData(@"void F(bool c) { if (c) Monitor.Enter(_gate); {|IOMMU0105:Console.WriteLine();|} }")]
        [InlineData(@"void F(IommuGroup g, bool c) { try { g.Mutex.Lock(); if (c) throw new InvalidOperationException(); g.Mutex.Unlock(); } catch (InvalidOperationException) { } {|IOMMU0105:Console.WriteLine();|} }")]
        public Task Positive(string members) => LockTestSource.VerifyMembersAsync(members);

        [Theory]
        [InlineData(@"void F(IommuGroup g, bool c) { if (c) g.Mutex.Lock(); else g.Mutex.Lock(); g.OwnerCount++; g.Mutex.Unlock(); }")]
        [InlineData(@"void F(IommuGroup g, bool c) { if (c) { g.Mutex.Lock(); g.OwnerCount++; g.Mutex.Unlock(); } Console.WriteLine(); }")]
        [InlineData(@"int F(IommuGroup g, bool a) { int ret = 0; g.Mutex.Lock(); if (a) { ret = -16; goto unlock; } g.OwnerCount++; unlock: g.Mutex.Unlock(); return ret; }")]
        [InlineData(@"int F(IommuGroup g, bool c) { g.Mutex.Lock(); if (c) {|IOMMU0101:return 1;|} g.Mutex.Unlock(); return 0; }")]
        [InlineData(@"void F(IommuGroup g) { if (g.Mutex.TryLock()) { g.OwnerCount++; g.Mutex.Unlock(); } Console.WriteLine(); }")]
        [InlineData(@"int F(bool c) { lock (_gate) { if (c) return 1; } return 0; }")]
        [InlineData(@"void F(IommuGroup g, int n) { for (int i = 0; i < n; i++) { g.Mutex.Lock(); if (i == 2) { g.Mutex.Unlock(); continue; } g.Mutex.Unlock(); } }")]
        public Task Negative(string members) => LockTestSource.VerifyMembersAsync(members);

        [Fact]
        public async Task Message_NamesTheLock_AndLaterRulesStaySilentAboutIt()
        {
            await LockTestSource.VerifyMembersAsync(
                @"int F(IommuGroup g, bool c) { if (c) g.Mutex.Lock(); {|#0:g.Owner = null;|} g.Mutex.Unlock(); {|#2:g.Mutex.Lock()|}; {|#1:return 0;|} }",
                Verify.Diagnostic(LockHeldOnSomePathsRule.Rule).WithLocation(0).WithArguments("g.Mutex", "the path that holds it took it at line " + LockTestSource.FirstMemberLine),
                Verify.Diagnostic(LockHeldAtExitRule.Rule).WithLocation(1).WithLocation(2).WithArguments("g.Mutex", "line " + LockTestSource.FirstMemberLine, "this return"));
        }

        [Fact]
        public async Task Message_NamesTheLineOfTheAcquireOnTheHoldingPath_NotAnEarlierOneThatWasReleased()
        {
            string members = @"void F(IommuGroup g, bool c)
    {
        g.Mutex.Lock();
        g.Mutex.Unlock();
        if (c)
            g.Mutex.Lock();
        {|#0:g.Owner = null;|}
        if (c) g.Mutex.Unlock();
    }";
            await LockTestSource.VerifyMembersAsync(
                members,
                Verify.Diagnostic(LockHeldOnSomePathsRule.Rule).WithLocation(0).WithArguments("g.Mutex", "the path that holds it took it at line " + (LockTestSource.FirstMemberLine + 5)));
        }

        [Fact]
        public async Task Message_SaysWhenTheHoldingPathHadItOnEntry()
        {
            await LockTestSource.VerifyMembersAsync(
                @"[RequiresLock(nameof(_mutex))] void F(bool c) { if (c) _mutex.Unlock(); {|#0:Console.WriteLine();|} if (!c) _mutex.Unlock(); _mutex.Lock(); }",
                Verify.Diagnostic(LockHeldOnSomePathsRule.Rule).WithLocation(0).WithArguments("this._mutex", "the path that holds it had it on entry"));
        }

        [Fact]
        public async Task HalfTypedCode()
        {
            await LockTestSource.VerifyMembersAsync(@"void F(IommuGroup g, bool c) { if (c) g.Mutex.Lock(); {|IOMMU0105:{|CS0103:undefined|}();|} }");
        }
    }
}
