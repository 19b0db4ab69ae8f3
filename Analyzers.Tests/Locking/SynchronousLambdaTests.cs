using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using IommuAnalyzers.Flow;
using Microsoft.CodeAnalysis.Testing;
using Xunit;
using Verify = IommuAnalyzers.Tests.Verifiers.CSharpAnalyzerVerifier<IommuAnalyzers.Locking.LockDisciplineAnalyzer>;
using VerifyFix = IommuAnalyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    IommuAnalyzers.Locking.LockDisciplineAnalyzer,
    IommuAnalyzers.CodeFixes.Locking.GuardedMemberWithoutLockFixer>;

namespace IommuAnalyzers.Tests.Locking
{
    /// <summary>
    /// Lambdas that a synchronous consumer runs before it returns start with the locks held at the call (DESIGN.md
    /// section 4); every other lambda starts with nothing held. One row per entry of <see cref="SynchronousConsumers"/>.
    /// </summary>
    public class SynchronousLambdaTests
    {
        private const string Usings = "using System.Collections.Generic;\nusing System.Linq;\nusing System.Threading.Tasks;\n";

        // {0} is where the lambda reads the guarded _count.
        private static readonly (string Table, string Name, string Statement)[] s_entries =
        {
            ("Enumerable", "Aggregate", "_ = items.Aggregate(0, (a, i) => a + i + {0});"),
            ("Enumerable", "All", "_ = items.All(i => i < {0});"),
            ("Enumerable", "Any", "_ = items.Any(i => i == {0});"),
            ("Enumerable", "Average", "_ = items.Average(i => i + {0});"),
            ("Enumerable", "Contains", "_ = items.Select(i => i + {0}).Contains(3);"),
            ("Enumerable", "Count", "_ = items.Count(i => i == {0});"),
            ("Enumerable", "ElementAt", "_ = items.Select(i => i + {0}).ElementAt(0);"),
            ("Enumerable", "ElementAtOrDefault", "_ = items.Select(i => i + {0}).ElementAtOrDefault(0);"),
            ("Enumerable", "First", "_ = items.First(i => i == {0});"),
            ("Enumerable", "FirstOrDefault", "_ = items.FirstOrDefault(i => i == {0});"),
            ("Enumerable", "Last", "_ = items.Last(i => i == {0});"),
            ("Enumerable", "LastOrDefault", "_ = items.LastOrDefault(i => i == {0});"),
            ("Enumerable", "LongCount", "_ = items.LongCount(i => i == {0});"),
            ("Enumerable", "Max", "_ = items.Max(i => i + {0});"),
            ("Enumerable", "MaxBy", "_ = items.MaxBy(i => i + {0});"),
            ("Enumerable", "Min", "_ = items.Min(i => i + {0});"),
            ("Enumerable", "MinBy", "_ = items.MinBy(i => i + {0});"),
            ("Enumerable", "SequenceEqual", "_ = items.SequenceEqual(items.Select(i => i + {0}));"),
            ("Enumerable", "Single", "_ = items.Single(i => i == {0});"),
            ("Enumerable", "SingleOrDefault", "_ = items.SingleOrDefault(i => i == {0});"),
            ("Enumerable", "Sum", "_ = items.Sum(i => i + {0});"),
            ("Enumerable", "ToArray", "_ = items.Select(i => i + {0}).ToArray();"),
            ("Enumerable", "ToDictionary", "_ = items.ToDictionary(i => i, i => i + {0});"),
            ("Enumerable", "ToHashSet", "_ = items.Select(i => i + {0}).ToHashSet();"),
            ("Enumerable", "ToList", "_ = items.Select(i => i + {0}).ToList();"),
            ("Enumerable", "ToLookup", "_ = items.ToLookup(i => i + {0});"),

            ("Enumerable (deferred)", "Append", "_ = items.Select(i => i + {0}).Append(1).Sum();"),
            ("Enumerable (deferred)", "Cast", "_ = items.Select(i => (object)(i + {0})).Cast<int>().Sum();"),
            ("Enumerable (deferred)", "Chunk", "_ = items.Select(i => i + {0}).Chunk(2).Count();"),
            ("Enumerable (deferred)", "Concat", "_ = items.Concat(items.Select(i => i + {0})).Sum();"),
            ("Enumerable (deferred)", "DefaultIfEmpty", "_ = items.Select(i => i + {0}).DefaultIfEmpty().Sum();"),
            ("Enumerable (deferred)", "Distinct", "_ = items.Select(i => i + {0}).Distinct().Sum();"),
            ("Enumerable (deferred)", "DistinctBy", "_ = items.DistinctBy(i => i + {0}).Sum();"),
            ("Enumerable (deferred)", "Except", "_ = items.Except(items.Select(i => i + {0})).Sum();"),
            ("Enumerable (deferred)", "ExceptBy", "_ = items.ExceptBy(items, i => i + {0}).Sum();"),
            ("Enumerable (deferred)", "GroupBy", "_ = items.GroupBy(i => i + {0}).Count();"),
            ("Enumerable (deferred)", "GroupJoin", "_ = items.GroupJoin(items, i => i + {0}, j => j, (i, js) => i).Sum();"),
            ("Enumerable (deferred)", "Intersect", "_ = items.Intersect(items.Select(i => i + {0})).Sum();"),
            ("Enumerable (deferred)", "IntersectBy", "_ = items.IntersectBy(items, i => i + {0}).Sum();"),
            ("Enumerable (deferred)", "Join", "_ = items.Join(items, i => i + {0}, j => j, (i, j) => i).Sum();"),
            ("Enumerable (deferred)", "OfType", "_ = items.Select(i => (object)(i + {0})).OfType<int>().Sum();"),
            ("Enumerable (deferred)", "OrderBy", "_ = items.OrderBy(i => i + {0}).First();"),
            ("Enumerable (deferred)", "OrderByDescending", "_ = items.OrderByDescending(i => i + {0}).First();"),
            ("Enumerable (deferred)", "Prepend", "_ = items.Select(i => i + {0}).Prepend(1).Sum();"),
            ("Enumerable (deferred)", "Reverse", "_ = items.Select(i => i + {0}).Reverse().First();"),
            ("Enumerable (deferred)", "Select", "_ = items.Select(i => i + {0}).Sum();"),
            ("Enumerable (deferred)", "SelectMany", "_ = items.SelectMany(i => new[] { i + {0} }).Sum();"),
            ("Enumerable (deferred)", "Skip", "_ = items.Select(i => i + {0}).Skip(1).Sum();"),
            ("Enumerable (deferred)", "SkipLast", "_ = items.Select(i => i + {0}).SkipLast(1).Sum();"),
            ("Enumerable (deferred)", "SkipWhile", "_ = items.SkipWhile(i => i < {0}).Sum();"),
            ("Enumerable (deferred)", "Take", "_ = items.Select(i => i + {0}).Take(1).Sum();"),
            ("Enumerable (deferred)", "TakeLast", "_ = items.Select(i => i + {0}).TakeLast(1).Sum();"),
            ("Enumerable (deferred)", "TakeWhile", "_ = items.TakeWhile(i => i < {0}).Sum();"),
            ("Enumerable (deferred)", "ThenBy", "_ = items.OrderBy(i => i).ThenBy(i => i + {0}).First();"),
            ("Enumerable (deferred)", "ThenByDescending", "_ = items.OrderBy(i => i).ThenByDescending(i => i + {0}).First();"),
            ("Enumerable (deferred)", "Union", "_ = items.Union(items.Select(i => i + {0})).Sum();"),
            ("Enumerable (deferred)", "UnionBy", "_ = items.UnionBy(items, i => i + {0}).Sum();"),
            ("Enumerable (deferred)", "Where", "_ = items.Where(i => i > {0}).Sum();"),
            ("Enumerable (deferred)", "Zip", "_ = items.Zip(items.Select(i => i + {0})).Count();"),

            ("List<T>", "ConvertAll", "_ = list.ConvertAll(i => i + {0});"),
            ("List<T>", "Exists", "_ = list.Exists(i => i == {0});"),
            ("List<T>", "Find", "_ = list.Find(i => i == {0});"),
            ("List<T>", "FindAll", "_ = list.FindAll(i => i == {0});"),
            ("List<T>", "FindIndex", "_ = list.FindIndex(i => i == {0});"),
            ("List<T>", "FindLast", "_ = list.FindLast(i => i == {0});"),
            ("List<T>", "FindLastIndex", "_ = list.FindLastIndex(i => i == {0});"),
            ("List<T>", "ForEach", "list.ForEach(i => _ = i + {0});"),
            ("List<T>", "RemoveAll", "_ = list.RemoveAll(i => i == {0});"),
            ("List<T>", "Sort", "list.Sort((a, b) => a - b + {0});"),
            ("List<T>", "TrueForAll", "_ = list.TrueForAll(i => i < {0});"),

            ("Array", "ConvertAll", "_ = Array.ConvertAll(array, i => i + {0});"),
            ("Array", "Exists", "_ = Array.Exists(array, i => i == {0});"),
            ("Array", "Find", "_ = Array.Find(array, i => i == {0});"),
            ("Array", "FindAll", "_ = Array.FindAll(array, i => i == {0});"),
            ("Array", "FindIndex", "_ = Array.FindIndex(array, i => i == {0});"),
            ("Array", "FindLast", "_ = Array.FindLast(array, i => i == {0});"),
            ("Array", "FindLastIndex", "_ = Array.FindLastIndex(array, i => i == {0});"),
            ("Array", "ForEach", "Array.ForEach(array, i => _ = i + {0});"),
            ("Array", "Sort", "Array.Sort(array, (a, b) => a - b + {0});"),
            ("Array", "TrueForAll", "_ = Array.TrueForAll(array, i => i < {0});"),
        };

        public static TheoryData<string, string> Entries()
        {
            var data = new TheoryData<string, string>();
            foreach ((string table, string name, _) in s_entries)
            {
                data.Add(table, name);
            }

            return data;
        }

        private static string Statement(string table, string name) => s_entries.Single(e => e.Table == table && e.Name == name).Statement;

        private static string Method(string body) => @"void F(IEnumerable<int> items, List<int> list, int[] array)
    {
        " + body + @"
    }";

        private static Task VerifyAsync(string members, params DiagnosticResult[] expected) =>
            Verify.VerifyAnalyzerAsync(Usings + LockTestSource.Class(members), expected);

        [Theory]
        [MemberData(nameof(Entries))]
        public Task Consumer_CalledUnderTheLock_RunsTheLambdaWithTheLockHeld(string table, string name) =>
            VerifyAsync(Method("using (_mutex.Guard()) { " + Statement(table, name).Replace("{0}", "_count") + " }"));

        [Theory]
        [MemberData(nameof(Entries))]
        public Task Consumer_CalledOutsideTheLock_LeavesTheLambdaUnlocked(string table, string name) =>
            VerifyAsync(Method(Statement(table, name).Replace("{0}", "{|IOMMU0100:_count|}") + " using (_mutex.Guard()) { _count++; }"));

        [Fact]
        public void EveryTableEntry_HasARow()
        {
            IEnumerable<string> Rows(string table) => s_entries.Where(e => e.Table == table).Select(e => e.Name).OrderBy(n => n, StringComparer.Ordinal);
            IEnumerable<string> Sorted(string[] names) => names.OrderBy(n => n, StringComparer.Ordinal);

            Assert.Equal(Sorted(SynchronousConsumers.MaterializingEnumerableOperators), Rows("Enumerable"));
            Assert.Equal(Sorted(SynchronousConsumers.DeferredEnumerableOperators), Rows("Enumerable (deferred)"));
            Assert.Equal(Sorted(SynchronousConsumers.ListMethods), Rows("List<T>"));
            Assert.Equal(Sorted(SynchronousConsumers.ArrayMethods), Rows("Array"));
        }

        [Fact]
        public Task TheIssuesExample_NoLongerWarns() =>
            Verify.VerifyAnalyzerAsync(Usings + @"using Iommu;

class Ring
{
    private readonly object _sync = new object();
    [GuardedBy(nameof(_sync))] private readonly int[] _ring = new int[16];

    int Total(int[] items)
    {
        int total;
        lock (_sync) { total = items.Sum(i => _ring[i]); }
        return total;
    }
}
");

        [Fact]
        public async Task TheIssuesExample_IsOfferedNoWrapFix()
        {
            // The wrap fix used to take _sync again inside the lambda; with no diagnostic there is nothing to fix.
            string source = Usings + LockTestSource.Class(@"int Total(int[] items) { int total; lock (_gate) { total = items.Sum(i => _monitorCount + i); } return total; }");
            await VerifyFix.VerifyCodeFixAsync(source, source);
        }

        [Theory]
        [InlineData(@"IEnumerable<int> F(IEnumerable<int> items) { using (_mutex.Guard()) { return items.Where(i => i > {|IOMMU0100:_count|}); } }")]
        [InlineData(@"int F(IEnumerable<int> items) { IEnumerable<int> q; using (_mutex.Guard()) { q = items.Where(i => i > {|IOMMU0100:_count|}); } return q.Sum(); }")]
        [InlineData(@"System.Func<int, int>? _f; void F() { using (_mutex.Guard()) { _f = i => i + {|IOMMU0100:_count|}; } }")]
        [InlineData(@"int F(IEnumerable<int> items) { using (_mutex.Guard()) { System.Func<int, bool> p = i => i > {|IOMMU0100:_count|}; return items.Count(p); } }")]
        [InlineData(@"void F() { using (_mutex.Guard()) { Task.Run(() => {|IOMMU0100:_count|}++); } }")]
        [InlineData(@"void F() { using (_mutex.Guard()) { new Thread(() => {|IOMMU0100:_count|}++).Start(); } }")]
        [InlineData(@"void F(IEnumerable<int> items) { using (_mutex.Guard()) { Parallel.ForEach(items, i => {|IOMMU0100:_count|}++); } }")]
        [InlineData(@"void F(int n) { using (_mutex.Guard()) { Parallel.For(0, n, i => {|IOMMU0100:_count|}++); } }")]
        [InlineData(@"void F(IEnumerable<int> items) { using (_mutex.Guard()) { _ = items.Select(async i => { await Task.Yield(); return {|IOMMU0100:_count|}; }).ToList(); } }")]
        [InlineData(@"int F(IEnumerable<int> items) { using (_mutex.Guard()) { return Keep(items.Where(i => i > {|IOMMU0100:_count|})).Sum(); } } static IEnumerable<int> Keep(IEnumerable<int> s) => s;")]
        [InlineData(@"void F(Bag bag) { using (_mutex.Guard()) { bag.ForEach(i => {|IOMMU0100:_count|}++); } } public sealed class Bag { public void ForEach(System.Action<int> a) { } }")]
        [InlineData(@"int F(int[] items) { using (_mutex.Guard()) { return items.Sum(i => Run(() => {|IOMMU0100:_count|})); } } static int Run(System.Func<int> f) => f();")]
        public Task LambdaThatMayRunLaterOrElsewhere_StartsWithNothingHeld(string members) => VerifyAsync(members);

        [Theory]
        [InlineData(@"int F(int[] items, List<int> other) { using (_mutex.Guard()) { return items.Sum(i => other.Count(j => j == _count)); } }")]
        [InlineData(@"int F(int[] items) { using (_mutex.Guard()) { return items.Sum(i => Snapshot + i); } }")]
        [InlineData(@"void F(List<int> list) { using (_mutex.Guard()) { list.ForEach(i => { if (i > 0) BumpLocked(); }); } }")]
        [InlineData(@"int F(IommuGroup g, List<Device> devices) { g.Mutex.Lock(); int n = devices.Count(d => d.Group == g && g.OwnerCount > 0); g.Mutex.Unlock(); return n; }")]
        public Task LambdaRunOnTheSpot_UsesTheCallersLocks_AndIsNotReportedForKeepingThem(string members) => VerifyAsync(members);

        [Fact]
        public Task TakingAHeldKMutexAgain_InsideALambdaRunOnTheSpot_IsASelfDeadlock() =>
            VerifyAsync(@"void F(List<int> list) { using (_mutex.Guard()) { list.ForEach(i => { {|IOMMU0103:_mutex.Lock()|}; _count += i; _mutex.Unlock(); }); } }");

        [Fact]
        public Task ReleasedBeforeTheConsumerRuns_IsReportedInTheLambda() =>
            VerifyAsync(@"int F(int[] items) { _mutex.Lock(); _mutex.Unlock(); return items.Sum(i => {|IOMMU0100:_count|} + i); }");

        [Theory]
        [InlineData(@"int F(int[] items) { using (_mutex.Guard()) { return items.Sum(i => _count{|CS1026:;|} } }")]
        [InlineData(@"int F(List<int> list) { using (_mutex.Guard()) { return list.FindIndex(i => i == _count) {|CS1002:}|} }")]
        public Task HalfTypedCode_WithTheConsumerBound(string members) => VerifyAsync(members);

        // Where overload resolution fails (a lambda body that does not bind, a misspelt consumer) there is no consumer
        // to match: the lambda starts with nothing held, as every lambda did before.
        [Theory]
        [InlineData(@"int F(int[] items) { using (_mutex.Guard()) { return items.Sum(i => {|IOMMU0100:_count|} + {|CS0103:missing|}); } }")]
        [InlineData(@"int F(int[] items) { using (_mutex.Guard()) { return items.{|CS1061:Summ|}(i => {|IOMMU0100:_count|}); } }")]
        public Task HalfTypedCode_WithNoConsumerBound(string members) => VerifyAsync(members);
    }
}
