using System.Threading.Tasks;
using IommuAnalyzers.CodeFixes.Locking;
using Xunit;
using Verify = IommuAnalyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    IommuAnalyzers.Locking.LockDisciplineAnalyzer,
    IommuAnalyzers.CodeFixes.Locking.RequiresLockCallWithoutLockFixer>;

namespace IommuAnalyzers.Tests.Locking
{
    public class RequiresLockCallWithoutLockFixerTests
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
        public Task Wrap_TheCall_InTheGroupLock() => Run(
            @"    void F(Device dev)
    {
        {|IOMMU0104:ResetLocked(dev.Group)|};
    }",
            @"    void F(Device dev)
    {
        using (dev.Group.Mutex.Guard())
        {
            ResetLocked(dev.Group);
        }
    }",
            LockRequirementFixes.WrapKey);

        [Fact]
        public Task Wrap_InsideASwitchSection_KeepsTheBreakOutside() => Run(
            @"    void F(int k)
    {
        switch (k)
        {
            case 1:
                {|IOMMU0104:BumpLocked()|};
                break;
        }
    }",
            @"    void F(int k)
    {
        switch (k)
        {
            case 1:
                using (_mutex.Guard())
                {
                    BumpLocked();
                }
                break;
        }
    }",
            LockRequirementFixes.WrapKey);

        [Fact]
        public Task Wrap_RequiresLockProperty_InAnExpressionBodiedMethod() => Run(
            @"    int F() => {|IOMMU0104:Snapshot|};",
            @"    int F()
    {
        using (_mutex.Guard())
        {
            return Snapshot;
        }
    }",
            LockRequirementFixes.WrapKey);

        [Fact]
        public Task Require_MovesTheRequirementToTheCaller() => Run(
            @"    void F(IommuGroup group)
    {
        {|IOMMU0104:ResetLocked(group)|};
    }",
            @"    [RequiresLock(""group.Mutex"")]
    void F(IommuGroup group)
    {
        ResetLocked(group);
    }",
            LockRequirementFixes.RequiresKey);

        [Fact]
        public async Task FixAll_Wrap_AcrossDocuments()
        {
            var test = new Verify.Test { CodeActionEquivalenceKey = LockRequirementFixes.WrapKey };
            test.TestState.Sources.Add(("Port.cs", LockTestSource.Class(@"    void F(IommuGroup a, IommuGroup b)
    {
        {|IOMMU0104:ResetLocked(a)|};
        {|IOMMU0104:ResetLocked(b)|};
    }")));
            test.TestState.Sources.Add(("Callers.cs", @"static class Callers
{
    static void Tick() => {|IOMMU0104:Registry.BumpLocked()|};
}
"));
            test.FixedState.Sources.Add(("Port.cs", LockTestSource.Class(@"    void F(IommuGroup a, IommuGroup b)
    {
        using (a.Mutex.Guard())
        {
            ResetLocked(a);
        }
        using (b.Mutex.Guard())
        {
            ResetLocked(b);
        }
    }")));
            test.FixedState.Sources.Add(("Callers.cs", @"static class Callers
{
    static void Tick()
    {
        using (Registry.Lock.Guard())
        {
            Registry.BumpLocked();
        }
    }
}
"));
            await test.RunAsync();
        }

        [Fact]
        public async Task FixAll_Require_AcrossDocuments_AddsUsingIommuWhereNeeded()
        {
            var test = new Verify.Test { CodeActionEquivalenceKey = LockRequirementFixes.RequiresKey };
            test.TestState.Sources.Add(("Port.cs", LockTestSource.Class(@"    void F(IommuGroup a)
    {
        {|IOMMU0104:ResetLocked(a)|};
        {|IOMMU0104:BumpLocked()|};
    }").Replace("class Port", "partial class Port")));
            test.TestState.Sources.Add(("Callers.cs", @"namespace Drivers
{
    static class Callers
    {
        static void Reset(Iommu.Device dev) => {|IOMMU0104:Port.ResetAll(dev.Group)|};
    }
}
"));
            test.TestState.Sources.Add(("PortAll.cs", @"partial class Port
{
    [Iommu.RequiresLock(""group.Mutex"")] internal static void ResetAll(Iommu.IommuGroup group) => group.OwnerCount = 0;
}
"));
            test.FixedState.Sources.Add(("Port.cs", LockTestSource.Class(@"    [RequiresLock(""a.Mutex"", ""_mutex"")]
    void F(IommuGroup a)
    {
        ResetLocked(a);
        BumpLocked();
    }").Replace("class Port", "partial class Port")));
            test.FixedState.Sources.Add(("Callers.cs", @"using Iommu;

namespace Drivers
{
    static class Callers
    {
        [RequiresLock(""dev.Group.Mutex"")]
        static void Reset(Iommu.Device dev) => Port.ResetAll(dev.Group);
    }
}
"));
            test.FixedState.Sources.Add(("PortAll.cs", @"partial class Port
{
    [Iommu.RequiresLock(""group.Mutex"")] internal static void ResetAll(Iommu.IommuGroup group) => group.OwnerCount = 0;
}
"));
            await test.RunAsync();
        }
    }
}
