using System.Threading.Tasks;
using IommuAnalyzers.Locking;
using Xunit;
using Verify = IommuAnalyzers.Tests.Verifiers.CSharpAnalyzerVerifier<IommuAnalyzers.Locking.LockDisciplineAnalyzer>;

namespace IommuAnalyzers.Tests.Locking
{
    /// <summary>
    /// IOMMU0100/IOMMU0104 whatever the receiver: array and indexer elements, call results, object creation, conditional
    /// access, casts, ref returns and tuple elements; pattern reads; flow-sensitive aliases; generic instantiations;
    /// object initializers and field initializers. Each positive row has its near miss in the negative theory.
    /// </summary>
    public class GuardedReceiverTests
    {
        private const string Helpers = @"
    private readonly IommuGroup[] _slots = new IommuGroup[1];
    private IommuGroup Lookup(int id) => _slots[id];
    private ref IommuGroup Slot(int i) => ref _slots[i];
    private static bool TryGet(Device dev, out IommuGroup group) { group = dev.Group!; return group != null; }
    private sealed class Node
    {
        public Node? Next;
        public readonly object Sync = new object();
        [GuardedBy(nameof(Sync))] public int Value;
    }
    private static class Pool<T>
    {
        public static readonly object Sync = new object();
        [GuardedBy(nameof(Sync))] public static int Count;
        public static void Bump() { lock (Sync) { Count++; } }
    }
    private sealed class Pair
    {
        public readonly object Gate = new object();
        [RequiresLock(nameof(Gate))] public void Deconstruct(out int a, out int b) { a = 1; b = 2; }
    }
    private sealed record Settings
    {
        public readonly object Gate = new object();
        [GuardedBy(nameof(Gate))] public int Limit { get; init; }
    }
";

        private static Task VerifyAsync(string members, params Microsoft.CodeAnalysis.Testing.DiagnosticResult[] expected) =>
            LockTestSource.VerifyMembersAsync(Helpers + members, expected);

        [Theory]
        // Receivers that are not simple member paths.
        [InlineData(@"void F(IommuGroup[] groups, int i) { {|IOMMU0100:groups[i].OwnerCount|}++; }")]
        [InlineData(@"void F(Device[] ports, int i) { {|IOMMU0100:ports[i].Group!.OwnerCount|}++; }")]
        [InlineData(@"void F(System.Collections.Generic.List<IommuGroup> list) { {|IOMMU0100:list[0].OwnerCount|} = 0; }")]
        [InlineData(@"void F(int id, IommuDomain d) { {|IOMMU0100:Lookup(id).Domain|} = d; }")]
        [InlineData(@"void F(int id, IommuDomain d) { using (Lookup(id).Mutex.Guard()) { {|IOMMU0100:Lookup(id).Domain|} = d; } }")]
        [InlineData(@"int F() => {|IOMMU0100:new IommuGroup(1).OwnerCount|};")]
        [InlineData(@"int? F(Device dev) => dev.Group?{|IOMMU0100:.OwnerCount|};")]
        [InlineData(@"void F(object o) { {|IOMMU0100:((IommuGroup)o).Owner|} = null; }")]
        [InlineData(@"void F() { {|IOMMU0100:Slot(0).OwnerCount|}++; }")]
        [InlineData(@"void F(IommuGroup g) { {|IOMMU0100:(g, 1).Item1.OwnerCount|}++; }")]
        [InlineData(@"void F(int id) { using (Lookup(id).Mutex.Guard()) { {|IOMMU0104:ResetLocked(Lookup(id))|}; } }")]
        // Element paths need an invariant index.
        [InlineData(@"void F(IommuGroup[] groups, int i, int j) { using (groups[i].Mutex.Guard()) { {|IOMMU0100:groups[j].OwnerCount|}++; } }")]
        [InlineData(@"void F(IommuGroup[] groups, int i) { using (groups[i].Mutex.Guard()) { i++; {|IOMMU0100:groups[i].OwnerCount|}++; } }")]
        [InlineData(@"void F(IommuGroup[] groups, int i) { using (groups[i + 1].Mutex.Guard()) { {|IOMMU0100:groups[i + 1].OwnerCount|}++; } }")]
        // Patterns read the members they test.
        [InlineData(@"bool F(IommuGroup g) => g is { {|IOMMU0100:OwnerCount|}: 0, {|IOMMU0100:Owner|}: null };")]
        [InlineData(@"string F(IommuGroup g) => g switch { { {|IOMMU0100:Domain|}: null } => ""none"", _ => ""some"" };")]
        [InlineData(@"bool F(Device d) => d is { {|IOMMU0100:Group.OwnerCount|}: > 0 };")]
        [InlineData(@"bool F(Pair p) => p is {|IOMMU0104:(1, 2)|};")]
        // Flow-sensitive aliases: a reassigned local names its current target.
        [InlineData(@"void F(Device a, Device b) { var g = a.Group!; using (g.Mutex.Guard()) { g = b.Group!; {|IOMMU0100:g.OwnerCount|}++; } }")]
        [InlineData(@"void F(IommuGroup a, IommuGroup b) { a.Mutex.Lock(); var first = a; a = b; {|IOMMU0100:a.OwnerCount|}++; first.Mutex.Unlock(); }")]
        [InlineData(@"void F(Device a) { if (a.Group is { } g) { {|IOMMU0100:g.OwnerCount|}++; } }")]
        // Generic instantiations are distinct objects.
        [InlineData(@"void F() { lock (Pool<int>.Sync) { {|IOMMU0100:Pool<string>.Count|}++; } }")]
        // Object and with initializers are not constructors.
        [InlineData(@"IommuGroup F() => new IommuGroup(1) { {|IOMMU0100:OwnerCount|} = 0 };")]
        [InlineData(@"Settings F(Settings s) => s with { {|IOMMU0100:Limit|} = 1 };")]
        // Field initializers are bodies too.
        [InlineData(@"private static readonly IommuGroup Shared = new IommuGroup(1); private int _snapshot = {|IOMMU0100:Shared.OwnerCount|};")]
        // A lambda run on the spot names the caller's captured aliases as the caller does.
        [InlineData(@"void F(Device dev, int[] items) { var g = dev.Group!; System.Array.ForEach(items, i => {|IOMMU0100:g.OwnerCount|} += i); }")]
        [InlineData(@"void F(Device a, Device b, int[] items) { var g = a.Group!; using (g.Mutex.Guard()) { g = b.Group!; System.Array.ForEach(items, i => {|IOMMU0100:g.OwnerCount|} += i); } }")]
        public Task Positive(string members) => VerifyAsync(members);

        [Theory]
        [InlineData(@"void F(IommuGroup[] groups, int i) { using (groups[i].Mutex.Guard()) { groups[i].OwnerCount++; } }")]
        [InlineData(@"void F(IommuGroup[] groups) { groups[0].Mutex.Lock(); groups[0].OwnerCount++; groups[0].Mutex.Unlock(); }")]
        [InlineData(@"void F(System.Collections.Generic.List<IommuGroup> list, int i) { using (list[i].Mutex.Guard()) { list[i].Owner = null; } }")]
        [InlineData(@"void F(int id) { var g = Lookup(id); using (g.Mutex.Guard()) { g.OwnerCount++; } }")]
        [InlineData(@"void F(object o) { var g = (IommuGroup)o; using (((IommuGroup)o).Mutex.Guard()) { g.Owner = null; } }")]
        [InlineData(@"void F(Device dev) { var g = dev.Group; if (g == null) return; using (g.Mutex.Guard()) { _ = dev.Group?.OwnerCount; } }")]
        [InlineData(@"void F(IommuGroup[] groups) { for (int i = 0; i < groups.Length; i++) { using (groups[i].Mutex.Guard()) { groups[i].OwnerCount = 0; } } }")]
        [InlineData(@"void F(int id) { var g = Lookup(id); using (g.Mutex.Guard()) { ResetLocked(g); } }")]
        [InlineData(@"void F() { ref IommuGroup s = ref Slot(0); using (s.Mutex.Guard()) { s.OwnerCount++; } }")]
        [InlineData(@"bool F(IommuGroup g) { using (g.Mutex.Guard()) { return g is { OwnerCount: 0, Owner: null }; } }")]
        [InlineData(@"bool F(Device d) { var g = d.Group; if (g == null) return false; using (g.Mutex.Guard()) { return d is { Group.OwnerCount: > 0 }; } }")]
        [InlineData(@"bool F(IommuGroup g) => g is { Id: 1 };")]
        [InlineData(@"bool F(Pair p) { lock (p.Gate) { return p is (1, 2); } }")]
        [InlineData(@"string F(IommuGroup g) { using (g.Mutex.Guard()) { return g switch { { Domain: null } => ""none"", _ => ""some"" }; } }")]
        [InlineData(@"void F(Device dev) { if (dev.Group is not { } g) return; using (dev.Group.Mutex.Guard()) { g.OwnerCount++; } }")]
        [InlineData(@"void F(Device dev) { if (dev.Group is IommuGroup g) { using (g.Mutex.Guard()) { dev.Group.OwnerCount++; } } }")]
        [InlineData(@"void F(Device dev) { if (TryGet(dev, out var g)) { using (g.Mutex.Guard()) { g.OwnerCount++; } } }")]
        [InlineData(@"void F(Device dev) { var (g, n) = (dev.Group!, 1); using (dev.Group!.Mutex.Guard()) { g.OwnerCount += n; } }")]
        [InlineData(@"void F(Device a, Device b) { var g = a.Group!; g = b.Group!; using (b.Group!.Mutex.Guard()) { g.OwnerCount++; } }")]
        [InlineData(@"void Walk(Node head) { Node prev = head; Monitor.Enter(prev.Sync); prev.Value++; Node? next = prev.Next; while (next != null) { Monitor.Enter(next.Sync); Monitor.Exit(prev.Sync); prev = next; prev.Value++; next = prev.Next; } Monitor.Exit(prev.Sync); }")]
        [InlineData(@"void F() { lock (Pool<int>.Sync) { Pool<int>.Count++; } Pool<string>.Bump(); }")]
        [InlineData(@"IommuGroup F() => new IommuGroup(1) { };")]
        [InlineData(@"[GuardedBy(nameof(_mutex))] private int _init = 5; private readonly KMutex _second = new KMutex();")]
        [InlineData(@"void F(Device dev, int[] items) { var g = dev.Group!; using (dev.Group!.Mutex.Guard()) { System.Array.ForEach(items, i => g.OwnerCount += i); } }")]
        [InlineData(@"void F(Device a, Device b, int[] items) { var g = a.Group!; g = b.Group!; using (b.Group!.Mutex.Guard()) { System.Array.ForEach(items, i => g.OwnerCount += i); } }")]
        public Task Negative(string members) => VerifyAsync(members);

        [Fact]
        public async Task Message_NamesTheExpression_ForCallResultsAndElements()
        {
            await VerifyAsync(
                @"void F(int id, IommuDomain d, IommuGroup[] groups, int i) { {|#0:Lookup(id).Domain|} = d; var n = {|#1:groups[i].OwnerCount|}; lock (Pool<int>.Sync) { {|#2:Pool<string>.Count|}++; } }",
                Verify.Diagnostic(GuardedMemberWithoutLockRule.Rule).WithLocation(0).WithArguments("Lookup(id).Domain", "written", "Lookup(id).Mutex"),
                Verify.Diagnostic(GuardedMemberWithoutLockRule.Rule).WithLocation(1).WithArguments("groups[i].OwnerCount", "read", "groups[i].Mutex"),
                Verify.Diagnostic(GuardedMemberWithoutLockRule.Rule).WithLocation(2).WithArguments("Pool<string>.Count", "written", "Pool<string>.Sync"));
        }

        [Fact]
        public async Task HalfTypedReceivers_NeverThrow()
        {
            await VerifyAsync(
                @"void F(IommuGroup[] groups) { {|IOMMU0100:groups[{|CS0103:k|}].OwnerCount|}++; }
    bool G(IommuGroup g) => g is { {|CS0117:Missing|}: 0 };
    void H(Device dev) { if (dev.Group is { } g) { g = {|CS0103:other|}; {|IOMMU0100:g.OwnerCount|}++; } }");
        }
    }
}
