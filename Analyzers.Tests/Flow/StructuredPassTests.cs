using System.Linq;
using IommuAnalyzers.Flow;
using Xunit;

namespace IommuAnalyzers.Tests.Flow
{
    /// <summary>
    /// Which bodies the structured pass takes and which it hands to the graph engine, each with its near miss, and the
    /// states it computes at the shapes it takes. That its events equal the graph engine's is
    /// <see cref="StructuredPassDifferentialTests"/>' job.
    /// </summary>
    public class StructuredPassTests
    {
        private static LockFlowResult? Structured(string body) => FlowHarness.Structured(LockFlowAnalysisTests.Port("    void F(IommuGroup g, bool c, int[] a)\n    {\n" + body + "\n    }"), "F");

        [Theory]
        [InlineData("lock (_gate) { _monitorCount++; }")]
        [InlineData("using (_mutex.Guard()) { _count++; }")]
        [InlineData("using var guard = _mutex.Guard(); _count++;")]
        [InlineData("lock (_gate) { if (c) return; _monitorCount++; }")]
        [InlineData("for (int i = 0; i < 3; i++) { lock (_gate) { if (c) break; _monitorCount++; } }")]
        [InlineData("try { lock (_gate) { throw new System.Exception(); } } catch (System.Exception) { }")]
        [InlineData("switch (a.Length) { case 0: lock (_gate) { _monitorCount = 0; } break; default: return; }")]
        [InlineData("foreach (int x in a) { lock (_gate) { _monitorCount += x; } }")]
        [InlineData("_mutex.Lock(); _count++; _mutex.Unlock();")]
        [InlineData("System.Threading.Monitor.Enter(_gate); _monitorCount++; System.Threading.Monitor.Exit(_gate);")]
        [InlineData("_mutex.Lock(); try { if (c) return; _count++; } finally { _mutex.Unlock(); }")]
        [InlineData("for (int i = 0; i < a.Length; i++) { lock (_gate) { a[i] = _monitorCount; } }")]
        [InlineData("lock (_gate) { goto done; } done: return;")]
        [InlineData("_mutex.Lock(); if (c) goto unlock; _count++; unlock: _mutex.Unlock();")]
        [InlineData("_mutex.Lock(); foreach (int x in a) { if (x == 0) goto unlock; _count += x; } unlock: _mutex.Unlock();")]
        [InlineData("try { if (c) goto out_; _mutex.Lock(); _mutex.Unlock(); } finally { _monitorCount = 0; } out_: ;")]
        [InlineData("var x = g; if (c) x = new IommuGroup(2); lock (_gate) { _monitorCount = x.Id; }")]
        [InlineData("while (c) { lock (_gate) { if (a.Length == 0) return; } }")]
        [InlineData("if (_mutex.TryLock()) { _count++; _mutex.Unlock(); }")]
        [InlineData("if (!_mutex.TryLock()) return; _count++; _mutex.Unlock();")]
        [InlineData("if (!System.Threading.Monitor.TryEnter(_gate, 10)) { return; } _monitorCount++; System.Threading.Monitor.Exit(_gate);")]
        public void ScopedLocking_IsTakenByTheStructuredPass(string body)
        {
            Assert.NotNull(Structured(body));
        }

        [Theory]
        [InlineData("if (c) _mutex.Lock(); _count++; if (c) _mutex.Unlock();")]
        [InlineData("bool taken = false; System.Threading.Monitor.Enter(_gate, ref taken); _monitorCount++; if (taken) System.Threading.Monitor.Exit(_gate);")]
        [InlineData("while (!_mutex.TryLock()) { } _count++; _mutex.Unlock();")]
        [InlineData("if (c && _mutex.TryLock()) { _count++; _mutex.Unlock(); }")]
        [InlineData("bool ok = _mutex.TryLock(); if (ok) { _count++; _mutex.Unlock(); }")]
        [InlineData("_ = _mutex.TryLock() ? _count++ : 0;")]
        [InlineData("var guard = _mutex.Guard(); _count++; guard.Dispose();")]
        [InlineData("lock (_gate) { System.Action act = () => _monitorCount++; act(); }")]
        [InlineData("again: lock (_gate) { if (c) goto again; }")]
        [InlineData("using var guard = _mutex.Guard(); if (c) goto done; _count++; done: return;")]
        [InlineData("switch (a.Length) { case 0: goto case 1; case 1: lock (_gate) { } break; }")]
        [InlineData("lock (_lock) { _lockCount++; }")]
        [InlineData("var x = g; x = new IommuGroup(2); lock (x) { }")]
        [InlineData("var x = g; if (c && (x = new IommuGroup(2)) != null) { lock (_gate) { _monitorCount = x.Id; } }")]
        [InlineData("var x = g; try { lock (_gate) { _monitorCount = x.Id; } } finally { x = new IommuGroup(2); } lock (_gate) { _monitorCount = x.Id; }")]
        [InlineData("if (false) { lock (_gate) { } }")]
        [InlineData("while (true) { lock (_gate) { if (c) return; } }")]
        [InlineData("while (true) { if (_mutex.TryLock()) { _mutex.Unlock(); return; } }")]
        [InlineData("using (_mutex.Guard()) { while (c) { using (_mutex.Guard()) { _count--; } } }")]
        public void ExplicitOrUnmodeledLocking_FallsBackToTheGraphEngine(string body)
        {
            Assert.Null(Structured(body));
        }

        [Fact]
        public void ATryLockTestedByAnIf_IsHeldOnTheBranchWhereItSucceeded_AndNotOnTheOther()
        {
            LockFlowResult result = Structured("if (!_mutex.TryLock()) { _count--; return; } _count++; _mutex.Unlock(); if (_mutex.TryLock()) { _count += 2; _mutex.Unlock(); } else { _count -= 2; }")!;

            LockEvent[] accesses = result.Events.Where(e => e.Kind == LockEventKind.GuardedAccess).OrderBy(e => e.Location.SourceSpan.Start).ToArray();
            Assert.Equal(new[] { false, true, true, false }, accesses.Select(a => a.State.IsHeld(a.Lock!)).ToArray());
            Assert.Equal(2, result.Events.Count(e => e.Kind == LockEventKind.Acquire && e.IsTry));
        }

        [Fact]
        public void AForwardGotoOutOfALockedSection_ReleasesTheLock_AndJoinsAtItsLabel()
        {
            LockFlowResult result = Structured("_mutex.Lock(); if (c) goto unlock; _count++; unlock: _mutex.Unlock(); _count++;")!;

            LockEvent[] accesses = result.Events.Where(e => e.Kind == LockEventKind.GuardedAccess).OrderBy(e => e.Location.SourceSpan.Start).ToArray();
            Assert.Equal(2, accesses.Length);
            Assert.True(accesses[0].State.IsHeld(accesses[0].Lock!));
            Assert.False(accesses[1].State.IsHeld(accesses[1].Lock!));
            Assert.Single(result.Events, e => e.Kind == LockEventKind.Release);
        }

        [Fact]
        public void InsideALockStatement_TheLockIsHeld_AndEveryExitReleasesIt()
        {
            LockFlowResult result = Structured("lock (_gate) { if (c) return; _monitorCount++; }")!;

            LockEvent access = result.Events.Single(e => e.Kind == LockEventKind.GuardedAccess);
            Assert.True(access.State.IsHeld(access.Lock!));
            Assert.All(result.Events.Where(e => e.Kind == LockEventKind.Exit), exit => Assert.Empty(exit.State.Locks));
            Assert.Equal(2, result.Events.Count(e => e.Kind == LockEventKind.Exit));
            Assert.Single(result.Events, e => e.Kind == LockEventKind.Release);
        }

        [Fact]
        public void AfterAUsingDeclaration_TheRestOfTheBlockHoldsTheGuardsLock_AndTheBlockBeforeItDoesNot()
        {
            LockFlowResult result = Structured("_count = 1; using var guard = _mutex.Guard(); _count++;")!;

            LockEvent[] accesses = result.Events.Where(e => e.Kind == LockEventKind.GuardedAccess).OrderBy(e => e.Location.SourceSpan.Start).ToArray();
            Assert.Equal(2, accesses.Length);
            Assert.False(accesses[0].State.IsHeld(accesses[0].Lock!));
            Assert.True(accesses[1].State.IsHeld(accesses[1].Lock!));
        }

        [Fact]
        public void AFinallyThatUnlocks_ReleasesTheLockOnEveryExitThatLeavesItsTry()
        {
            LockFlowResult result = Structured("_mutex.Lock(); try { if (c) return; _count++; } finally { _mutex.Unlock(); }")!;

            LockEvent[] exits = result.Events.Where(e => e.Kind == LockEventKind.Exit).ToArray();
            Assert.Equal(2, exits.Length);
            Assert.All(exits, exit => Assert.Empty(exit.State.Locks));
            Assert.Single(result.Events, e => e.Kind == LockEventKind.Release);
        }
    }
}
