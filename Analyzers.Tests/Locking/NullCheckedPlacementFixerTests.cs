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
    /// The wrap never takes the lock before the code's own test of the object the lock belongs to (fix class 6):
    /// <c>dev.Group?.</c>, <c>dev.Group is { } g</c>, <c>dev.Group != null &amp;&amp; ...</c>. It goes inside the
    /// checked region (<see cref="NullCheckedPlacement"/>), or is not offered where there is none.
    /// </summary>
    public class NullCheckedPlacementFixerTests
    {
        private static Task Fix(string before, string after) => LockTestSource.VerifyWrapAsync(before, after);

        [Fact]
        public Task NullConditionalDeclaration_LocksThroughAPatternVariable_OnlyWhereTheGroupExists() => Fix(
            @"    object F(Device dev)
    {
        var owner = dev.Group?{|IOMMU0100:.Owner|};
        return owner;
    }",
            @"    object F(Device dev)
    {
        object owner = null;
        if (dev.Group is { } group)
        {
            using (group.Mutex.Guard())
            {
                owner = group.Owner;
            }
        }
        return owner;
    }");

        [Fact]
        public Task NullConditionalReturn_ReturnsNullWhereThereIsNoGroup() => Fix(
            @"    int? F(Device dev)
    {
        return dev.Group?{|IOMMU0100:.OwnerCount|};
    }",
            @"    int? F(Device dev)
    {
        if (dev.Group is { } group)
        {
            using (group.Mutex.Guard())
            {
                return group.OwnerCount;
            }
        }

        return null;
    }");

        [Fact]
        public Task NullConditionalOnAParameter_TestsTheParameterItself() => Fix(
            @"    int? F(IommuGroup g)
    {
        int? n = g?{|IOMMU0100:.OwnerCount|};
        return n;
    }",
            @"    int? F(IommuGroup g)
    {
        int? n = null;
        if (g != null)
        {
            using (g.Mutex.Guard())
            {
                n = g.OwnerCount;
            }
        }
        return n;
    }");

        [Fact]
        public Task PatternVariableInTheCondition_SplitsTheConditionAfterThePattern() => Fix(
            @"    bool InUse(Device dev)
    {
        if (dev.Group is { } g && {|IOMMU0100:g.OwnerCount|} > 0)
        {
            return true;
        }

        return false;
    }",
            @"    bool InUse(Device dev)
    {
        if (dev.Group is { } g)
        {
            using (g.Mutex.Guard())
            {
                if (g.OwnerCount > 0)
                {
                    return true;
                }
            }
        }

        return false;
    }");

        [Fact]
        public Task NullTestInTheCondition_SplitsTheConditionAfterTheTest() => Fix(
            @"    void F(Device dev, bool verbose)
    {
        if (verbose && dev.Group != null && {|IOMMU0100:dev.Group.OwnerCount|} > 0)
        {
            Console.WriteLine(dev.Name);
        }
    }",
            @"    void F(Device dev, bool verbose)
    {
        if (verbose && dev.Group != null)
        {
            using (dev.Group.Mutex.Guard())
            {
                if (dev.Group.OwnerCount > 0)
                {
                    Console.WriteLine(dev.Name);
                }
            }
        }
    }");

        [Fact]
        public Task NearMiss_TheNullTestIsAnEarlierStatement_GetsThePlainWrap() => Fix(
            @"    void F(Device dev)
    {
        var g = dev.Group;
        if (g == null) return;
        {|IOMMU0100:g.OwnerCount|}++;
    }",
            @"    void F(Device dev)
    {
        var g = dev.Group;
        if (g == null) return;
        using (g.Mutex.Guard())
        {
            g.OwnerCount++;
        }
    }");

        [Fact]
        public Task NearMiss_ANullTestOfAnotherObject_GetsThePlainWrap() => Fix(
            @"    void F(IommuGroup g, string name)
    {
        if (name != null && {|IOMMU0100:g.OwnerCount|} > 0)
        {
            Console.WriteLine(name);
        }
    }",
            @"    void F(IommuGroup g, string name)
    {
        using (g.Mutex.Guard())
        {
            if (name != null && g.OwnerCount > 0)
            {
                Console.WriteLine(name);
            }
        }
    }");

        [Fact]
        public async Task NearMiss_AnElseBranch_WouldRunWhereTheGroupIsMissing_SoNoWrapIsOffered()
        {
            ImmutableArray<string> keys = await OfferedKeysAsync(@"    public void F(Device dev)
    {
        if (dev.Group is { } g && g.OwnerCount > 0)
        {
            Console.WriteLine(1);
        }
        else
        {
            Console.WriteLine(2);
        }
    }");
            Assert.DoesNotContain(LockRequirementFixes.WrapKey, keys);
        }

        [Fact]
        public async Task NearMiss_NullConditionalInsideALargerExpression_GetsNoWrap()
        {
            ImmutableArray<string> keys = await OfferedKeysAsync(@"    public void F(Device dev)
    {
        if (dev.Group?.OwnerCount > 0)
        {
            Console.WriteLine(1);
        }
    }");
            Assert.DoesNotContain(LockRequirementFixes.WrapKey, keys);
        }

        [Fact]
        public async Task TheTitleSaysTheLockGoesInsideTheCheck()
        {
            ImmutableArray<CodeAction> actions = await ActionsAsync(@"    public object F(Device dev)
    {
        var owner = dev.Group?.Owner;
        return owner;
    }");
            Assert.Equal(new[] { "Wrap in using (group.Mutex.Guard()) inside the check of 'dev.Group'" }, actions.Select(a => a.Title));
        }

        [Fact]
        public async Task FixAll_PlacesEachLockInsideItsCheck()
        {
            var test = new Verify.Test
            {
                TestCode = LockTestSource.Class(@"    bool F(Device dev, Device other)
    {
        var owner = dev.Group?{|IOMMU0100:.Owner|};
        if (other.Group is { } g && {|IOMMU0100:g.OwnerCount|} > 0)
        {
            return owner == null;
        }

        return false;
    }"),
                FixedCode = LockTestSource.Class(@"    bool F(Device dev, Device other)
    {
        object owner = null;
        if (dev.Group is { } group)
        {
            using (group.Mutex.Guard())
            {
                owner = group.Owner;
            }
        }
        if (other.Group is { } g)
        {
            using (g.Mutex.Guard())
            {
                if (g.OwnerCount > 0)
                {
                    return owner == null;
                }
            }
        }

        return false;
    }"),
                CodeActionEquivalenceKey = LockRequirementFixes.WrapKey,
            };
            await test.RunAsync();
        }

        private static Task<ImmutableArray<CodeAction>> ActionsAsync(string members) => LockTestSource.WrapActionsAsync(members);

        private static async Task<ImmutableArray<string>> OfferedKeysAsync(string members) =>
            (await ActionsAsync(members)).Select(a => a.EquivalenceKey!).ToImmutableArray();
    }
}
