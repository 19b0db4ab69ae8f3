using System.Threading.Tasks;
using IommuAnalyzers.Locking;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Testing;
using Xunit;
using Verify = IommuAnalyzers.Tests.Verifiers.CSharpAnalyzerVerifier<IommuAnalyzers.Locking.LockDisciplineAnalyzer>;

namespace IommuAnalyzers.Tests.Locking
{
    /// <summary>
    /// Contracts on local functions, operators, conversions, indexers, accessors, extension members and scoped
    /// [AcquiresLock] guards, through the rules: IOMMU0104/0103 at the use, 0100 inside, 0101/0102 around guards, 0106.
    /// </summary>
    public class MemberKindContractRuleTests
    {
        private const string Operators = @"
    [RequiresLock(""b._mutex"")] public static Port operator +(Port a, Port b) => a;
    [ExcludesLock(""p._mutex"")] public static Port operator -(Port p) { using (p._mutex.Guard()) { p._count++; } return p; }
    [RequiresLock(""p._mutex"")] public static explicit operator int(Port p) => p._count;
    [RequiresLock(""g.Mutex"")] int this[IommuGroup g] { get => g.OwnerCount; set => g.OwnerCount = value; }
    int Level { get => 0; [RequiresLock(nameof(_mutex))] set => _count = value; }
    [AcquiresLock(nameof(_mutex))] MutexGuard Hold() => _mutex.Guard();
    sealed class Token : IDisposable { public void Dispose() { } }
    [AcquiresLock(nameof(_mutex))] Token Enter2() { _mutex.Lock(); return new Token(); }
";

        [Theory]
        [InlineData(@"void F() { {|IOMMU0104:Bump()|}; [RequiresLock(nameof(_mutex))] void Bump() => _count++; }")]
        [InlineData(@"void F(IommuGroup group) { {|IOMMU0104:Touch()|}; [RequiresLock(""group.Mutex"")] void Touch() => group.OwnerCount++; }")]
        [InlineData(@"void F(IommuGroup group, IommuGroup other) { using (other.Mutex.Guard()) { {|IOMMU0104:Touch()|}; } [RequiresLock(""group.Mutex"")] void Touch() => group.OwnerCount++; }")]
        [InlineData(@"void F(Port x, Port y) { using (x._mutex.Guard()) { _ = {|IOMMU0104:x + y|}; } }")]
        [InlineData(@"void F(Port x) { _ = {|IOMMU0104:(int)x|}; }")]
        [InlineData(@"void F(IommuGroup g, IommuGroup h) { using (h.Mutex.Guard()) { _ = {|IOMMU0104:this[g]|}; } }")]
        [InlineData(@"void F(IommuGroup g) { {|IOMMU0104:this[g]|}++; }")]
        [InlineData(@"void F() { {|IOMMU0104:Level|} = 1; }")]
        [InlineData(@"void F(Port x) { using (x._mutex.Guard()) { _ = {|IOMMU0103:-x|}; } }")]
        public Task Positive(string members) => LockTestSource.VerifyMembersAsync(Operators + members);

        [Theory]
        [InlineData(@"void F() { using (_mutex.Guard()) { Bump(); } [RequiresLock(nameof(_mutex))] void Bump() => _count++; }")]
        [InlineData(@"void F(IommuGroup group) { using (group.Mutex.Guard()) { Touch(); } [RequiresLock(""group.Mutex"")] void Touch() => group.OwnerCount++; }")]
        [InlineData(@"void F(Port x, Port y) { using (y._mutex.Guard()) { _ = x + y; } }")]
        [InlineData(@"void F(Port x) { using (x._mutex.Guard()) { _ = (int)x; } }")]
        [InlineData(@"void F(IommuGroup g) { using (g.Mutex.Guard()) { _ = this[g]; this[g] = 2; this[g]++; } }")]
        [InlineData(@"void F() { _ = Level; using (_mutex.Guard()) { Level = 1; } }")]
        [InlineData(@"void F(Port x) { _ = -x; }")]
        [InlineData(@"void F() { using (Hold()) { _count++; } }")]
        [InlineData(@"int F(bool c) { using var g = Hold(); _count++; if (c) return 1; return 0; }")]
        [InlineData(@"void F() { using (Enter2()) { _count++; } using var t = Enter2(); _count++; }")]
        [InlineData(@"void F() { var g = Hold(); _count++; g.Dispose(); }")]
        public Task Negative(string members) => LockTestSource.VerifyMembersAsync(Operators + members);

        [Theory]
        // The scope's end released it: taking it back by hand is a double release, and the guard returned but not disposed leaks.
        [InlineData(@"void F() { using (Hold()) { } {|IOMMU0102:_mutex.Unlock()|}; }")]
        [InlineData(@"int F() { Hold(); _count++; {|IOMMU0101:return 0;|} }")]
        [InlineData(@"void F() { using (Hold()) { } {|IOMMU0100:_count|}++; }")]
        public Task ScopedGuard_NearMisses(string members) => LockTestSource.VerifyMembersAsync(Operators + members);

        [Fact]
        public async Task LocalFunction_Body_AssumesItsContract_AndItsNearMissIsReported()
        {
            await LockTestSource.VerifyMembersAsync(@"void F(IommuGroup group, IommuGroup other)
    {
        using (group.Mutex.Guard()) { Touch(); }
        [RequiresLock(""group.Mutex"")] void Touch() { group.OwnerCount++; {|IOMMU0100:other.OwnerCount|}++; }
    }");
        }

        [Fact]
        public async Task Messages_NameOperatorsAndConversions()
        {
            await LockTestSource.VerifyMembersAsync(
                Operators + @"void F(Port x) { _ = {|#0:x + x|}; _ = {|#1:(int)x|}; }",
                Verify.Diagnostic(RequiresLockCallWithoutLockRule.Rule).WithLocation(0).WithArguments("operator +", "x._mutex"),
                Verify.Diagnostic(RequiresLockCallWithoutLockRule.Rule).WithLocation(1).WithArguments("explicit operator int", "x._mutex"));
        }

        [Theory]
        [InlineData(@"[RequiresLock({|IOMMU0106:""b.Mutx""|})] public static Port operator +(Port a, Port b) => a;")]
        [InlineData(@"[RequiresLock({|IOMMU0106:""q._mutex""|})] public static explicit operator int(Port p) => 0;")]
        [InlineData(@"[RequiresLock({|IOMMU0106:""h.Mutex""|})] int this[IommuGroup g] => 0;")]
        [InlineData(@"int Level { [RequiresLock({|IOMMU0106:""Mutx""|})] get => 0; }")]
        [InlineData(@"void F(IommuGroup group) { L(); [RequiresLock({|IOMMU0106:""group.Mutex""|})] static void L() { } }")]
        [InlineData(@"static void F() { L(); [RequiresLock({|IOMMU0106:nameof(_mutex)|})] void L() { } }")]
        [InlineData(@"[field: GuardedBy({|IOMMU0106:""Mutx""|})] int Auto { get; set; }")]
        public Task Unresolved_OnEveryMemberKind(string members) => LockTestSource.VerifyMembersAsync(members);

        [Theory]
        [InlineData(@"[RequiresLock(""b._mutex"")] public static Port operator +(Port a, Port b) => a;")]
        [InlineData(@"[RequiresLock(""p._mutex"")] public static explicit operator int(Port p) => 0;")]
        [InlineData(@"[RequiresLock(""g.Mutex"")] int this[IommuGroup g] => 0;")]
        [InlineData(@"int Level { [RequiresLock(nameof(_mutex))] get => 0; set { } }")]
        [InlineData(@"void F(IommuGroup group) { using (group.Mutex.Guard()) { L(); } [RequiresLock(""group.Mutex"")] void L() { } }")]
        [InlineData(@"[field: GuardedBy(nameof(_mutex))] int Auto { get; set; }")]
        public Task Resolved_OnEveryMemberKind(string members) => LockTestSource.VerifyMembersAsync(members);

        [Fact]
        public async Task Resolved_SetterValueParameter()
        {
            await LockTestSource.VerifyMembersAsync(@"IommuGroup? Current { get => null; [RequiresLock(""value.Mutex"")] set { } }
    void F(IommuGroup g) { {|IOMMU0104:Current|} = g; using (g.Mutex.Guard()) { Current = g; } }");
        }

        [Fact]
        public async Task HalfTyped_OperatorsIndexersAndLocalFunctions()
        {
            await LockTestSource.VerifyMembersAsync(Operators + @"void F(Port x)
    {
        _ = x + {|CS0103:y|};
        _ = this[{|CS0103:q|}];
        _ = (int){|CS0103:z|};
        {|CS1501:Bump|}(1);
        [RequiresLock(nameof(_mutex))] void Bump() => _count++;
    }");
        }

        private const string Extension = @"
static class GroupExtensions
{
    extension(IommuGroup group)
    {
        [RequiresLock(""group.Mutex"")] public void Reset() => group.OwnerCount = 0;
        [RequiresLock(""group.Mutex"")] public int Users => group.OwnerCount;
        [AcquiresLock(""group.Mutex"")] public MutexGuard Hold() => group.Mutex.Guard();
        [RequiresLock({|IOMMU0106:""this""|})] public void Bad() { }
        [RequiresLock({|IOMMU0106:""Mutex""|})] public void Bad2() { }
        public void Leak() => {|IOMMU0100:group.OwnerCount|}++;
    }
}";

        [Theory]
        // At LanguageVersion.Latest, Roslyn 4.14 reports extension blocks as a language-version error (its recovery still
        // binds the block); at Preview it binds them. Either way, with a receiver of an unknown type and a call that
        // cannot bind, the rules must not throw, and the one finding is the expression that cannot resolve.
        [InlineData(LanguageVersion.Latest)]
        [InlineData(LanguageVersion.Preview)]
        public async Task ExtensionBlocks_HalfTypedOrAtLatest_DoNotThrow(LanguageVersion version)
        {
            string source = LockTestSource.Class(@"void F(IommuGroup g) { g.Reset(); }") + @"
static class Broken
{
    extension(Missing group)
    {
        [RequiresLock(""group.Mutex"")] public void Reset() => group.OwnerCount = 0;
    }
}";
            var test = new Verify.Test { TestCode = source, CompilerDiagnostics = CompilerDiagnostics.None };
            test.ExpectedDiagnostics.Add(Verify.Diagnostic("IOMMU0106").WithSpan(LockTestSource.LineOf(source, "[RequiresLock(\"group.Mutex\")] public void Reset"), 23, LockTestSource.LineOf(source, "[RequiresLock(\"group.Mutex\")] public void Reset"), 36));

            test.SolutionTransforms.Add((solution, projectId) =>
                solution.WithProjectParseOptions(projectId, ((CSharpParseOptions)solution.GetProject(projectId)!.ParseOptions!).WithLanguageVersion(version)));
            await test.RunAsync();
        }

        [Fact]
        public async Task ExtensionMembers_BindTheirReceiver()
        {
            var test = new Verify.Test
            {
                TestCode = LockTestSource.Class(@"void F(IommuGroup g, IommuGroup other)
    {
        {|IOMMU0104:g.Reset()|};
        using (g.Hold()) { g.Reset(); _ = g.Users; {|IOMMU0104:other.Reset()|}; }
        _ = {|IOMMU0104:g.Users|};
    }") + Extension,
            };
            test.SolutionTransforms.Add((solution, projectId) =>
                solution.WithProjectParseOptions(projectId, ((CSharpParseOptions)solution.GetProject(projectId)!.ParseOptions!).WithLanguageVersion(LanguageVersion.Preview)));
            await test.RunAsync();
        }
    }
}
