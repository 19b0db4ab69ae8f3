using System.Threading.Tasks;
using IommuAnalyzers.CodeFixes.Locking;
using Microsoft.CodeAnalysis.Testing;
using Xunit;
using Verify = IommuAnalyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    IommuAnalyzers.Locking.LockDisciplineAnalyzer,
    IommuAnalyzers.CodeFixes.Locking.MemberLockedInconsistentlyFixer>;

namespace IommuAnalyzers.Tests.Locking
{
    /// <summary>IOMMU0109's fix: the inferred [GuardedBy] lands on the declaration, and the unlocked sites become IOMMU0100.</summary>
    public class MemberLockedInconsistentlyFixerTests
    {
        private const string Usings = "using System;\nusing Iommu;\n";

        [Fact]
        public async Task AddsGuardedBy_ThenTheUnlockedSiteIsIOMMU0100()
        {
            var test = new Verify.Test
            {
                TestCode = Usings + @"
class Ring
{
    private readonly KMutex _ringLock = new KMutex();
    private int _txHead;

    public void Push() { using (_ringLock.Guard()) { _txHead++; } }
    public void Pop() { using (_ringLock.Guard()) { _txHead--; } }
    public int Peek() => {|IOMMU0109:_txHead|};
}",
                FixedCode = Usings + @"
class Ring
{
    private readonly KMutex _ringLock = new KMutex();
    [GuardedBy(nameof(_ringLock))]
    private int _txHead;

    public void Push() { using (_ringLock.Guard()) { _txHead++; } }
    public void Pop() { using (_ringLock.Guard()) { _txHead--; } }
    public int Peek() => {|IOMMU0100:_txHead|};
}",
                CodeActionEquivalenceKey = MemberLockedInconsistentlyFixer.AddGuardedByKey,
                CodeFixTestBehaviors = CodeFixTestBehaviors.SkipLocalDiagnosticCheck,
            };
            await test.RunAsync();
        }

        [Fact]
        public async Task FixAll_AnnotatesEachMemberOnce_SplitsASharedDeclaration_AndAddsTheUsing()
        {
            var test = new Verify.Test { CodeActionEquivalenceKey = MemberLockedInconsistentlyFixer.AddGuardedByKey, CodeFixTestBehaviors = CodeFixTestBehaviors.SkipLocalDiagnosticCheck };
            test.TestState.Sources.Add(("Ring.cs", @"using System;

partial class Ring
{
    private readonly Iommu.KMutex _ringLock = new Iommu.KMutex();
    private int _txHead, _txTail, _spare;

    public int Speed { get; set; }

    public void Push() { using (_ringLock.Guard()) { _txHead++; _txTail++; Speed = 1; } }
    public void Pop() { using (_ringLock.Guard()) { _txHead--; _txTail--; Speed = 2; _spare = 0; } }
}"));
            test.TestState.Sources.Add(("Stats.cs", @"partial class Ring
{
    public int A() => {|IOMMU0109:_txHead|} + {|IOMMU0109:_txTail|};
    public int B() => {|IOMMU0109:Speed|};
}"));
            test.FixedState.Sources.Add(("Ring.cs", @"using System;
using Iommu;

partial class Ring
{
    private readonly Iommu.KMutex _ringLock = new Iommu.KMutex();
    [GuardedBy(nameof(_ringLock))]
    private int _txHead;
    [GuardedBy(nameof(_ringLock))]
    private int _txTail;
    private int _spare;

    [GuardedBy(nameof(_ringLock))]
    public int Speed { get; set; }

    public void Push() { using (_ringLock.Guard()) { _txHead++; _txTail++; Speed = 1; } }
    public void Pop() { using (_ringLock.Guard()) { _txHead--; _txTail--; Speed = 2; _spare = 0; } }
}"));
            test.FixedState.Sources.Add(("Stats.cs", @"partial class Ring
{
    public int A() => {|IOMMU0100:_txHead|} + {|IOMMU0100:_txTail|};
    public int B() => {|IOMMU0100:Speed|};
}"));
            await test.RunAsync();
        }

        [Fact]
        public async Task StaticLockOfAnotherType_IsNamedByItsText()
        {
            var test = new Verify.Test
            {
                TestCode = Usings + @"
static class Registry { public static readonly object Sync = new object(); }

class Table
{
    private static int s_count;

    public static void Add() { lock (Registry.Sync) { s_count++; } }
    public static void Remove() { lock (Registry.Sync) { s_count--; } }
    public static int Peek() => {|IOMMU0109:s_count|};
}",
                FixedCode = Usings + @"
static class Registry { public static readonly object Sync = new object(); }

class Table
{
    [GuardedBy(""Registry.Sync"")]
    private static int s_count;

    public static void Add() { lock (Registry.Sync) { s_count++; } }
    public static void Remove() { lock (Registry.Sync) { s_count--; } }
    public static int Peek() => {|IOMMU0100:s_count|};
}",
                CodeActionEquivalenceKey = MemberLockedInconsistentlyFixer.AddGuardedByKey,
                CodeFixTestBehaviors = CodeFixTestBehaviors.SkipLocalDiagnosticCheck,
            };
            await test.RunAsync();
        }
    }
}
