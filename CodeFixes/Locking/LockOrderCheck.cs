using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using IommuAnalyzers.Locking;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace IommuAnalyzers.CodeFixes.Locking
{
    /// <summary>
    /// Keeps a wrap from nesting its lock where the lock order cannot be right (fix class 5). Which order two lock
    /// classes are taken in is a decision about the whole driver, not about one access, so a wrap that nests is offered
    /// only where it is sure not to break one:
    /// <list type="bullet">
    /// <item>never inside a held lock of the same class (<c>lock (peer._sync)</c> within <c>lock (_sync)</c>, another
    /// account's <c>Sync</c> within the own): two threads doing it the other way round hold one each and wait for the
    /// other's, and no order between two instances of one class can be declared;</item>
    /// <item>inside a lock of another class only where the engine finds no new IOMMU0108 cycle once the wrap is in (the
    /// compilation is analysed again with it), and, in one Fix All, not in the reverse order of a nesting an earlier
    /// wrap of the same batch makes (as one at a time would see it after that earlier fix).</item>
    /// </list>
    /// Such a site gets no wrap: the rule page says how to choose the order.
    /// </summary>
    internal static class LockOrderCheck
    {
        private static readonly ConditionalWeakTable<Compilation, Task<int>> s_cycles = new ConditionalWeakTable<Compilation, Task<int>>();

        /// <summary>The classes of the other locks held at the diagnostic's site (empty when the wrap nests in nothing).</summary>
        public static ImmutableArray<string> HeldClasses(Diagnostic diagnostic) =>
            diagnostic.Properties.TryGetValue(LockDiagnosticProperties.HeldLockClasses, out string? held) && !string.IsNullOrEmpty(held)
                ? held!.Split(';').ToImmutableArray()
                : ImmutableArray<string>.Empty;

        public static string? ClassOf(Diagnostic diagnostic) =>
            diagnostic.Properties.TryGetValue(LockDiagnosticProperties.LockClass, out string? own) ? own : null;

        /// <summary>Whether the wrap would take a lock while another of its class is held.</summary>
        public static bool NestsSameClass(Diagnostic diagnostic) =>
            ClassOf(diagnostic) is string own && HeldClasses(diagnostic).Contains(own);

        /// <summary>The "taken while held" pairs of lock classes the wrap adds.</summary>
        public static IEnumerable<(string Held, string Taken)> Nestings(Diagnostic diagnostic) =>
            ClassOf(diagnostic) is string own ? HeldClasses(diagnostic).Select(held => (held, own)) : Enumerable.Empty<(string, string)>();

        /// <summary>Whether <paramref name="fixedDocument"/> has more IOMMU0108 lock-order cycles than <paramref name="original"/>.</summary>
        public static async Task<bool> AddsCycleAsync(Document original, Document fixedDocument, CancellationToken cancellationToken)
        {
            Compilation? before = await original.Project.GetCompilationAsync(cancellationToken).ConfigureAwait(false);
            Compilation? after = await fixedDocument.Project.GetCompilationAsync(cancellationToken).ConfigureAwait(false);
            if (before == null || after == null)
            {
                return true;
            }

            AnalyzerOptions options = original.Project.AnalyzerOptions;
            int known = await s_cycles.GetValue(before, c => CountCyclesAsync(c, options)).ConfigureAwait(false);
            int now = await s_cycles.GetValue(after, c => CountCyclesAsync(c, options)).ConfigureAwait(false);
            return now > known;
        }

        private static async Task<int> CountCyclesAsync(Compilation compilation, AnalyzerOptions options)
        {
            // Shared by every fix of that compilation: one caller giving up must not cancel it for the others.
            var analyzers = ImmutableArray.Create<DiagnosticAnalyzer>(new LockDisciplineAnalyzer());
            ImmutableArray<Diagnostic> all = await compilation.WithAnalyzers(analyzers, options).GetAnalyzerDiagnosticsAsync(CancellationToken.None).ConfigureAwait(false);
            return all.Count(d => d.Id == RuleIdentifiers.LockOrderInversion);
        }
    }
}
