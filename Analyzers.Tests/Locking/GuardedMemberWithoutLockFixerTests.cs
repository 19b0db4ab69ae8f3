using System.Threading.Tasks;
using IommuAnalyzers.CodeFixes.Locking;
using Xunit;
using Verify = IommuAnalyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    IommuAnalyzers.Locking.LockDisciplineAnalyzer,
    IommuAnalyzers.CodeFixes.Locking.GuardedMemberWithoutLockFixer>;

namespace IommuAnalyzers.Tests.Locking
{
    public class GuardedMemberWithoutLockFixerTests
    {
        private static Task Wrap(string before, string after) => Run(before, after, LockRequirementFixes.WrapKey);

        private static Task Require(string before, string after) => Run(before, after, LockRequirementFixes.RequiresKey);

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
        public Task Wrap_OneStatement_InAKMutexGuard() => Wrap(
            @"    void F(IommuGroup g)
    {
        {|IOMMU0100:g.OwnerCount|}++;
    }",
            @"    void F(IommuGroup g)
    {
        using (g.Mutex.Guard())
        {
            g.OwnerCount++;
        }
    }");

        [Fact]
        public Task Wrap_KeepsTheDeclarationWithItsLaterUses_AndTheReturnInside() => Wrap(
            @"    int F(IommuGroup g)
    {
        Console.WriteLine(g.Id);
        var n = {|IOMMU0100:g.OwnerCount|};
        Console.WriteLine(n);
        return n;
    }",
            @"    int F(IommuGroup g)
    {
        Console.WriteLine(g.Id);
        using (g.Mutex.Guard())
        {
            var n = g.OwnerCount;
            Console.WriteLine(n);
            return n;
        }
    }");

        [Fact]
        public Task Wrap_NamesTheLockAsTheCodeDoes_ThroughTheAlias() => Wrap(
            @"    void F(Device dev)
    {
        var grp = dev.Group!;
        {|IOMMU0100:grp.OwnerCount|}++;
    }",
            @"    void F(Device dev)
    {
        var grp = dev.Group!;
        using (grp.Mutex.Guard())
        {
            grp.OwnerCount++;
        }
    }");

        [Fact]
        public Task Wrap_MonitorLock_UsesTheLockStatement() => Wrap(
            @"    void F()
    {
        // count a call
        {|IOMMU0100:_monitorCount|}++;
    }",
            @"    void F()
    {
        // count a call
        lock (_gate)
        {
            _monitorCount++;
        }
    }");

        [Fact]
        public Task Wrap_ExpressionBodiedMethod_BecomesABlock() => Wrap(
            @"    int F(IommuGroup g) => {|IOMMU0100:g.OwnerCount|};",
            @"    int F(IommuGroup g)
    {
        using (g.Mutex.Guard())
        {
            return g.OwnerCount;
        }
    }");

        [Fact]
        public Task Wrap_ExpressionBodiedProperty_BecomesAGetterThatTakesTheLock() => Wrap(
            @"    int Head => {|IOMMU0100:_count|};",
            @"    int Head
    {
        get
        {
            using (_mutex.Guard())
            {
                return _count;
            }
        }
    }");

        [Fact]
        public Task Wrap_ExpressionBodiedAccessors_BecomeBlocks() => Wrap(
            @"    int Tail
    {
        get => {|IOMMU0100:_count|};
        set => {|IOMMU0100:_count|} = value;
    }",
            @"    int Tail
    {
        get
        {
            using (_mutex.Guard())
            {
                return _count;
            }
        }
        set
        {
            using (_mutex.Guard())
            {
                _count = value;
            }
        }
    }");

        [Fact]
        public Task Wrap_StaticLock() => Wrap(
            @"    void F()
    {
        {|IOMMU0100:Registry.Count|} = 0;
    }",
            @"    void F()
    {
        using (Registry.Lock.Guard())
        {
            Registry.Count = 0;
        }
    }");

        [Fact]
        public Task Require_ParameterRootedLock() => Require(
            @"    void F(IommuGroup g)
    {
        {|IOMMU0100:g.OwnerCount|}++;
    }",
            @"    [RequiresLock(""g.Mutex"")]
    void F(IommuGroup g)
    {
        g.OwnerCount++;
    }");

        [Fact]
        public Task Require_ThisRootedLock_ExtendsAnExistingAttribute() => Require(
            @"    [RequiresLock(""g.Mutex"")]
    void F(IommuGroup g)
    {
        g.OwnerCount++;
        {|IOMMU0100:_count|}++;
    }",
            @"    [RequiresLock(""g.Mutex"", ""_mutex"")]
    void F(IommuGroup g)
    {
        g.OwnerCount++;
        _count++;
    }");

        [Fact]
        public async Task NoRequiresLockAction_ForALocalRootedLock_OrInsideALambda()
        {
            string source = LockTestSource.Class(@"    void F(IommuGroup g)
    {
        Action a = () => {|IOMMU0100:g.Owner|} = null;
        foreach (var item in new[] { g }) { {|IOMMU0100:item.Owner|} = null; }
    }");
            var test = new Verify.Test
            {
                TestCode = source,
                FixedCode = source,
                CodeActionEquivalenceKey = LockRequirementFixes.RequiresKey,
            };
            await test.RunAsync();
        }

        [Fact]
        public Task Wrap_InsideALambda_WrapsTheLambdaBody() => Wrap(
            @"    void F(IommuGroup g)
    {
        Action a = () => {|IOMMU0100:g.Owner|} = null;
        a();
    }",
            @"    void F(IommuGroup g)
    {
        Action a = () =>
        {
            using (g.Mutex.Guard())
            {
                g.Owner = null;
            }
        };
        a();
    }");

        [Fact]
        public async Task FixAll_Wrap_SeveralOccurrencesInSeveralDocuments()
        {
            var test = new Verify.Test { CodeActionEquivalenceKey = LockRequirementFixes.WrapKey };
            test.TestState.Sources.Add(("Port.cs", LockTestSource.Class(@"    void F(IommuGroup g)
    {
        {|IOMMU0100:g.OwnerCount|}++;
        Console.WriteLine();
        {|IOMMU0100:g.Owner|} = null;
    }

    void G()
    {
        {|IOMMU0100:_count|} = 1;
    }")));
            test.TestState.Sources.Add(("Other.cs", @"using Iommu;

static class Other
{
    static void H(Device dev)
    {
        if ({|IOMMU0100:dev.Group.OwnerCount|} == 0 && {|IOMMU0100:dev.Group.Owner|} == null)
        {
            System.Console.WriteLine();
        }
    }
}
"));
            test.FixedState.Sources.Add(("Port.cs", LockTestSource.Class(@"    void F(IommuGroup g)
    {
        using (g.Mutex.Guard())
        {
            g.OwnerCount++;
        }
        Console.WriteLine();
        using (g.Mutex.Guard())
        {
            g.Owner = null;
        }
    }

    void G()
    {
        using (_mutex.Guard())
        {
            _count = 1;
        }
    }")));
            test.FixedState.Sources.Add(("Other.cs", @"using Iommu;

static class Other
{
    static void H(Device dev)
    {
        using (dev.Group.Mutex.Guard())
        {
            if (dev.Group.OwnerCount == 0 && dev.Group.Owner == null)
            {
                System.Console.WriteLine();
            }
        }
    }
}
"));
            await test.RunAsync();
        }

        [Fact]
        public async Task FixAll_Require_OneAttributePerMethod_AcrossDocuments()
        {
            var test = new Verify.Test { CodeActionEquivalenceKey = LockRequirementFixes.RequiresKey };
            test.TestState.Sources.Add(("Port.cs", LockTestSource.Class(@"    void F(IommuGroup g)
    {
        {|IOMMU0100:g.OwnerCount|}++;
        {|IOMMU0100:g.Owner|} = null;
        {|IOMMU0100:_count|}++;
    }")));
            test.TestState.Sources.Add(("Other.cs", @"using Iommu;

static class Other
{
    static void H(Device dev) => {|IOMMU0100:dev.Group.Owner|} = null;
}
"));
            test.FixedState.Sources.Add(("Port.cs", LockTestSource.Class(@"    [RequiresLock(""g.Mutex"", ""_mutex"")]
    void F(IommuGroup g)
    {
        g.OwnerCount++;
        g.Owner = null;
        _count++;
    }")));
            test.FixedState.Sources.Add(("Other.cs", @"using Iommu;

static class Other
{
    [RequiresLock(""dev.Group.Mutex"")]
    static void H(Device dev) => dev.Group.Owner = null;
}
"));
            await test.RunAsync();
        }
    }
}
