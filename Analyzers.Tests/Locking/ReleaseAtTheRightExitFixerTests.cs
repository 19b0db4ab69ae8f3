using System.Threading.Tasks;
using IommuAnalyzers.CodeFixes.Locking;
using Xunit;
using Verify = IommuAnalyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    IommuAnalyzers.Locking.LockDisciplineAnalyzer,
    IommuAnalyzers.CodeFixes.Locking.LockHeldAtExitFixer>;

namespace IommuAnalyzers.Tests.Locking
{
    /// <summary>
    /// IOMMU0101's "release before this exit" on the exit the leaking path takes (fix class 1): a bare <c>return;</c>
    /// reached by a goto, or the end of the body reached out of a switch without default, is not the return another
    /// path already released before (a release there would run twice on that path and leave the leak).
    /// </summary>
    public class ReleaseAtTheRightExitFixerTests
    {
        private static async Task Release(string before, string after)
        {
            var test = new Verify.Test
            {
                TestCode = LockTestSource.Class(before),
                FixedCode = LockTestSource.Class(after),
                CodeActionEquivalenceKey = LockHeldAtExitFixer.ReleaseKey,
            };
            await test.RunAsync();
        }

        [Fact]
        public Task GotoToALabelsReturn_ReleasesOnTheGotoPathOnly() => Release(
            @"    void Kick(bool stopped)
    {
        _mutex.Lock();
        if (stopped)
            goto out_stopped;

        _count++;
        _mutex.Unlock();
        return;

    out_stopped:
        {|IOMMU0101:return;|}
    }",
            @"    void Kick(bool stopped)
    {
        _mutex.Lock();
        if (stopped)
            goto out_stopped;

        _count++;
        _mutex.Unlock();
        return;

    out_stopped:
        {
            _mutex.Unlock();
            return;
        }
    }");

        [Fact]
        public Task SwitchWithoutDefault_ReleasesAtTheEndOfTheBody_NotInACase() => Release(
            @"    void Handle(int command)
    {
        _mutex.Lock();
        switch (command)
        {
            case 0:
                _count++;
                _mutex.Unlock();
                return;
            case 1:
                _count--;
                _mutex.Unlock();
                return;
        }
    {|IOMMU0101:}|}",
            @"    void Handle(int command)
    {
        _mutex.Lock();
        switch (command)
        {
            case 0:
                _count++;
                _mutex.Unlock();
                return;
            case 1:
                _count--;
                _mutex.Unlock();
                return;
        }
        _mutex.Unlock();
    }");

        [Fact]
        public Task NearMiss_AReturnEveryHoldingPathJoinsAt_GetsTheReleaseBeforeIt() => Release(
            @"    void Touch(bool twice)
    {
        _mutex.Lock();
        if (twice)
        {
            _count++;
        }

        _count++;
        {|IOMMU0101:return;|}
    }",
            @"    void Touch(bool twice)
    {
        _mutex.Lock();
        if (twice)
        {
            _count++;
        }

        _count++;
        _mutex.Unlock();
        return;
    }");
    }
}
