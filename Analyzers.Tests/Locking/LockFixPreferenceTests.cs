using System.Collections.Immutable;
using System.Linq;
using System.Threading.Tasks;
using IommuAnalyzers.CodeFixes.Locking;
using IommuAnalyzers.Tests.Reliability;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.Testing;
using Xunit;
using HelperVerify = IommuAnalyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    IommuAnalyzers.Locking.LockDisciplineAnalyzer,
    IommuAnalyzers.CodeFixes.Locking.HelperReliesOnCallersLockFixer>;
using Verify = IommuAnalyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    IommuAnalyzers.Locking.LockDisciplineAnalyzer,
    IommuAnalyzers.CodeFixes.Locking.GuardedMemberWithoutLockFixer>;

namespace IommuAnalyzers.Tests.Locking
{
    /// <summary>
    /// Which of IOMMU0100's two fixes Fix All (and so dotnet format) applies: the inference picks [RequiresLock] in a
    /// helper whose callers all hold the lock and the wrap elsewhere; <c>iommu_analyzers.lock_fix</c> overrides it.
    /// </summary>
    public class LockFixPreferenceTests
    {
        // The ring every test starts from: two callers that hold the lock, then the members each test varies.
        private static string Ring(string rest) => @"using System;
using Iommu;

class Ring
{
    private readonly KMutex _ringLock = new KMutex();
    [GuardedBy(nameof(_ringLock))] private int _head;

    public void Push() { _ringLock.Lock(); Advance(); _ringLock.Unlock(); }
    public void Drain() { using (_ringLock.Guard()) { Advance(); } }
" + rest + @"
}";

        // One action at a time, the action picked by its key is what the user chose: the wrap wherever it is offered.
        // It is not offered in the helper, whose every caller holds the lock: a wrap there would take it twice.
        private static readonly string AllWrapped = Ring(@"    public void Reset() { using (_ringLock.Guard()) { _head = 0; } }

    private void {|IOMMU0110:Advance|}() { {|IOMMU0100:_head|}++; }");

        private static readonly string Before = Ring(@"    public void Reset() { {|IOMMU0100:_head|} = 0; }

    private void {|IOMMU0110:Advance|}() { {|IOMMU0100:_head|}++; }");

        [Fact]
        public async Task Infer_RequiresLockInTheHelper_WrapElsewhere()
        {
            var test = new Verify.Test
            {
                TestCode = Before,
                FixedCode = AllWrapped,
                BatchFixedCode = Ring(@"    public void Reset() { using (_ringLock.Guard()) { _head = 0; } }

    [RequiresLock(""_ringLock"")]
    private void Advance() { _head++; }"),
                CodeActionEquivalenceKey = LockRequirementFixes.WrapKey,
            };
            test.FixedState.MarkupHandling = MarkupMode.Allow;
            test.BatchFixedState.MarkupHandling = MarkupMode.Allow;
            await test.RunAsync();
        }

        [Fact]
        public async Task WrapOption_WrapsTheEntryPoint_AndLeavesTheHelperReported()
        {
            var test = new Verify.Test
            {
                TestCode = Before,
                FixedCode = AllWrapped,
                BatchFixedCode = AllWrapped,
                CodeActionEquivalenceKey = LockRequirementFixes.WrapKey,
            };
            test.TestState.AnalyzerConfigFiles.Add(("/.editorconfig", "root = true\n\n[*]\niommu_analyzers.lock_fix = wrap\n"));
            // Wrapping the helper would make its callers take the lock twice, and the project chose no contracts: the
            // helper stays reported for a human, with [RequiresLock] its one action.
            test.FixedState.MarkupHandling = MarkupMode.Allow;
            test.BatchFixedState.MarkupHandling = MarkupMode.Allow;
            await test.RunAsync();
        }

        [Fact]
        public async Task RequiresLockOption_AnnotatesEveryMethodThatCanCarryIt_AndWrapsTheEntryPoints()
        {
            // Reset is public and nothing in the compilation calls it: a [RequiresLock] there would be a contract no
            // caller is made to meet, so even requires_lock wraps it.
            var test = new Verify.Test
            {
                TestCode = Before,
                FixedCode = AllWrapped,
                BatchFixedCode = Ring(@"    public void Reset() { using (_ringLock.Guard()) { _head = 0; } }

    [RequiresLock(""_ringLock"")]
    private void Advance() { _head++; }"),
                CodeActionEquivalenceKey = LockRequirementFixes.WrapKey,
            };
            test.TestState.AnalyzerConfigFiles.Add(("/.editorconfig", "root = true\n\n[*]\niommu_analyzers.lock_fix = requires_lock\n"));
            test.FixedState.MarkupHandling = MarkupMode.Allow;
            test.BatchFixedState.MarkupHandling = MarkupMode.Allow;
            await test.RunAsync();
        }

        [Fact]
        public async Task InTheIde_ThePreferredFixIsListedFirst()
        {
            using AdhocWorkspace workspace = FixHarness.CreateWorkspace();
            string source = Before.Replace("{|IOMMU0100:", string.Empty).Replace("{|IOMMU0110:", string.Empty).Replace("|}", string.Empty);
            Project project = FixHarness.CreateProject(workspace, "Offer", new[] { new CorpusFile("Ring.cs", source) });
            ImmutableArray<Diagnostic> diagnostics = await FixHarness.AnalyzeAsync(project);
            Diagnostic[] unlocked = diagnostics.Where(d => d.Id == RuleIdentifiers.GuardedMemberWithoutLock).OrderBy(d => d.Location.SourceSpan.Start).ToArray();
            Assert.Equal(2, unlocked.Length);

            ImmutableArray<CodeAction> inReset = await FixHarness.ActionsAsync(new GuardedMemberWithoutLockFixer(), project.Documents.Single(), unlocked[0]);
            ImmutableArray<CodeAction> inHelper = await FixHarness.ActionsAsync(new GuardedMemberWithoutLockFixer(), project.Documents.Single(), unlocked[1]);

            // Reset is a public entry point without callers: only the wrap can be right there.
            Assert.Equal(new[] { LockRequirementFixes.WrapKey }, inReset.Select(a => a.EquivalenceKey));
            Assert.Equal(new[] { LockRequirementFixes.RequiresKey }, inHelper.Select(a => a.EquivalenceKey));
        }

        [Fact]
        public async Task HelperFix_AddsTheRequiresLock_AndSilencesTheAccessInside()
        {
            var test = new HelperVerify.Test
            {
                TestCode = Before,
                FixedCode = Ring(@"    public void Reset() { {|IOMMU0100:_head|} = 0; }

    [RequiresLock(""_ringLock"")]
    private void Advance() { _head++; }"),
                CodeActionEquivalenceKey = LockRequirementFixes.RequiresKey,
                CodeFixTestBehaviors = CodeFixTestBehaviors.SkipLocalDiagnosticCheck,
            };
            await test.RunAsync();
        }
    }
}
