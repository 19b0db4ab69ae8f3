using System.Threading.Tasks;
using Xunit;

namespace IommuAnalyzers.Tests.Locking
{
    /// <summary>
    /// A lambda's or local function's graph hangs under the enclosing method's regions: a throw inside it must stop
    /// at its own graph's root, never replay the outer method's finally (or catch) against the inner graph.
    /// </summary>
    public class NestedBodyRegionTests
    {
        [Theory]
        // A lambda with a throw, declared inside a lock statement.
        [InlineData(@"void F(IommuGroup g) { lock (_gate) { Action a = () => { if (g == null) throw new InvalidOperationException(); {|IOMMU0100:g.OwnerCount|}++; }; a(); } }")]
        // ... inside a Monitor.Enter try/finally.
        [InlineData(@"void F(IommuGroup g) { Monitor.Enter(_gate); try { Func<int> f = () => { if (g == null) throw new InvalidOperationException(); return {|IOMMU0100:g.OwnerCount|}; }; f(); } finally { Monitor.Exit(_gate); } }")]
        // ... inside a try/catch.
        [InlineData(@"void F(IommuGroup g) { try { Action a = () => { throw new InvalidOperationException({|IOMMU0100:g.Owner|}?.ToString()); }; a(); } catch (InvalidOperationException) { } }")]
        // A local function with a throw, declared inside a guarded try/finally.
        [InlineData(@"void F(IommuGroup g) { _mutex.Lock(); try { Local(); void Local() { if (g == null) throw new ArgumentNullException(nameof(g)); {|IOMMU0100:g.Domain|} = null; } } finally { _mutex.Unlock(); } }")]
        public Task ThrowInNestedBodyInsideTry_IsAnalysedOnItsOwnGraph(string members) => LockTestSource.VerifyMembersAsync(members);

        [Theory]
        // The near misses: the same shapes where the nested body holds the lock itself, so nothing is reported.
        [InlineData(@"void F(IommuGroup g) { lock (_gate) { Action a = () => { using (g.Mutex.Guard()) { if (g.Owner != null) throw new InvalidOperationException(); g.OwnerCount++; } }; a(); } }")]
        [InlineData(@"void F(IommuGroup g) { Monitor.Enter(_gate); try { Action a = () => { g.Mutex.Lock(); try { if (g.OwnerCount == 0) throw new InvalidOperationException(); } finally { g.Mutex.Unlock(); } }; a(); } finally { Monitor.Exit(_gate); } }")]
        [InlineData(@"void F(IommuGroup g) { try { Local(); void Local() { using (g.Mutex.Guard()) { if (g.Owner == null) throw new InvalidOperationException(); } } } catch (InvalidOperationException) { } }")]
        [InlineData(@"void F(IommuGroup g) { _mutex.Lock(); try { Action a = () => throw new InvalidOperationException(); a(); _count++; } finally { _mutex.Unlock(); } }")]
        public Task ThrowInNestedBodyInsideTry_NoFalseReport(string members) => LockTestSource.VerifyMembersAsync(members);
    }
}
