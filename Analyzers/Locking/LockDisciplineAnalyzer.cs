using System.Collections.Immutable;
using System.Collections.Generic;
using IommuAnalyzers.Flow;
using IommuAnalyzers.Locking.Inference;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace IommuAnalyzers.Locking
{
    /// <summary>
    /// IOMMU0100-IOMMU0107: runs the lock flow engine (<see cref="LockFlowAnalysis"/>) once per body that the pre-scan
    /// finds lock-related, and hands the result to each rule (one file per rule ID in this folder). Lambdas and local
    /// functions are analysed as bodies of their own that start with nothing held, except a lambda that a synchronous
    /// consumer runs on the spot (<see cref="SynchronousConsumers"/>): it starts with the locks held where it is created.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class LockDisciplineAnalyzer : DiagnosticAnalyzer
    {
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(
            GuardedMemberWithoutLockRule.Rule,
            LockHeldAtExitRule.Rule,
            ReleaseOfUnheldLockRule.Rule,
            LockAlreadyHeldRule.Rule,
            RequiresLockCallWithoutLockRule.Rule,
            LockHeldOnSomePathsRule.Rule,
            UnresolvedLockExpressionRule.Rule,
            LockHeldAcrossSuspensionRule.Rule,
            LockOrderInversionRule.Rule,
            MemberLockedInconsistentlyRule.Rule,
            HelperReliesOnCallersLockRule.Rule);

        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.EnableConcurrentExecution();
            context.RegisterCompilationStartAction(startContext =>
            {
                IommuSymbols? symbols = IommuSymbols.TryCreate(startContext.Compilation);
                if (symbols == null || !symbols.HasLockModel)
                {
                    return;
                }

                bool infer = GuardInference.IsEnabled(startContext.Compilation);
                var flow = new LockFlowContext(symbols.LockModel, infer) { UsesStructuredPass = !LockEngineOption.GraphOnly(startContext.Options) };
                var collectors = new Collectors(LockOrderInversionRule.Start(startContext, flow), infer ? GuardInference.Start(startContext, flow) : null);
                startContext.RegisterOperationBlockAction(blockContext => AnalyzeBlocks(blockContext, flow, collectors));
                startContext.RegisterSymbolAction(symbolContext => UnresolvedLockExpressionRule.Analyze(symbolContext, flow), SymbolKind.Field, SymbolKind.Property, SymbolKind.Method);
                startContext.RegisterOperationAction(operationContext => UnresolvedLockExpressionRule.AnalyzeLocalFunction(operationContext, flow), OperationKind.LocalFunction);
            });
        }

        private static void AnalyzeBlocks(OperationBlockAnalysisContext context, LockFlowContext flow, Collectors collectors)
        {
            ISymbol owner = context.OwningSymbol;
            if (flow.IsExcluded(owner))
            {
                return;
            }

            IOperation? analysed = null;
            foreach (IOperation block in context.OperationBlocks)
            {
                // The blocks of a method hang under one IMethodBodyOperation / IConstructorBodyOperation (body, expression
                // body, constructor initializer); its graph covers them all. An expression-bodied property's getter
                // comes as a parentless block. Field and property initializers are bodies of their own (they run in the
                // constructor, so they may touch their own object's state, but not another object's); attribute
                // arguments have no lock flow.
                IOperation root = block.Parent ?? block;
                bool body = root is IMethodBodyOperation || root is IConstructorBodyOperation || (root is IBlockOperation && owner is IMethodSymbol) ||
                    root is IFieldInitializerOperation || root is IPropertyInitializerOperation;
                if (!body || root == analysed || block.SemanticModel == null)
                {
                    continue;
                }

                analysed = root;
                List<IOperation>? unguarded = collectors.Inference != null ? new List<IOperation>() : null;
                if (!flow.TouchesLocks(root, owner, unguarded))
                {
                    if (unguarded != null && unguarded.Count > 0)
                    {
                        collectors.Inference!.CollectUnlocked(owner, unguarded, block.SemanticModel);
                    }

                    continue;
                }

                // Bodies whose only locking is lock statements are decided by a walk over the tree; the rest build a graph.
                if (flow.UsesStructuredPass && LockFlowAnalysis.TryAnalyzeStructured(root, owner, flow, context.CancellationToken) is LockFlowResult structured)
                {
                    CheckRules(context, flow, collectors, structured, block.SemanticModel);
                    continue;
                }

                ControlFlowGraph graph = context.GetControlFlowGraph(block);
                AnalyzeGraph(context, flow, collectors, graph, owner, block.SemanticModel, 0);
            }
        }

        private static void CheckRules(OperationBlockAnalysisContext context, LockFlowContext flow, Collectors collectors, LockFlowResult result, SemanticModel model)
        {
            var rules = new LockRuleContext(result, model, flow.Model, context.ReportDiagnostic);
            GuardedMemberWithoutLockRule.Check(rules);
            LockHeldAtExitRule.Check(rules);
            ReleaseOfUnheldLockRule.Check(rules);
            LockAlreadyHeldRule.Check(rules);
            RequiresLockCallWithoutLockRule.Check(rules);
            LockHeldOnSomePathsRule.Check(rules);
            LockHeldAcrossSuspensionRule.Check(rules);
            collectors.Order?.Collect(result);
            collectors.Inference?.Collect(result, model);
        }

        private static void AnalyzeGraph(OperationBlockAnalysisContext context, LockFlowContext flow, Collectors collectors, ControlFlowGraph graph, ISymbol owner, SemanticModel model, int depth, LockState? inherited = null)
        {
            LockFlowResult result = inherited == null
                ? LockFlowAnalysis.Analyze(graph, owner, flow, context.CancellationToken)
                : LockFlowAnalysis.Analyze(graph, owner, flow, inherited, context.CancellationToken);
            if (result.IsComplete)
            {
                CheckRules(context, flow, collectors, result, model);
            }

            if (depth > 16)
            {
                return;
            }

            foreach (IMethodSymbol localFunction in graph.LocalFunctions)
            {
                if (!flow.IsExcluded(localFunction))
                {
                    AnalyzeGraph(context, flow, collectors, graph.GetLocalFunctionControlFlowGraph(localFunction, context.CancellationToken), localFunction, model, depth + 1);
                }
            }

            foreach (BasicBlock block in graph.Blocks)
            {
                foreach (IOperation operation in block.Operations)
                {
                    AnalyzeLambdas(context, flow, collectors, graph, result, operation, model, depth);
                }

                if (block.BranchValue != null)
                {
                    AnalyzeLambdas(context, flow, collectors, graph, result, block.BranchValue, model, depth);
                }
            }
        }

        private static void AnalyzeLambdas(OperationBlockAnalysisContext context, LockFlowContext flow, Collectors collectors, ControlFlowGraph graph, LockFlowResult enclosing, IOperation operation, SemanticModel model, int depth)
        {
            if (operation is IFlowAnonymousFunctionOperation lambda)
            {
                if (!flow.IsExcluded(lambda.Symbol))
                {
                    AnalyzeGraph(context, flow, collectors, graph.GetAnonymousFunctionControlFlowGraph(lambda, context.CancellationToken), lambda.Symbol, model, depth + 1, StateOnTheSpot(enclosing, lambda));
                }

                return;
            }

            foreach (IOperation child in operation.ChildOperations)
            {
                AnalyzeLambdas(context, flow, collectors, graph, enclosing, child, model, depth);
            }
        }

        /// <summary>The whole-compilation steps the per-body results feed (null where the compilation switches their rules off).</summary>
        private sealed class Collectors
        {
            public Collectors(LockOrderGraph? order, GuardInference? inference)
            {
                Order = order;
                Inference = inference;
            }

            public LockOrderGraph? Order { get; }

            public GuardInference? Inference { get; }
        }

        /// <summary>The state a lambda run on the spot starts with, as the enclosing body's analysis recorded it; null for any other lambda.</summary>
        private static LockState? StateOnTheSpot(LockFlowResult enclosing, IFlowAnonymousFunctionOperation lambda)
        {
            foreach (LockEvent e in enclosing.Events)
            {
                if (e.Kind == LockEventKind.SynchronousLambda && ReferenceEquals(e.Operation, lambda))
                {
                    return e.State;
                }
            }

            return null;
        }
    }
}
