using System.Threading.Tasks;
using IommuAnalyzers.CodeFixes.Locking;
using Xunit;
using Verify = IommuAnalyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    IommuAnalyzers.Locking.LockDisciplineAnalyzer,
    IommuAnalyzers.CodeFixes.Locking.LockHeldAtExitFixer>;

namespace IommuAnalyzers.Tests.Locking
{
    public class LockHeldAtExitFixerTests
    {
        private static async Task Run(string before, string after, string key)
        {
            var test = new Verify.Test
            {
                TestCode = LockTestSource.Class(before),
                FixedCode = LockTestSource.Class(after),
                CodeActionEquivalenceKey = key,
            };
            await test.RunAsync();
        }

        [Fact]
        public Task Release_BeforeAnEarlyReturnInABlock() => Run(
            @"    int F(IommuGroup g, bool c)
    {
        g.Mutex.Lock();
        if (c)
        {
            {|IOMMU0101:return -Errno.EBUSY;|}
        }
        g.Mutex.Unlock();
        return 0;
    }",
            @"    int F(IommuGroup g, bool c)
    {
        g.Mutex.Lock();
        if (c)
        {
            g.Mutex.Unlock();
            return -Errno.EBUSY;
        }
        g.Mutex.Unlock();
        return 0;
    }",
            LockHeldAtExitFixer.ReleaseKey);

        [Fact]
        public Task Release_EmbeddedReturn_BecomesABlock_UsingTheAliasAsWritten() => Run(
            @"    int F(Device dev, int ret)
    {
        var group = dev.Group;
        group.Mutex.Lock();
        if (ret != 0)
            {|IOMMU0101:return ret;|}
        group.Mutex.Unlock();
        return 0;
    }",
            @"    int F(Device dev, int ret)
    {
        var group = dev.Group;
        group.Mutex.Lock();
        if (ret != 0)
        {
            group.Mutex.Unlock();
            return ret;
        }
        group.Mutex.Unlock();
        return 0;
    }",
            LockHeldAtExitFixer.ReleaseKey);

        [Fact]
        public Task Release_AtTheEndOfTheBody_AndBeforeAThrow_ForAMonitor() => Run(
            @"    void F(bool c)
    {
        Monitor.Enter(_gate);
        if (c)
        {
            {|IOMMU0101:throw new InvalidOperationException();|}
        }
        _monitorCount++;
    {|IOMMU0101:}|}",
            @"    void F(bool c)
    {
        Monitor.Enter(_gate);
        if (c)
        {
            Monitor.Exit(_gate);
            throw new InvalidOperationException();
        }
        _monitorCount++;
        Monitor.Exit(_gate);
    }",
            LockHeldAtExitFixer.ReleaseKey);

        [Fact]
        public async Task Release_NotOffered_WhenTheReturnedValueReadsGuardedState()
        {
            string source = LockTestSource.Class(@"    int F(IommuGroup g, bool c)
    {
        g.Mutex.Lock();
        if (c) {|IOMMU0101:return g.OwnerCount;|}
        g.Mutex.Unlock();
        return 0;
    }");
            await new Verify.Test { TestCode = source, FixedCode = source, CodeActionEquivalenceKey = LockHeldAtExitFixer.ReleaseKey }.RunAsync();
        }

        [Fact]
        public Task ScopedGuard_ReplacesTheLockAndEveryUnlock() => Run(
            @"    int F(IommuGroup g, bool c)
    {
        g.Mutex.Lock();
        if (c)
            {|IOMMU0101:return -16;|}
        g.OwnerCount++;
        g.Mutex.Unlock();
        return 0;
    }",
            @"    int F(IommuGroup g, bool c)
    {
        using var guard = g.Mutex.Guard();
        if (c)
            return -16;
        g.OwnerCount++;
        return 0;
    }",
            LockHeldAtExitFixer.ScopedGuardKey);

        [Fact]
        public Task ScopedGuard_KernelStyleUnlockLabel_KeepsTheLabel() => Run(
            @"    int F(IommuGroup g, bool a)
    {
        int ret = 0;
        g.Mutex.Lock();
        if (a)
        {
            ret = -16;
            goto unlock;
        }
        if (g.OwnerCount > 0)
            {|IOMMU0101:return 1;|}
        g.OwnerCount++;
    unlock:
        g.Mutex.Unlock();
        return ret;
    }",
            @"    int F(IommuGroup g, bool a)
    {
        int ret = 0;
        using var guard = g.Mutex.Guard();
        if (a)
        {
            ret = -16;
            goto unlock;
        }
        if (g.OwnerCount > 0)
            return 1;
        g.OwnerCount++;
    unlock:
        return ret;
    }",
            LockHeldAtExitFixer.ScopedGuardKey);

        [Fact]
        public async Task ScopedGuard_NotOffered_WhenWorkFollowsAnUnlock()
        {
            string source = LockTestSource.Class(@"    int F(IommuGroup g, bool c)
    {
        g.Mutex.Lock();
        if (c) {|IOMMU0101:return 1;|}
        g.OwnerCount++;
        g.Mutex.Unlock();
        Console.WriteLine();
        return 0;
    }");
            await new Verify.Test { TestCode = source, FixedCode = source, CodeActionEquivalenceKey = LockHeldAtExitFixer.ScopedGuardKey }.RunAsync();
        }

        [Fact]
        public async Task FixAll_Release_SeveralExitsInSeveralDocuments()
        {
            var test = new Verify.Test { CodeActionEquivalenceKey = LockHeldAtExitFixer.ReleaseKey };
            test.TestState.Sources.Add(("Port.cs", LockTestSource.Class(@"    int F(IommuGroup g, int k)
    {
        g.Mutex.Lock();
        if (k == 1)
            {|IOMMU0101:return 1;|}
        if (k == 2)
            {|IOMMU0101:return 2;|}
        g.Mutex.Unlock();
        return 0;
    }")));
            test.TestState.Sources.Add(("Other.cs", @"using Iommu;

static class Other
{
    static void H(IommuGroup a, IommuGroup b)
    {
        a.Mutex.Lock();
        b.Mutex.Lock();
        a.OwnerCount = b.OwnerCount;
    {|IOMMU0101:{|IOMMU0101:}|}|}
}
"));
            test.FixedState.Sources.Add(("Port.cs", LockTestSource.Class(@"    int F(IommuGroup g, int k)
    {
        g.Mutex.Lock();
        if (k == 1)
        {
            g.Mutex.Unlock();
            return 1;
        }
        if (k == 2)
        {
            g.Mutex.Unlock();
            return 2;
        }
        g.Mutex.Unlock();
        return 0;
    }")));
            test.FixedState.Sources.Add(("Other.cs", @"using Iommu;

static class Other
{
    static void H(IommuGroup a, IommuGroup b)
    {
        a.Mutex.Lock();
        b.Mutex.Lock();
        a.OwnerCount = b.OwnerCount;
        a.Mutex.Unlock();
        b.Mutex.Unlock();
    }
}
"));
            test.NumberOfIncrementalIterations = 4;
            await test.RunAsync();
        }

        [Fact]
        public async Task FixAll_ScopedGuard_SeveralMethodsInSeveralDocuments()
        {
            var test = new Verify.Test { CodeActionEquivalenceKey = LockHeldAtExitFixer.ScopedGuardKey };
            test.TestState.Sources.Add(("Port.cs", LockTestSource.Class(@"    int F(IommuGroup g, int k)
    {
        g.Mutex.Lock();
        if (k == 1)
            {|IOMMU0101:return 1;|}
        if (k == 2)
            {|IOMMU0101:return 2;|}
        g.Mutex.Unlock();
        return 0;
    }")));
            test.TestState.Sources.Add(("Other.cs", @"using Iommu;

static class Other
{
    static void H(IommuGroup a, bool c)
    {
        a.Mutex.Lock();
        if (c)
            {|IOMMU0101:return;|}
        a.OwnerCount++;
        a.Mutex.Unlock();
    }
}
"));
            test.FixedState.Sources.Add(("Port.cs", LockTestSource.Class(@"    int F(IommuGroup g, int k)
    {
        using var guard = g.Mutex.Guard();
        if (k == 1)
            return 1;
        if (k == 2)
            return 2;
        return 0;
    }")));
            test.FixedState.Sources.Add(("Other.cs", @"using Iommu;

static class Other
{
    static void H(IommuGroup a, bool c)
    {
        using var guard = a.Mutex.Guard();
        if (c)
            return;
        a.OwnerCount++;
    }
}
"));
            await test.RunAsync();
        }
    }
}
