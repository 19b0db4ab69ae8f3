using System.Collections.Immutable;
using System.Linq;
using System.Threading.Tasks;
using IommuAnalyzers.CodeFixes.Locking;
using IommuAnalyzers.Flow;
using IommuAnalyzers.Locking;
using IommuAnalyzers.Tests.Reliability;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;
using WrapVerify = IommuAnalyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    IommuAnalyzers.Locking.LockDisciplineAnalyzer,
    IommuAnalyzers.CodeFixes.Locking.GuardedMemberWithoutLockFixer>;
using ReleaseVerify = IommuAnalyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    IommuAnalyzers.Locking.LockDisciplineAnalyzer,
    IommuAnalyzers.CodeFixes.Locking.LockHeldAtExitFixer>;

namespace IommuAnalyzers.Tests.Locking
{
    /// <summary>
    /// Fix class 2: the lock text a fix writes binds to the lock at the place it goes (<see cref="LockCodeText"/>), and
    /// a release gives the lock back the way it was taken (<see cref="LockReleaseCode"/>): a local that shadows the
    /// field gets <c>this.</c>, a member a subclass hides gets <c>base.</c>, a guard kept in a local is disposed, a
    /// helper's lock is released by its partner, and a lock type of the code's own is never wrapped in its monitor.
    /// </summary>
    public class LockTextAtTheSiteFixerTests
    {
        private const string Usings = "using System;\nusing System.Threading;\nusing Iommu;\n\n";

        private static async Task Wrap(string before, string after)
        {
            var test = new WrapVerify.Test
            {
                TestCode = Usings + before,
                FixedCode = Usings + after,
                CodeActionEquivalenceKey = LockRequirementFixes.WrapKey,
            };
            await test.RunAsync();
        }

        private static async Task Release(string before, string after)
        {
            var test = new ReleaseVerify.Test
            {
                TestCode = Usings + before,
                FixedCode = Usings + after,
                CodeActionEquivalenceKey = LockHeldAtExitFixer.ReleaseKey,
            };
            await test.RunAsync();
        }

        private const string Channel = @"class Stats
{
    public readonly KMutex mutex = new KMutex();
}

class Channel
{
    private readonly KMutex mutex = new KMutex();
    private readonly Stats _stats = new Stats();

    [GuardedBy(nameof(mutex))]
    private int _credits;
";

        [Fact]
        public Task ALocalThatShadowsTheLockField_TheWrapNamesTheFieldThroughThis() => Wrap(
            Channel + @"
    void Refill(int n)
    {
        var mutex = _stats.mutex;
        mutex.Lock();
        mutex.Unlock();
        {|IOMMU0100:_credits|} += n;
    }
}
",
            Channel + @"
    void Refill(int n)
    {
        var mutex = _stats.mutex;
        mutex.Lock();
        mutex.Unlock();
        using (this.mutex.Guard())
        {
            _credits += n;
        }
    }
}
");

        [Fact]
        public Task NoShadowingLocal_TheWrapKeepsThePlainName() => Wrap(
            Channel + @"
    void Refill(int n)
    {
        var stats = _stats.mutex;
        stats.Lock();
        stats.Unlock();
        {|IOMMU0100:_credits|} += n;
    }
}
",
            Channel + @"
    void Refill(int n)
    {
        var stats = _stats.mutex;
        stats.Lock();
        stats.Unlock();
        using (mutex.Guard())
        {
            _credits += n;
        }
    }
}
");

        private const string Queues = @"class QueueBase
{
    protected readonly KMutex MyLock = new KMutex();

    [GuardedBy(nameof(MyLock))]
    protected int Depth;
}
";

        [Fact]
        public Task ALockTheSubclassHides_TheWrapNamesItThroughBase_AndNoRequiresLockIsOffered() => WrapOnly(
            Queues + @"
class PriorityQueue : QueueBase
{
    private new readonly KMutex MyLock = new KMutex();

    private void Push()
    {
        {|IOMMU0100:Depth|}++;
    }
}
",
            Queues + @"
class PriorityQueue : QueueBase
{
    private new readonly KMutex MyLock = new KMutex();

    private void Push()
    {
        using (base.MyLock.Guard())
        {
            Depth++;
        }
    }
}
",
            "Wrap in using (base.MyLock.Guard())");

        [Fact]
        public Task NoHidingMember_TheWrapAndTheRequiresLockUseThePlainName() => Offers(
            Queues + @"
class PriorityQueue : QueueBase
{
    private readonly KMutex OwnLock = new KMutex();

    private void Push()
    {
        Depth++;
    }
}
",
            "Add [RequiresLock(\"MyLock\")] to the method", "Wrap in using (MyLock.Guard())");

        [Fact]
        public Task AParameterNamedLikeTheLock_NoRequiresLockIsOffered_AsItsTextWouldNameTheParameter() => Offers(
            Channel + @"
    private void Refill(int n, KMutex mutex)
    {
        _credits += n;
    }
}
",
            "Wrap in using (this.mutex.Guard())");

        private const string Ring = @"class Ring
{
    private readonly KMutex _mutex = new KMutex();

    [GuardedBy(nameof(_mutex))]
    private int _head;

    [AcquiresLock(nameof(_mutex))]
    public MutexGuard Hold() => _mutex.Guard();

    [RequiresLock(nameof(_mutex))]
    public void Advance() => _head++;
}
";

        [Fact]
        public Task AGuardFromAnAcquiringHelper_KeptInALocal_IsDisposedBeforeTheExit() => Release(
            Ring + @"
static class Producer
{
    public static int Push(Ring ring, bool full)
    {
        var guard = ring.Hold();
        if (full)
            {|IOMMU0101:return -Errno.EBUSY;|}

        ring.Advance();
        guard.Dispose();
        return 0;
    }
}
",
            Ring + @"
static class Producer
{
    public static int Push(Ring ring, bool full)
    {
        var guard = ring.Hold();
        if (full)
        {
            guard.Dispose();
            return -Errno.EBUSY;
        }

        ring.Advance();
        guard.Dispose();
        return 0;
    }
}
");

        [Fact]
        public async Task AGuardKeptNowhere_NoReleaseIsOffered_AsNoStatementCanGiveItBack()
        {
            ImmutableArray<CodeAction> actions = await ActionsAsync(new LockHeldAtExitFixer(), RuleIdentifiers.LockHeldAtExit, Ring + @"
static class Producer
{
    public static int Push(Ring ring, bool full)
    {
        ring.Hold();
        if (full)
            return -Errno.EBUSY;
        return 0;
    }
}
");
            Assert.DoesNotContain(actions, a => a.EquivalenceKey == LockHeldAtExitFixer.ReleaseKey);
        }

        private const string DeviceLock = @"class DeviceLock
{
    private readonly KMutex _inner = new KMutex();

    [AcquiresLock(""this"")]
    [NoLockAnalysis]
    public void Lock() => _inner.Lock();

    [ReleasesLock(""this"")]
    [NoLockAnalysis]
    public void Release() => _inner.Unlock();
}
";

        [Fact]
        public Task ALockTypeOfTheCodesOwn_IsReleasedByTheHelpersPartner_NotByItsMonitor() => Release(
            DeviceLock + @"
class Port
{
    public readonly DeviceLock Gate = new DeviceLock();

    [GuardedBy(nameof(Gate))]
    private int _sent;

    public int Send(bool full)
    {
        Gate.Lock();
        if (full)
            {|IOMMU0101:return -Errno.EBUSY;|}

        _sent++;
        Gate.Release();
        return 0;
    }
}
",
            DeviceLock + @"
class Port
{
    public readonly DeviceLock Gate = new DeviceLock();

    [GuardedBy(nameof(Gate))]
    private int _sent;

    public int Send(bool full)
    {
        Gate.Lock();
        if (full)
        {
            Gate.Release();
            return -Errno.EBUSY;
        }

        _sent++;
        Gate.Release();
        return 0;
    }
}
");

        [Fact]
        public async Task ALockTypeOfTheCodesOwn_GetsNoWrapInItsMonitor_WhileAPlainObjectDoes()
        {
            ImmutableArray<CodeAction> own = await ActionsAsync(new GuardedMemberWithoutLockFixer(), RuleIdentifiers.GuardedMemberWithoutLock, DeviceLock + @"
class Port
{
    public readonly DeviceLock Gate = new DeviceLock();

    [GuardedBy(nameof(Gate))]
    private int _sent;

    public void Reset()
    {
        _sent = 0;
    }
}
");
            Assert.DoesNotContain(own, a => a.Title.StartsWith("Wrap", System.StringComparison.Ordinal));

            ImmutableArray<CodeAction> plain = await ActionsAsync(new GuardedMemberWithoutLockFixer(), RuleIdentifiers.GuardedMemberWithoutLock, @"
class Port
{
    public readonly object Gate = new object();

    [GuardedBy(nameof(Gate))]
    private int _sent;

    public void Reset()
    {
        _sent = 0;
    }
}
");
            Assert.Contains(plain, a => a.Title == "Wrap in lock (Gate)");
        }

        [Fact]
        public void BindsAlike_TellsAPositionInsideALambdaWhoseParameterShadowsTheField_FromOneOutside()
        {
            string source = Usings + @"class C
{
    private readonly KMutex mutex = new KMutex();

    void F()
    {
        int outside = 0;
        Action<KMutex> a = mutex => { int inside = 0; };
    }
}
";
            SyntaxTree tree = CSharpSyntaxTree.ParseText(source);
            Compilation compilation = CSharpCompilation.Create("Binds", new[] { tree }, Verifiers.TestReferences.WithRuntime, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
            SemanticModel model = compilation.GetSemanticModel(tree);
            int outside = source.IndexOf("int outside", System.StringComparison.Ordinal);
            int inside = source.IndexOf("int inside", System.StringComparison.Ordinal);
            Assert.True(LockCodeText.BindsAlike(model, "this.mutex", outside, inside));
            Assert.False(LockCodeText.BindsAlike(model, "mutex", outside, inside));
            Assert.True(LockCodeText.BindsAlike(model, "mutex", outside, outside + 1));
        }

        private static async Task WrapOnly(string before, string after, string title)
        {
            ImmutableArray<CodeAction> actions = await ActionsAsync(new GuardedMemberWithoutLockFixer(), RuleIdentifiers.GuardedMemberWithoutLock, before.Replace("{|IOMMU0100:", "").Replace("|}", ""));
            Assert.Equal(new[] { title }, actions.Select(a => a.Title));
            await Wrap(before, after);
        }

        private static async Task Offers(string source, params string[] titles)
        {
            ImmutableArray<CodeAction> actions = await ActionsAsync(new GuardedMemberWithoutLockFixer(), RuleIdentifiers.GuardedMemberWithoutLock, source);
            Assert.Equal(titles.OrderBy(t => t), actions.Select(a => a.Title).OrderBy(t => t));
        }

        private static Task<ImmutableArray<CodeAction>> ActionsAsync(CodeFixProvider fixer, string id, string source) =>
            FixHarness.ActionsForFirstAsync(fixer, id, Usings + source);
    }
}
