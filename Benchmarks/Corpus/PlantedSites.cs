using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace IommuAnalyzers.Benchmarks.Corpus
{
    /// <summary>
    /// Places a diagnostic the way a planted bug names its place, file and member, so that any analyzer's findings
    /// (ours or a peer's, whatever its rule IDs) can be matched against what the generator planted.
    /// </summary>
    internal sealed class PlantedSites
    {
        private readonly Dictionary<(string Path, string Member), PlantedBug> _bugs = new Dictionary<(string Path, string Member), PlantedBug>();

        public PlantedSites(IEnumerable<PlantedBug> bugs)
        {
            foreach (PlantedBug bug in bugs)
            {
                // Member names are unique in a file (the generator numbers them), so a place holds one bug.
                _bugs[(bug.FilePath, bug.Member)] = bug;
            }
        }

        /// <summary>The planted bug whose member contains the diagnostic, if any.</summary>
        public PlantedBug? Find(Diagnostic diagnostic)
        {
            (string Path, string Member)? place = PlaceOf(diagnostic);
            return place != null && _bugs.TryGetValue(place.Value, out PlantedBug? bug) ? bug : null;
        }

        /// <summary>File and enclosing type member of a diagnostic in source; null for one outside any member.</summary>
        public static (string Path, string Member)? PlaceOf(Diagnostic diagnostic)
        {
            Location location = diagnostic.Location;
            if (!location.IsInSource || location.SourceTree is not { } tree)
            {
                return null;
            }

            SyntaxNode node = tree.GetRoot().FindNode(location.SourceSpan, getInnermostNodeForTie: true);
            MemberDeclarationSyntax? member = node.AncestorsAndSelf().OfType<MemberDeclarationSyntax>()
                .FirstOrDefault(m => m.Parent is TypeDeclarationSyntax);
            string? name = member switch
            {
                MethodDeclarationSyntax m => m.Identifier.ValueText,
                PropertyDeclarationSyntax p => p.Identifier.ValueText,
                ConstructorDeclarationSyntax c => c.Identifier.ValueText,
                EventDeclarationSyntax e => e.Identifier.ValueText,
                BaseFieldDeclarationSyntax f => f.Declaration.Variables.FirstOrDefault()?.Identifier.ValueText,
                _ => null,
            };
            return name == null ? null : (tree.FilePath, name);
        }

        /// <summary>
        /// How many of <paramref name="bugs"/> have at least one of <paramref name="diagnostics"/> inside their member,
        /// and how many of the diagnostics fall outside every one of them.
        /// </summary>
        public static (int Found, int Outside) Match(IReadOnlyCollection<PlantedBug> bugs, IEnumerable<Diagnostic> diagnostics)
        {
            var sites = new PlantedSites(bugs);
            var found = new HashSet<PlantedBug>();
            int outside = 0;
            foreach (Diagnostic diagnostic in diagnostics)
            {
                if (sites.Find(diagnostic) is { } bug)
                {
                    found.Add(bug);
                }
                else
                {
                    outside++;
                }
            }

            return (found.Count, outside);
        }

        /// <summary>The planted IOMMU0101 bugs written with Monitor.Enter/Exit.</summary>
        public static IReadOnlyList<PlantedBug> MonitorWritten(GeneratedCorpus corpus) =>
            corpus.Bugs.Where(b => b.WithMonitor && string.Equals(b.RuleId, RuleIdentifiers.LockHeldAtExit, StringComparison.Ordinal)).ToList();
    }
}
