using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace IommuAnalyzers.Flow
{
    /// <summary>
    /// The texts an event offers for messages and fixes: the lock as the code at the site names it, and the accessed
    /// member as reached from its object. Events compute them on first read (<see cref="LockEvent.LockText"/>,
    /// <see cref="LockEvent.AccessText"/>): only the few that become diagnostics are ever asked.
    /// </summary>
    internal static class LockSiteText
    {
        /// <summary>The lock's text at the site: the receiver or argument as written, then the lock's members; null when that is not a simple path.</summary>
        public static string? LockTextAt(LockExpression expression, IOperation? instance, ImmutableArray<IArgumentOperation>? arguments)
        {
            string? root;
            switch (expression.Root)
            {
                case LockExpressionRoot.Receiver:
                    if (instance == null)
                    {
                        return null;
                    }

                    root = instance is IInstanceReferenceOperation { IsImplicit: true } implicitInstance
                        ? (implicitInstance.ReferenceKind == InstanceReferenceKind.ContainingTypeInstance ? string.Empty : null)
                        : SimpleText(instance.Syntax);
                    break;
                case LockExpressionRoot.Parameter when arguments != null && expression.Parameter != null:
                    root = null;
                    foreach (IArgumentOperation argument in arguments.Value)
                    {
                        if (argument.Parameter != null && argument.Parameter.Ordinal == expression.Parameter.Ordinal && !argument.IsImplicit)
                        {
                            root = SimpleText(argument.Value.Syntax);
                        }
                    }

                    break;
                default:
                    return null;
            }

            if (root == null)
            {
                return null;
            }

            var text = new System.Text.StringBuilder(root);
            foreach (ISymbol member in expression.Members)
            {
                if (text.Length > 0)
                {
                    text.Append('.');
                }

                text.Append(member.Name);
            }

            return text.Length == 0 ? "this" : text.ToString();
        }

        /// <summary>The accessed member as reached from its object (<c>dev.Group.OwnerCount</c>), or its name alone on <c>this</c>.</summary>
        public static string AccessText(ISymbol member, LockPath? receiver)
        {
            if (receiver == null)
            {
                return member.IsStatic ? LockPath.ForStatic(member, member.ContainingType).ToString() : LockPath.DisplayName(member);
            }

            return receiver.RootKind == LockPathRootKind.This && receiver.Steps.IsEmpty ? LockPath.DisplayName(member) : receiver.Append(member).ToString();
        }

        private static string? SimpleText(SyntaxNode syntax)
        {
            for (SyntaxNode? node = syntax; node != null;)
            {
                switch (node)
                {
                    case Microsoft.CodeAnalysis.CSharp.Syntax.IdentifierNameSyntax _:
                    case Microsoft.CodeAnalysis.CSharp.Syntax.ThisExpressionSyntax _:
                        return syntax.ToString();
                    case Microsoft.CodeAnalysis.CSharp.Syntax.MemberAccessExpressionSyntax access when access.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.SimpleMemberAccessExpression):
                        node = access.Expression;
                        continue;
                    case Microsoft.CodeAnalysis.CSharp.Syntax.PostfixUnaryExpressionSyntax suppress when suppress.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.SuppressNullableWarningExpression):
                        node = suppress.Operand;
                        continue;
                    default:
                        return null;
                }
            }

            return null;
        }
    }
}
