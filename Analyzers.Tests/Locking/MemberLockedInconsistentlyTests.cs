using System.Threading.Tasks;
using IommuAnalyzers.Locking;
using Xunit;
using Verify = IommuAnalyzers.Tests.Verifiers.CSharpAnalyzerVerifier<IommuAnalyzers.Locking.LockDisciplineAnalyzer>;

namespace IommuAnalyzers.Tests.Locking
{
    /// <summary>IOMMU0109: each inference (positive) next to the lock-free-by-design shape that must stay silent.</summary>
    public class MemberLockedInconsistentlyTests
    {
        private const string Usings = "using System;\nusing System.Threading;\nusing Iommu;\n";

        private const string Ring = Usings + @"
class Ring
{
    private readonly KMutex _ringLock = new KMutex();
    private int _txHead;
    private int _txTail;

    public void Push() { _ringLock.Lock(); _txHead++; _ringLock.Unlock(); }
    public void Pop() { using (_ringLock.Guard()) { _txTail = _txHead; } }
    public bool Empty() { using (_ringLock.Guard()) { return _txHead == _txTail; } }
";

        [Fact]
        public async Task UnlockedRead_OfAMemberWrittenUnderItsObjectsLock_IsReported()
        {
            await Verify.VerifyAnalyzerAsync(Ring + @"
    public int Peek() => {|#0:_txHead|};
}",
                Verify.Diagnostic(MemberLockedInconsistentlyRule.Rule).WithLocation(0).WithArguments("_txHead", "_ringLock", "3", "4"));
        }

        [Fact]
        public async Task EverySiteUnderTheLock_IsConsistent()
        {
            await Verify.VerifyAnalyzerAsync(Ring + @"
    public int Peek() { using (_ringLock.Guard()) { return _txHead; } }
}");
        }

        [Fact]
        public async Task UnlockedWrite_ThroughAnotherInstance_NamesTheSameLock()
        {
            await Verify.VerifyAnalyzerAsync(Ring + @"
    public static void Reset(Ring other) { {|#0:other._txTail|} = 0; }
    public static void ResetLocked(Ring other) { using (other._ringLock.Guard()) { other._txTail = 0; } }
}",
                Verify.Diagnostic(MemberLockedInconsistentlyRule.Rule).WithLocation(0).WithArguments("_txTail", "_ringLock", "3", "4"));
        }

        [Fact]
        public async Task MostSitesUnlocked_IsNotInferred()
        {
            await Verify.VerifyAnalyzerAsync(Usings + @"
class Stats
{
    private readonly object _sync = new object();
    private int _drops;

    public void Drop() { lock (_sync) { _drops++; } }
    public int A() => _drops;
    public int B() => _drops;
    public void C() { _drops = 0; }
}");
        }

        [Fact]
        public async Task LockOfAnotherObject_DoesNotGuardTheMember()
        {
            await Verify.VerifyAnalyzerAsync(Usings + @"
class Counter { public int Value; }

class Owner
{
    private readonly object _sync = new object();
    private readonly Counter _counter = new Counter();

    public void A(Counter c) { lock (_sync) { c.Value++; } }
    public void B(Counter c) { lock (_sync) { c.Value--; } }
    public int C(Counter c) => c.Value;
}");
        }

        [Fact]
        public async Task StaticLock_GuardsAStaticMember()
        {
            await Verify.VerifyAnalyzerAsync(Usings + @"
static class Registry
{
    public static readonly object Sync = new object();
    public static int Count;

    public static void Add() { lock (Sync) { Count++; } }
    public static void Remove() { lock (Sync) { Count--; } }
    public static int Peek() => {|#0:Count|};
}",
                Verify.Diagnostic(MemberLockedInconsistentlyRule.Rule).WithLocation(0).WithArguments("Count", "Registry.Sync", "2", "3"));
        }

        [Fact]
        public async Task VolatileField_IsLockFreeByDesign()
        {
            await Verify.VerifyAnalyzerAsync(Ring + @"
    private volatile bool _stopped;
    public void Stop() { using (_ringLock.Guard()) { _stopped = true; } }
    public void Stop2() { using (_ringLock.Guard()) { _stopped = true; } }
    public bool Stopped => _stopped;
}");
        }

        [Fact]
        public async Task InterlockedOrVolatileUse_MakesTheMemberLockFree()
        {
            await Verify.VerifyAnalyzerAsync(Ring + @"
    private int _packets;
    public void Count1() { using (_ringLock.Guard()) { _packets++; } }
    public void Count2() { using (_ringLock.Guard()) { _packets += 2; } }
    public void Count3() { Interlocked.Increment(ref _packets); }
    public int Packets => Volatile.Read(ref _packets);
}");
        }

        [Fact]
        public async Task CopyOnWriteSnapshot_ReplacedUnderTheLock_ReadWithout_IsNotReported()
        {
            await Verify.VerifyAnalyzerAsync(Usings + @"
class Routes
{
    private readonly object _sync = new object();
    private int[] _table = new int[0];

    public void Add(int r) { lock (_sync) { var t = new int[_table.Length + 1]; Array.Copy(_table, t, _table.Length); t[^1] = r; _table = t; } }
    public void Clear() { lock (_sync) { _table = new int[0]; } }
    public int[] Snapshot() => _table;
}");
        }

        [Fact]
        public async Task LazyPublication_WithCoalescingAssignmentUnderTheLock_IsNotReported()
        {
            await Verify.VerifyAnalyzerAsync(Usings + @"
class Cache
{
    private readonly object _sync = new object();
    private string? _name;

    public string Name() { if (_name == null) { lock (_sync) { _name ??= Compute(); } } return _name; }
    public void Reset() { lock (_sync) { _name = null; } }
    public void Rename(string n) { lock (_sync) { _name = n; } }
    private static string Compute() => ""eth0"";
}");
        }

        [Fact]
        public async Task ReferenceUpdatedFromItsOldValue_WithoutTheLock_IsStillReported()
        {
            // The near miss of the snapshot: a write that reads the old value (+=) is a read-modify-write race.
            await Verify.VerifyAnalyzerAsync(Usings + @"
class Names
{
    private readonly object _sync = new object();
    private string _name = """";

    public void Set(string n) { lock (_sync) { _name = n; } }
    public void Append(string n) { lock (_sync) { _name += n; } }
    public void Suffix() { {|#0:_name|} += ""!""; }
}",
                Verify.Diagnostic(MemberLockedInconsistentlyRule.Rule).WithLocation(0).WithArguments("_name", "_sync", "2", "3"));
        }

        [Fact]
        public async Task ValueTypeRead_WithoutTheLock_IsStillReported()
        {
            // The near miss of the snapshot: an int is not replaced whole and read as one object; its unlocked read races.
            await Verify.VerifyAnalyzerAsync(Usings + @"
class Routes
{
    private readonly object _sync = new object();
    private int _count;

    public void Add() { lock (_sync) { _count++; } }
    public void Clear() { lock (_sync) { _count = 0; } }
    public int Count() => {|#0:_count|};
}",
                Verify.Diagnostic(MemberLockedInconsistentlyRule.Rule).WithLocation(0).WithArguments("_count", "_sync", "2", "3"));
        }

        [Fact]
        public async Task DoubleCheckedInitialisation_FirstTestIsNotReported()
        {
            await Verify.VerifyAnalyzerAsync(Usings + @"
class Lazy
{
    private readonly object _sync = new object();
    private bool _ready;
    private int _value;

    public int Get()
    {
        if (!_ready)
        {
            lock (_sync)
            {
                if (!_ready) { _value = 42; _ready = true; }
            }
        }

        return Value();
    }

    private int Value() { lock (_sync) { return _value; } }
    public void Reset() { lock (_sync) { _ready = false; } }
}");
        }

        [Fact]
        public async Task StartupWrites_BeforePublication_AreNotReported()
        {
            await Verify.VerifyAnalyzerAsync(Usings + @"
class Channel
{
    public readonly object Sync = new object();
    public int Budget;

    public Channel(int budget) { Budget = budget; }

    public static Channel Make() { var c = new Channel(0); c.Budget = 8; return c; }
    public static Channel Make2() => new Channel(0) { Budget = 4 };

    public void Use() { lock (Sync) { Budget--; } }
    public void Refill() { lock (Sync) { Budget = 8; } }
}");
        }

        [Fact]
        public async Task MemberTouchedInOneMethodOnly_IsNotInferred()
        {
            await Verify.VerifyAnalyzerAsync(Usings + @"
class Poller
{
    private readonly object _sync = new object();
    private int _spins;

    public void Poll()
    {
        if (_spins > 10) { return; }
        lock (_sync) { _spins++; }
        lock (_sync) { _spins++; }
    }
}");
        }

        [Fact]
        public async Task TestCode_IsNotEvidence()
        {
            await Verify.VerifyAnalyzerAsync(Ring + @"
    [Fact] public void Test() { _txHead = 0; }
}

[AttributeUsage(AttributeTargets.Method)] class FactAttribute : Attribute { }");
        }

        [Fact]
        public async Task ConstructorAndNoLockAnalysis_AreNotEvidence()
        {
            await Verify.VerifyAnalyzerAsync(Ring + @"
    public Ring() { _txHead = 0; _txTail = 0; }
    [NoLockAnalysis] public void Dump() { Console.WriteLine(_txHead); }
}");
        }

        [Fact]
        public async Task AutoProperty_IsInferredLikeAField_ButInitOnlyIsNot()
        {
            await Verify.VerifyAnalyzerAsync(Usings + @"
class Link
{
    private readonly KMutex _lock = new KMutex();
    public int Speed { get; set; }
    public int Mtu { get; init; }

    public void Up() { using (_lock.Guard()) { Speed = 1000; Console.WriteLine(Mtu); } }
    public void Down() { using (_lock.Guard()) { Speed = 0; Console.WriteLine(Mtu); } }
    public int Report() { Console.WriteLine(Mtu); return {|#0:Speed|}; }
}",
                Verify.Diagnostic(MemberLockedInconsistentlyRule.Rule).WithLocation(0).WithArguments("Speed", "_lock", "2", "3"));
        }

        [Fact]
        public async Task HalfTypedCode_NeverThrows()
        {
            await Verify.VerifyAnalyzerAsync(Ring + @"
    public int Peek() => {|#0:_txHead|};
    public void Broken() { {|#1:_txHead|} = {|CS1525:;|} }
    public int Half() => {|#2:_txTail|}.{|CS1001:;|}
}",
                Verify.Diagnostic(MemberLockedInconsistentlyRule.Rule).WithLocation(0).WithArguments("_txHead", "_ringLock", "3", "5"),
                Verify.Diagnostic(MemberLockedInconsistentlyRule.Rule).WithLocation(1).WithArguments("_txHead", "_ringLock", "3", "5"),
                Verify.Diagnostic(MemberLockedInconsistentlyRule.Rule).WithLocation(2).WithArguments("_txTail", "_ringLock", "2", "3"));
        }
    }
}
