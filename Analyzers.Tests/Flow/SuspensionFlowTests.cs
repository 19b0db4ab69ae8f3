using System.Collections.Generic;
using System.Linq;
using IommuAnalyzers.Flow;
using Xunit;

namespace IommuAnalyzers.Tests.Flow
{
    /// <summary>The engine's <see cref="LockEventKind.Suspension"/> events: one per await / yield return, with the state it suspends with.</summary>
    public class SuspensionFlowTests
    {
        private static string Port(string members) => @"using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Iommu;

class Port
{
    private readonly KMutex _mutex = new KMutex();
    private readonly object _gate = new object();

    [GuardedBy(nameof(_mutex))] private int _count;

" + members + @"
}";

        private static IReadOnlyList<string> Suspensions(FlowHarness h) => h.Events(LockEventKind.Suspension)
            .Select(e => h.Source.Substring(e.Location.SourceSpan.Start, e.Location.SourceSpan.Length) + ": " + e.State)
            .ToList();

        [Fact]
        public void Await_RecordsTheStateBeforeIt_AfterTheOperandIsEvaluated()
        {
            FlowHarness h = FlowHarness.Analyze(Port(@"
    async Task F(IommuGroup g)
    {
        g.Mutex.Lock();
        await Task.Delay(1);
        g.Mutex.Unlock();
        await Task.Yield();
    }"), "F");

            Assert.Equal(new[] { "await Task.Delay(1): {g.Mutex}", "await Task.Yield(): {}" }, Suspensions(h));
        }

        [Fact]
        public void YieldReturn_InsideALockStatement_SuspendsWithItsLock_AndYieldBreakIsAnExit()
        {
            FlowHarness h = FlowHarness.Analyze(Port(@"
    IEnumerable<int> F(bool stop)
    {
        lock (_gate)
        {
            if (stop) yield break;
            yield return 1;
        }

        yield return 2;
    }"), "F");

            Assert.Equal(new[] { "yield return 1;: {this._gate}", "yield return 2;: {}" }, Suspensions(h));
        }

        [Fact]
        public void AwaitForeach_SuspendsAtEachStepAndAtDispose_BothAtItsAwaitKeyword()
        {
            FlowHarness h = FlowHarness.Analyze(Port(@"
    async Task F(IAsyncEnumerable<int> items)
    {
        using (_mutex.Guard())
        {
            await foreach (int i in items) { _count += i; }
        }
    }"), "F");

            Assert.Equal(new[] { "await: {this._mutex}", "await: {this._mutex}" }, Suspensions(h));
        }

        [Fact]
        public void LockTakenOnOnePath_IsHeldOnSomePathsOnly_AtTheAwait()
        {
            FlowHarness h = FlowHarness.Analyze(Port(@"
    async Task F(bool c)
    {
        if (c) _mutex.Lock();
        await Task.Delay(1);
        if (c) _mutex.Unlock();
    }"), "F");

            Assert.Equal(new[] { "await Task.Delay(1): {~this._mutex}" }, Suspensions(h));
        }

        [Fact]
        public void AwaitInsideALambda_BelongsToTheLambdasBody_NotToTheEnclosingOne()
        {
            string source = Port(@"
    void F()
    {
        using (_mutex.Guard())
        {
            Func<Task> later = async () => await Task.Delay(1);
            _count++;
        }
    }");

            Assert.Empty(Suspensions(FlowHarness.Analyze(source, "F")));
            Assert.Equal(new[] { "await Task.Delay(1): {}" }, Suspensions(FlowHarness.Analyze(source, "F", "lambda")));
        }
    }
}
