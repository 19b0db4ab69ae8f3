using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace IommuAnalyzers.CodeFixes
{
    /// <summary>Small syntactic facts fixes need when they copy, drop or re-evaluate an expression.</summary>
    internal static class ExpressionFacts
    {
        /// <summary>A literal or a plain path (<c>dev</c>, <c>this._domain</c>, <c>dev.Group!</c>): evaluating it again or not at all changes nothing observable but a property getter call.</summary>
        public static bool IsSideEffectFree(ExpressionSyntax expression)
        {
            switch (expression)
            {
                case LiteralExpressionSyntax:
                case IdentifierNameSyntax:
                case ThisExpressionSyntax:
                case BaseExpressionSyntax:
                case PredefinedTypeSyntax:
                    return true;
                case ParenthesizedExpressionSyntax parenthesized:
                    return IsSideEffectFree(parenthesized.Expression);
                case PostfixUnaryExpressionSyntax suppressed when suppressed.IsKind(SyntaxKind.SuppressNullableWarningExpression):
                    return IsSideEffectFree(suppressed.Operand);
                case MemberAccessExpressionSyntax access when access.IsKind(SyntaxKind.SimpleMemberAccessExpression):
                    return IsSideEffectFree(access.Expression);
                case MemberBindingExpressionSyntax:
                    return false;
                case CastExpressionSyntax cast:
                    return IsSideEffectFree(cast.Expression);
                default:
                    return false;
            }
        }

        /// <summary>Wraps the expression in parentheses unless it is already a primary expression that binds tighter than member access.</summary>
        public static ExpressionSyntax Parenthesize(ExpressionSyntax expression)
        {
            switch (expression)
            {
                case IdentifierNameSyntax:
                case GenericNameSyntax:
                case ThisExpressionSyntax:
                case BaseExpressionSyntax:
                case ParenthesizedExpressionSyntax:
                case InvocationExpressionSyntax:
                case ElementAccessExpressionSyntax:
                case LiteralExpressionSyntax:
                    return expression;
                case MemberAccessExpressionSyntax access when access.IsKind(SyntaxKind.SimpleMemberAccessExpression):
                    return expression;
                case PostfixUnaryExpressionSyntax suppressed when suppressed.IsKind(SyntaxKind.SuppressNullableWarningExpression):
                    return expression;
                default:
                    return SyntaxFactory.ParenthesizedExpression(expression);
            }
        }
    }
}
