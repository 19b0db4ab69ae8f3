using System.Threading.Tasks;
using IommuAnalyzers.Locking;
using Xunit;
using Verify = IommuAnalyzers.Tests.Verifiers.CSharpAnalyzerVerifier<IommuAnalyzers.Locking.LockDisciplineAnalyzer>;

namespace IommuAnalyzers.Tests.Locking
{
    public class UnresolvedLockExpressionTests
    {
        [Theory]
        [InlineData(@"[GuardedBy({|IOMMU0106:""Mutx""|})] private int _a;")]
        [InlineData(@"[GuardedBy({|IOMMU0106:nameof(_count)|})] private int _a;")]
        [InlineData(@"[RequiresLock({|IOMMU0106:""grp.Mutex""|})] void F(IommuGroup group) { }")]
        [InlineData(@"[RequiresLock({|IOMMU0106:""group.Mutx""|})] void F(IommuGroup group) { }")]
        [InlineData(@"[GuardedBy({|IOMMU0106:""this""|})] private static int _a;")]
        [InlineData(@"[ExcludesLock(nameof(_mutex), {|IOMMU0106:""Nope""|})] void F() { }")]
        [InlineData(@"[AcquiresLock({|IOMMU0106:""""|})] void F() { }")]
        [InlineData(@"[GuardedBy({|IOMMU0106:""Registry.Missing""|})] private int _a;")]
        [InlineData(@"[GuardedBy({|IOMMU0106:""dev.Group.Mutex""|})] private int _a;")]
        [InlineData(@"[ReleasesLock({|IOMMU0106:""Registry.Count""|})] void F() { }")]
        [InlineData(@"void F() { L(null!); [RequiresLock({|IOMMU0106:""x.Mutx""|})] static void L(IommuGroup x) { } }")]
        public Task Positive(string members) => LockTestSource.VerifyMembersAsync(members);

        [Theory]
        [InlineData(@"[GuardedBy(nameof(_mutex))] private int _a;")]
        [InlineData(@"[GuardedBy(""this"")] private int _a;")]
        [InlineData(@"[GuardedBy(""Registry.Lock"")] private static int _a;")]
        [InlineData(@"[RequiresLock(""group.Mutex"")] void F(IommuGroup group) { }")]
        [InlineData(@"[GuardedBy(""_gate"")] private int _a;")]
        [InlineData(@"[GuardedBy(""_lock"")] private int _a;")]
        [InlineData(@"[RequiresLock(""dev.Group.Mutex"", ""this"")] void F(Device dev) { }")]
        [InlineData(@"[GuardedBy(""Group.Mutex"")] private int _a; private IommuGroup Group { get; } = new IommuGroup(1);")]
        [InlineData(@"void F() { [RequiresLock(""x.Mutex"")] static void L(IommuGroup x) => x.OwnerCount++; }")]
        public Task Negative(string members) => LockTestSource.VerifyMembersAsync(members);

        [Fact]
        public async Task Message_NamesExpression_Member_AndReason()
        {
            await LockTestSource.VerifyMembersAsync(
                @"[GuardedBy({|#0:""_count""|})] private int _a;",
                Verify.Diagnostic(UnresolvedLockExpressionRule.Rule).WithLocation(0).WithArguments("'_count'", "_a", "its type 'int' is not a KMutex, a System.Threading.Lock or an object usable with lock", ""));
        }

        [Theory]
        [InlineData(@"[GuardedBy({|#0:""_lcok""|})] private int _a;", "'_lcok'", "_a", "'_lcok' is not 'this', a parameter, a member of 'Port' or a type", "_lock")]
        [InlineData(@"[GuardedBy({|#0:""_mutx""|})] private int _a;", "'_mutx'", "_a", "'_mutx' is not 'this', a parameter, a member of 'Port' or a type", "_mutex")]
        [InlineData(@"[GuardedBy({|#0:""_gaet""|})] private int _a;", "'_gaet'", "_a", "'_gaet' is not 'this', a parameter, a member of 'Port' or a type", "_gate")]
        [InlineData(@"[RequiresLock({|#0:""group.Mutx""|})] void F(IommuGroup group) { }", "'group.Mutx'", "F", "'Mutx' is not an instance field or property of 'IommuGroup'", "group.Mutex")]
        [InlineData(@"[RequiresLock({|#0:""gruop.Mutex""|})] void F(IommuGroup group) { }", "'gruop.Mutex'", "F", "'gruop' is not 'this', a parameter, a member of 'Port' or a type", "group.Mutex")]
        [InlineData(@"[GuardedBy({|#0:""Registry.Lokc""|})] private int _a;", "'Registry.Lokc'", "_a", "'Lokc' is not a static field or property of 'Registry'", "Registry.Lock")]
        public async Task NearMissName_SuggestsTheNearestLockMember(string members, string shown, string member, string reason, string suggestion)
        {
            await LockTestSource.VerifyMembersAsync(
                members,
                Verify.Diagnostic(UnresolvedLockExpressionRule.Rule).WithLocation(0).WithArguments(shown, member, reason, "; did you mean '" + suggestion + "'?"));
        }

        [Fact]
        public async Task NearMissMessage_ReadsAsAQuestion()
        {
            await LockTestSource.VerifyMembersAsync(
                @"[GuardedBy({|#0:""_lcok""|})] private int _a;",
                Verify.Diagnostic(UnresolvedLockExpressionRule.Rule).WithLocation(0).WithMessage(
                    "Lock expression '_lcok' on '_a' does not name a lock: '_lcok' is not 'this', a parameter, a member of 'Port' or a type; did you mean '_lock'?"));
        }

        [Theory]
        // Too far from every lock member (two edits in a three-letter name; nothing near at all).
        [InlineData(@"[GuardedBy({|#0:""_lk""|})] private int _a;", "_lk", "_a", "'_lk' is not 'this', a parameter, a member of 'Port' or a type")]
        [InlineData(@"[GuardedBy({|#0:""Nope""|})] private int _a;", "Nope", "_a", "'Nope' is not 'this', a parameter, a member of 'Port' or a type")]
        [InlineData(@"[RequiresLock({|#0:""grp.Mutex""|})] void F(IommuGroup group) { }", "grp.Mutex", "F", "'grp' is not 'this', a parameter, a member of 'Port' or a type")]
        // Near a member that is no lock: '_count' is an int, so '_cuont' gets no suggestion.
        [InlineData(@"[GuardedBy({|#0:""_cuont""|})] private int _a;", "_cuont", "_a", "'_cuont' is not 'this', a parameter, a member of 'Port' or a type")]
        // Near an instance lock, but from a static member, where only static members can be named.
        [InlineData(@"[GuardedBy({|#0:""_lcok""|})] private static int _a;", "_lcok", "_a", "'_lcok' is not 'this', a parameter, a member of 'Port' or a type")]
        public async Task NameTooFarOrNotALock_GetsNoSuggestion(string members, string text, string member, string reason)
        {
            await LockTestSource.VerifyMembersAsync(
                members,
                Verify.Diagnostic(UnresolvedLockExpressionRule.Rule).WithLocation(0).WithArguments("'" + text + "'", member, reason, ""));
        }

        [Theory]
        [InlineData(@"[GuardedBy({|#0:null|})] private int _a;", "_a")]
        [InlineData(@"[GuardedBy({|#0:null!|})] private int _a;", "_a")]
        [InlineData(@"[RequiresLock(nameof(_mutex), {|#0:null|})] void F() { }", "F")]
        [InlineData(@"[RequiresLock({|#0:null!|})] void F() { }", "F")]
        public async Task NullExpression_IsNamedNull(string members, string member)
        {
            await LockTestSource.VerifyMembersAsync(
                members,
                Verify.Diagnostic(UnresolvedLockExpressionRule.Rule).WithLocation(0).WithMessage(
                    "Lock expression null on '" + member + "' does not name a lock: the expression is null"));
        }

        [Fact]
        public async Task EmptyExpression_StaysAnEmptyString_NotNull()
        {
            await LockTestSource.VerifyMembersAsync(
                @"[GuardedBy({|#0:""""|})] private int _a;",
                Verify.Diagnostic(UnresolvedLockExpressionRule.Rule).WithLocation(0).WithMessage(
                    "Lock expression '' on '_a' does not name a lock: the expression is empty"));
        }

        [Fact]
        public async Task GuardedMemberWithUnresolvedLock_IsNotCheckedByTheFlowRules()
        {
            await LockTestSource.VerifyMembersAsync(@"[GuardedBy({|IOMMU0106:""Mutx""|})] private int _a; void F() { _a++; }");
        }

        [Fact]
        public async Task HalfTypedAttribute()
        {
            await LockTestSource.VerifyMembersAsync(@"[GuardedBy({|CS0103:Mutx|})] private int _a; [RequiresLock({|IOMMU0106:""a..b""|})] void F() { }");
        }
    }
}
