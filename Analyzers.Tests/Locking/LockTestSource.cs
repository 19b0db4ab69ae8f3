using System;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis.Testing;
using Verify = IommuAnalyzers.Tests.Verifiers.CSharpAnalyzerVerifier<IommuAnalyzers.Locking.LockDisciplineAnalyzer>;
using WrapVerify = IommuAnalyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    IommuAnalyzers.Locking.LockDisciplineAnalyzer,
    IommuAnalyzers.CodeFixes.Locking.GuardedMemberWithoutLockFixer>;

namespace IommuAnalyzers.Tests.Locking
{
    /// <summary>A driver-port class with one lock of each kind and annotated helpers; tests add members to it.</summary>
    internal static class LockTestSource
    {
        public const string Header = @"using System;
using System.Threading;
using Iommu;

static class Registry
{
    public static readonly KMutex Lock = new KMutex();

    [GuardedBy(""Registry.Lock"")]
    public static int Count;

    [RequiresLock(""Registry.Lock"")]
    public static void BumpLocked() => Count++;
}

class Port
{
    private readonly KMutex _mutex = new KMutex();
    private readonly object _gate = new object();
    private readonly Lock _lock = new Lock();

    [GuardedBy(nameof(_mutex))] private int _count;
    [GuardedBy(nameof(_gate))] private int _monitorCount;
    [GuardedBy(nameof(_lock))] private int _lockCount;

    [RequiresLock(nameof(_mutex))] private int Snapshot => _count;
    [RequiresLock(nameof(_mutex))] private void BumpLocked() => _count++;
    [RequiresLock(""group.Mutex"")] private static void ResetLocked(IommuGroup group) => group.OwnerCount = 0;
    [AcquiresLock(nameof(_mutex))] private void Enter() => _mutex.Lock();
    [ReleasesLock(nameof(_mutex))] private void Leave() => _mutex.Unlock();
    [ExcludesLock(nameof(_mutex))] private void Outer() { using (_mutex.Guard()) { _count++; } }
";

        /// <summary>The line the test's members start on.</summary>
        public static int FirstMemberLine => Header.Split('\n').Length;

        public static string Class(string members) => Header + members + @"
}
";

        /// <summary>1-based line of the first occurrence of <paramref name="text"/> in <paramref name="source"/>.</summary>
        public static int LineOf(string source, string text)
        {
            int index = source.IndexOf(text, StringComparison.Ordinal);
            int line = 1;
            for (int i = 0; i < index; i++)
            {
                if (source[i] == '\n')
                {
                    line++;
                }
            }

            return line;
        }

        public static Task VerifyMembersAsync(string members, params DiagnosticResult[] expected) =>
            Verify.VerifyAnalyzerAsync(Class(members), expected);

        /// <summary>Applies the wrap fix (its equivalence key, one at a time and Fix All) to members of the port class.</summary>
        public static Task VerifyWrapAsync(string beforeMembers, string afterMembers) =>
            new WrapVerify.Test
            {
                TestCode = Class(beforeMembers),
                FixedCode = Class(afterMembers),
                CodeActionEquivalenceKey = IommuAnalyzers.CodeFixes.Locking.LockRequirementFixes.WrapKey,
            }.RunAsync();

        /// <summary>The lock fixes offered for the first IOMMU0100 among members of the port class.</summary>
        public static Task<System.Collections.Immutable.ImmutableArray<Microsoft.CodeAnalysis.CodeActions.CodeAction>> WrapActionsAsync(string members) =>
            Reliability.FixHarness.ActionsForFirstAsync(new IommuAnalyzers.CodeFixes.Locking.GuardedMemberWithoutLockFixer(), RuleIdentifiers.GuardedMemberWithoutLock, Class(members));
    }
}
