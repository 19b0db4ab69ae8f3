using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using IommuAnalyzers.Ownership;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace IommuAnalyzers.CodeFixes.Ownership
{
    /// <summary>
    /// IOMMU0003 fix, for a constant <c>kind</c>: call the specific function instead of the multiplexor. Only the call
    /// itself is replaced, so the surrounding expression (an assignment, a return, a condition) stays as it was; the
    /// result types match (int for the claim, void for the release).
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(OldDmaOwnerMultiplexorFixer))]
    [Shared]
    public sealed class OldDmaOwnerMultiplexorFixer : CodeFixProvider
    {
        private const string Title = "Call the specific ownership function";

        public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(RuleIdentifiers.OldDmaOwnerMultiplexor);

        public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            Diagnostic diagnostic = context.Diagnostics[0];
            if (!diagnostic.Properties.TryGetValue(OldDmaOwnerMultiplexorAnalyzer.ReplacementProperty, out string? replacement) || replacement == null)
            {
                return;
            }

            SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            SemanticModel? model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
            if (root == null || model == null
                || !(root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is InvocationExpressionSyntax invocation))
            {
                return;
            }

            ExpressionSyntax? rewritten = Rewrite(model, invocation, replacement, context.CancellationToken);
            if (rewritten == null)
            {
                return;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    "Call IommuCore." + replacement,
                    _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(invocation, rewritten))),
                    equivalenceKey: Title),
                diagnostic);
        }

        private static ExpressionSyntax? Rewrite(SemanticModel model, InvocationExpressionSyntax invocation, string replacement, CancellationToken cancellationToken)
        {
            if (!(model.GetOperation(invocation, cancellationToken) is IInvocationOperation operation))
            {
                return null;
            }

            ExpressionSyntax? device = null;
            ExpressionSyntax? owner = null;
            foreach (IArgumentOperation argument in operation.Arguments)
            {
                if (argument.Parameter == null || !(argument.Value.Syntax is ExpressionSyntax value))
                {
                    return null;
                }

                switch (argument.Parameter.Ordinal)
                {
                    case 0:
                        device = value;
                        break;
                    case 2:
                        owner = value;
                        break;
                }
            }

            if (device == null)
            {
                return null;
            }

            ExpressionSyntax? callee = invocation.Expression switch
            {
                MemberAccessExpressionSyntax access => access.WithName(SyntaxFactory.IdentifierName(replacement)),
                IdentifierNameSyntax name => SyntaxFactory.IdentifierName(replacement).WithTriviaFrom(name),
                _ => null,
            };
            if (callee == null)
            {
                return null;
            }

            ArgumentListSyntax? arguments;
            switch (replacement)
            {
                case "DeviceUseDmaApi":
                    // The owner argument is dropped: only when evaluating it has no effect.
                    if (owner != null && !ExpressionFacts.IsSideEffectFree(owner))
                    {
                        return null;
                    }

                    arguments = Arguments(device);
                    break;
                case "DeviceUnuseDmaApi":
                    arguments = Arguments(device);
                    break;
                case "GroupReleaseDmaOwner":
                    arguments = Arguments(DeviceGroup(device));
                    break;
                case "GroupSetDmaOwner":
                    ExpressionSyntax? claimant = Claimant(model, device, owner, cancellationToken);
                    arguments = claimant == null ? null : Arguments(DeviceGroup(device), claimant);
                    break;
                default:
                    arguments = null;
                    break;
            }

            return arguments == null
                ? null
                : invocation.WithExpression(callee).WithArgumentList(arguments.WithTriviaFrom(invocation.ArgumentList));
        }

        // The multiplexor claims for `owner ?? dev.Driver`; keep that meaning with as little text as it needs.
        private static ExpressionSyntax? Claimant(SemanticModel model, ExpressionSyntax device, ExpressionSyntax? owner, CancellationToken cancellationToken)
        {
            bool ownerIsNull = owner == null
                || owner.IsKind(SyntaxKind.NullLiteralExpression) || owner.IsKind(SyntaxKind.DefaultLiteralExpression)
                || (model.GetConstantValue(owner, cancellationToken) is { HasValue: true, Value: null });
            if (!ownerIsNull)
            {
                TypeInfo type = model.GetTypeInfo(owner!, cancellationToken);
                if (owner is ThisExpressionSyntax || owner is BaseObjectCreationExpressionSyntax
                    || type.Nullability.FlowState == NullableFlowState.NotNull || type.Type?.IsValueType == true)
                {
                    return owner!.WithoutTrivia();
                }
            }

            // dev is evaluated twice from here on: only for a plain path.
            if (!ExpressionFacts.IsSideEffectFree(device))
            {
                return null;
            }

            ExpressionSyntax driver = SyntaxFactory.PostfixUnaryExpression(
                SyntaxKind.SuppressNullableWarningExpression,
                SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, ExpressionFacts.Parenthesize(device.WithoutTrivia()), SyntaxFactory.IdentifierName("Driver")));
            if (ownerIsNull)
            {
                return driver;
            }

            if (!ExpressionFacts.IsSideEffectFree(owner!))
            {
                return null;
            }

            // `owner ?? dev.Driver!` needs a common type; object always is one.
            ITypeSymbol? ownerType = model.GetTypeInfo(owner!, cancellationToken).Type;
            ITypeSymbol? driverType = model.Compilation.GetTypeByMetadataName("Iommu.DeviceDriver");
            bool fits = ownerType != null && driverType != null
                && (ownerType.SpecialType == SpecialType.System_Object || model.Compilation.ClassifyConversion(driverType, ownerType).IsImplicit);
            ExpressionSyntax right = fits
                ? driver
                : SyntaxFactory.CastExpression(SyntaxFactory.PredefinedType(SyntaxFactory.Token(SyntaxKind.ObjectKeyword)), driver);
            return SyntaxFactory.BinaryExpression(SyntaxKind.CoalesceExpression, ExpressionFacts.Parenthesize(owner!.WithoutTrivia()), right);
        }

        private static ExpressionSyntax DeviceGroup(ExpressionSyntax device)
        {
            return SyntaxFactory.PostfixUnaryExpression(
                SyntaxKind.SuppressNullableWarningExpression,
                SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, ExpressionFacts.Parenthesize(device.WithoutTrivia()), SyntaxFactory.IdentifierName("Group")));
        }

        private static ArgumentListSyntax Arguments(params ExpressionSyntax[] values)
        {
            var list = new SeparatedSyntaxList<ArgumentSyntax>();
            foreach (ExpressionSyntax value in values)
            {
                list = list.Add(SyntaxFactory.Argument(value.WithoutTrivia()));
            }

            return SyntaxFactory.ArgumentList(list);
        }
    }
}
