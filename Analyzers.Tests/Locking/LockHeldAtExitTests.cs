using System.Threading.Tasks;
using IommuAnalyzers.Locking;
using Xunit;
using Verify = IommuAnalyzers.Tests.Verifiers.CSharpAnalyzerVerifier<IommuAnalyzers.Locking.LockDisciplineAnalyzer>;

namespace IommuAnalyzers.Tests.Locking
{
    public class LockHeldAtExitTests
    {
        [Theory]
        [InlineData(@"int F(IommuGroup g, bool c) { g.Mutex.Lock(); if (c) {|IOMMU0101:return -16;|} g.Mutex.Unlock(); return 0; }")]
        [InlineData(@"void F(IommuGroup g) { g.Mutex.Lock(); g.OwnerCount++; {|IOMMU0101:}|}")]
        [InlineData(@"void F(IommuGroup g, bool c) { g.Mutex.Lock(); if (c) {|IOMMU0101:throw new InvalidOperationException();|} g.Mutex.Unlock(); }")]
        [InlineData(@"void F() { Monitor.Enter(_gate); _monitorCount++; {|IOMMU0101:}|}")]
        [InlineData(@"void F(IommuGroup g) { var guard = g.Mutex.Guard(); g.OwnerCount++; {|IOMMU0101:}|}")]
        [InlineData(@"void F() { Enter(); _count++; {|IOMMU0101:}|}")]
        [InlineData(@"int F(IommuGroup g) { if (g.Mutex.TryLock()) { g.OwnerCount++; {|IOMMU0101:return 1;|} } return 0; }")]
        [InlineData(@"void F(IommuGroup g, bool c) { g.Mutex.Lock(); if (c) {|IOMMU0101:return;|} g.Mutex.Unlock(); }")]
        [InlineData(@"int F(IommuGroup g, int k) { g.Mutex.Lock(); switch (k) { case 0: g.Mutex.Unlock(); return 0; case 1: {|IOMMU0101:return 1;|} } g.Mutex.Unlock(); return 2; }")]
        [InlineData(@"void F() { _lock.Enter(); _lockCount++; {|IOMMU0101:}|}")]
        [InlineData(@"void F(IommuGroup g) { Action a = () => g.Mutex.Lock({|IOMMU0101:)|}; }")]
        // A try-lock's flag tested in an if that then joined, or never tested: held whenever it succeeded.
        [InlineData(@"void F(IommuGroup g) { bool ok = g.Mutex.TryLock(); if (ok) g.OwnerCount++; Console.WriteLine(); {|IOMMU0101:}|}")]
        [InlineData(@"void F(IommuGroup g, bool c) { bool ok = g.Mutex.TryLock(); if (c) {|IOMMU0101:return;|} if (ok) g.Mutex.Unlock(); }")]
        [InlineData(@"void F() { bool taken = false; Monitor.TryEnter(_gate, ref taken); if (taken) _monitorCount++; {|IOMMU0101:}|}")]
        public Task Positive(string members) => LockTestSource.VerifyMembersAsync(members);

        [Theory]
        [InlineData(@"int F(IommuGroup g, bool a) { int ret = 0; g.Mutex.Lock(); if (a) { ret = -16; goto unlock; } g.OwnerCount++; unlock: g.Mutex.Unlock(); return ret; }")]
        [InlineData(@"int F(IommuGroup g, bool c) { using var guard = g.Mutex.Guard(); if (c) return 1; g.OwnerCount++; return 0; }")]
        [InlineData(@"int F(IommuGroup g, bool c) { g.Mutex.Lock(); try { if (c) throw new InvalidOperationException(); return 1; } finally { g.Mutex.Unlock(); } }")]
        [InlineData(@"[AcquiresLock(""group.Mutex"")] static void LockIt(IommuGroup group) { group.Mutex.Lock(); }")]
        [InlineData(@"[RequiresLock(nameof(_mutex))] void F() { _count++; }")]
        [InlineData(@"int F(bool c) { lock (_gate) { if (c) return 1; _monitorCount++; } return 0; }")]
        [InlineData(@"int F(IommuGroup g) { if (!g.Mutex.TryLock()) return -16; g.OwnerCount++; g.Mutex.Unlock(); return 0; }")]
        [InlineData(@"void F(IommuGroup g) { Action a = () => { using (g.Mutex.Guard()) { g.OwnerCount++; } }; }")]
        // The near misses of the flag rows: every path out tests the flag first.
        [InlineData(@"void F(IommuGroup g) { bool ok = g.Mutex.TryLock(); if (ok) g.OwnerCount++; if (ok) g.Mutex.Unlock(); }")]
        [InlineData(@"void F(IommuGroup g) { bool busy = !g.Mutex.TryLock(); if (busy) return; g.OwnerCount++; g.Mutex.Unlock(); }")]
        [InlineData(@"void F() { bool taken = false; try { Monitor.TryEnter(_gate, 10, ref taken); if (taken) _monitorCount++; } finally { if (taken) Monitor.Exit(_gate); } }")]
        public Task Negative(string members) => LockTestSource.VerifyMembersAsync(members);

        [Fact]
        public async Task Message_NamesLock_TheLineItWasTaken_AndTheExit()
        {
            string members = @"int F(Device dev, bool c)
    {
        var group = dev.Group;
        {|#1:group.Mutex.Lock()|};
        if (c)
            {|#0:return -16;|}
        group.Mutex.Unlock();
        return 0;
    }";
            int line = LockTestSource.LineOf(LockTestSource.Class(members), "group.Mutex.Lock()");
            await LockTestSource.VerifyMembersAsync(members, Verify.Diagnostic(LockHeldAtExitRule.Rule).WithLocation(0).WithLocation(1).WithArguments("dev.Group.Mutex", "line " + line, "this return"));
        }

        [Fact]
        public async Task HeldOnSomePathsAtTheExit_IsReportedOnceAtTheJoin_NotAtTheExit()
        {
            await LockTestSource.VerifyMembersAsync(@"void F(IommuGroup g, bool c) { if (c) g.Mutex.Lock(); {|IOMMU0105:Console.WriteLine();|} }");
        }

        [Fact]
        public async Task HalfTypedCode()
        {
            await LockTestSource.VerifyMembersAsync(@"int F(IommuGroup g, bool c) { g.Mutex.Lock(); if (c) {|IOMMU0101:return {|CS0103:err|};|} g.Mutex.Unlock(); return 0; }");
        }
    }
}
