using System.Threading.Tasks;
using IommuAnalyzers.Locking;
using Microsoft.CodeAnalysis.Testing;
using Xunit;
using Verify = IommuAnalyzers.Tests.Verifiers.CSharpAnalyzerVerifier<IommuAnalyzers.Locking.LockDisciplineAnalyzer>;

namespace IommuAnalyzers.Tests.Locking
{
    public class LockHeldAcrossSuspensionTests
    {
        private const string Usings = "using System.Collections.Generic;\nusing System.Threading.Tasks;\n";

        private static string Source(string members) => Usings + LockTestSource.Class(members);

        private static Task VerifyAsync(string members, params DiagnosticResult[] expected) =>
            Verify.VerifyAnalyzerAsync(Source(members), expected);

        [Theory]
        [InlineData(@"async Task F() { _mutex.Lock(); _count++; {|IOMMU0107:await Task.Delay(1)|}; _mutex.Unlock(); }")]
        [InlineData(@"async Task F() { using (_mutex.Guard()) { _count++; {|IOMMU0107:await Task.Delay(1)|}; } }")]
        [InlineData(@"async Task F() { using var guard = _mutex.Guard(); {|IOMMU0107:await Task.Yield()|}; }")]
        [InlineData(@"async Task F() { Monitor.Enter(_gate); try { {|IOMMU0107:await Task.Delay(1)|}; } finally { Monitor.Exit(_gate); } }")]
        [InlineData(@"async Task F() { bool taken = false; try { Monitor.Enter(_gate, ref taken); {|IOMMU0107:await Task.Delay(1)|}; } finally { if (taken) Monitor.Exit(_gate); } }")]
        [InlineData(@"async Task F() { _lock.Enter(); try { _lockCount++; {|IOMMU0107:await Task.Delay(1)|}; } finally { _lock.Exit(); } }")]
        [InlineData(@"async Task F(IommuGroup g) { g.Mutex.Lock(); g.OwnerCount++; {|IOMMU0107:await Task.Delay(1)|}; g.Mutex.Unlock(); }")]
        [InlineData(@"async Task F() { Enter(); {|IOMMU0107:await Task.Delay(1)|}; Leave(); }")]
        [InlineData(@"async Task F(int n) { _mutex.Lock(); for (int i = 0; i < n; i++) { _count++; {|IOMMU0107:await Task.Delay(i)|}; } _mutex.Unlock(); }")]
        [InlineData(@"async Task F(int n) { _mutex.Lock(); while (n-- > 0) { if (n == 3) continue; {|IOMMU0107:await Task.Delay(n)|}; } _mutex.Unlock(); }")]
        [InlineData(@"async Task<int> F(Task<int> t) { using (_mutex.Guard()) { return _count + {|IOMMU0107:await t|}; } }")]
        [InlineData(@"async Task F() { _mutex.Lock(); {|IOMMU0107:await Task.CompletedTask|}; _mutex.Unlock(); }")]
        [InlineData(@"async ValueTask F() { _mutex.Lock(); {|IOMMU0107:await default(ValueTask)|}; _mutex.Unlock(); }")]
        [InlineData(@"async Task F(IAsyncEnumerable<int> items) { _mutex.Lock(); {|IOMMU0107:await|} foreach (int i in items) { _count += i; } _mutex.Unlock(); }")]
        [InlineData(@"async Task F(System.IAsyncDisposable d) { _mutex.Lock(); {|IOMMU0107:await|} using (d) { _count++; } _mutex.Unlock(); }")]
        [InlineData(@"async Task F(System.IAsyncDisposable d) { _mutex.Lock(); { {|IOMMU0107:await|} using var _ = d; _count++; } _mutex.Unlock(); }")]
        [InlineData(@"async Task F() { using (_lock.EnterScope()) { _lockCount++; {|IOMMU0107:await Task.Delay(1)|}; } }")]
        [InlineData(@"IEnumerable<int> F() { lock (_gate) { {|IOMMU0107:yield return _monitorCount;|} } }")]
        [InlineData(@"IEnumerable<int> F() { using (_mutex.Guard()) { {|IOMMU0107:yield return _count;|} } }")]
        [InlineData(@"IEnumerable<int> F(int n) { _mutex.Lock(); for (int i = 0; i < n; i++) { {|IOMMU0107:yield return i;|} } _mutex.Unlock(); }")]
        [InlineData(@"async IAsyncEnumerable<int> F() { using (_mutex.Guard()) { {|IOMMU0107:await Task.Yield()|}; {|IOMMU0107:yield return _count;|} } }")]
        [InlineData(@"[RequiresLock(nameof(_mutex))] async Task F() { _count++; {|IOMMU0107:await Task.Yield()|}; }")]
        public Task Positive(string members) => VerifyAsync(members);

        [Theory]
        [InlineData(@"async Task F() { _mutex.Lock(); _count++; _mutex.Unlock(); await Task.Delay(1); }")]
        [InlineData(@"async Task F() { using (_mutex.Guard()) { _count++; } await Task.Delay(1); }")]
        [InlineData(@"async Task F() { Monitor.Enter(_gate); try { _monitorCount++; } finally { Monitor.Exit(_gate); } await Task.Delay(1); }")]
        [InlineData(@"async Task F() { lock (_gate) { _monitorCount++; } await Task.Delay(1); }")]
        [InlineData(@"async Task F() { using (_lock.EnterScope()) { _lockCount++; } await Task.Delay(1); }")]
        [InlineData(@"async Task F() { await Task.Delay(1); using (_mutex.Guard()) { _count++; } }")]
        [InlineData(@"async Task F(System.IAsyncDisposable d) { _mutex.Lock(); await using var _ = d; _count++; _mutex.Unlock(); }")]
        [InlineData(@"async Task F() { Task t; using (_mutex.Guard()) { _count++; t = Task.Delay(1); } await t; }")]
        [InlineData(@"void F() { using (_mutex.Guard()) { System.Func<Task> f = async () => await Task.Delay(1); _count++; } }")]
        [InlineData(@"void F() { using (_mutex.Guard()) { _ = Task.Run(async () => { await Task.Delay(1); }); _count++; } }")]
        [InlineData(@"void F() { using (_mutex.Guard()) { async Task Later() { await Task.Delay(1); } _ = Later(); _count++; } }")]
        [InlineData(@"IEnumerable<int> F() { int v; lock (_gate) { v = _monitorCount; } yield return v; }")]
        [InlineData(@"IEnumerable<int> F(bool c) { lock (_gate) { if (c) yield break; _monitorCount++; } yield return 1; }")]
        [InlineData(@"IEnumerable<int> F(int[] ids) { int[] copy; using (_mutex.Guard()) { copy = (int[])ids.Clone(); _count++; } foreach (int id in copy) yield return id; }")]
        public Task Negative(string members) => VerifyAsync(members);

        [Fact]
        public Task HeldOnSomePathsOnly_IsIommu0105sAtTheJoin_NotAlsoReportedAtTheAwait() =>
            VerifyAsync(@"async Task F(bool c) { if (c) _mutex.Lock(); {|IOMMU0105:await Task.Delay(1);|} if (c) _mutex.Unlock(); }");

        [Fact]
        public async Task Message_NamesTheLock_WhereItWasTaken_AndTheSuspension()
        {
            string members = @"async IAsyncEnumerable<int> F(IAsyncEnumerable<int> items, System.IAsyncDisposable d)
    {
        {|#1:_mutex.Lock()|};
        {|#0:await Task.Yield()|};
        {|#2:yield return 1;|}
        {|#3:await|} foreach (int i in items) { }
        {|#4:await|} using (d) { }
        _mutex.Unlock();
    }";
            string source = Source(members);
            string taken = "taken at line " + LockTestSource.LineOf(source, "{|#1:_mutex.Lock()");
            await Verify.VerifyAnalyzerAsync(
                source,
                Verify.Diagnostic(LockHeldAcrossSuspensionRule.Rule).WithLocation(0).WithLocation(1).WithArguments("this._mutex", taken, "await"),
                Verify.Diagnostic(LockHeldAcrossSuspensionRule.Rule).WithLocation(2).WithLocation(1).WithArguments("this._mutex", taken, "yield return"),
                Verify.Diagnostic(LockHeldAcrossSuspensionRule.Rule).WithLocation(3).WithLocation(1).WithArguments("this._mutex", taken, "await foreach"),
                Verify.Diagnostic(LockHeldAcrossSuspensionRule.Rule).WithLocation(4).WithLocation(1).WithArguments("this._mutex", taken, "await using"));
        }

        [Fact]
        public async Task Message_ForTwoLocks_NamesEach_AndALockHeldOnEntry()
        {
            string members = @"[RequiresLock(""group.Mutex"")] async Task F(IommuGroup group)
    {
        {|#1:Monitor.Enter(_gate)|};
        {|#0:await Task.Yield()|};
        Monitor.Exit(_gate);
        group.OwnerCount++;
    }";
            string source = Source(members);
            await Verify.VerifyAnalyzerAsync(
                source,
                Verify.Diagnostic(LockHeldAcrossSuspensionRule.Rule).WithLocation(0).WithArguments("group.Mutex", "held on entry", "await"),
                Verify.Diagnostic(LockHeldAcrossSuspensionRule.Rule).WithLocation(0).WithLocation(1).WithArguments("this._gate", "taken at line " + LockTestSource.LineOf(source, "{|#1:Monitor.Enter(_gate)"), "await"));
        }

        [Theory]
        [InlineData(@"async Task F() { _mutex.Lock(); {|IOMMU0107:await {|CS0103:Undefined|}()|}; _mutex.Unlock(); }")]
        [InlineData(@"IEnumerable<int> F() { lock (_gate) { {|IOMMU0107:yield return {|CS0103:missing|};|} } }")]
        [InlineData(@"async Task F() { _mutex.Lock(); {|IOMMU0107:await Task.Delay(1)|} {|CS1002:_mutex|}.Unlock(); }")]
        [InlineData(@"Task F() { _mutex.Lock(); {|CS4032:{|IOMMU0107:await Task.Delay(1)|}|}; _mutex.Unlock(); return Task.CompletedTask; }")]
        public Task HalfTypedCode(string members) => VerifyAsync(members);
    }
}
