using System.Threading.Tasks;
using IommuAnalyzers.Locking;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Testing;
using Xunit;
using Verify = IommuAnalyzers.Tests.Verifiers.CSharpAnalyzerVerifier<IommuAnalyzers.Locking.LockDisciplineAnalyzer>;

namespace IommuAnalyzers.Tests.Locking
{
    /// <summary>Messages say what the code did to the member and name it as the code does.</summary>
    public class LockMessageTests
    {
        private static Task Guarded(string members, string member, string verb, string lockName) =>
            LockTestSource.VerifyMembersAsync(members, Verify.Diagnostic(GuardedMemberWithoutLockRule.Rule).WithLocation(0).WithArguments(member, verb, lockName));

        [Theory]
        [InlineData(@"void F(IommuGroup g, object x) { object y; ({|#0:g.Owner|}, y) = (x, x); }", "g.Owner", "written")]
        [InlineData(@"void F(IommuGroup g, object x) { object y; (y, ({|#0:g.Owner|}, y)) = (x, (x, x)); }", "g.Owner", "written")]
        [InlineData(@"void F(IommuGroup g) { {|#0:g.OwnerCount|} += 2; }", "g.OwnerCount", "written")]
        [InlineData(@"void F(IommuGroup g, object x) { {|#0:g.Owner|} ??= x; }", "g.Owner", "written")]
        [InlineData(@"void F(IommuGroup g) { {|#0:g.OwnerCount|}--; }", "g.OwnerCount", "written")]
        // Near misses: the value side of a deconstruction, and a plain read.
        [InlineData(@"void F(IommuGroup g) { object a, b; (a, b) = ({|#0:g.Owner|}!, new object()); }", "g.Owner", "read")]
        [InlineData(@"void F(IommuGroup g, object x) { x = {|#0:g.Owner|} ?? x; }", "g.Owner", "read")]
        public Task Writes_SayWritten(string members, string member, string verb) => Guarded(members, member, verb, "g.Mutex");

        [Theory]
        [InlineData(@"void F() { Interlocked.Increment(ref {|#0:_count|}); }", "passed by reference")]
        [InlineData(@"static void Set(out int v) => v = 1; void F() { Set(out {|#0:_count|}); }", "passed by reference")]
        [InlineData(@"static int Peek(in int v) => v; void F() { Peek(in {|#0:_count|}); }", "read")]
        [InlineData(@"static int Peek(int v) => v; void F() { Peek({|#0:_count|}); }", "read")]
        public Task ReferenceArguments_SayPassedByReference(string members, string verb) => Guarded(members, "_count", verb, "this._mutex");

        [Fact]
        public Task GuardedAutoProperty_ThroughItsBackingField_IsNamedByTheProperty() =>
            Guarded(@"[field: GuardedBy(nameof(_mutex))] private int Level { get; set; } void F() { using (_mutex.Guard()) { Level++; } {|#0:Level|}++; }", "Level", "written", "this._mutex");

        [Fact]
        public async Task FieldKeyword_InAGuardedAccessor_IsNamedByTheProperty()
        {
            var test = new Verify.Test
            {
                TestCode = LockTestSource.Class(@"[field: GuardedBy(nameof(_mutex))] private int Level { get => {|#0:field|}; [RequiresLock(nameof(_mutex))] set => field = value; }"),
            };
            test.ExpectedDiagnostics.Add(Verify.Diagnostic(GuardedMemberWithoutLockRule.Rule).WithLocation(0).WithArguments("Level", "read", "this._mutex"));
            test.SolutionTransforms.Add((solution, projectId) =>
                solution.WithProjectParseOptions(projectId, ((CSharpParseOptions)solution.GetProject(projectId)!.ParseOptions!).WithLanguageVersion(LanguageVersion.Preview)));
            await test.RunAsync();
        }

        [Fact]
        public Task ConstructorCall_IsNamedByItsType() =>
            LockTestSource.VerifyMembersAsync(
                @"sealed class Link { [RequiresLock(""m"")] public Link(KMutex m) { } } void F(KMutex k) { _ = {|#0:new Link(k)|}; using (k.Guard()) { _ = new Link(k); } }",
                Verify.Diagnostic(RequiresLockCallWithoutLockRule.Rule).WithLocation(0).WithArguments("Link", "k"));

        [Fact]
        public Task ExcludedAccessor_IsNamedByItsProperty() =>
            LockTestSource.VerifyMembersAsync(
                @"int Level { [ExcludesLock(nameof(_mutex))] get { using (_mutex.Guard()) { return _count; } } } void F() { using (_mutex.Guard()) { _ = {|#0:Level|}; } }",
                Verify.Diagnostic(LockAlreadyHeldRule.Rule).WithLocation(0).WithArguments("this._mutex", "'Level' takes it itself ([ExcludesLock]) and deadlocks"));

        [Fact]
        public Task UnresolvedFieldTargetedGuard_IsNamedByTheProperty() =>
            LockTestSource.VerifyMembersAsync(
                @"[field: GuardedBy({|#0:""Mutx""|})] private int Level { get; set; }",
                Verify.Diagnostic(UnresolvedLockExpressionRule.Rule).WithLocation(0).WithArguments("'Mutx'", "Level", "'Mutx' is not 'this', a parameter, a member of 'Port' or a type", ""));
    }
}
