using System;
using System.Collections.Immutable;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace IommuAnalyzers.Tests.Reliability
{
    /// <summary>Deliberately broken analyzers that prove the reliability harness notices what it claims to notice.</summary>
    internal static class CanaryAnalyzers
    {
#pragma warning disable RS2008 // a test-only rule has no release to track
        private static readonly DiagnosticDescriptor s_rule = new DiagnosticDescriptor(
            "CANARY01", "Canary", "Canary", "Test", DiagnosticSeverity.Warning, isEnabledByDefault: true);
#pragma warning restore RS2008

        /// <summary>Throws on the first invocation it sees (as a rule with a null dereference would).</summary>
        // Created directly by the test, never exported: no [DiagnosticAnalyzer], so no host ever loads it.
#pragma warning disable RS1001
        public sealed class Throwing : DiagnosticAnalyzer
#pragma warning restore RS1001
        {
            public const string Message = "canary analyzer failure";

            public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(s_rule);

            public override void Initialize(AnalysisContext context)
            {
                context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
                context.EnableConcurrentExecution();
                context.RegisterOperationAction(_ => throw new InvalidOperationException(Message), Microsoft.CodeAnalysis.OperationKind.Invocation);
            }
        }

        /// <summary>Spends 1.2 s on each syntax tree (as a flow analysis that never converges would).</summary>
#pragma warning disable RS1001
        public sealed class Stalling : DiagnosticAnalyzer
#pragma warning restore RS1001
        {
            public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(s_rule);

            public override void Initialize(AnalysisContext context)
            {
                context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
                context.EnableConcurrentExecution();
                context.RegisterSyntaxTreeAction(_ => Thread.Sleep(1200));
            }
        }

        /// <summary>Sleeps 8 s on each syntax tree without looking at its cancellation token.</summary>
#pragma warning disable RS1001
        public sealed class Deaf : DiagnosticAnalyzer
#pragma warning restore RS1001
        {
            public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(s_rule);

            public override void Initialize(AnalysisContext context)
            {
                context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
                context.EnableConcurrentExecution();
                context.RegisterSyntaxTreeAction(_ => Thread.Sleep(8000));
            }
        }
    }
}
