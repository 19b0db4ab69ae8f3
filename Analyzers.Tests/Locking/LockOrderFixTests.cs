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
    /// A wrap that nests its lock inside another one (fix class 5, <see cref="LockOrderCheck"/>): never inside a held lock
    /// of the same class, and inside another class's lock only where that adds no lock-order cycle, with the rest of the
    /// compilation or with an earlier wrap of the same Fix All.
    /// </summary>
    public class LockOrderFixTests
    {
        [Fact]
        public async Task AnotherInstancesLockOfTheSameClass_IsNotNestedInTheOwn()
        {
            ImmutableArray<string> keys = await OfferedKeysAsync(@"    void Forward(Port peer)
    {
        lock (_gate)
        {
            _monitorCount++;
            peer._monitorCount++;
        }
    }");
            Assert.DoesNotContain(LockRequirementFixes.WrapKey, keys);
        }

        [Fact]
        public async Task TheSameClassReachedAnotherWay_UnderACallersContract_IsNotNested()
        {
            // The caller's group.Mutex is dev.Group.Mutex at every call: taking it again would throw LockRecursionException.
            ImmutableArray<string> keys = await OfferedKeysAsync(@"    [RequiresLock(""group.Mutex"")]
    void Touch(IommuGroup group, Device dev)
    {
        dev.Group.Owner = null;
    }");
            Assert.DoesNotContain(LockRequirementFixes.WrapKey, keys);
        }

        [Fact]
        public async Task NearMiss_AnotherClassInTheOrderTheCodeUses_IsStillNested()
        {
            var test = new Verify.Test
            {
                TestCode = LockTestSource.Class(@"    void F(IommuGroup g)
    {
        using (_mutex.Guard())
        {
            _count++;
            {|IOMMU0100:g.OwnerCount|}++;
        }
    }"),
                FixedCode = LockTestSource.Class(@"    void F(IommuGroup g)
    {
        using (_mutex.Guard())
        {
            _count++;
            using (g.Mutex.Guard())
            {
                g.OwnerCount++;
            }
        }
    }"),
                CodeActionEquivalenceKey = LockRequirementFixes.WrapKey,
            };
            await test.RunAsync();
        }

        [Fact]
        public async Task AnotherClassAgainstTheOrderUsedElsewhere_IsNotNested()
        {
            ImmutableArray<string> keys = await OfferedKeysAsync(@"    void F(IommuGroup g)
    {
        using (_mutex.Guard())
        {
            _count++;
            g.OwnerCount++;
        }
    }

    void G(IommuGroup g)
    {
        using (g.Mutex.Guard())
        {
            using (_mutex.Guard())
            {
                _count = g.OwnerCount;
            }
        }
    }");
            Assert.DoesNotContain(LockRequirementFixes.WrapKey, keys);
        }

        [Fact]
        public async Task FixAll_WrapsOnlyTheFirstOfTwoOppositeNestings()
        {
            var test = new Verify.Test
            {
                TestCode = LockTestSource.Class(@"    void Bounce(IommuGroup g)
    {
        using (_mutex.Guard())
        {
            _count--;
            {|IOMMU0100:g.OwnerCount|}++;
        }

        using (g.Mutex.Guard())
        {
            g.OwnerCount--;
            {|IOMMU0100:_count|}++;
        }
    }"),
                FixedCode = LockTestSource.Class(@"    void Bounce(IommuGroup g)
    {
        using (_mutex.Guard())
        {
            _count--;
            using (g.Mutex.Guard())
            {
                g.OwnerCount++;
            }
        }

        using (g.Mutex.Guard())
        {
            g.OwnerCount--;
            {|IOMMU0100:_count|}++;
        }
    }"),
                CodeActionEquivalenceKey = LockRequirementFixes.WrapKey,
                NumberOfIncrementalIterations = 1,
                NumberOfFixAllIterations = 1,
            };

            // The second access stays reported: which order the two locks take is for a human to choose.
            test.FixedState.MarkupHandling = Microsoft.CodeAnalysis.Testing.MarkupMode.Allow;
            await test.RunAsync();
        }

        private static async Task<ImmutableArray<string>> OfferedKeysAsync(string members)
        {
            using AdhocWorkspace workspace = FixHarness.CreateWorkspace();
            Project project = FixHarness.CreateProject(workspace, "Offer", new[] { new CorpusFile("Port.cs", LockTestSource.Class(members)) });
            Diagnostic diagnostic = (await FixHarness.AnalyzeAsync(project)).Single(d => d.Id == RuleIdentifiers.GuardedMemberWithoutLock);
            ImmutableArray<CodeAction> actions = await FixHarness.ActionsAsync(new GuardedMemberWithoutLockFixer(), project.Documents.Single(), diagnostic);
            return actions.Select(a => a.EquivalenceKey!).ToImmutableArray();
        }
    }
}
