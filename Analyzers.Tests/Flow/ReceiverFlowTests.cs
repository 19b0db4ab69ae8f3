using IommuAnalyzers.Flow;
using System.Linq;
using Xunit;

namespace IommuAnalyzers.Tests.Flow
{
    /// <summary>Lock identity for receivers that are not simple member paths, flow-sensitive aliases and generic statics: the paths the engine names.</summary>
    public class ReceiverFlowTests
    {
        private static string Port(string members) => @"using System;
using System.Collections.Generic;
using System.Threading;
using Iommu;

class Port
{
    private IommuGroup Lookup(int id) => null!;
    private sealed class Node
    {
        public Node? Next;
        public readonly object Sync = new object();
        [GuardedBy(nameof(Sync))] public int Value;
    }
    private static class Pool<T>
    {
        public static readonly object Sync = new object();
        [GuardedBy(nameof(Sync))] public static int Count;
    }
" + members + @"
}";

        private static string[] Locks(FlowHarness h) => h.Events(LockEventKind.GuardedAccess).Select(e => e.AccessText + " needs " + e.Lock + ": " + e.State).ToArray();

        [Fact]
        public void ElementPaths_KeepConstantAndVariableIndices()
        {
            FlowHarness h = FlowHarness.Analyze(Port(@"
    void F(IommuGroup[] groups, List<IommuGroup> list, int i)
    {
        using (groups[i].Mutex.Guard()) { groups[i].OwnerCount++; }
        using (list[0].Mutex.Guard()) { list[0].Owner = null; list[1].Owner = null; }
    }"), "F");

            Assert.Equal(
                new[]
                {
                    "groups[i].OwnerCount needs groups[i].Mutex: {groups[i].Mutex}",
                    "list[0].Owner needs list[0].Mutex: {list[0].Mutex}",
                    "list[1].Owner needs list[1].Mutex: {list[0].Mutex}",
                },
                Locks(h));
        }

        [Fact]
        public void ForeachVariable_NamesTheElement_NotTheEnumeratorsCurrent()
        {
            FlowHarness h = FlowHarness.Analyze(Port(@"
    void F(IommuGroup[] groups, List<IommuGroup> list)
    {
        foreach (var grp in groups) { grp.OwnerCount++; }
        foreach (IommuGroup g in list) { using (g.Mutex.Guard()) { g.OwnerCount++; } }
    }"), "F");

            Assert.Equal(
                new[]
                {
                    "grp.OwnerCount needs grp.Mutex: {}",
                    "g.OwnerCount needs g.Mutex: {g.Mutex}",
                },
                Locks(h));
        }

        [Fact]
        public void CallResults_AreDistinctObjects_EvenForTheSameCall()
        {
            FlowHarness h = FlowHarness.Analyze(Port(@"
    void F(int id)
    {
        using (Lookup(id).Mutex.Guard()) { Lookup(id).OwnerCount++; }
    }"), "F");

            string access = Assert.Single(Locks(h));
            Assert.Equal("Lookup(id).OwnerCount needs Lookup(id).Mutex: {Lookup(id).Mutex}", access);
            LockEvent e = h.Events(LockEventKind.GuardedAccess).Single();
            Assert.True(e.State.IsNotHeld(e.Lock!));
            Assert.True(e.Lock!.IsOpaque);
        }

        [Fact]
        public void ReassignedLocal_NamesItsCurrentTarget_AndItsOldLockStaysHeld()
        {
            FlowHarness h = FlowHarness.Analyze(Port(@"
    void F(Device a, Device b)
    {
        var g = a.Group!;
        g.Mutex.Lock();
        g.OwnerCount++;
        g = b.Group!;
        g.OwnerCount++;
        a.Group!.Mutex.Unlock();
    }"), "F");

            Assert.Equal(
                new[]
                {
                    "a.Group.OwnerCount needs a.Group.Mutex: {a.Group.Mutex}",
                    "b.Group.OwnerCount needs b.Group.Mutex: {a.Group.Mutex}",
                },
                Locks(h));
            Assert.Equal(new[] { "EndOfBody: {}" }, h.ExitStates());
        }

        [Fact]
        public void HandOverHand_ThroughAReassignedLocal_HoldsOneLockAtTheLoopHead()
        {
            FlowHarness h = FlowHarness.Analyze(Port(@"
    void Walk(Node head)
    {
        Node prev = head;
        Monitor.Enter(prev.Sync);
        Node? next = prev.Next;
        while (next != null)
        {
            Monitor.Enter(next.Sync);
            Monitor.Exit(prev.Sync);
            prev = next;
            prev.Value++;
            next = prev.Next;
        }

        Monitor.Exit(prev.Sync);
    }"), "Walk");

            LockEvent access = h.Events(LockEventKind.GuardedAccess).Single();
            Assert.True(access.State.IsHeld(access.Lock!));
            Assert.Empty(h.Joins());
            Assert.Equal(new[] { "EndOfBody: {}" }, h.ExitStates());
            Assert.All(h.Events(LockEventKind.Release), e => Assert.True(e.State.IsHeld(e.Lock!)));
        }

        [Fact]
        public void PatternVariables_AndPropertyPatterns_NameWhatTheyTest()
        {
            FlowHarness h = FlowHarness.Analyze(Port(@"
    bool F(Device dev)
    {
        if (dev.Group is not { } g) return false;
        using (g.Mutex.Guard())
        {
            return dev is { Group.OwnerCount: 0 } && g is { Owner: null };
        }
    }"), "F");

            Assert.Equal(
                new[]
                {
                    "dev.Group.OwnerCount needs dev.Group.Mutex: {dev.Group.Mutex}",
                    "dev.Group.Owner needs dev.Group.Mutex: {dev.Group.Mutex}",
                },
                Locks(h));
        }

        [Fact]
        public void GenericStatics_KeepTheirTypeArguments()
        {
            FlowHarness h = FlowHarness.Analyze(Port(@"
    void F()
    {
        lock (Pool<int>.Sync) { Pool<int>.Count++; Pool<string>.Count++; }
    }"), "F");

            Assert.Equal(
                new[]
                {
                    "Pool<int>.Count needs Pool<int>.Sync: {Pool<int>.Sync}",
                    "Pool<string>.Count needs Pool<string>.Sync: {Pool<int>.Sync}",
                },
                Locks(h));
        }
    }
}
