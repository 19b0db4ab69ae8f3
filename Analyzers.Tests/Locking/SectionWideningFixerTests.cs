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
    /// IOMMU0100 right after an explicit release of the lock (fix class 8): the fix widens the section the code already
    /// has, instead of opening a second one whose gap lets another thread's update in between; and the wrap stays the
    /// fix where moving would change what the code does (<see cref="SectionWidening"/>).
    /// </summary>
    public class SectionWideningFixerTests
    {
        private static Task Fix(string before, string after) => LockTestSource.VerifyWrapAsync(before, after);

        [Fact]
        public Task AccessRightAfterUnlock_MovesTheUnlockAfterIt() => Fix(
            @"    int Drain()
    {
        _mutex.Lock();
        int n = _count;
        _mutex.Unlock();
        {|IOMMU0100:_count|} = 0;
        return n;
    }",
            @"    int Drain()
    {
        _mutex.Lock();
        int n = _count;
        _count = 0;
        _mutex.Unlock();
        return n;
    }");

        [Fact]
        public Task AccessAfterACallOut_MovesAheadOfTheCall_WhichStaysOutsideTheSection() => Fix(
            @"    int Drain(Action<int> drained)
    {
        _mutex.Lock();
        int n = _count;
        _mutex.Unlock();
        drained(n);
        {|IOMMU0100:_count|} = 0;
        return n;
    }",
            @"    int Drain(Action<int> drained)
    {
        _mutex.Lock();
        int n = _count;
        _count = 0;
        _mutex.Unlock();
        drained(n);
        return n;
    }");

        [Fact]
        public Task MonitorExit_IsWidenedToo() => Fix(
            @"    void Reset()
    {
        Monitor.Enter(_gate);
        Console.WriteLine(_monitorCount);
        Monitor.Exit(_gate);
        {|IOMMU0100:_monitorCount|}++;
    }",
            @"    void Reset()
    {
        Monitor.Enter(_gate);
        Console.WriteLine(_monitorCount);
        _monitorCount++;
        Monitor.Exit(_gate);
    }");

        [Fact]
        public async Task TheMoveIsTheOnlyActionOffered_AndNamesTheRelease()
        {
            ImmutableArray<CodeAction> actions = await ActionsAsync(@"    int Drain()
    {
        _mutex.Lock();
        int n = _count;
        _mutex.Unlock();
        _count = 0;
        return n;
    }");
            Assert.Equal(new[] { "Move '_mutex.Unlock()' after this access" }, actions.Select(a => a.Title));
            Assert.Equal(new[] { LockRequirementFixes.WrapKey }, actions.Select(a => a.EquivalenceKey));
        }

        [Fact]
        public Task NearMiss_AReturnBetween_DecidesWhetherTheAccessRuns_SoItIsWrapped() => Fix(
            @"    void Drain(bool quick)
    {
        _mutex.Lock();
        Console.WriteLine(_count);
        _mutex.Unlock();
        if (quick) return;
        {|IOMMU0100:_count|} = 0;
    }",
            @"    void Drain(bool quick)
    {
        _mutex.Lock();
        Console.WriteLine(_count);
        _mutex.Unlock();
        if (quick) return;
        using (_mutex.Guard())
        {
            _count = 0;
        }
    }");

        [Fact]
        public Task NearMiss_TheAccessIsAReturn_SoItIsWrapped() => Fix(
            @"    int Read()
    {
        _mutex.Lock();
        _count++;
        _mutex.Unlock();
        return {|IOMMU0100:_count|};
    }",
            @"    int Read()
    {
        _mutex.Lock();
        _count++;
        _mutex.Unlock();
        using (_mutex.Guard())
        {
            return _count;
        }
    }");

        [Fact]
        public Task NearMiss_TheAccessCallsOut_AndCodeLiesBetween_SoItIsWrapped() => Fix(
            @"    void Drain(Action<int> drained)
    {
        _mutex.Lock();
        Console.WriteLine(_count);
        _mutex.Unlock();
        drained(0);
        Console.WriteLine({|IOMMU0100:_count|});
    }",
            @"    void Drain(Action<int> drained)
    {
        _mutex.Lock();
        Console.WriteLine(_count);
        _mutex.Unlock();
        drained(0);
        using (_mutex.Guard())
        {
            Console.WriteLine(_count);
        }
    }");

        [Fact]
        public Task NearMiss_TheAccessReadsALocalWrittenBetween_SoItIsWrapped() => Fix(
            @"    void Store(int seed)
    {
        _mutex.Lock();
        int n = _count;
        _mutex.Unlock();
        n = n * seed;
        {|IOMMU0100:_count|} = n;
    }",
            @"    void Store(int seed)
    {
        _mutex.Lock();
        int n = _count;
        _mutex.Unlock();
        n = n * seed;
        using (_mutex.Guard())
        {
            _count = n;
        }
    }");

        [Fact]
        public Task NearMiss_AReleasesLockHelper_DoesMoreThanRelease_SoItIsWrapped() => Fix(
            @"    void Touch()
    {
        Enter();
        _count++;
        Leave();
        {|IOMMU0100:_count|} = 0;
    }",
            @"    void Touch()
    {
        Enter();
        _count++;
        Leave();
        using (_mutex.Guard())
        {
            _count = 0;
        }
    }");

        [Fact]
        public Task NearMiss_TheReleaseIsInAnotherStatementList_SoItIsWrapped() => Fix(
            @"    void Touch(bool early)
    {
        _mutex.Lock();
        if (early)
        {
            _mutex.Unlock();
        }
        else
        {
            _count++;
            _mutex.Unlock();
        }

        {|IOMMU0100:_count|} = 0;
    }",
            @"    void Touch(bool early)
    {
        _mutex.Lock();
        if (early)
        {
            _mutex.Unlock();
        }
        else
        {
            _count++;
            _mutex.Unlock();
        }

        using (_mutex.Guard())
        {
            _count = 0;
        }
    }");

        [Fact]
        public async Task FixAll_MovesEveryAccessAfterTheRelease_InOrder_AndWrapsTheOtherSites()
        {
            var test = new Verify.Test
            {
                TestCode = LockTestSource.Class(@"    int Drain(Action<int> drained)
    {
        _mutex.Lock();
        int n = _count;
        _mutex.Unlock();
        drained(n);
        {|IOMMU0100:_count|} = 0;
        {|IOMMU0100:_count|} += n;
        return n;
    }

    void Other()
    {
        {|IOMMU0100:_count|}++;
    }"),
                FixedCode = LockTestSource.Class(@"    int Drain(Action<int> drained)
    {
        _mutex.Lock();
        int n = _count;
        _count = 0;
        _count += n;
        _mutex.Unlock();
        drained(n);
        return n;
    }

    void Other()
    {
        using (_mutex.Guard())
        {
            _count++;
        }
    }"),
                CodeActionEquivalenceKey = LockRequirementFixes.WrapKey,
            };
            await test.RunAsync();
        }

        private static Task<ImmutableArray<CodeAction>> ActionsAsync(string members) => LockTestSource.WrapActionsAsync(members);
    }
}
