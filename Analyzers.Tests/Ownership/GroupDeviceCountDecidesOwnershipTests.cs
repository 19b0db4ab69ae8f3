using System.Threading.Tasks;
using Microsoft.CodeAnalysis.Testing;
using Xunit;
using Verify = IommuAnalyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    IommuAnalyzers.Ownership.GroupDeviceCountDecidesOwnershipAnalyzer,
    IommuAnalyzers.CodeFixes.Ownership.GroupDeviceCountDecidesOwnershipFixer>;

namespace IommuAnalyzers.Tests.Ownership
{
    public class GroupDeviceCountDecidesOwnershipTests
    {
        [Fact]
        public async Task ComparedCount_Warns_AndNamesTheGroup()
        {
            const string source = @"
using Iommu;

static class Attach
{
    public static bool Shared(Device dev) => {|#0:IommuCore.GroupDeviceCount(dev.Group!)|} > 1;
}
";
            await Verify.VerifyAnalyzerAsync(source, Verify.Diagnostic(RuleIdentifiers.GroupDeviceCountDecidesOwnership)
                .WithLocation(0)
                .WithArguments("dev.Group!"));
        }

        [Fact]
        public async Task CountInConditionPatternSwitchAndArithmetic_Warns()
        {
            const string source = @"
using Iommu;

static class Attach
{
    public static int Check(IommuGroup group)
    {
        if ({|IOMMU0004:IommuCore.GroupDeviceCount(group)|} - 1 != 0)
            return -Errno.EBUSY;
        if ({|IOMMU0004:IommuCore.GroupDeviceCount(group)|} is 1)
            return 0;
        switch ({|IOMMU0004:IommuCore.GroupDeviceCount(group)|})
        {
            case 0:
                return -Errno.ENODEV;
            default:
                return 0;
        }
    }
}
";
            await Verify.VerifyAnalyzerAsync(source);
        }

        [Fact]
        public async Task CountStoredInALocalThatIsCompared_Warns()
        {
            const string source = @"
using Iommu;

static class Attach
{
    public static int Check(IommuGroup group)
    {
        int devices = {|IOMMU0004:IommuCore.GroupDeviceCount(group)|};
        return devices == 1 ? 0 : -Errno.EBUSY;
    }
}
";
            await Verify.VerifyAnalyzerAsync(source);
        }

        [Fact]
        public async Task CountReturnedToTheCaller_Warns()
        {
            const string source = @"
using Iommu;

static class Attach
{
    public static int Users(IommuGroup group) => {|IOMMU0004:IommuCore.GroupDeviceCount(group)|};
}
";
            await Verify.VerifyAnalyzerAsync(source);
        }

        [Fact]
        public async Task CountOnlyLoggedOrDiscarded_AndOwnerCount_DoNotWarn()
        {
            const string source = @"
using System;
using Iommu;

static class Report
{
    public static void Print(IommuGroup group)
    {
        Console.WriteLine(""devices: "" + IommuCore.GroupDeviceCount(group));
        _ = IommuCore.GroupDeviceCount(group);
        int n = IommuCore.GroupDeviceCount(group);
        Console.WriteLine(n);
        using (group.Mutex.Guard())
        {
            if (group.OwnerCount > 1)
                Console.WriteLine(""shared"");
        }
    }
}
";
            await Verify.VerifyAnalyzerAsync(source);
        }

        [Fact]
        public async Task CountPassedOnStoredOrFormatted_DoesNotWarn()
        {
            const string source = @"
using System;
using Iommu;

class Stats
{
    private int _devices;

    public void Record(IommuGroup group)
    {
        _devices = IommuCore.GroupDeviceCount(group);
        Console.WriteLine($""{IommuCore.GroupDeviceCount(group)} devices"");
        Math.Max(IommuCore.GroupDeviceCount(group), _devices);
    }
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
static class IommuCore { public static int GroupDeviceCount(object g) => 1; }
class User { bool Shared(object g) => IommuCore.GroupDeviceCount(g) > 1; }
",
            };
            await test.RunAsync();
        }

        [Fact]
        public async Task HalfTypedComparison_NeverThrows()
        {
            const string source = @"
using Iommu;

static class Attach
{
    public static bool Shared(IommuGroup group) => IommuCore.GroupDeviceCount(group) > ;
    public static bool Other(IommuGroup group) => IommuCore.GroupDeviceCount() > 1;
}
";
            await Verify.VerifyAnalyzerAsync(
                source,
                Verify.Diagnostic(RuleIdentifiers.GroupDeviceCountDecidesOwnership).WithSpan(6, 52, 6, 85).WithArguments("group"),
                DiagnosticResult.CompilerError("CS1525").WithSpan(6, 88, 6, 89).WithArguments(";"),
                DiagnosticResult.CompilerError("CS7036").WithSpan(7, 61, 7, 77).WithArguments("group", "Iommu.IommuCore.GroupDeviceCount(Iommu.IommuGroup)"));
        }

        [Fact]
        public async Task NoFix_WhenTheLockIsNotHeld_OrOnlyHeldInsideALambda_OrForAnotherGroup()
        {
            const string source = @"
using System;
using Iommu;

static class Attach
{
    public static int Check(IommuGroup group, IommuGroup other)
    {
        if ({|IOMMU0004:IommuCore.GroupDeviceCount(group)|} > 1)
            return -Errno.EBUSY;
        using (other.Mutex.Guard())
        {
            if ({|IOMMU0004:IommuCore.GroupDeviceCount(group)|} > 1)
                return -Errno.EBUSY;
            Func<bool> later = () => {|IOMMU0004:IommuCore.GroupDeviceCount(other)|} > 1;
        }

        using (group.Mutex.Guard())
        {
            group = other;
            if ({|IOMMU0004:IommuCore.GroupDeviceCount(group)|} > 1)
                return -Errno.EBUSY;
        }

        return 0;
    }
}
";
            await Verify.VerifyCodeFixAsync(source, source);
        }

        [Fact]
        public async Task Fix_UnderGuardStatementDeclarationAndRequiresLock_ReadsOwnerCount()
        {
            const string source = @"
using Iommu;

class Attach
{
    private readonly IommuGroup _group = new IommuGroup(1);

    public static int Statement(Device dev)
    {
        using (dev.Group!.Mutex.Guard())
        {
            return {|IOMMU0004:IommuCore.GroupDeviceCount(dev.Group!)|} > 1 ? -Errno.EBUSY : 0;
        }
    }

    public int Declaration()
    {
        using var guard = _group.Mutex.Guard();
        int count = {|IOMMU0004:IommuCore.GroupDeviceCount(_group)|};
        return count == 1 ? 0 : -Errno.EBUSY;
    }

    [RequiresLock(""group.Mutex"")]
    public static bool Shared(IommuGroup group) => {|IOMMU0004:IommuCore.GroupDeviceCount(group)|} != 1;
}
";
            const string fixedSource = @"
using Iommu;

class Attach
{
    private readonly IommuGroup _group = new IommuGroup(1);

    public static int Statement(Device dev)
    {
        using (dev.Group!.Mutex.Guard())
        {
            return dev.Group!.OwnerCount > 1 ? -Errno.EBUSY : 0;
        }
    }

    public int Declaration()
    {
        using var guard = _group.Mutex.Guard();
        int count = _group.OwnerCount;
        return count == 1 ? 0 : -Errno.EBUSY;
    }

    [RequiresLock(""group.Mutex"")]
    public static bool Shared(IommuGroup group) => group.OwnerCount != 1;
}
";
            await Verify.VerifyCodeFixAsync(source, fixedSource);
            await OwnershipRules.AssertCleanAsync(fixedSource);
        }

        [Fact]
        public async Task Fix_UnderExplicitLockAndTryLock_ReadsOwnerCount()
        {
            const string source = @"
using Iommu;

static class Attach
{
    public static int Locked(IommuGroup group)
    {
        group.Mutex.Lock();
        int ret = {|IOMMU0004:IommuCore.GroupDeviceCount(group)|} > 1 ? -Errno.EBUSY : 0;
        group.Mutex.Unlock();
        return ret;
    }

    public static int Tried(IommuGroup group)
    {
        if (!group.Mutex.TryLock())
            return -Errno.EBUSY;
        bool shared = {|IOMMU0004:IommuCore.GroupDeviceCount(group)|} != 1;
        group.Mutex.Unlock();
        return shared ? -Errno.EBUSY : 0;
    }
}
";
            const string fixedSource = @"
using Iommu;

static class Attach
{
    public static int Locked(IommuGroup group)
    {
        group.Mutex.Lock();
        int ret = group.OwnerCount > 1 ? -Errno.EBUSY : 0;
        group.Mutex.Unlock();
        return ret;
    }

    public static int Tried(IommuGroup group)
    {
        if (!group.Mutex.TryLock())
            return -Errno.EBUSY;
        bool shared = group.OwnerCount != 1;
        group.Mutex.Unlock();
        return shared ? -Errno.EBUSY : 0;
    }
}
";
            await Verify.VerifyCodeFixAsync(source, fixedSource);
            await OwnershipRules.AssertCleanAsync(fixedSource);
        }

        [Fact]
        public async Task NoFix_AfterTheUnlock_OnOnlySomePaths_OrUnderAnotherGroupsExplicitLock()
        {
            const string source = @"
using Iommu;

static class Attach
{
    public static int After(IommuGroup group)
    {
        group.Mutex.Lock();
        group.Mutex.Unlock();
        return {|IOMMU0004:IommuCore.GroupDeviceCount(group)|} > 1 ? -Errno.EBUSY : 0;
    }

    public static int SomePaths(IommuGroup group, bool locked)
    {
        if (locked)
            group.Mutex.Lock();
        int ret = {|IOMMU0004:IommuCore.GroupDeviceCount(group)|} > 1 ? -Errno.EBUSY : 0;
        if (locked)
            group.Mutex.Unlock();
        return ret;
    }

    public static int Other(IommuGroup group, IommuGroup other)
    {
        other.Mutex.Lock();
        int ret = {|IOMMU0004:IommuCore.GroupDeviceCount(group)|} > 1 ? -Errno.EBUSY : 0;
        other.Mutex.Unlock();
        return ret;
    }
}
";
            await Verify.VerifyCodeFixAsync(source, source);
        }

        [Fact]
        public async Task FixAll_AcrossDocuments()
        {
            var test = new Verify.Test();
            test.TestState.Sources.Add(("A.cs", @"using Iommu;

static class A
{
    public static bool One(IommuGroup g)
    {
        using (g.Mutex.Guard())
        {
            return {|IOMMU0004:IommuCore.GroupDeviceCount(g)|} == 1 && {|IOMMU0004:IommuCore.GroupDeviceCount(g)|} > 0;
        }
    }
}
"));
            test.TestState.Sources.Add(("B.cs", @"using Iommu;

static class B
{
    public static bool Two(Device dev)
    {
        var g = dev.Group!;
        using var _ = g.Mutex.Guard();
        return {|IOMMU0004:IommuCore.GroupDeviceCount(g)|} > 1;
    }
}
"));
            test.FixedState.Sources.Add(("A.cs", @"using Iommu;

static class A
{
    public static bool One(IommuGroup g)
    {
        using (g.Mutex.Guard())
        {
            return g.OwnerCount == 1 && g.OwnerCount > 0;
        }
    }
}
"));
            test.FixedState.Sources.Add(("B.cs", @"using Iommu;

static class B
{
    public static bool Two(Device dev)
    {
        var g = dev.Group!;
        using var _ = g.Mutex.Guard();
        return g.OwnerCount > 1;
    }
}
"));
            await test.RunAsync();
        }
    }
}
