using System.Collections.Immutable;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using IommuAnalyzers.Locking;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace IommuAnalyzers.CodeFixes.Locking
{
    /// <summary>The project's choice between the two fixes of a missing lock (<c>iommu_analyzers.lock_fix</c>).</summary>
    internal enum LockFixMode
    {
        /// <summary>Default: <c>[RequiresLock]</c> in a helper whose every caller holds the lock (IOMMU0110), the wrap elsewhere.</summary>
        Infer,

        /// <summary>Always the wrap.</summary>
        Wrap,

        /// <summary><c>[RequiresLock]</c> wherever it is offered, the wrap where it is not.</summary>
        RequiresLock,
    }

    /// <summary>
    /// Decides which fix of a missing lock comes first in the IDE and which one <c>dotnet format</c> and Fix All
    /// apply. The inference is IOMMU0110's own: the lock discipline analyzer is run once per compilation and its
    /// IOMMU0110 diagnostics say which helpers rely on their callers' lock, so the fix and the rule cannot disagree.
    /// </summary>
    internal static class LockFixPreference
    {
        public const string OptionKey = "iommu_analyzers.lock_fix";

        private static readonly ConditionalWeakTable<Compilation, Task<ImmutableArray<Diagnostic>>> s_reliantHelpers = new ConditionalWeakTable<Compilation, Task<ImmutableArray<Diagnostic>>>();

        public static LockFixMode Mode(Document document, SyntaxTree tree)
        {
            AnalyzerConfigOptions options = document.Project.AnalyzerOptions.AnalyzerConfigOptionsProvider.GetOptions(tree);
            if (!options.TryGetValue(OptionKey, out string? value))
            {
                return LockFixMode.Infer;
            }

            switch (value.Trim().ToLowerInvariant())
            {
                case "wrap":
                    return LockFixMode.Wrap;
                case "requires_lock":
                    return LockFixMode.RequiresLock;
                default:
                    // "infer", and anything unknown: the default, rather than a fix the user did not ask for.
                    return LockFixMode.Infer;
            }
        }

        /// <summary>
        /// Whether the <c>[RequiresLock(<paramref name="argument"/>)]</c> fix should win for a diagnostic inside
        /// <paramref name="member"/>: always in <see cref="LockFixMode.RequiresLock"/>, never in <see cref="LockFixMode.Wrap"/>,
        /// and with <see cref="LockFixMode.Infer"/> when IOMMU0110 reports that member for that lock.
        /// </summary>
        public static async Task<bool> PrefersRequiresLockAsync(Document document, SyntaxNode member, string argument, CancellationToken cancellationToken)
        {
            switch (Mode(document, member.SyntaxTree))
            {
                case LockFixMode.Wrap:
                    return false;
                case LockFixMode.RequiresLock:
                    return true;
                default:
                    return await CallersHoldAsync(document, member, argument, cancellationToken).ConfigureAwait(false);
            }
        }

        /// <summary>
        /// Whether IOMMU0110 reports <paramref name="member"/> for that lock: a helper whose every caller holds it. A
        /// wrap inside such a helper takes the lock a second time in each of them, whatever the project's choice.
        /// </summary>
        public static async Task<bool> CallersHoldAsync(Document document, SyntaxNode member, string argument, CancellationToken cancellationToken)
        {
            SyntaxToken name = member switch
            {
                MethodDeclarationSyntax method => method.Identifier,
                LocalFunctionStatementSyntax local => local.Identifier,
                _ => default,
            };

            // Only helpers can rely on their callers; asking costs an analysis of the compilation, so ask only for them.
            if (name == default || !IsHelperShaped(member))
            {
                return false;
            }

            Compilation? compilation = await document.Project.GetCompilationAsync(cancellationToken).ConfigureAwait(false);
            if (compilation == null)
            {
                return false;
            }

            ImmutableArray<Diagnostic> helpers = await s_reliantHelpers.GetValue(compilation, c => ReliantHelpersAsync(c, document.Project.AnalyzerOptions)).ConfigureAwait(false);
            return helpers.Any(d => d.Location.SourceTree == member.SyntaxTree && d.Location.SourceSpan == name.Span &&
                d.Properties.TryGetValue(LockDiagnosticProperties.RequiresLockArgument, out string? text) && text == argument);
        }

        /// <summary>Could be a helper (the analyzer decides): a local function, or a non-virtual method not visible outside its assembly by its own or an enclosing type's modifiers.</summary>
        private static bool IsHelperShaped(SyntaxNode member)
        {
            if (member is LocalFunctionStatementSyntax)
            {
                return true;
            }

            if (!(member is MethodDeclarationSyntax method) || method.Modifiers.Any(m => m.Text == "virtual" || m.Text == "override" || m.Text == "abstract"))
            {
                return false;
            }

            return !IsVisible(method.Modifiers) || method.Ancestors().OfType<BaseTypeDeclarationSyntax>().Any(type => !IsVisible(type.Modifiers));
        }

        private static bool IsVisible(SyntaxTokenList modifiers) => modifiers.Any(m => m.Text == "public" || m.Text == "protected");

        private static async Task<ImmutableArray<Diagnostic>> ReliantHelpersAsync(Compilation compilation, AnalyzerOptions options)
        {
            // Cancellation is not passed on: the result is shared by every fix of this compilation, and one caller
            // giving up must not cancel it for the others.
            var analyzers = ImmutableArray.Create<DiagnosticAnalyzer>(new LockDisciplineAnalyzer());
            ImmutableArray<Diagnostic> all = await compilation.WithAnalyzers(analyzers, options).GetAnalyzerDiagnosticsAsync(CancellationToken.None).ConfigureAwait(false);
            return all.Where(d => d.Id == RuleIdentifiers.HelperReliesOnCallersLock).ToImmutableArray();
        }
    }
}
