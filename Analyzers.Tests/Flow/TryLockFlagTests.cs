using System.Linq;
using IommuAnalyzers.Flow;
using Xunit;

namespace IommuAnalyzers.Tests.Flow
{
    /// <summary>Try-locks and lock-taken flags carried through locals: the flag decides the lock on each branch, and the join re-forms "held iff flag".</summary>
    public class TryLockFlagTests
    {
        private static string Port(string members) => LockFlowAnalysisTests.Port(members);

        [Fact]
        public void MonitorTryEnter_RefTaken_TheDocumentedForm_IsClean()
        {
            FlowHarness h = FlowHarness.Analyze(Port(@"
    void F()
    {
        bool taken = false;
        try
        {
            Monitor.TryEnter(_gate, ref taken);
            if (taken) { _monitorCount++; } else { Console.WriteLine(""busy""); }
        }
        finally
        {
            if (taken) Monitor.Exit(_gate);
        }
    }"), "F");

            Assert.Equal(new[] { "_monitorCount: {_gate}" }, h.AccessStates().Select(s => s.Replace("this.", string.Empty)));
            Assert.Empty(h.Joins());
            Assert.All(h.ExitStates(), s => Assert.EndsWith("{}", s));
            Assert.All(h.Events(LockEventKind.Release), e => Assert.True(e.State.IsHeld(e.Lock!)));
        }

        [Fact]
        public void MonitorTryEnter_WithTimeout_RefTaken_AccessAfterTheIf_IsHeldIffTaken()
        {
            FlowHarness h = FlowHarness.Analyze(Port(@"
    void F()
    {
        bool taken = false;
        try
        {
            Monitor.TryEnter(_gate, 100, ref taken);
            if (!taken) return;
            _monitorCount++;
        }
        finally
        {
            if (taken) Monitor.Exit(_gate);
        }
    }"), "F");

            Assert.Equal(new[] { "_monitorCount: {this._gate}" }, h.AccessStates());
            Assert.Empty(h.Joins());
            Assert.All(h.ExitStates(), s => Assert.EndsWith("{}", s));
        }

        [Fact]
        public void NearMiss_TakenFlagIgnored_AccessIsNotHeld()
        {
            FlowHarness h = FlowHarness.Analyze(Port(@"
    void F()
    {
        bool taken = false;
        try
        {
            Monitor.TryEnter(_gate, ref taken);
            _monitorCount++;
        }
        finally
        {
            if (taken) Monitor.Exit(_gate);
        }
    }"), "F");

            Assert.Equal(new[] { "_monitorCount: {}" }, h.AccessStates());
        }

        [Fact]
        public void NegatedTryLock_ThroughALocal_AndAChainOfLocals()
        {
            FlowHarness h = FlowHarness.Analyze(Port(@"
    void F(IommuGroup g)
    {
        bool busy = !g.Mutex.TryLock();
        if (busy) return;
        g.OwnerCount++;
        g.Mutex.Unlock();
    }
    void G(IommuGroup g)
    {
        bool ok = g.Mutex.TryLock();
        bool failed = !ok;
        bool stillFailed = failed;
        if (stillFailed) { return; }
        g.Owner = null;
        g.Mutex.Unlock();
    }"), "F");
            Assert.Equal(new[] { "OwnerCount: {g.Mutex}" }, h.AccessStates());
            Assert.Empty(h.Joins());

            FlowHarness g = FlowHarness.Analyze(h.Source, "G");
            Assert.Equal(new[] { "Owner: {g.Mutex}" }, g.AccessStates());
            Assert.Empty(g.Joins());
        }

        [Fact]
        public void NearMiss_NegatedFlag_TestedTheWrongWay_IsNotHeld()
        {
            FlowHarness h = FlowHarness.Analyze(Port(@"
    void F(IommuGroup g)
    {
        bool busy = !g.Mutex.TryLock();
        if (!busy) return;
        g.OwnerCount++;
    }"), "F");

            Assert.Equal(new[] { "OwnerCount: {}" }, h.AccessStates());
        }

        [Fact]
        public void NearMiss_FlagReassignedAfterTheTry_NoLongerDecides()
        {
            FlowHarness h = FlowHarness.Analyze(Port(@"
    void F(IommuGroup g, bool other)
    {
        bool ok = g.Mutex.TryLock();
        ok = other;
        if (!ok) return;
        g.OwnerCount++;
    }"), "F");

            Assert.Equal(new[] { "OwnerCount: {}" }, h.AccessStates());
        }

        [Fact]
        public void ThreadingLockTryEnter_HoldsOnTheTrueBranch()
        {
            FlowHarness h = FlowHarness.Analyze(Port(@"
    void F()
    {
        if (!_lock.TryEnter()) return;
        try { _lockCount++; } finally { _lock.Exit(); }
    }"), "F");

            Assert.Equal(new[] { "_lockCount: {this._lock}" }, h.AccessStates());
            Assert.All(h.ExitStates(), s => Assert.EndsWith("{}", s));
        }
    }
}
