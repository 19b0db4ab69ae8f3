using System.Collections.Immutable;
using System.Linq;
using System.Threading.Tasks;
using IommuAnalyzers.CodeFixes.Locking;
using IommuAnalyzers.Tests.Reliability;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Xunit;

namespace IommuAnalyzers.Tests.Locking
{
    /// <summary>
    /// "Add [RequiresLock]" moves a lock requirement to the callers. In a method that takes that lock itself (kernel
    /// style: lock, touch, unlock, then touch again by mistake) the attribute would make its own acquire a
    /// self-deadlock, so only the wrap is offered there; nor where no caller exists to hold it (a public method
    /// nothing calls). The wrap is not offered where a TryLock of the same lock just failed.
    /// </summary>
    public class RequiresLockActionOfferTests
    {
        private const string Prefix = @"using Iommu;

static class Port
{
";

        [Fact]
        public async Task MethodThatLocksItself_GetsOnlyTheWrap()
        {
            ImmutableArray<string> keys = await OfferedKeysAsync(@"    static int ReadAfterUnlock(IommuGroup group)
    {
        group.Mutex.Lock();
        int count = group.OwnerCount;
        group.Mutex.Unlock();
        return count + group.OwnerCount;
    }
}
");
            Assert.Equal(new[] { LockRequirementFixes.WrapKey }, keys);
        }

        [Fact]
        public async Task MethodThatTakesNoLock_GetsBothActions()
        {
            ImmutableArray<string> keys = await OfferedKeysAsync(@"    static int Read(IommuGroup group)
    {
        return group.OwnerCount;
    }
}
");
            Assert.Equal(new[] { LockRequirementFixes.WrapKey, LockRequirementFixes.RequiresKey }, keys);
        }

        [Fact]
        public async Task InTheBranchWhereItsTryLockFailed_NeitherActionIsOffered()
        {
            // The code chose not to wait for the lock: a blocking wrap there waits for the holder.
            ImmutableArray<string> keys = await OfferedKeysAsync(@"    static bool TryRead(IommuGroup group)
    {
        if (!group.Mutex.TryLock())
        {
            return group.OwnerCount > 0;
        }

        group.Mutex.Unlock();
        return true;
    }
}
");
            Assert.Empty(keys);
        }

        [Fact]
        public async Task InTheBranchWhereAnotherLocksTryLockFailed_TheWrapIsOffered()
        {
            ImmutableArray<string> keys = await OfferedKeysAsync(@"    static int Read(IommuGroup group, KMutex other)
    {
        if (!other.TryLock())
        {
            return group.OwnerCount;
        }

        other.Unlock();
        return 0;
    }
}
");
            Assert.Contains(LockRequirementFixes.WrapKey, keys);
        }

        [Fact]
        public async Task PublicMethodNothingCalls_GetsOnlyTheWrap()
        {
            ImmutableArray<string> keys = await OfferedKeysAsync(@"    public static int Read(IommuGroup group)
    {
        return group.OwnerCount;
    }
}
");
            Assert.Equal(new[] { LockRequirementFixes.WrapKey }, keys);
        }

        [Fact]
        public async Task PublicMethodWhoseCallerHoldsTheLock_GetsOnlyTheContract()
        {
            ImmutableArray<string> keys = await OfferedKeysAsync(@"    public static int Read(IommuGroup group)
    {
        return group.OwnerCount;
    }

    public static int Caller(IommuGroup group)
    {
        using (group.Mutex.Guard())
        {
            return Read(group);
        }
    }
}
");
            // Its one caller holds the lock (IOMMU0110): a wrap would take it a second time there, so the contract is
            // the one action.
            Assert.Equal(new[] { LockRequirementFixes.RequiresKey }, keys);
        }

        private static async Task<ImmutableArray<string>> OfferedKeysAsync(string body)
        {
            using AdhocWorkspace workspace = FixHarness.CreateWorkspace();
            Project project = FixHarness.CreateProject(workspace, "Offer", new[] { new CorpusFile("Port.cs", Prefix + body) });
            Diagnostic diagnostic = (await FixHarness.AnalyzeAsync(project)).Single(d => d.Id == RuleIdentifiers.GuardedMemberWithoutLock);
            ImmutableArray<CodeAction> actions = await FixHarness.ActionsAsync(new GuardedMemberWithoutLockFixer(), project.Documents.Single(), diagnostic);
            return actions.Select(a => a.EquivalenceKey!).ToImmutableArray();
        }
    }
}
