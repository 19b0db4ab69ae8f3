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
    /// IOMMU0109: a member without <c>[GuardedBy]</c> that the code writes under one lock and touches under it at most
    /// sites, but not at this one (the guard inference, <see cref="GuardInference"/>). Its fix adds the
    /// <c>[GuardedBy]</c>; IOMMU0100 then reports the unlocked sites with their own fixes.
    /// </summary>
    internal static class MemberLockedInconsistentlyRule
    {
        /// <summary>The argument of the <c>[GuardedBy]</c> the fix adds (<c>nameof(_ringLock)</c>, <c>"Priv.Lock"</c>).</summary>
        public const string GuardedByArgumentProperty = "GuardedByArgument";

        public static readonly DiagnosticDescriptor Rule = new DiagnosticDescriptor(
            RuleIdentifiers.MemberLockedInconsistently,
            title: "Member is locked inconsistently",
            messageFormat: "'{0}' is accessed under '{1}' at {2} of {3} sites but not here",
            RuleCategories.Locking,
            DiagnosticSeverity.Info,
            isEnabledByDefault: true,
            description: "The member has no [GuardedBy], but the code's own locking says which lock guards it: it is written under that lock and accessed under it at most sites. The sites without it are the races; annotating the member lets IOMMU0100 check every access.",
            helpLinkUri: RuleIdentifiers.GetHelpUri(RuleIdentifiers.MemberLockedInconsistently),
            customTags: WellKnownDiagnosticTags.CompilationEnd);

        public static void Report(CompilationAnalysisContext context, GuardInferenceResult result)
        {
            var diagnostics = new List<Diagnostic>();
            foreach (InconsistentMember member in result.Inconsistent)
            {
                ImmutableDictionary<string, string?> properties = ImmutableDictionary<string, string?>.Empty.Add(GuardedByArgumentProperty, member.Key.AttributeArgument(member.Member));
                foreach (AccessSite site in member.Unlocked)
                {
                    diagnostics.Add(Diagnostic.Create(
                        Rule,
                        site.Location,
                        properties,
                        LockPath.DisplayName(member.Member),
                        member.Key.Text,
                        member.Locked.ToString(CultureInfo.InvariantCulture),
                        member.Total.ToString(CultureInfo.InvariantCulture)));
                }
            }

            foreach (Diagnostic diagnostic in diagnostics.OrderBy(d => d.Location.SourceTree?.FilePath, System.StringComparer.Ordinal).ThenBy(d => d.Location.SourceSpan.Start))
            {
                context.ReportDiagnostic(diagnostic);
            }
        }
    }
}
