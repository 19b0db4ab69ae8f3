using System.Collections.Generic;
using System.Linq;
using IommuAnalyzers.Flow;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace IommuAnalyzers.Tests.Flow
{
    /// <summary>
    /// The engine on contracts of every member kind: the events at the use site (which lock, bound to which receiver
    /// or argument, with which locks held) and the entry state of the annotated body.
    /// </summary>
    public class MemberKindContractTests
    {
        private static string Source(string members) => @"using System;
using System.Threading;
using Iommu;

class Port
{
    public readonly KMutex Mutex = new KMutex();
    [GuardedBy(nameof(Mutex))] public int Count;
" + members + @"
}";

        /// <summary>"Member needs lock {held}" per [RequiresLock]/[ExcludesLock] event, in source order.</summary>
        private static IReadOnlyList<string> Contracts(FlowHarness h) => h.Result.Events
            .Where(e => e.Kind == LockEventKind.RequiredLock || e.Kind == LockEventKind.ExcludedLock)
            .OrderBy(e => e.Location.SourceSpan.Start)
            .Select(e => LockNames.Of(e.Member!) + (e.Kind == LockEventKind.RequiredLock ? " requires " : " excludes ") + e.Lock + " " + e.State)
            .ToList();

        private static IReadOnlyList<string> Moves(FlowHarness h) => h.Result.Events
            .Where(e => e.Kind == LockEventKind.Acquire || e.Kind == LockEventKind.Release)
            .OrderBy(e => e.Location.SourceSpan.Start)
            .Select(e => e.Kind + " " + e.Lock + (e.IsScoped ? " scoped" : string.Empty))
            .ToList();

        [Fact]
        public void LocalFunction_ReceiverRootedContract_BindsToTheEnclosingInstance()
        {
            FlowHarness h = FlowHarness.Analyze(Source(@"
    void F()
    {
        Bump();
        using (Mutex.Guard()) { Bump(); }
        [RequiresLock(nameof(Mutex))] void Bump() => Count++;
    }"), "F");

            Assert.Equal(new[] { "Bump requires this.Mutex {}", "Bump requires this.Mutex {this.Mutex}" }, Contracts(h));
        }

        [Fact]
        public void LocalFunction_EnclosingParameter_BindsToThatParameter_NotToAnArgumentInTheSamePosition()
        {
            FlowHarness h = FlowHarness.Analyze(Source(@"
    void F(IommuGroup group, IommuGroup other)
    {
        Touch(other);
        group.Mutex.Lock();
        Touch(other);
        group.Mutex.Unlock();
        [RequiresLock(""group.Mutex"")] void Touch(IommuGroup unused) => group.OwnerCount++;
    }"), "F");

            Assert.Equal(new[] { "Touch requires group.Mutex {}", "Touch requires group.Mutex {group.Mutex}" }, Contracts(h));
        }

        [Fact]
        public void LocalFunction_Body_StartsWithItsContract_OnTheEnclosingParameter()
        {
            FlowHarness h = FlowHarness.Analyze(Source(@"
    void F(IommuGroup group, IommuGroup other)
    {
        [RequiresLock(""group.Mutex"")] void Touch() { group.OwnerCount++; other.OwnerCount++; }
    }"), "F", "Touch");

            Assert.Equal(new[] { "group.Mutex" }, h.Result.HeldOnEntry.Select(p => p.ToString()));
            Assert.Equal(new[] { "OwnerCount: {group.Mutex}", "OwnerCount: {group.Mutex}" }, h.AccessStates());
            Assert.Equal(new[] { "group.Mutex", "other.Mutex" }, h.Events(LockEventKind.GuardedAccess).Select(e => e.Lock!.ToString()));
        }

        [Fact]
        public void LocalFunction_OwnParameterShadowsTheEnclosingOne()
        {
            FlowHarness h = FlowHarness.Analyze(Source(@"
    void F(IommuGroup group, IommuGroup other)
    {
        Touch(other);
        [RequiresLock(""group.Mutex"")] static void Touch(IommuGroup group) => group.OwnerCount++;
    }"), "F");

            Assert.Equal(new[] { "Touch requires other.Mutex {}" }, Contracts(h));
        }

        [Fact]
        public void LocalFunction_AcquiresAndReleases_MoveTheLockAtTheCall()
        {
            FlowHarness h = FlowHarness.Analyze(Source(@"
    void F(IommuGroup group)
    {
        Take();
        group.OwnerCount++;
        Give();
        [AcquiresLock(""group.Mutex"")] void Take() => group.Mutex.Lock();
        [ReleasesLock(""group.Mutex"")] void Give() => group.Mutex.Unlock();
    }"), "F");

            Assert.Equal(new[] { "OwnerCount: {group.Mutex}" }, h.AccessStates());
            Assert.Equal(new[] { "EndOfBody: {}" }, h.ExitStates());
        }

        [Fact]
        public void BinaryOperator_BindsOperandsToItsParameters()
        {
            FlowHarness h = FlowHarness.Analyze(Source(@"
    [RequiresLock(""b.Mutex"")] public static Port operator +(Port a, Port b) => a;
    void F(Port x, Port y)
    {
        _ = x + y;
        using (y.Mutex.Guard()) { _ = x + y; }
        using (x.Mutex.Guard()) { _ = x + y; }
    }"), "F");

            Assert.Equal(new[] { "operator + requires y.Mutex {}", "operator + requires y.Mutex {y.Mutex}", "operator + requires y.Mutex {x.Mutex}" }, Contracts(h));
        }

        [Fact]
        public void UnaryIncrementAndCompoundOperators_AreCallsOfTheirMethods()
        {
            FlowHarness h = FlowHarness.Analyze(Source(@"
    [ExcludesLock(""p.Mutex"")] public static Port operator !(Port p) => p;
    [RequiresLock(""p.Mutex"")] public static Port operator ++(Port p) => p;
    [RequiresLock(""a.Mutex"")] public static Port operator -(Port a, int n) => a;
    void F(Port x)
    {
        _ = !x;
        x++;
        x -= 2;
    }"), "F");

            Assert.Equal(new[] { "operator ! excludes x.Mutex {}", "operator ++ requires x.Mutex {}", "operator - requires x.Mutex {}" }, Contracts(h));
        }

        [Fact]
        public void ConversionOperator_BindsItsOperand_AndItsAcquireTakesTheLock()
        {
            FlowHarness h = FlowHarness.Analyze(Source(@"
    [AcquiresLock(""p.Mutex"")] public static explicit operator int(Port p) { p.Mutex.Lock(); return 0; }
    [RequiresLock(""p.Mutex"")] public static implicit operator long(Port p) => 0;
    void F(Port x)
    {
        int n = (int)x;
        x.Count = n;
        long l = x;
        x.Mutex.Unlock();
    }"), "F");

            Assert.Equal(new[] { "Acquire x.Mutex", "Release x.Mutex" }, Moves(h));
            Assert.Equal(new[] { "Count: {x.Mutex}" }, h.AccessStates());
            Assert.Equal(new[] { "implicit operator long requires x.Mutex {x.Mutex}" }, Contracts(h));
        }

        [Fact]
        public void BuiltInOperators_AreNoCalls()
        {
            FlowHarness h = FlowHarness.Analyze(Source(@"
    [RequiresLock(""a.Mutex"")] public static Port operator +(Port a, Port b) => a;
    void F(int a, int b, Port x) { _ = a + b; _ = -a; a++; b += a; object o = x; }"), "F");

            Assert.Empty(Contracts(h));
        }

        [Fact]
        public void Indexer_ParameterRootedContract_BindsToTheIndexArgument()
        {
            FlowHarness h = FlowHarness.Analyze(Source(@"
    [RequiresLock(""group.Mutex"")] public int this[IommuGroup group] { get => group.OwnerCount; set => group.OwnerCount = value; }
    void F(IommuGroup g, IommuGroup h)
    {
        _ = this[g];
        using (g.Mutex.Guard()) { _ = this[g]; this[g] = 1; _ = this[h]; }
    }"), "F");

            Assert.Equal(new[] { "this[] requires g.Mutex {}", "this[] requires g.Mutex {g.Mutex}", "this[] requires g.Mutex {g.Mutex}", "this[] requires h.Mutex {g.Mutex}" }, Contracts(h));
        }

        [Fact]
        public void AccessorContracts_ApplyOnlyToTheAccessorThatRuns()
        {
            FlowHarness h = FlowHarness.Analyze(Source(@"
    public int Level { get => 0; [RequiresLock(nameof(Mutex))] set { } }
    public int Other { [RequiresLock(nameof(Mutex))] get => 0; set { } }
    void F()
    {
        _ = Level;
        Level = 1;
        Other = 1;
        _ = Other;
        Other++;
    }"), "F");

            Assert.Equal(new[] { "Level requires this.Mutex {}", "Other requires this.Mutex {}", "Other requires this.Mutex {}" }, Contracts(h));
            Assert.Equal(new[] { "Level = 1", "_ = Other", "Other++" }, h.Result.Events.Where(e => e.Kind == LockEventKind.RequiredLock).OrderBy(e => e.Location.SourceSpan.Start).Select(e => e.Syntax!.Parent!.ToString()));
        }

        [Fact]
        public void PropertyAndAccessorContracts_BothApply_EachOnce()
        {
            FlowHarness h = FlowHarness.Analyze(Source(@"
    public readonly object Gate = new object();
    [RequiresLock(nameof(Mutex))] public int Level { get => 0; [RequiresLock(nameof(Gate))] set { } }
    void F() { _ = Level; Level++; }"), "F");

            Assert.Equal(new[] { "Level requires this.Mutex {}", "Level requires this.Mutex {}", "Level requires this.Gate {}" }, Contracts(h));
        }

        [Fact]
        public void AcquiringSetter_TakesTheLock()
        {
            FlowHarness h = FlowHarness.Analyze(Source(@"
    public bool Locked { get => false; [AcquiresLock(nameof(Mutex))] set => Mutex.Lock(); }
    void F() { Locked = true; Count++; Mutex.Unlock(); }"), "F");

            Assert.Equal(new[] { "Count: {this.Mutex}" }, h.AccessStates());
            Assert.Equal(new[] { "Acquire this.Mutex", "Release this.Mutex" }, Moves(h));
        }

        [Fact]
        public void ScopedAcquire_UserMethodReturningAGuard_IsReleasedWhenTheScopeEnds()
        {
            FlowHarness h = FlowHarness.Analyze(Source(@"
    [AcquiresLock(""group.Mutex"")] static MutexGuard Hold(IommuGroup group) => group.Mutex.Guard();
    sealed class Token : IDisposable { public void Dispose() { } }
    [AcquiresLock(nameof(Mutex))] Token Enter() { Mutex.Lock(); return new Token(); }
    void F(IommuGroup g)
    {
        using (Hold(g)) { g.OwnerCount++; }
        using var t = Enter();
        Count++;
    }"), "F");

            Assert.Equal(new[] { "OwnerCount: {g.Mutex}", "Count: {this.Mutex}" }, h.AccessStates());
            Assert.Equal(new[] { "EndOfBody: {}" }, h.ExitStates());
            Assert.Empty(h.Joins());
            // A using declaration's dispose is located at the declaration, which starts before its call.
            Assert.Equal(new[] { "Acquire g.Mutex", "Release g.Mutex scoped", "Release this.Mutex scoped", "Acquire this.Mutex" }, Moves(h));
        }

        [Fact]
        public void ScopedAcquire_NotDisposable_OrNotAnnotated_IsNoGuard()
        {
            FlowHarness h = FlowHarness.Analyze(Source(@"
    [AcquiresLock(nameof(Mutex))] int EnterInt() { Mutex.Lock(); return 0; }
    sealed class Token : IDisposable { public void Dispose() { } }
    Token Plain() => new Token();
    void F()
    {
        EnterInt();
        using (Plain()) { }
        Count++;
    }"), "F");

            Assert.Equal(new[] { "Count: {this.Mutex}" }, h.AccessStates());
            Assert.Equal(new[] { "EndOfBody: {this.Mutex}" }, h.ExitStates());
        }

        private const string Extension = @"
static class GroupExtensions
{
    extension(IommuGroup group)
    {
        [RequiresLock(""group.Mutex"")] public void Reset() => group.OwnerCount = 0;
        [RequiresLock(""group.Mutex"")] public int Users => group.OwnerCount;
        [AcquiresLock(""group.Mutex"")] public MutexGuard Hold() => group.Mutex.Guard();
    }
}";

        [Fact]
        public void ExtensionBlock_ReceiverParameter_BindsToTheCallsReceiver()
        {
            FlowHarness h = FlowHarness.Analyze(Source(@"
    void F(IommuGroup g, IommuGroup other)
    {
        g.Reset();
        using (g.Hold()) { g.Reset(); _ = g.Users; other.Reset(); }
    }") + Extension, "F", languageVersion: LanguageVersion.Preview);

            Assert.Equal(new[] { "Reset requires g.Mutex {}", "Reset requires g.Mutex {g.Mutex}", "Users requires g.Mutex {g.Mutex}", "Reset requires other.Mutex {g.Mutex}" }, Contracts(h));
            Assert.Equal(new[] { "EndOfBody: {}" }, h.ExitStates());
        }

        [Fact]
        public void ExtensionBlock_MemberBody_StartsWithTheReceiversLock()
        {
            FlowHarness h = FlowHarness.Analyze(Source(string.Empty) + Extension, "Reset", languageVersion: LanguageVersion.Preview);

            Assert.Equal(new[] { "group.Mutex" }, h.Result.HeldOnEntry.Select(p => p.ToString()));
            Assert.Equal(new[] { "OwnerCount: {group.Mutex}" }, h.AccessStates());
        }
    }
}
