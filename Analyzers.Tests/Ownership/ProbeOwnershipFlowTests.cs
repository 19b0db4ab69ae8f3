using System.Linq;
using IommuAnalyzers.Ownership;
using IommuAnalyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;
using Xunit;

namespace IommuAnalyzers.Tests.Ownership
{
    /// <summary>The Probe dataflow on its own: graphs in, leaks and kept acquisitions out, no diagnostics involved.</summary>
    public class ProbeOwnershipFlowTests
    {
        private static (ProbeOwnershipFlow.Result Result, string Text) Run(string body, string helpers = "")
        {
            string source = @"
using Iommu;

class D : DeviceDriver
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

    public override int Probe(Device dev)
    {
" + body + @"
    }

    private static int Setup(Device dev) => dev.Name.Length > 3 ? 0 : -Errno.EINVAL;
" + helpers + @"
}
";
            SyntaxTree tree = CSharpSyntaxTree.ParseText(source);
            CSharpCompilation compilation = CSharpCompilation.Create("Flow", new[] { tree }, TestReferences.WithRuntime, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
            Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
            SemanticModel model = compilation.GetSemanticModel(tree);
            MethodDeclarationSyntax probe = tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>().First(m => m.Identifier.Text == "Probe");
            var graph = ControlFlowGraph.Create((IMethodBodyOperation)model.GetOperation(probe)!);
            IommuSymbols symbols = IommuSymbols.TryCreate(compilation)!;
            return (ProbeOwnershipFlow.Analyze(graph, symbols, _ => 0), source);
        }

        private static string[] LeakLines(ProbeOwnershipFlow.Result result) =>
            result.Leaks.Select(l => l.Acquisition.TargetMethod.Name + "@" + l.ReturnedValue.Syntax).ToArray();

        [Fact]
        public void LoopThatRetriesTheClaim_LeaksNothing_AndKeepsItForRemove()
        {
            (ProbeOwnershipFlow.Result result, _) = Run(@"
        int ret = -Errno.EBUSY;
        for (int tries = 0; tries < 3 && ret != 0; tries++)
        {
            ret = IommuCore.DeviceUseDmaApi(dev);
        }

        if (ret != 0)
            return ret;
        return 0;");
            Assert.True(result.Completed);
            Assert.Empty(LeakLines(result));
            Assert.Equal(new[] { "DeviceUseDmaApi" }, result.HeldAtSuccess.Select(i => i.TargetMethod.Name).ToArray());
        }

        [Fact]
        public void SwitchOnASetupResult_LeaksOnTheErrorCaseOnly()
        {
            (ProbeOwnershipFlow.Result result, _) = Run(@"
        if (IommuCore.AttachDevice(_domain, dev) != 0)
            return -Errno.EBUSY;
        switch (Setup(dev))
        {
            case 0:
                return 0;
            default:
                return -Errno.EINVAL;
        }");
            Assert.Equal(new[] { "AttachDevice@-Errno.EINVAL" }, LeakLines(result));
        }

        [Fact]
        public void TwoClaims_TheSecondFailing_LeaksTheFirstAtTheSharedReturn()
        {
            (ProbeOwnershipFlow.Result result, _) = Run(@"
        int ret = IommuCore.DeviceUseDmaApi(dev);
        if (ret < 0)
            return ret;
        ret = IommuCore.AttachDevice(_domain, dev);
        return ret;");
            Assert.Equal(new[] { "DeviceUseDmaApi@ret" }, LeakLines(result));
            Assert.Equal(2, result.HeldAtSuccess.Count);
        }

        [Fact]
        public void UnknownResultReturned_IsNeverTakenForAnError()
        {
            (ProbeOwnershipFlow.Result result, _) = Run(@"
        int ret = IommuCore.DeviceUseDmaApi(dev);
        if (ret != 0)
            return ret;
        return Setup(dev);");
            Assert.Empty(result.Leaks);
            Assert.Single(result.HeldAtSuccess);
        }

        [Fact]
        public void ReleaseOnEveryErrorPath_WhileLoopWithBreak_IsClean()
        {
            (ProbeOwnershipFlow.Result result, _) = Run(@"
        int ret = IommuCore.GroupSetDmaOwner(dev.Group!, this);
        if (ret is not 0)
            return ret;
        while (true)
        {
            ret = Setup(dev);
            if (ret == 0)
                break;
            IommuCore.GroupReleaseDmaOwner(dev.Group!);
            return ret;
        }

        return 0;");
            Assert.Empty(result.Leaks);
            Assert.Single(result.HeldAtSuccess);
        }

        [Fact]
        public void ReleaseOnlyOnOneBranch_LeaksOnTheOther()
        {
            (ProbeOwnershipFlow.Result result, _) = Run(@"
        int ret = IommuCore.DeviceUseDmaApi(dev);
        if (ret != 0)
            return ret;
        ret = Setup(dev);
        if (ret != 0 && dev.Name.Length > 1)
            IommuCore.DeviceUnuseDmaApi(dev);
        if (ret != 0)
            return ret;
        return 0;");
            Assert.Equal(new[] { "DeviceUseDmaApi@ret" }, LeakLines(result));
        }
    }
}
