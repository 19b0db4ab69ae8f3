using System.Collections.Immutable;
using IommuAnalyzers.Flow;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace IommuAnalyzers.Ownership
{
    /// <summary>
    /// IOMMU0004: <c>GroupDeviceCount</c> (iommu_group_device_count()) decides an ownership question: its result is
    /// compared, tested, switched on or returned. The number of devices in a group says nothing about who uses it: a
    /// singleton group may be owned by VFIO, and a multi-device group with one bound driver is free. The ownership
    /// series replaced that test with owner_cnt, read under the group mutex.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class GroupDeviceCountDecidesOwnershipAnalyzer : DiagnosticAnalyzer
    {
        /// <summary>Diagnostic property, present when the call already runs under the group's mutex (the fix applies).</summary>
        internal const string UnderLockProperty = "UnderLock";

        internal static readonly DiagnosticDescriptor Rule = new DiagnosticDescriptor(
            RuleIdentifiers.GroupDeviceCountDecidesOwnership,
            title: "GroupDeviceCount used to decide ownership",
            messageFormat: "IommuCore.GroupDeviceCount({0}) decides DMA ownership here; the device count says nothing about who owns the group, use {0}.OwnerCount under {0}.Mutex",
            RuleCategories.Ownership,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: "Counting a group's devices was the pre-ownership way to guess whether a group is shared (iommu_group_device_count()). Ownership is what owner_cnt counts; read IommuGroup.OwnerCount while holding IommuGroup.Mutex.",
            helpLinkUri: RuleIdentifiers.GetHelpUri(RuleIdentifiers.GroupDeviceCountDecidesOwnership));

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.EnableConcurrentExecution();
            context.RegisterCompilationStartAction(startContext =>
            {
                IommuSymbols? symbols = IommuSymbols.TryCreate(startContext.Compilation);
                if (symbols?.GroupDeviceCount == null)
                {
                    return;
                }

                // The lock engine answers for explicit Lock()/Unlock() where the scopes alone do not (see IsUnderGroupLock).
                LockFlowContext? flow = symbols.HasLockModel ? new LockFlowContext(symbols.LockModel) : null;
                startContext.RegisterOperationAction(operationContext => AnalyzeInvocation(operationContext, symbols, flow), OperationKind.Invocation);
            });
        }

        private static void AnalyzeInvocation(OperationAnalysisContext context, IommuSymbols symbols, LockFlowContext? flow)
        {
            var invocation = (IInvocationOperation)context.Operation;
            if (!IommuSymbols.IsMethod(invocation.TargetMethod, symbols.GroupDeviceCount) || invocation.Arguments.Length != 1)
            {
                return;
            }

            if (!Decides(invocation))
            {
                return;
            }

            IOperation group = invocation.Arguments[0].Value;
            ImmutableDictionary<string, string?> properties = IsUnderGroupLock(invocation, group, context, symbols, flow)
                ? ImmutableDictionary<string, string?>.Empty.Add(UnderLockProperty, "true")
                : ImmutableDictionary<string, string?>.Empty;
            // The argument's own text (a nullable suppression `!` has no operation of its own).
            string groupText = invocation.Syntax is InvocationExpressionSyntax { ArgumentList.Arguments.Count: 1 } call
                ? call.ArgumentList.Arguments[0].Expression.ToString()
                : group.Syntax.ToString();
            context.ReportDiagnostic(Diagnostic.Create(Rule, invocation.Syntax.GetLocation(), properties, groupText));
        }

        /// <summary>
        /// Whether the group's mutex is held at the call on every path: first by the scopes around it (cheap, and sound:
        /// a guard cannot be released early), then, for explicit <c>Lock()</c>/<c>Unlock()</c>, by the lock engine.
        /// </summary>
        private static bool IsUnderGroupLock(IInvocationOperation invocation, IOperation group, OperationAnalysisContext context, IommuSymbols symbols, LockFlowContext? flow)
        {
            if (GroupLockScope.IsHeld(invocation, group, context.ContainingSymbol, symbols))
            {
                return true;
            }

            return flow != null && symbols.GroupMutex != null && context.ContainingSymbol != null &&
                LockFlowAnalysis.IsHeldAt(invocation, 0, symbols.GroupMutex, context.ContainingSymbol, flow, context.CancellationToken);
        }

        // The count decides when it reaches a comparison, a pattern test, a switch or a return, directly, through
        // arithmetic, or through a local that is later used that way.
        private static bool Decides(IOperation value)
        {
            IOperation? parent = Climb(value, out IOperation child);
            switch (parent)
            {
                case IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator }:
                    return LocalDecides(declarator.Symbol, value);
                case ISimpleAssignmentOperation assignment when assignment.Value == child && assignment.Target is ILocalReferenceOperation target:
                    return LocalDecides(target.Local, value);
                default:
                    return DecidesAt(parent, child);
            }
        }

        private static bool DecidesAt(IOperation? parent, IOperation child)
        {
            switch (parent)
            {
                case IBinaryOperation binary:
                    return IsComparison(binary.OperatorKind);
                case IIsPatternOperation:
                case ISwitchOperation:
                case ISwitchExpressionOperation:
                case IReturnOperation:
                    return true;
                default:
                    return false;
            }
        }

        // Skips implicit conversions and arithmetic on the value: `count - 1 > 0` still compares the count.
        private static IOperation? Climb(IOperation value, out IOperation child)
        {
            child = value;
            IOperation? parent = value.Parent;
            while (parent is IConversionOperation || parent is IParenthesizedOperation
                || (parent is IBinaryOperation arithmetic && !IsComparison(arithmetic.OperatorKind)))
            {
                child = parent;
                parent = parent.Parent;
            }

            return parent;
        }

        private static bool LocalDecides(ILocalSymbol local, IOperation value)
        {
            IOperation root = value;
            while (root.Parent != null)
            {
                root = root.Parent;
            }

            foreach (IOperation operation in root.Descendants())
            {
                if (operation is ILocalReferenceOperation reference && SymbolEqualityComparer.Default.Equals(reference.Local, local))
                {
                    IOperation? parent = Climb(reference, out IOperation child);
                    if (!(parent is ISimpleAssignmentOperation assignment && assignment.Target == child) && DecidesAt(parent, child))
                    {
                        return true;
                    }
                }
            }

            return false;
        }

        private static bool IsComparison(BinaryOperatorKind kind)
        {
            switch (kind)
            {
                case BinaryOperatorKind.Equals:
                case BinaryOperatorKind.NotEquals:
                case BinaryOperatorKind.LessThan:
                case BinaryOperatorKind.LessThanOrEqual:
                case BinaryOperatorKind.GreaterThan:
                case BinaryOperatorKind.GreaterThanOrEqual:
                    return true;
                default:
                    return false;
            }
        }
    }
}
