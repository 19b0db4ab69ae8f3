using System;
using System.Linq;
using IommuAnalyzers.Flow;
using IommuAnalyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using Xunit;

namespace IommuAnalyzers.Tests.Flow
{
    /// <summary>
    /// The binder alone: attribute text resolved against the annotated member and printed as "Root path", next to what
    /// the C# compiler binds for the same text written as an expression in that member's body.
    /// </summary>
    public class LockExpressionTests
    {
        private const string Types = @"using System;
using Iommu;

class Other
{
    public static readonly object Lock = new object();
    public readonly object Inst = new object();
}

class Unrelated
{
    public readonly object Inst = new object();
}
";

        /// <summary>The first lock expression on <paramref name="member"/>, as "Root path" or "error: why".</summary>
        private static string Bound(string source, string member, LanguageVersion version = LanguageVersion.Latest)
        {
            (CSharpCompilation compilation, _, _) = Compile(source, version);
            ISymbol symbol = compilation.GetSymbolsWithName(member, SymbolFilter.Member).First();
            return Bound(compilation, symbol);
        }

        private static string Bound(Compilation compilation, ISymbol symbol)
        {
            var resolver = new LockExpressionResolver(IommuSymbols.TryCreate(compilation)!.LockModel);
            AttributeData attribute = symbol.GetAttributes().First(a => a.AttributeClass!.Name.EndsWith("LockAttribute", StringComparison.Ordinal) || a.AttributeClass.Name == "GuardedByAttribute");
            LockExpression expression = resolver.Resolve(symbol, attribute).First();
            if (!expression.IsResolved)
            {
                return "error: " + expression.Error;
            }

            LockPath? self = LockExpressionScope.ExtensionReceiver(symbol.ContainingType) is IParameterSymbol receiver ? LockPath.ForParameter(receiver) : LockPath.ForThis(symbol.ContainingType);
            return expression.Root + " " + expression.Bind(self, parameter => LockPath.ForParameter(parameter));
        }

        /// <summary>What the compiler binds for the expression statement <c>_ = ...;</c> in the method's body, in the same notation.</summary>
        private static string Compiled(string source, string method)
        {
            (CSharpCompilation compilation, SyntaxTree tree, _) = Compile(source, LanguageVersion.Latest);
            SemanticModel model = compilation.GetSemanticModel(tree);
            MethodDeclarationSyntax declaration = tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>().Single(m => m.Identifier.Text == method);
            ExpressionSyntax discarded = declaration.DescendantNodes().OfType<AssignmentExpressionSyntax>().First().Right;
            return Describe(model.GetOperation(discarded)!);
        }

        private static string Describe(IOperation operation)
        {
            switch (operation)
            {
                case IFieldReferenceOperation { Instance: null } field:
                    return "Static " + field.Field.ContainingType.Name + "." + field.Field.Name;
                case IFieldReferenceOperation field:
                    return Describe(field.Instance!) + "." + field.Field.Name;
                case IPropertyReferenceOperation { Instance: null } property:
                    return "Static " + property.Property.ContainingType.Name + "." + property.Property.Name;
                case IPropertyReferenceOperation property:
                    return Describe(property.Instance!) + "." + property.Property.Name;
                case IInstanceReferenceOperation _:
                    return "Receiver this";
                case IParameterReferenceOperation parameter:
                    return "Parameter " + parameter.Parameter.Name;
                default:
                    return operation.Kind.ToString();
            }
        }

        private static (CSharpCompilation, SyntaxTree, Diagnostic[]) Compile(string source, LanguageVersion version)
        {
            SyntaxTree tree = CSharpSyntaxTree.ParseText(Types + source, new CSharpParseOptions(version));
            CSharpCompilation compilation = CSharpCompilation.Create("Binder", new[] { tree }, TestReferences.WithRuntime, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
            return (compilation, tree, compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToArray());
        }

        // ---- Color Color: a member or parameter named like its own type ----

        [Theory]
        [InlineData("class Host { public Other Other { get; } = new Other(); [RequiresLock(\"Other.Lock\")] void M() { _ = Other.Lock; } }", "Static Other.Lock")]
        [InlineData("class Host { public Other Other { get; } = new Other(); [RequiresLock(\"Other.Inst\")] void M() { _ = Other.Inst; } }", "Receiver this.Other.Inst")]
        [InlineData("class Host { public Other Other { get; } = new Other(); [RequiresLock(\"Other.Lock\")] static void M() { _ = Other.Lock; } }", "Static Other.Lock")]
        [InlineData("class Host { public Other Other = new Other(); [RequiresLock(\"Other.Lock\")] void M() { _ = Other.Lock; } }", "Static Other.Lock")]
        [InlineData("class Host { [RequiresLock(\"Other.Lock\")] void M(Other Other) { _ = Other.Lock; } }", "Static Other.Lock")]
        [InlineData("class Host { [RequiresLock(\"Other.Inst\")] void M(Other Other) { _ = Other.Inst; } }", "Parameter Other.Inst")]
        [InlineData("class Host { public static Other Other { get; } = new Other(); [RequiresLock(\"Other.Inst\")] static void M() { _ = Other.Inst; } }", "Static Host.Other.Inst")]
        [InlineData("class Host { [RequiresLock(\"Other.Lock\")] void M() { _ = Other.Lock; } }", "Static Other.Lock")]
        public void ColorColor_BindsAsTheCompilerDoes(string host, string expected)
        {
            Assert.Equal(expected, Compiled(host, "M"));
            Assert.Equal(expected, Bound(host, "M"));
        }

        [Theory]
        // The member's type is not the type named Other: the name means the member, which has no Lock (CS1061).
        [InlineData("class Host { public Unrelated Other { get; } = new Unrelated(); [RequiresLock(\"Other.Lock\")] void M() { } }", "error: 'Lock' is not an instance field or property of 'Unrelated'")]
        // An instance member in a static method, and Inst is not static: the member meaning, out of reach (CS0120).
        [InlineData("class Host { public Other Other { get; } = new Other(); [RequiresLock(\"Other.Inst\")] static void M() { } }", "error: 'Other' is an instance member but 'M' is static")]
        // A parameter of another type named Other shadows the type (CS1061 for a static Lock).
        [InlineData("class Host { [RequiresLock(\"Other.Lock\")] void M(Unrelated Other) { } }", "error: 'Lock' is not an instance field or property of 'Unrelated'")]
        public void ColorColor_NearMisses_AreRejected_AsTheCompilerRejectsThem(string host, string expected)
        {
            string written = host.Replace("void M(", "void N(").Replace("{ } }", "{ _ = Other." + (host.Contains("Other.Lock") ? "Lock" : "Inst") + "; } }");
            (_, _, Diagnostic[] errors) = Compile(written, LanguageVersion.Latest);
            Assert.Contains(errors, e => e.Id == "CS1061" || e.Id == "CS0120");
            Assert.Equal(expected, Bound(host, "M"));
        }

        // ---- scopes of the other member kinds ----

        [Theory]
        [InlineData("class Host { [RequiresLock(\"Inst\")] public static Other operator +(Host a, Host b) => null!; public object Inst = new object(); }", "op_Addition", "error: 'Inst' is an instance member but 'op_Addition' is static")]
        [InlineData("class Host { [RequiresLock(\"b.Inst\")] public static Other operator +(Host a, Other b) => null!; }", "op_Addition", "Parameter b.Inst")]
        [InlineData("class Host { public object Gate = new object(); [RequiresLock(\"o.Gate\")] public static explicit operator int(Host o) => 0; }", "op_Explicit", "Parameter o.Gate")]
        [InlineData("class Host { [RequiresLock(\"o.Inst\")] public int this[Other o] => 0; }", "this[]", "Parameter o.Inst")]
        [InlineData("class Host { [RequiresLock(\"p.Inst\")] public int this[Other o] => 0; }", "this[]", "error: 'p' is not 'this', a parameter, a member of 'Host' or a type")]
        [InlineData("class Host { public Other O = new Other(); public int P { [RequiresLock(\"O.Inst\")] get => 0; } }", "get_P", "Receiver this.O.Inst")]
        [InlineData("class Host { public int P { get => 0; [RequiresLock(\"value.Inst\")] set { } } }", "set_P", "error: 'Inst' is not an instance field or property of 'Int32'")]
        public void MemberKinds_NameTheirOwnScope(string host, string member, string expected)
        {
            (CSharpCompilation compilation, _, Diagnostic[] errors) = Compile(host, LanguageVersion.Latest);
            Assert.Empty(errors);
            ISymbol symbol = compilation.GetTypeByMetadataName("Host")!.GetMembers(member).First();
            Assert.Equal(expected, Bound(compilation, symbol));
        }

        [Theory]
        [InlineData("void F(Other group) { [RequiresLock(\"group.Inst\")] void L() { } }", "CapturedParameter group.Inst")]
        [InlineData("void F(Other group) { [RequiresLock(\"group.Inst\")] void L(Other group) { } }", "Parameter group.Inst")]
        [InlineData("void F(Other group) { Action a = () => { [RequiresLock(\"group.Inst\")] void L() { } }; }", "CapturedParameter group.Inst")]
        [InlineData("void F(Other group) { [RequiresLock(\"group.Inst\")] static void L() { } }", "error: 'group' is a parameter of 'F', which a static local function cannot use")]
        [InlineData("public object Inst = new object(); void F() { [RequiresLock(\"Inst\")] void L() { } }", "Receiver this.Inst")]
        [InlineData("public object Inst = new object(); static void F() { [RequiresLock(\"Inst\")] void L() { } }", "error: 'Inst' is an instance member but 'L' is static")]
        [InlineData("public object Inst = new object(); void F() { [RequiresLock(\"Inst\")] static void L() { } }", "error: 'Inst' is an instance member but 'L' is static")]
        public void LocalFunctions_SeeTheEnclosingScope(string members, string expected)
        {
            (CSharpCompilation compilation, SyntaxTree tree, _) = Compile("class Host { " + members + " }", LanguageVersion.Latest);
            SemanticModel model = compilation.GetSemanticModel(tree);
            LocalFunctionStatementSyntax local = tree.GetRoot().DescendantNodes().OfType<LocalFunctionStatementSyntax>().Single();
            Assert.Equal(expected, Bound(compilation, model.GetDeclaredSymbol(local)!));
        }

        [Theory]
        [InlineData("[RequiresLock(\"group.Inst\")] public void M() { }", "Receiver group.Inst")]
        [InlineData("[RequiresLock(\"Inst\")] public void M() { }", "error: 'Inst' is not 'this', a parameter, a member of 'extension(Other)' or a type")]
        [InlineData("[RequiresLock(\"this\")] public void M() { }", "error: 'this' does not exist in an extension member; name its receiver parameter")]
        [InlineData("[RequiresLock(\"group.Inst\")] public static void M() { }", "error: the receiver parameter 'group' does not exist in a static extension member")]
        [InlineData("[RequiresLock(\"other.Inst\")] public void M(Other other) { }", "Parameter other.Inst")]
        public void ExtensionBlocks_StartFromTheReceiverParameter(string member, string expected)
        {
            (CSharpCompilation compilation, _, Diagnostic[] errors) = Compile("static class E { extension(Other group) { " + member + " } }", LanguageVersion.Preview);
            Assert.Empty(errors);
            ISymbol symbol = compilation.GetTypeByMetadataName("E")!.GetTypeMembers().Single().GetMembers("M").Single();
            Assert.Equal(expected, Bound(compilation, symbol));
        }
    }
}
