using System.Collections.Immutable;
using IommuAnalyzers.Flow;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace IommuAnalyzers.Locking
{
    /// <summary>
    /// IOMMU0101: a lock taken in the body is still held, on every path reaching it, at a return, a throw or the end
    /// of the body (the classic missing mutex_unlock() on an error path). Locks the body may keep by contract
    /// (<c>[RequiresLock]</c>, <c>[AcquiresLock]</c>) are not reported; nor are locks held on some paths only, which
    /// IOMMU0105 reports once where the paths joined (so a divergence does not cascade into every exit).
    /// </summary>
    internal static class LockHeldAtExitRule
    {
        public static readonly DiagnosticDescriptor Rule = new DiagnosticDescriptor(
            RuleIdentifiers.LockHeldAtExit,
            title: "Lock still held at an exit",
            messageFormat: "Lock '{0}' taken at {1} is still held at {2}",
            RuleCategories.Locking,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: "Every path out of a method must give back the locks it took, unless the method says otherwise with [AcquiresLock]; a lock leaked on an early return blocks every later user of it.",
            helpLinkUri: RuleIdentifiers.GetHelpUri(RuleIdentifiers.LockHeldAtExit));

        public static void Check(LockRuleContext context)
        {
            foreach (LockEvent e in context.Result.Events)
            {
                if (e.Kind != LockEventKind.Exit)
                {
                    continue;
                }

                foreach (HeldLock held in e.State.Locks)
                {
                    if (!held.OnAllPaths || context.Result.HeldAtExitByContract.Contains(held.Path))
                    {
                        continue;
                    }

                    ImmutableDictionary<string, string?> properties = context.FixProperties(held.Path, held.Kind, e.Location)
                        .SetItem(LockDiagnosticProperties.ExitKind, e.ExitKind.ToString());

                    // The fixes release the lock the way it was taken: the acquiring call's own receiver text
                    // (group.Mutex, not the canonical dev.Group.Mutex), its guard, or its helper's partner; the
                    // acquisition's location is the additional location.
                    // The end of the body is reported at its close brace, where the body's names are out of scope:
                    // the release is bound where it goes, just before that brace.
                    int releaseAt = e.ExitKind == LockExitKind.EndOfBody ? System.Math.Max(0, e.Location.SourceSpan.Start - 1) : e.Location.SourceSpan.Start;
                    if (LockReleaseCode.For(context, held, releaseAt) is LockReleaseCode release)
                    {
                        properties = properties.SetItem(LockDiagnosticProperties.LockExpression, release.LockText)
                            .SetItem(LockDiagnosticProperties.ReleaseStatement, release.Statement);
                    }

                    Location[] additional = held.AcquiredAt != null ? new[] { held.AcquiredAt } : System.Array.Empty<Location>();
                    context.Report(Diagnostic.Create(Rule, e.Location, additional, properties, held.Path.ToString(), LockRuleContext.Where(held), ExitText(e.ExitKind)));
                }

                // A try-lock whose flag was never tested on the way out (bool ok = m.TryLock(); ... return;) is still
                // held here whenever it succeeded. No fix: a release here would throw on the paths where it failed.
                foreach (LockWitness flag in e.State.HeldByUntestedFlag())
                {
                    if (context.Result.HeldAtExitByContract.Contains(flag.Path))
                    {
                        continue;
                    }

                    var held = new HeldLock(flag.Path, flag.Kind, onAllPaths: false, flag.Site, depth: 1);
                    Location[] additional = flag.Site != null ? new[] { flag.Site } : System.Array.Empty<Location>();
                    context.Report(Diagnostic.Create(Rule, e.Location, additional, ImmutableDictionary<string, string?>.Empty, flag.Path.ToString(), LockRuleContext.Where(held), ExitText(e.ExitKind)));
                }
            }
        }

        private static string ExitText(LockExitKind kind) => kind switch
        {
            LockExitKind.Return => "this return",
            LockExitKind.Throw => "this throw",
            _ => "the end of the method",
        };
    }
}
