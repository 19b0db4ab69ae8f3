using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace IommuAnalyzers.Benchmarks.Cost
{
    /// <summary>
    /// The floor any operation-based analyzer pays: one invocation action that does nothing. Measured beside the real
    /// sets (`--floor`), it separates what the analyzer driver and the IOperation trees cost from what a rule's own
    /// callbacks cost.
    /// </summary>
    // A measurement probe created in this process only; never packaged or handed to a compiler, so the rules for
    // shipped analyzer assemblies (target framework, Workspaces reference, release tracking) do not apply.
#pragma warning disable RS1036, RS1038, RS1041, RS2008
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    internal sealed class NoOpOperationAnalyzer : DiagnosticAnalyzer
    {
        private static readonly DiagnosticDescriptor Never = new DiagnosticDescriptor(
            "BENCH0001", "Never reported", "Never reported", "Benchmark", DiagnosticSeverity.Hidden, isEnabledByDefault: true);

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Never);

        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.EnableConcurrentExecution();
            context.RegisterOperationAction(_ => { }, OperationKind.Invocation);
        }
    }
#pragma warning restore RS1036, RS1038, RS1041, RS2008
}
