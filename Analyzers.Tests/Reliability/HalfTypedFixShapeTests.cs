using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading.Tasks;
using IommuAnalyzers.CodeFixes.Locking;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Xunit;

namespace IommuAnalyzers.Tests.Reliability
{
    /// <summary>
    /// Round trips of the lock fixes over the shapes an editor buffer is in while the user types: a statement still
    /// missing its semicolon, and a body written on one line. Each fix must keep the document's line structure (no two
    /// statements joined on one line, a one-line body stays on its line), add no compiler error and remove its
    /// diagnostic. The expected text is the whole method after the fix.
    /// </summary>
    [Collection(ReliabilityCollection.Name)]
    public class HalfTypedFixShapeTests
    {
        private const string Header = @"using Iommu;

class Port
{
    private readonly KMutex _m = new KMutex();
    private readonly object _gate = new object();
    [GuardedBy(nameof(_m))] private int _c;
    [GuardedBy(nameof(_gate))] private int _n;
    [RequiresLock(nameof(_m))] private void Locked() { }
    private void Other() { }

";

        public static IEnumerable<object[]> Shapes() => new[]
        {
            // The scoped guard replaces a Lock() still missing its semicolon: the next statement keeps its own line.
            Shape(
                "IOMMU0101",
                LockHeldAtExitFixer.ScopedGuardKey,
                @"    int F(bool b)
    {
        _m.Lock()
        if (b)
            return 1;
        _m.Unlock();
        return 0;
    }
",
                @"    int F(bool b)
    {
        using var guard = _m.Guard();
        if (b)
            return 1;
        return 0;
    }
"),

            // The wrap around a statement still missing its semicolon: the close brace and the next statement stay apart.
            Shape(
                "IOMMU0100",
                LockRequirementFixes.WrapKey,
                @"    void F()
    {
        _c++
        Other();
    }
",
                @"    void F()
    {
        using (_m.Guard())
        {
            _c++
        }
        Other();
    }
"),

            // A release after a last statement still missing its semicolon gets its own, indented line.
            Shape(
                "IOMMU0101",
                LockHeldAtExitFixer.ReleaseKey,
                @"    void F()
    {
        _m.Lock();
        _c = 1
    }
",
                @"    void F()
    {
        _m.Lock();
        _c = 1
        _m.Unlock();
    }
"),

            // One-line bodies stay on their line, braces included.
            Shape("IOMMU0100", LockRequirementFixes.WrapKey, "    void F() { _c++; }\n", "    void F() { using (_m.Guard()) { _c++; } }\n"),
            Shape("IOMMU0100", LockRequirementFixes.WrapKey, "    void F() { _n++; }\n", "    void F() { lock (_gate) { _n++; } }\n"),
            Shape("IOMMU0104", LockRequirementFixes.WrapKey, "    void F() { Locked(); Other(); }\n", "    void F() { using (_m.Guard()) { Locked(); } Other(); }\n"),
            Shape("IOMMU0100", LockRequirementFixes.WrapKey, "    void F() { _c = 1 }\n", "    void F() { using (_m.Guard()) { _c = 1 } }\n"),
            Shape("IOMMU0101", LockHeldAtExitFixer.ReleaseKey, "    void F() { _m.Lock(); _c++; }\n", "    void F() { _m.Lock(); _c++; _m.Unlock(); }\n"),
            Shape("IOMMU0101", LockHeldAtExitFixer.ReleaseKey, "    int F() { _m.Lock(); return 0; }\n", "    int F() { _m.Lock(); _m.Unlock(); return 0; }\n"),
            Shape(
                "IOMMU0101",
                LockHeldAtExitFixer.ReleaseKey,
                "    int F(bool b) { _m.Lock(); if (b) return 1; _m.Unlock(); return 0; }\n",
                "    int F(bool b) { _m.Lock(); if (b) { _m.Unlock(); return 1; } _m.Unlock(); return 0; }\n"),
            Shape(
                "IOMMU0101",
                LockHeldAtExitFixer.ScopedGuardKey,
                "    int F(bool b) { _m.Lock(); if (b) return 1; _m.Unlock(); return 0; }\n",
                "    int F(bool b) { using var guard = _m.Guard(); if (b) return 1; return 0; }\n"),
        };

        [Theory]
        [MemberData(nameof(Shapes))]
        public async Task Fix_KeepsTheLineStructure_AddsNoError_AndRemovesItsDiagnostic(string id, string key, string before, string after)
        {
            using AdhocWorkspace workspace = FixHarness.CreateWorkspace();
            Project project = FixHarness.CreateProject(workspace, "Shape", new[] { new CorpusFile("Port.cs", Header + before + "}\n") });
            Document document = project.Documents.Single();
            ImmutableArray<Diagnostic> diagnostics = await FixHarness.AnalyzeAsync(project);
            Diagnostic? diagnostic = diagnostics.FirstOrDefault(d => d.Id == id);
            Assert.True(diagnostic != null, id + " is not reported on:\n" + before + "\nreported: " + string.Join(", ", diagnostics.Select(d => d.Id)));

            CodeAction? action = null;
            foreach (CodeFixProvider fixer in AnalyzerCatalog.Fixers.Where(f => f.FixableDiagnosticIds.Contains(id)))
            {
                action ??= (await FixHarness.ActionsAsync(fixer, document, diagnostic!)).FirstOrDefault(a => a.EquivalenceKey == key);
            }

            Assert.True(action != null, "no '" + key + "' action for " + diagnostic);
            Solution fixedSolution = (await FixHarness.ApplyAsync(action!))!;
            Document fixedDocument = fixedSolution.GetDocument(document.Id)!;
            string text = (await fixedDocument.GetTextAsync()).ToString();
            Assert.StartsWith(Header, text, System.StringComparison.Ordinal);
            Assert.Equal(after.Replace("\r\n", "\n"), text.Substring(Header.Length, text.Length - Header.Length - "}\n".Length).Replace("\r\n", "\n"));

            // The half-typed text stays as broken as it was, no more; and the finding is gone.
            Dictionary<string, int> errorsBefore = FixHarness.Census(await FixHarness.CompilerErrorsAsync(project));
            List<string> added = FixHarness.Added(errorsBefore, FixHarness.Census(await FixHarness.CompilerErrorsAsync(fixedDocument.Project)));
            Assert.True(added.Count == 0, "new compiler errors: " + string.Join(", ", added) + "\n" + text);
            ImmutableArray<Diagnostic> left = await FixHarness.AnalyzeAsync(fixedDocument.Project);
            Assert.True(left.Count(d => d.Id == id) < diagnostics.Count(d => d.Id == id), id + " is still reported:\n" + text);
        }

        private static object[] Shape(string id, string key, string before, string after) => new object[] { id, key, before, after };
    }
}
