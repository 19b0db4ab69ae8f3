using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using IommuAnalyzers.Flow;
using IommuAnalyzers.Locking.Inference;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace IommuAnalyzers.Locking
{
    /// <summary>
    /// IOMMU0110: a private or internal helper (or a local function) that touches guarded state, or state the inference
    /// says is guarded, without taking the lock, where every call site in the compilation holds it: the undeclared
    /// contract of the kernel's "caller must hold" comment. Its fix adds the <c>[RequiresLock]</c>, after which
    /// IOMMU0104 checks every future caller.
    /// </summary>
    internal static class HelperReliesOnCallersLockRule
    {
        public static readonly DiagnosticDescriptor Rule = new DiagnosticDescriptor(
            RuleIdentifiers.HelperReliesOnCallersLock,
            title: "Helper relies on its callers' lock",
            messageFormat: "'{0}' touches {1} without taking '{2}', and all {3} of its callers hold it: declare [RequiresLock(\"{2}\")]",
            RuleCategories.Locking,
            DiagnosticSeverity.Info,
            isEnabledByDefault: true,
            description: "Every call of this helper holds a lock that its body needs and does not take. Declaring it with [RequiresLock] states the contract, silences the accesses inside, and makes IOMMU0104 check any new caller.",
            helpLinkUri: RuleIdentifiers.GetHelpUri(RuleIdentifiers.HelperReliesOnCallersLock),
            customTags: WellKnownDiagnosticTags.CompilationEnd);

        public static void Report(CompilationAnalysisContext context, GuardInferenceResult result)
        {
            var diagnostics = new List<Diagnostic>();
            foreach (ReliantHelper helper in result.Helpers)
            {
                Location? name = helper.Helper.Locations.FirstOrDefault(l => l.IsInSource);
                if (name == null)
                {
                    continue;
                }

                ImmutableDictionary<string, string?> properties = ImmutableDictionary<string, string?>.Empty.Add(LockDiagnosticProperties.RequiresLockArgument, helper.LockText);
                diagnostics.Add(Diagnostic.Create(
                    Rule,
                    name,
                    properties,
                    helper.Helper.Name,
                    string.Join(", ", helper.Members.Select(m => "'" + LockPath.DisplayName(m) + "'")),
                    helper.LockText,
                    helper.Callers.ToString(CultureInfo.InvariantCulture)));
            }

            foreach (Diagnostic diagnostic in diagnostics.OrderBy(d => d.Location.SourceTree?.FilePath, System.StringComparer.Ordinal).ThenBy(d => d.Location.SourceSpan.Start).ThenBy(d => d.GetMessage(CultureInfo.InvariantCulture), System.StringComparer.Ordinal))
            {
                context.ReportDiagnostic(diagnostic);
            }
        }
    }
}
