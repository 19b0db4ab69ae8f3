using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis.Testing;
using Xunit;
using Verify = IommuAnalyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    IommuAnalyzers.Ownership.OldDmaOwnerMultiplexorAnalyzer,
    IommuAnalyzers.CodeFixes.Ownership.OldDmaOwnerMultiplexorFixer>;

namespace IommuAnalyzers.Tests.Ownership
{
    public class OldDmaOwnerMultiplexorTests
    {
        [Fact]
        public async Task SetWithConstantKind_Warns_AndNamesTheReplacement()
        {
            const string source = @"
using Iommu;

class NicDriver : DeviceDriver
{
    public override int Probe(Device dev) => {|#0:IommuCore.DeviceSetDmaOwner(dev, DmaOwner.DmaApi, null)|};
}
";
            await Verify.VerifyAnalyzerAsync(source, Verify.Diagnostic(RuleIdentifiers.OldDmaOwnerMultiplexor)
                .WithLocation(0)
                .WithArguments("DeviceSetDmaOwner", "IommuCore.DeviceUseDmaApi"));
        }

        [Fact]
        public async Task ReleaseWithUserKind_Warns()
        {
            const string source = @"
using Iommu;

static class Vfio
{
    public static void Close(Device dev) => {|#0:IommuCore.DeviceReleaseDmaOwner(dev, DmaOwner.User)|};
}
";
            await Verify.VerifyAnalyzerAsync(source, Verify.Diagnostic(RuleIdentifiers.OldDmaOwnerMultiplexor)
                .WithLocation(0)
                .WithArguments("DeviceReleaseDmaOwner", "IommuCore.GroupReleaseDmaOwner"));
        }

        [Fact]
        public async Task KindChosenAtRunTime_Warns_WithoutAFix()
        {
            const string source = @"
using Iommu;

static class Vfio
{
    public static int Open(Device dev, DmaOwner kind) => {|#0:IommuCore.DeviceSetDmaOwner(dev, kind, null)|};
}
";
            var expected = Verify.Diagnostic(RuleIdentifiers.OldDmaOwnerMultiplexor)
                .WithLocation(0)
                .WithArguments("DeviceSetDmaOwner", "IommuCore.DeviceUseDmaApi or IommuCore.GroupSetDmaOwner");
            await Verify.VerifyCodeFixAsync(source, new[] { expected }, source);
        }

        [Fact]
        public async Task UsingStaticAndNamedArguments_Warn()
        {
            const string source = @"
using Iommu;
using static Iommu.IommuCore;

static class Vfio
{
    public static int Open(Device dev) => {|IOMMU0003:DeviceSetDmaOwner(owner: dev, kind: DmaOwner.PrivateDomain, dev: dev)|};
}
";
            await Verify.VerifyAnalyzerAsync(source);
        }

        [Fact]
        public async Task SpecificFunctions_AndLookalikes_DoNotWarn()
        {
            const string source = @"
using Iommu;

static class OldCore
{
    public static int DeviceSetDmaOwner(Device dev, DmaOwner kind, object? owner) => 0;
}

static class Vfio
{
    public static int Open(Device dev, object owner)
    {
        int ret = IommuCore.GroupSetDmaOwner(dev.Group!, owner);
        if (ret != 0)
            return ret;
        IommuCore.GroupReleaseDmaOwner(dev.Group!);
        ret = IommuCore.DeviceUseDmaApi(dev);
        IommuCore.DeviceUnuseDmaApi(dev);
        return ret + OldCore.DeviceSetDmaOwner(dev, DmaOwner.User, owner);
    }
}
";
            await Verify.VerifyAnalyzerAsync(source);
        }

        [Fact]
        public async Task MentionsThatAreNotCalls_DoNotWarn()
        {
            const string source = @"
using System;
using Iommu;

static class Names
{
    public static DmaOwner Kind = DmaOwner.User;
    public static string Name = nameof(IommuCore.DeviceSetDmaOwner);
    public static Func<Device, DmaOwner, object?, int> Later = IommuCore.DeviceSetDmaOwner;
}
";
            await Verify.VerifyAnalyzerAsync(source);
        }

        [Fact]
        public async Task WithoutRuntime_NothingIsReported()
        {
            var test = new Verify.Test
            {
                WithoutRuntime = true,
                TestCode = @"
enum DmaOwner { DmaApi }
static class IommuCore { public static int DeviceSetDmaOwner(object dev, DmaOwner kind, object owner) => 0; }
class User { int Run() => IommuCore.DeviceSetDmaOwner(null, DmaOwner.DmaApi, null); }
",
            };
            await test.RunAsync();
        }

        [Fact]
        public async Task HalfTypedCall_StillWarns_AndNeverThrows()
        {
            const string source = @"
using Iommu;

static class Vfio
{
    public static int Open(Device dev) => IommuCore.DeviceSetDmaOwner(dev, DmaOwner.User, null
    public static int Broken(Device dev) => IommuCore.DeviceSetDmaOwner(dev, DmaOwner.
";
            await Verify.VerifyAnalyzerAsync(
                source,
                Verify.Diagnostic(RuleIdentifiers.OldDmaOwnerMultiplexor).WithSpan(6, 43, 7, 1).WithArguments("DeviceSetDmaOwner", "IommuCore.GroupSetDmaOwner"),
                DiagnosticResult.CompilerError("CS1002").WithSpan(6, 95, 6, 95),
                DiagnosticResult.CompilerError("CS1026").WithSpan(6, 95, 6, 95),
                DiagnosticResult.CompilerError("CS1001").WithSpan(7, 87, 7, 87),
                DiagnosticResult.CompilerError("CS1026").WithSpan(7, 87, 7, 87),
                DiagnosticResult.CompilerError("CS1002").WithSpan(7, 87, 7, 87),
                DiagnosticResult.CompilerError("CS1513").WithSpan(7, 87, 7, 87));
        }

        [Fact]
        public async Task Fix_RewritesEachKind_AndKeepsTheSurroundingExpression()
        {
            const string source = @"
using Iommu;

class VfioDriver : DeviceDriver
{
    private object? _owner;

    public override int Probe(Device dev)
    {
        int ret = {|IOMMU0003:IommuCore.DeviceSetDmaOwner(dev, DmaOwner.DmaApi, null)|};
        if ({|IOMMU0003:IommuCore.DeviceSetDmaOwner(dev, DmaOwner.User, this)|} != 0)
            return -Errno.EBUSY;
        ret = {|IOMMU0003:Iommu.IommuCore.DeviceSetDmaOwner(dev, DmaOwner.PrivateDomain, null)|};
        return ret == 0 ? {|IOMMU0003:IommuCore.DeviceSetDmaOwner(dev, DmaOwner.User, _owner)|} : ret;
    }

    public override void Remove(Device dev)
    {
        {|IOMMU0003:IommuCore.DeviceReleaseDmaOwner(dev, DmaOwner.User)|};
        {|IOMMU0003:IommuCore.DeviceReleaseDmaOwner(dev, DmaOwner.DmaApi)|};
    }
}
";
            const string fixedSource = @"
using Iommu;

class VfioDriver : DeviceDriver
{
    private object? _owner;

    public override int Probe(Device dev)
    {
        int ret = IommuCore.DeviceUseDmaApi(dev);
        if (IommuCore.GroupSetDmaOwner(dev.Group!, this) != 0)
            return -Errno.EBUSY;
        ret = Iommu.IommuCore.GroupSetDmaOwner(dev.Group!, dev.Driver!);
        return ret == 0 ? IommuCore.GroupSetDmaOwner(dev.Group!, _owner ?? dev.Driver!) : ret;
    }

    public override void Remove(Device dev)
    {
        IommuCore.GroupReleaseDmaOwner(dev.Group!);
        IommuCore.DeviceUnuseDmaApi(dev);
    }
}
";
            await Verify.VerifyCodeFixAsync(source, fixedSource);
        }

        [Fact]
        public async Task FixAll_AcrossDocuments_WithUsingStatic_AndAnOwnerOfAnotherType()
        {
            var test = new Verify.Test();
            test.TestState.Sources.Add(("Open.cs", @"using Iommu;
using static Iommu.IommuCore;

static class Vfio
{
    public static int Open(Device dev, string? token) => {|IOMMU0003:DeviceSetDmaOwner(dev, DmaOwner.User, token)|};
    public static int Use(Device dev) => {|IOMMU0003:DeviceSetDmaOwner(dev, DmaOwner.DmaApi, null)|};
}
"));
            test.TestState.Sources.Add(("Close.cs", @"using Iommu;

static class VfioClose
{
    public static void Close(Device dev)
    {
        {|IOMMU0003:IommuCore.DeviceReleaseDmaOwner(dev, DmaOwner.User)|};
        {|IOMMU0003:IommuCore.DeviceReleaseDmaOwner(dev, DmaOwner.DmaApi)|};
    }
}
"));
            test.FixedState.Sources.Add(("Open.cs", @"using Iommu;
using static Iommu.IommuCore;

static class Vfio
{
    public static int Open(Device dev, string? token) => GroupSetDmaOwner(dev.Group!, token ?? (object)dev.Driver!);
    public static int Use(Device dev) => DeviceUseDmaApi(dev);
}
"));
            test.FixedState.Sources.Add(("Close.cs", @"using Iommu;

static class VfioClose
{
    public static void Close(Device dev)
    {
        IommuCore.GroupReleaseDmaOwner(dev.Group!);
        IommuCore.DeviceUnuseDmaApi(dev);
    }
}
"));
            await test.RunAsync();
            await OwnershipRules.AssertCleanAsync(test.FixedState.Sources.Select(source => source.content.ToString()).ToArray());
        }
    }
}
