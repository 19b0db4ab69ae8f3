using System;
using System.Linq;
using System.Threading;
using IommuAnalyzers.Flow;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace IommuAnalyzers.Tests.Flow
{
    /// <summary>The engine alone, on small graph shapes: the lock sets it computes at accesses, exits and joins.</summary>
    public class LockFlowAnalysisTests
    {
        /// <summary>The Port class with one lock of each kind and a guarded field for each, around <paramref name="members"/>.</summary>
        internal static string Port(string members) => @"using System;
using System.Threading;
using Iommu;

class Port
{
    private readonly KMutex _mutex = new KMutex();
    private readonly object _gate = new object();
    private readonly Lock _lock = new Lock();

    [GuardedBy(nameof(_mutex))] private int _count;
    [GuardedBy(nameof(_gate))] private int _monitorCount;
    [GuardedBy(nameof(_lock))] private int _lockCount;

" + members + @"
}";

        [Fact]
        public void IfElse_LockedOnBothArms_IsHeldAfterTheJoin()
        {
            FlowHarness h = FlowHarness.Analyze(Port(@"
    void F(IommuGroup g, bool c)
    {
        if (c) { g.Mutex.Lock(); } else { g.Mutex.Lock(); }
        g.OwnerCount++;
        g.Mutex.Unlock();
    }"), "F");

            Assert.Equal(new[] { "OwnerCount: {g.Mutex}" }, h.AccessStates());
            Assert.Equal(new[] { "EndOfBody: {}" }, h.ExitStates());
            Assert.Empty(h.Joins());
        }

        [Fact]
        public void IfWithoutElse_LockedOnOneArm_IsHeldOnSomePaths_AndTheJoinIsReportedOnce()
        {
            FlowHarness h = FlowHarness.Analyze(Port(@"
    void F(IommuGroup g, bool c)
    {
        if (c) g.Mutex.Lock();
        g.OwnerCount++;
        g.Owner = null;
        if (c) g.Mutex.Unlock();
    }"), "F");

            Assert.Equal(new[] { "OwnerCount: {~g.Mutex}", "Owner: {~g.Mutex}" }, h.AccessStates());
            Assert.Equal(new[] { "g.Mutex at 'g.OwnerCount++;'" }, h.Joins());
        }

        [Fact]
        public void NestedLoops_WithBreakAndContinue_KeepTheOuterLock()
        {
            FlowHarness h = FlowHarness.Analyze(Port(@"
    void F(IommuGroup g, int n)
    {
        for (int i = 0; i < n; i++)
        {
            g.Mutex.Lock();
            for (int j = 0; j < n; j++)
            {
                if (j == 3) continue;
                if (j == 5) break;
                g.OwnerCount++;
            }

            g.Owner = null;
            g.Mutex.Unlock();
        }

        g.Domain = null;
    }"), "F");

            Assert.Equal(new[] { "OwnerCount: {g.Mutex}", "Owner: {g.Mutex}", "Domain: {}" }, h.AccessStates());
            Assert.Empty(h.Joins());
        }

        [Fact]
        public void LoopThatLocksWithoutUnlocking_DivergesAtTheLoopHead()
        {
            FlowHarness h = FlowHarness.Analyze(Port(@"
    void F(IommuGroup g, int n)
    {
        while (n-- > 0)
        {
            g.Mutex.Lock();
        }
    }"), "F");

            Assert.Single(h.Joins());
            Assert.StartsWith("g.Mutex at", h.Joins()[0]);
        }

        [Fact]
        public void GotoUnlockLabel_KernelStyle_ReleasesOnEveryPath_ThroughALocalAlias()
        {
            FlowHarness h = FlowHarness.Analyze(Port(@"
    int F(Device dev, bool a, bool b)
    {
        var group = dev.Group!;
        int ret = 0;
        group.Mutex.Lock();
        if (a) { ret = -16; goto unlock; }
        dev.Group!.OwnerCount++;
        if (b) { ret = -22; goto unlock; }
        group.Owner = null;
    unlock:
        group.Mutex.Unlock();
        return ret;
    }"), "F");

            Assert.Equal(new[] { "OwnerCount: {dev.Group.Mutex}", "Owner: {dev.Group.Mutex}" }, h.AccessStates());
            Assert.Equal(new[] { "Return: {}" }, h.ExitStates());
            Assert.Empty(h.Joins());
        }

        [Fact]
        public void SwitchWithFallOutReturns_LeaksOnlyOnTheCaseThatForgetsToUnlock()
        {
            FlowHarness h = FlowHarness.Analyze(Port(@"
    int F(IommuGroup g, int k)
    {
        g.Mutex.Lock();
        switch (k)
        {
            case 0:
                g.Mutex.Unlock();
                return 0;
            case 1:
                return 1;
            default:
                break;
        }

        g.Mutex.Unlock();
        return 2;
    }"), "F");

            Assert.Equal(new[] { "Return: {}", "Return: {g.Mutex}", "Return: {}" }, h.ExitStates());
        }

        [Fact]
        public void BareReturns_AreLocatedAtTheirStatements()
        {
            FlowHarness h = FlowHarness.Analyze(Port(@"
    void F(IommuGroup g, bool a, bool b)
    {
        g.Mutex.Lock();
        if (a)
        {
            g.Mutex.Unlock();
            return;
        }

        if (b)
            return;
        g.Mutex.Unlock();
    }"), "F");

            var exits = h.Events(LockEventKind.Exit).Select(e => (e.ExitKind, Text: e.Location.SourceTree!.GetText().ToString(e.Location.SourceSpan), Held: e.State.ToString())).ToList();
            Assert.Equal(3, exits.Count);
            Assert.Equal((LockExitKind.Return, "return;", "{}"), exits[0]);
            Assert.Equal((LockExitKind.Return, "return;", "{g.Mutex}"), exits[1]);
            Assert.Equal((LockExitKind.EndOfBody, "}", "{}"), exits[2]);
            Assert.True(exits[1].Item2 == "return;" && h.Events(LockEventKind.Exit).ElementAt(1).Location.SourceSpan.Start > h.Events(LockEventKind.Exit).ElementAt(0).Location.SourceSpan.Start);
        }

        [Fact]
        public void TryFinally_ReleaseInFinally_CoversReturnsAndThrows()
        {
            FlowHarness h = FlowHarness.Analyze(Port(@"
    int F(IommuGroup g, int k)
    {
        g.Mutex.Lock();
        try
        {
            if (k == 0) return 0;
            if (k == 1) throw new InvalidOperationException();
            g.OwnerCount = k;
            return 2;
        }
        finally
        {
            g.Mutex.Unlock();
        }
    }"), "F");

            Assert.Equal(new[] { "OwnerCount: {g.Mutex}" }, h.AccessStates());
            Assert.Equal(new[] { "Return: {}", "Throw: {}", "Return: {}" }, h.ExitStates());
            Assert.Single(h.Events(LockEventKind.Release));
        }

        [Fact]
        public void ThrowCaughtByTheSameMethod_FlowsToTheHandler_NotOut()
        {
            FlowHarness h = FlowHarness.Analyze(Port(@"
    void F(IommuGroup g, bool c)
    {
        try
        {
            g.Mutex.Lock();
            if (c) throw new InvalidOperationException();
            g.Mutex.Unlock();
        }
        catch (InvalidOperationException)
        {
            g.OwnerCount = 0;
            g.Mutex.Unlock();
        }
    }"), "F");

            Assert.Equal(new[] { "OwnerCount: {g.Mutex}" }, h.AccessStates());
            Assert.Equal(new[] { "EndOfBody: {}" }, h.ExitStates());
        }

        [Fact]
        public void UsingDeclarationAndStatement_OverGuard_HoldUntilTheScopeEnds()
        {
            FlowHarness h = FlowHarness.Analyze(Port(@"
    int F(IommuGroup g, IommuGroup other, bool c)
    {
        using (other.Mutex.Guard())
        {
            other.OwnerCount++;
            if (c) return 1;
        }

        using var guard = g.Mutex.Guard();
        g.OwnerCount++;
        other.Owner = null;
        return 0;
    }"), "F");

            Assert.Equal(new[] { "OwnerCount: {other.Mutex}", "OwnerCount: {g.Mutex}", "Owner: {g.Mutex}" }, h.AccessStates());
            Assert.Equal(new[] { "Return: {}", "Return: {}" }, h.ExitStates());
        }

        [Fact]
        public void TryLock_HoldsOnlyOnTheTrueBranch_DirectlyOrThroughALocal()
        {
            FlowHarness h = FlowHarness.Analyze(Port(@"
    int F(IommuGroup g, IommuGroup h)
    {
        if (!g.Mutex.TryLock())
            return -16;
        g.OwnerCount++;
        g.Mutex.Unlock();

        bool ok = h.Mutex.TryLock();
        if (ok)
        {
            h.OwnerCount++;
            h.Mutex.Unlock();
        }

        h.Owner = null;
        return 0;
    }"), "F");

            Assert.Equal(new[] { "OwnerCount: {g.Mutex}", "OwnerCount: {h.Mutex}", "Owner: {}" }, h.AccessStates());
            Assert.Equal(new[] { "Return: {}", "Return: {}" }, h.ExitStates());
            Assert.Empty(h.Joins());
        }

        [Fact]
        public void PatternMatchingConditions_TryLockIsFalse_AndADeclaredGroupAlias()
        {
            FlowHarness h = FlowHarness.Analyze(Port(@"
    void F(Device dev, IommuGroup g)
    {
        if (g.Mutex.TryLock() is false)
            return;
        g.OwnerCount++;
        g.Mutex.Unlock();

        if (dev.Group is { } group)
        {
            using (group.Mutex.Guard())
            {
                dev.Group.OwnerCount++;
            }
        }

        if (dev.Group is IommuGroup typed && typed.Id > 0)
        {
            typed.Mutex.Lock();
            dev.Group.Owner = null;
            typed.Mutex.Unlock();
        }
    }"), "F");

            Assert.Equal(new[] { "OwnerCount: {g.Mutex}", "OwnerCount: {dev.Group.Mutex}", "Owner: {dev.Group.Mutex}" }, h.AccessStates());
        }

        [Fact]
        public void Lambda_StartsWithNothingHeld_EvenInsideTheLock()
        {
            const string source = @"using System;
using Iommu;

class Port
{
    void F(IommuGroup g)
    {
        using (g.Mutex.Guard())
        {
            g.OwnerCount++;
            Action later = () => g.OwnerCount--;
            later();
        }
    }
}";
            Assert.Equal(new[] { "OwnerCount: {g.Mutex}" }, FlowHarness.Analyze(source, "F").AccessStates());
            Assert.Equal(new[] { "OwnerCount: {}" }, FlowHarness.Analyze(source, "F", "lambda").AccessStates());
        }

        [Fact]
        public void LocalFunction_WithRequiresLock_StartsWithItsLockHeld()
        {
            const string source = @"using Iommu;

class Port
{
    void F(IommuGroup g)
    {
        using (g.Mutex.Guard())
        {
            Bump(g);
        }

        [RequiresLock(""group.Mutex"")]
        static void Bump(IommuGroup group) => group.OwnerCount++;
    }
}";
            FlowHarness h = FlowHarness.Analyze(source, "F", "Bump");
            Assert.Equal(new[] { "OwnerCount: {group.Mutex}" }, h.AccessStates());
            Assert.Equal(new[] { "group.Mutex" }, h.Result.HeldOnEntry.Select(p => p.ToString()));
        }

        [Fact]
        public void LockStatement_MonitorLowering_HeldInside_ReleasedOnEveryExit_AndRecursive()
        {
            FlowHarness h = FlowHarness.Analyze(Port(@"
    void F(bool c)
    {
        lock (_gate)
        {
            _monitorCount++;
            lock (_gate)
            {
                _monitorCount++;
            }

            _monitorCount++;
            if (c) return;
        }

        _monitorCount = 0;
    }"), "F");

            Assert.Equal(new[] { "_monitorCount: {this._gate}", "_monitorCount: {this._gate*2}", "_monitorCount: {this._gate}", "_monitorCount: {}" }, h.AccessStates());
            Assert.Equal(new[] { "Return: {}", "EndOfBody: {}" }, h.ExitStates());
            Assert.Empty(h.Joins());
        }

        [Fact]
        public void MonitorEnterExit_WithLockTakenFlag_AndTryEnter()
        {
            FlowHarness h = FlowHarness.Analyze(Port(@"
    void F()
    {
        bool taken = false;
        try
        {
            Monitor.Enter(_gate, ref taken);
            _monitorCount++;
        }
        finally
        {
            if (taken) Monitor.Exit(_gate);
        }

        if (Monitor.TryEnter(_gate))
        {
            _monitorCount--;
            Monitor.Exit(_gate);
        }
    }"), "F");

            Assert.Equal(new[] { "_monitorCount: {this._gate}", "_monitorCount: {this._gate}" }, h.AccessStates());
            Assert.Equal(new[] { "EndOfBody: {}" }, h.ExitStates());
            Assert.Empty(h.Joins());
        }

        [Fact]
        public void SystemThreadingLock_LockStatementEnterScopeAndEnterExit()
        {
            FlowHarness h = FlowHarness.Analyze(Port(@"
    void F()
    {
        lock (_lock) { _lockCount++; }
        using (_lock.EnterScope()) { _lockCount++; }
        _lock.Enter();
        _lockCount++;
        _lock.Exit();
        _lockCount = 0;
    }"), "F");

            Assert.Equal(new[] { "_lockCount: {this._lock}", "_lockCount: {this._lock}", "_lockCount: {this._lock}", "_lockCount: {}" }, h.AccessStates());
            Assert.All(h.Events(LockEventKind.Acquire), e => Assert.Equal(LockKind.ThreadingLock, e.LockKind));
        }

        [Fact]
        public void AcquiresAndReleasesLockMethods_MoveTheLockAcrossCalls()
        {
            const string source = @"using Iommu;

class Port
{
    [AcquiresLock(""group.Mutex"")] static void LockGroup(IommuGroup group) => group.Mutex.Lock();
    [ReleasesLock(""group.Mutex"")] static void UnlockGroup(IommuGroup group) => group.Mutex.Unlock();

    void F(Device dev)
    {
        LockGroup(dev.Group!);
        dev.Group!.OwnerCount++;
        UnlockGroup(dev.Group!);
        dev.Group!.Owner = null;
    }
}";
            FlowHarness h = FlowHarness.Analyze(source, "F");
            Assert.Equal(new[] { "OwnerCount: {dev.Group.Mutex}", "Owner: {}" }, h.AccessStates());

            FlowHarness acquirer = FlowHarness.Analyze(source, "LockGroup");
            Assert.Equal(new[] { "group.Mutex" }, acquirer.Result.HeldAtExitByContract.Select(p => p.ToString()));
            Assert.Equal(new[] { "EndOfBody: {group.Mutex}" }, acquirer.ExitStates());
        }

        [Fact]
        public void Constructor_TouchesItsOwnGuardedState_WithoutEvents_ButNotAnotherObjects()
        {
            FlowHarness h = FlowHarness.Analyze(Port(@"
    Port(Port other)
    {
        _count = 1;
        this._monitorCount = 2;
        other._count = 3;
    }"), "Port.ctor");

            Assert.Equal(new[] { "_count: {}" }, h.AccessStates());
            Assert.Equal(LockPathRootKind.Parameter, h.Events(LockEventKind.GuardedAccess).Single().Lock!.RootKind);
        }

        [Fact]
        public void CancelledToken_StopsTheFixedPoint()
        {
            const string source = @"using Iommu;
class Port { void F(IommuGroup g) { for (int i = 0; i < 3; i++) { g.Mutex.Lock(); g.Mutex.Unlock(); } } }";
            var tree = Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(source);
            var compilation = Microsoft.CodeAnalysis.CSharp.CSharpCompilation.Create("c", new[] { tree }, Verifiers.TestReferences.WithRuntime);
            var model = compilation.GetSemanticModel(tree);
            var method = tree.GetRoot().DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax>().Single();
            var graph = Microsoft.CodeAnalysis.FlowAnalysis.ControlFlowGraph.Create((Microsoft.CodeAnalysis.Operations.IMethodBodyOperation)model.GetOperation(method)!);
            var context = new LockFlowContext(IommuSymbols.TryCreate(compilation)!.LockModel);
            using var cancelled = new CancellationTokenSource();
            cancelled.Cancel();

            Assert.ThrowsAny<OperationCanceledException>(() => LockFlowAnalysis.Analyze(graph, model.GetDeclaredSymbol(method)!, context, cancelled.Token));
            Assert.True(LockFlowAnalysis.Analyze(graph, model.GetDeclaredSymbol(method)!, context, CancellationToken.None).IsComplete);
        }

        [Fact]
        public void LargeBody_WithManyBranchesAndLoops_ReachesTheFixedPointWithinItsBound()
        {
            var body = new System.Text.StringBuilder();
            for (int i = 0; i < 150; i++)
            {
                body.Append("        if (k == " + i + ") { g.Mutex.Lock(); g.OwnerCount += " + i + "; g.Mutex.Unlock(); }\n");
                body.Append("        for (int j" + i + " = 0; j" + i + " < k; j" + i + "++) { if (j" + i + " == 3) continue; using (g.Mutex.Guard()) { g.Owner = null; } }\n");
            }

            FlowHarness h = FlowHarness.Analyze(Port("    void F(IommuGroup g, int k)\n    {\n" + body + "    }"), "F");

            Assert.True(h.Result.IsComplete);
            Assert.Equal(300, h.AccessStates().Count);
            Assert.All(h.AccessStates(), state => Assert.EndsWith("{g.Mutex}", state));
            Assert.Empty(h.Joins());
        }

        [Fact]
        public void GraphEngine_ACompoundAssignmentOfAConditionalValue_IsAWrite_WhereTheGraphCapturesItsTarget()
        {
            // The graph captures the target of _count += c ? 1 : 0 before the value's branches, so the reference's
            // parent is a capture; the near miss, a conditional read, stays a read.
            FlowHarness h = FlowHarness.Analyze(Port(@"
    void F(bool c)
    {
        _count += c ? 1 : 0;
        int n = c ? _count : 0;
    }"), "F");

            Assert.Equal(new[] { true, false }, h.Events(LockEventKind.GuardedAccess).Select(e => e.IsWrite).ToArray());
        }
    }
}
