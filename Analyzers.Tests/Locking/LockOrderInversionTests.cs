using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using IommuAnalyzers.Locking;
using IommuAnalyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit;
using Verify = IommuAnalyzers.Tests.Verifiers.CSharpAnalyzerVerifier<IommuAnalyzers.Locking.LockDisciplineAnalyzer>;

namespace IommuAnalyzers.Tests.Locking
{
    public class LockOrderInversionTests
    {
        private const string Usings = "using System;\nusing System.Threading;\nusing Iommu;\n";

        [Fact]
        public async Task TwoLockCycle_ReportedOnce_AtTheFirstEdge_WithTheOtherAsAdditionalLocation()
        {
            await Verify.VerifyAnalyzerAsync(Usings + @"
class Nic
{
    private readonly KMutex _statsLock = new KMutex();
    private readonly KMutex _txLock = new KMutex();

    void Xmit() { using (_statsLock.Guard()) { using ({|#0:_txLock.Guard()|}) { } } }

    void Stats() { using (_txLock.Guard()) { using ({|#1:_statsLock.Guard()|}) { } } }
}",
                Verify.Diagnostic(LockOrderInversionRule.Rule).WithLocation(0).WithLocation(1)
                    .WithArguments("Nic._txLock", string.Empty, "Nic._statsLock", "and 'Nic._statsLock' while holding 'Nic._txLock' at Test0.cs:12"));
        }

        [Fact]
        public async Task TwoLockCycle_WithLockStatementsAndMonitor()
        {
            await Verify.VerifyAnalyzerAsync(Usings + @"
class Registry
{
    public static readonly object Lock = new object();
}

class Port
{
    private readonly object _gate = new object();

    void F() { lock (Registry.Lock) { lock ({|#0:_gate|}) { } } }

    void G() { Monitor.Enter(_gate); {|#1:Monitor.Enter(Registry.Lock)|}; Monitor.Exit(Registry.Lock); Monitor.Exit(_gate); }
}",
                Verify.Diagnostic(LockOrderInversionRule.Rule).WithLocation(0).WithLocation(1)
                    .WithArguments("Port._gate", string.Empty, "Registry.Lock", "and 'Registry.Lock' while holding 'Port._gate' at Test0.cs:16"));
        }

        [Fact]
        public async Task ThreeLockCycle_OneDiagnostic_TwoAdditionalLocations()
        {
            await Verify.VerifyAnalyzerAsync(Usings + @"
class Bus
{
    private readonly KMutex _a = new KMutex();
    private readonly KMutex _b = new KMutex();
    private readonly KMutex _c = new KMutex();

    void AB() { using (_a.Guard()) { using ({|#0:_b.Guard()|}) { } } }

    void BC() { using (_b.Guard()) { using ({|#1:_c.Guard()|}) { } } }

    void CA() { using (_c.Guard()) { using ({|#2:_a.Guard()|}) { } } }
}",
                Verify.Diagnostic(LockOrderInversionRule.Rule).WithLocation(0).WithLocation(1).WithLocation(2)
                    .WithArguments("Bus._b", string.Empty, "Bus._a", "and 'Bus._c' while holding 'Bus._b' at Test0.cs:13, and 'Bus._a' while holding 'Bus._c' at Test0.cs:15"));
        }

        [Fact]
        public async Task CycleThroughCalls_FollowsAWrapperThatTakesNoLockItself()
        {
            await Verify.VerifyAnalyzerAsync(Usings + @"
class Nic
{
    private readonly KMutex _statsLock = new KMutex();
    private readonly KMutex _txLock = new KMutex();

    void Xmit() { using (_statsLock.Guard()) { {|#0:Flush()|}; } }

    void Flush() => FlushRing();

    void FlushRing() { using (_txLock.Guard()) { } }

    void Stats() { using (_txLock.Guard()) { using ({|#1:_statsLock.Guard()|}) { } } }
}",
                Verify.Diagnostic(LockOrderInversionRule.Rule).WithLocation(0).WithLocation(1)
                    .WithArguments("Nic._txLock", " (through 'Flush')", "Nic._statsLock", "and 'Nic._statsLock' while holding 'Nic._txLock' at Test0.cs:16"));
        }

        [Fact]
        public async Task CycleThroughExcludesLockApiCalls_DriverLockAndGroupMutex()
        {
            // GroupSetDmaOwner takes group.Mutex itself ([ExcludesLock]); elsewhere the driver takes its lock under it.
            await Verify.VerifyAnalyzerAsync(Usings + @"
class VfioDriver : DeviceDriver
{
    private readonly KMutex _lock = new KMutex();
    private readonly object _cookie = new object();

    public override int Probe(Device dev)
    {
        IommuGroup group = dev.Group!;
        using (_lock.Guard())
        {
            return {|#0:IommuCore.GroupSetDmaOwner(group, _cookie)|};
        }
    }

    public int Report(IommuGroup group)
    {
        using (group.Mutex.Guard())
        {
            using ({|#1:_lock.Guard()|})
            {
                return group.OwnerCount;
            }
        }
    }
}",
                Verify.Diagnostic(LockOrderInversionRule.Rule).WithLocation(0).WithLocation(1)
                    .WithArguments("IommuGroup.Mutex", string.Empty, "VfioDriver._lock", "and 'VfioDriver._lock' while holding 'IommuGroup.Mutex' at Test0.cs:23"));
        }

        [Fact]
        public async Task CycleInsideALambda_ContributesItsOwnEdges()
        {
            await Verify.VerifyAnalyzerAsync(Usings + @"
class Nic
{
    private readonly KMutex _a = new KMutex();
    private readonly KMutex _b = new KMutex();

    void F() { using (_a.Guard()) { using ({|#0:_b.Guard()|}) { } } }

    Action G() => () => { using (_b.Guard()) { using ({|#1:_a.Guard()|}) { } } };
}",
                Verify.Diagnostic(LockOrderInversionRule.Rule).WithLocation(0).WithLocation(1)
                    .WithArguments("Nic._b", string.Empty, "Nic._a", "and 'Nic._a' while holding 'Nic._b' at Test0.cs:12"));
        }

        [Fact]
        public async Task DeclaredOrder_AcquiredBefore_TakenAgainstIt_ReportedWithoutACycle()
        {
            await Verify.VerifyAnalyzerAsync(Usings + @"
class Port
{
    [AcquiredBefore(nameof(_rx))]
    private readonly KMutex _config = new KMutex();
    private readonly KMutex _rx = new KMutex();

    void F() { using (_rx.Guard()) { using ({|#0:_config.Guard()|}) { } } }
}",
                Verify.Diagnostic(LockOrderInversionRule.Rule).WithLocation(0)
                    .WithArguments("Port._config", string.Empty, "Port._rx", "against the declared order 'Port._config' before 'Port._rx' ([AcquiredBefore] on 'Port._config')"));
        }

        [Fact]
        public async Task DeclaredOrder_AcquiredAfter_OnAPathIntoAnotherObject()
        {
            await Verify.VerifyAnalyzerAsync(Usings + @"
class Port
{
    public Device Dev = null!;

    [AcquiredAfter(""Dev.Group.Mutex"")]
    private readonly KMutex _lock = new KMutex();

    void F() { using (_lock.Guard()) { {|#0:IommuCore.DeviceUnuseDmaApi(Dev)|}; } }
}",
                Verify.Diagnostic(LockOrderInversionRule.Rule).WithLocation(0)
                    .WithArguments("IommuGroup.Mutex", string.Empty, "Port._lock", "against the declared order 'IommuGroup.Mutex' before 'Port._lock' ([AcquiredAfter] on 'Port._lock')"));
        }

        [Theory]
        // The declared order kept.
        [InlineData(@"[AcquiredBefore(nameof(_b))] private readonly KMutex _a = new KMutex(); private readonly KMutex _b = new KMutex();
                      void F() { using (_a.Guard()) { using (_b.Guard()) { } } }")]
        [InlineData(@"private readonly KMutex _a = new KMutex(); [AcquiredAfter(nameof(_a))] private readonly KMutex _b = new KMutex();
                      void F() { using (_a.Guard()) { using (_b.Guard()) { } } }")]
        // A consistent order everywhere, through calls too.
        [InlineData(@"private readonly KMutex _a = new KMutex(); private readonly KMutex _b = new KMutex();
                      void F() { using (_a.Guard()) { using (_b.Guard()) { } } }
                      void G() { using (_a.Guard()) { H(); } }
                      void H() { using (_b.Guard()) { } }")]
        // The same two locks in one order on all paths.
        [InlineData(@"private readonly KMutex _a = new KMutex(); private readonly KMutex _b = new KMutex();
                      void F(bool x) { _a.Lock(); if (x) { _b.Lock(); _b.Unlock(); } else { using (_b.Guard()) { } } _a.Unlock(); }")]
        // A lock released before the other is taken: both orders of sections, never nested the other way.
        [InlineData(@"private readonly KMutex _a = new KMutex(); private readonly KMutex _b = new KMutex();
                      void F() { using (_a.Guard()) { using (_b.Guard()) { } } }
                      void G() { _b.Lock(); _b.Unlock(); using (_a.Guard()) { } }")]
        // A trylock cannot deadlock: no edge.
        [InlineData(@"private readonly KMutex _a = new KMutex(); private readonly KMutex _b = new KMutex();
                      void F() { using (_a.Guard()) { using (_b.Guard()) { } } }
                      void G() { using (_b.Guard()) { if (_a.TryLock()) { _a.Unlock(); } } }")]
        // Two locks of one class (two groups) nested both ways: out of scope.
        [InlineData(@"void F(IommuGroup x, IommuGroup y) { using (x.Mutex.Guard()) { using (y.Mutex.Guard()) { } } using (y.Mutex.Guard()) { using (x.Mutex.Guard()) { } } }")]
        // The API called with only the driver lock held, and the driver lock never taken under the group mutex.
        [InlineData(@"private readonly KMutex _lock = new KMutex();
                      int F(Device dev) { using (_lock.Guard()) { return IommuCore.DeviceUseDmaApi(dev); } }
                      int G(IommuGroup g) { using (g.Mutex.Guard()) { return g.OwnerCount; } }")]
        // A lambda that takes the other order is not run by the method that holds the first lock.
        [InlineData(@"private readonly KMutex _a = new KMutex(); private readonly KMutex _b = new KMutex();
                      void F() { using (_a.Guard()) { using (_b.Guard()) { } } }
                      Action G() { using (_b.Guard()) { return () => { using (_a.Guard()) { } }; } }")]
        public async Task NearMisses_NoDiagnostic(string members)
        {
            await Verify.VerifyAnalyzerAsync(Usings + "class Port\n{\n" + members + "\n}\n");
        }

        [Fact]
        public async Task HalfTypedCode_StillFindsTheCycle_AndNeverThrows()
        {
            await Verify.VerifyAnalyzerAsync(Usings + @"
class Nic
{
    private readonly KMutex _a = new KMutex();
    private readonly KMutex _b = new KMutex();

    void F() { using (_a.Guard()) { {|CS0103:Nope|}(); using ({|#0:_b.Guard()|}) { } } }

    void G() { using (_b.Guard()) { using ({|#1:_a.Guard()|}) { {|CS0103:Missing|}.Call(); } } }

    void H() { using (_a.Guard()) { {|CS1501:G|}(1); {|CS0103:Undefined|}(); } }

    void I() { using ({|CS0103:nowhere|}.Guard()) { using (_a.Guard()) { } } }
}",
                Verify.Diagnostic(LockOrderInversionRule.Rule).WithLocation(0).WithLocation(1)
                    .WithArguments("Nic._b", string.Empty, "Nic._a", "and 'Nic._a' while holding 'Nic._b' at Test0.cs:12"));
        }

        [Fact]
        public async Task PlainCorpus_NoRuntimeReference_NothingReported()
        {
            var test = new Verify.Test
            {
                WithoutRuntime = true,
                TestCode = @"
namespace Plain
{
    sealed class KMutex { public void Lock() { } public void Unlock() { } }

    class Nic
    {
        private readonly KMutex _a = new KMutex();
        private readonly KMutex _b = new KMutex();
        private readonly object _x = new object();
        private readonly object _y = new object();

        void F() { _a.Lock(); _b.Lock(); _b.Unlock(); _a.Unlock(); lock (_x) { lock (_y) { } } }

        void G() { _b.Lock(); _a.Lock(); _a.Unlock(); _b.Unlock(); lock (_y) { lock (_x) { } } }
    }
}",
            };
            await test.RunAsync(CancellationToken.None);
        }

        [Fact]
        public async Task Deterministic_SameDiagnosticsInTheSameOrder_WhateverTheScheduling()
        {
            // Several cycles over several files, analysed concurrently: the list must not depend on callback order.
            string[] files = Enumerable.Range(0, 6).Select(i => Usings + $@"
partial class Hub
{{
    private readonly KMutex _l{i} = new KMutex();

    void Forward{i}() {{ using (_l{i}.Guard()) {{ using (_l{(i + 1) % 6}.Guard()) {{ }} }} }}

    void Back{i}() {{ using (_l{(i + 2) % 6}.Guard()) {{ using (_l{i}.Guard()) {{ }} }} }}
}}").ToArray();

            string? first = null;
            for (int run = 0; run < 4; run++)
            {
                string listing = await Analyze(files.Select((text, i) => CSharpSyntaxTree.ParseText(text, path: $"Hub{i}.cs")).OrderBy(t => run % 2 == 0 ? t.FilePath : new string(t.FilePath.Reverse().ToArray())).ToArray());
                Assert.Contains("is taken while holding", listing);
                first ??= listing;
                Assert.Equal(first, listing);
            }
        }

        private static async Task<string> Analyze(SyntaxTree[] trees)
        {
            CSharpCompilation compilation = CSharpCompilation.Create(
                "Determinism",
                trees,
                TestReferences.WithRuntime,
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, concurrentBuild: true));
            var analyzers = ImmutableArray.Create<DiagnosticAnalyzer>(new LockDisciplineAnalyzer());
            var options = new CompilationWithAnalyzersOptions(new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), null, concurrentAnalysis: true, logAnalyzerExecutionTime: false);
            ImmutableArray<Diagnostic> diagnostics = await compilation.WithAnalyzers(analyzers, options).GetAnalyzerDiagnosticsAsync(CancellationToken.None);
            return string.Join("\n", diagnostics.Where(d => d.Id == "IOMMU0108").Select(d => d.Location.GetLineSpan() + " " + d.GetMessage() + " +" + string.Join(",", d.AdditionalLocations.Select(l => l.GetLineSpan().ToString()))));
        }
    }
}
