using System.Collections.Immutable;
using System.Linq;
using System.Threading.Tasks;
using IommuAnalyzers.CodeFixes.Locking;
using IommuAnalyzers.Tests.Reliability;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Xunit;
using Verify = IommuAnalyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    IommuAnalyzers.Locking.LockDisciplineAnalyzer,
    IommuAnalyzers.CodeFixes.Locking.GuardedMemberWithoutLockFixer>;

namespace IommuAnalyzers.Tests.Locking
{
    /// <summary>
    /// Fix class 3: no wrap that takes the lock a second time. The engine's acquisitions of the lock in the body
    /// (<c>TakenAt</c>) keep the wrap from enclosing code that takes it itself (a loop whose body locks, a TryLock a
    /// declaration pulls in); IOMMU0110's inference keeps it out of a helper whose every caller already holds it.
    /// Each has its near miss, where the wrap is right and stays offered.
    /// </summary>
    public class WrapAroundTheLocksOwnUseFixerTests
    {
        [Fact]
        public async Task ALoopWhoseBodyTakesTheLock_GetsNoWrapAroundIt()
        {
            ImmutableArray<CodeAction> actions = await ActionsAsync(@"    public int DrainAll()
    {
        int drained = 0;
        while (_count > 0)
        {
            using (_mutex.Guard())
            {
                _count--;
            }

            drained++;
        }

        return drained;
    }");
            Assert.DoesNotContain(actions, a => a.EquivalenceKey == LockRequirementFixes.WrapKey);
        }

        [Fact]
        public Task ALoopWhoseBodyTakesAnotherLock_IsWrapped() => Fix(
            @"    public int DrainAll()
    {
        int drained = 0;
        while ({|IOMMU0100:_count|} > 0)
        {
            lock (_gate)
            {
                drained++;
            }
        }

        return drained;
    }",
            @"    public int DrainAll()
    {
        int drained = 0;
        using (_mutex.Guard())
        {
            while (_count > 0)
            {
                lock (_gate)
                {
                    drained++;
                }
            }
        }

        return drained;
    }");

        [Fact]
        public async Task ADeclarationWhoseUsesReachATryLock_GetsNoWrapThatWouldEncloseIt()
        {
            ImmutableArray<CodeAction> actions = await ActionsAsync(@"    public int TryAdvance()
    {
        int seen = _count;
        if (!_mutex.TryLock())
        {
            return -1;
        }

        _count = seen + 1;
        _mutex.Unlock();
        return seen;
    }");
            Assert.DoesNotContain(actions, a => a.EquivalenceKey == LockRequirementFixes.WrapKey);
        }

        [Fact]
        public Task ADeclarationWhoseUsesEndBeforeTheTryLock_IsWrapped() => Fix(
            @"    public int TryAdvance()
    {
        int seen = {|IOMMU0100:_count|};
        Console.WriteLine(seen);
        if (!_mutex.TryLock())
        {
            return -1;
        }

        _count++;
        _mutex.Unlock();
        return 0;
    }",
            @"    public int TryAdvance()
    {
        using (_mutex.Guard())
        {
            int seen = _count;
            Console.WriteLine(seen);
        }
        if (!_mutex.TryLock())
        {
            return -1;
        }

        _count++;
        _mutex.Unlock();
        return 0;
    }");

        [Fact]
        public async Task ALocalFunctionEveryCallerRunsUnderTheLock_GetsTheContract_NotAWrap()
        {
            ImmutableArray<CodeAction> actions = await ActionsAsync(@"    public void Complete(int n)
    {
        using (_mutex.Guard())
        {
            for (int i = 0; i < n; i++)
            {
                Retire();
            }
        }

        void Retire() => _count--;
    }");
            Assert.Equal(new[] { LockRequirementFixes.RequiresKey }, actions.Select(a => a.EquivalenceKey));
        }

        [Fact]
        public async Task ALocalFunctionOneCallerRunsWithoutTheLock_KeepsTheWrap()
        {
            ImmutableArray<CodeAction> actions = await ActionsAsync(@"    public void Complete(int n)
    {
        using (_mutex.Guard())
        {
            Retire();
        }

        Retire();

        void Retire() => _count--;
    }");
            Assert.Contains(actions, a => a.EquivalenceKey == LockRequirementFixes.WrapKey);
        }

        private static Task Fix(string before, string after) => LockTestSource.VerifyWrapAsync(before, after);

        private static Task<ImmutableArray<CodeAction>> ActionsAsync(string members) => LockTestSource.WrapActionsAsync(members);
    }
}
