using System.Threading.Tasks;
using IommuAnalyzers.Locking;
using Xunit;
using Verify = IommuAnalyzers.Tests.Verifiers.CSharpAnalyzerVerifier<IommuAnalyzers.Locking.LockDisciplineAnalyzer>;

namespace IommuAnalyzers.Tests.Locking
{
    /// <summary>IOMMU0110: helpers whose every caller holds the lock they need, next to the ones that must stay silent.</summary>
    public class HelperReliesOnCallersLockTests
    {
        private const string Usings = "using System;\nusing System.Threading;\nusing Iommu;\n";

        [Fact]
        public async Task PrivateHelper_TouchingGuardedState_EveryCallerHoldsTheLock()
        {
            await Verify.VerifyAnalyzerAsync(Usings + @"
class Ring
{
    private readonly KMutex _ringLock = new KMutex();
    [GuardedBy(nameof(_ringLock))] private int _head;

    public void Push() { _ringLock.Lock(); Advance(); _ringLock.Unlock(); }
    public void Drain() { using (_ringLock.Guard()) { Advance(); Advance(); } }

    private void {|#0:Advance|}() { {|#1:_head|}++; }
}",
                Verify.Diagnostic(HelperReliesOnCallersLockRule.Rule).WithLocation(0).WithArguments("Advance", "'_head'", "_ringLock", "3"),
                Verify.Diagnostic(GuardedMemberWithoutLockRule.Rule).WithLocation(1).WithArguments("_head", "written", "this._ringLock"));
        }

        [Fact]
        public async Task OneCallerWithoutTheLock_NothingIsInferred()
        {
            await Verify.VerifyAnalyzerAsync(Usings + @"
class Ring
{
    private readonly KMutex _ringLock = new KMutex();
    [GuardedBy(nameof(_ringLock))] private int _head;

    public void Push() { _ringLock.Lock(); Advance(); _ringLock.Unlock(); }
    public void Reset() { Advance(); }

    private void Advance() { {|#0:_head|}++; }
}",
                Verify.Diagnostic(GuardedMemberWithoutLockRule.Rule).WithLocation(0).WithArguments("_head", "written", "this._ringLock"));
        }

        [Fact]
        public async Task PublicMethod_HasCallersOutsideTheCompilation()
        {
            await Verify.VerifyAnalyzerAsync(Usings + @"
public class Ring
{
    private readonly KMutex _ringLock = new KMutex();
    [GuardedBy(nameof(_ringLock))] private int _head;

    public void Push() { using (_ringLock.Guard()) { Advance(); } }

    public void Advance() { {|#0:_head|}++; }
}",
                Verify.Diagnostic(GuardedMemberWithoutLockRule.Rule).WithLocation(0).WithArguments("_head", "written", "this._ringLock"));
        }

        [Fact]
        public async Task MethodGroupUse_IsACallerThatHoldsNothing()
        {
            await Verify.VerifyAnalyzerAsync(Usings + @"
class Ring
{
    private readonly KMutex _ringLock = new KMutex();
    [GuardedBy(nameof(_ringLock))] private int _head;

    public void Push() { using (_ringLock.Guard()) { Advance(); } }
    public Action Later() => Advance;

    private void Advance() { {|#0:_head|}++; }
}",
                Verify.Diagnostic(GuardedMemberWithoutLockRule.Rule).WithLocation(0).WithArguments("_head", "written", "this._ringLock"));
        }

        [Fact]
        public async Task HelperThatTakesTheLockItself_DoesNotRelyOnItsCallers()
        {
            await Verify.VerifyAnalyzerAsync(Usings + @"
class Ring
{
    private readonly object _sync = new object();
    [GuardedBy(nameof(_sync))] private int _head;

    public void Push() { lock (_sync) { Advance(); } }

    private void Advance() { {|#0:_head|}++; lock (_sync) { _head++; } }
}",
                Verify.Diagnostic(GuardedMemberWithoutLockRule.Rule).WithLocation(0).WithArguments("_head", "written", "this._sync"));
        }

        [Fact]
        public async Task ParameterRootedLock_IsTranslatedIntoEachCallersArgument()
        {
            await Verify.VerifyAnalyzerAsync(Usings + @"
class Core
{
    public static void Claim(IommuGroup group) { using (group.Mutex.Guard()) { Bump(group); } }
    public static void Take(Device dev) { var g = dev.Group!; g.Mutex.Lock(); Bump(g); g.Mutex.Unlock(); }

    private static void {|#0:Bump|}(IommuGroup g) { {|#1:g.OwnerCount|}++; }
}",
                Verify.Diagnostic(HelperReliesOnCallersLockRule.Rule).WithLocation(0).WithArguments("Bump", "'OwnerCount'", "g.Mutex", "2"),
                Verify.Diagnostic(GuardedMemberWithoutLockRule.Rule).WithLocation(1).WithArguments("g.OwnerCount", "written", "g.Mutex"));
        }

        [Fact]
        public async Task ArgumentOfAnotherGroup_IsNotTheLockHeld()
        {
            await Verify.VerifyAnalyzerAsync(Usings + @"
class Core
{
    public static void Claim(IommuGroup group, IommuGroup other) { using (group.Mutex.Guard()) { Bump(other); } }

    private static void Bump(IommuGroup g) { {|#0:g.OwnerCount|}++; }
}",
                Verify.Diagnostic(GuardedMemberWithoutLockRule.Rule).WithLocation(0).WithArguments("g.OwnerCount", "written", "g.Mutex"));
        }

        [Fact]
        public async Task LocalFunction_CalledUnderTheLock()
        {
            await Verify.VerifyAnalyzerAsync(Usings + @"
class Ring
{
    private readonly object _sync = new object();
    [GuardedBy(nameof(_sync))] private int _head;

    public void Push()
    {
        lock (_sync) { Step(); }

        void {|#0:Step|}() { {|#1:_head|}++; }
    }
}",
                Verify.Diagnostic(HelperReliesOnCallersLockRule.Rule).WithLocation(0).WithArguments("Step", "'_head'", "_sync", "1"),
                Verify.Diagnostic(GuardedMemberWithoutLockRule.Rule).WithLocation(1).WithArguments("_head", "written", "this._sync"));
        }

        [Fact]
        public async Task UnannotatedState_TheInferredGuardIsWhatTheHelperNeeds()
        {
            // A port without annotations: _tail is written under _ringLock everywhere else, so the helper's access
            // holds it through its callers (IOMMU0110), and is not an inconsistency (no IOMMU0109 there).
            await Verify.VerifyAnalyzerAsync(Usings + @"
class Ring
{
    private readonly KMutex _ringLock = new KMutex();
    private int _tail;

    public void Push() { _ringLock.Lock(); _tail++; Wrap(); _ringLock.Unlock(); }
    public void Pop() { using (_ringLock.Guard()) { _tail--; Wrap(); } }
    public int Peek() => {|#1:_tail|};

    private void {|#0:Wrap|}() { if (_tail > 64) { _tail = 0; } }
}",
                Verify.Diagnostic(HelperReliesOnCallersLockRule.Rule).WithLocation(0).WithArguments("Wrap", "'_tail'", "_ringLock", "2"),
                Verify.Diagnostic(MemberLockedInconsistentlyRule.Rule).WithLocation(1).WithArguments("_tail", "_ringLock", "4", "5"));
        }

        [Fact]
        public async Task RecursiveHelper_ItsOwnCallDoesNotCount()
        {
            await Verify.VerifyAnalyzerAsync(Usings + @"
class Tree
{
    private readonly object _sync = new object();
    [GuardedBy(nameof(_sync))] private int _nodes;

    public void Build() { lock (_sync) { Grow(3); } }

    private void {|#0:Grow|}(int depth) { {|#1:_nodes|}++; if (depth > 0) { Grow(depth - 1); } }
}",
                Verify.Diagnostic(HelperReliesOnCallersLockRule.Rule).WithLocation(0).WithArguments("Grow", "'_nodes'", "_sync", "1"),
                Verify.Diagnostic(GuardedMemberWithoutLockRule.Rule).WithLocation(1).WithArguments("_nodes", "written", "this._sync"));
        }

        [Fact]
        public async Task RequiresLockCallee_WithoutTheLock_InAHelperWhoseCallersHoldIt()
        {
            await Verify.VerifyAnalyzerAsync(Usings + @"
class Ring
{
    private readonly object _sync = new object();
    [RequiresLock(nameof(_sync))] private void Kick() { }

    public void Push() { lock (_sync) { Flush(); } }

    private void {|#0:Flush|}() { {|#1:Kick()|}; }
}",
                Verify.Diagnostic(HelperReliesOnCallersLockRule.Rule).WithLocation(0).WithArguments("Flush", "'Kick'", "_sync", "1"),
                Verify.Diagnostic(RequiresLockCallWithoutLockRule.Rule).WithLocation(1).WithArguments("Kick", "this._sync"));
        }

        [Fact]
        public async Task ThisRootedLock_IsLookedUpOnTheCallsReceiver()
        {
            await Verify.VerifyAnalyzerAsync(Usings + @"
class Ring
{
    private readonly object _sync = new object();
    [GuardedBy(nameof(_sync))] private int _head;

    public static void Kick(Ring other) { lock (other._sync) { other.Advance(); } }
    public void Push() { lock (_sync) { Advance(); } }

    private void {|#0:Advance|}() { {|#1:_head|}++; }
}",
                Verify.Diagnostic(HelperReliesOnCallersLockRule.Rule).WithLocation(0).WithArguments("Advance", "'_head'", "_sync", "2"),
                Verify.Diagnostic(GuardedMemberWithoutLockRule.Rule).WithLocation(1).WithArguments("_head", "written", "this._sync"));
        }

        [Fact]
        public async Task AnotherInstancesCall_UnderTheOwnLock_IsNotHeld()
        {
            await Verify.VerifyAnalyzerAsync(Usings + @"
class Ring
{
    private readonly object _sync = new object();
    [GuardedBy(nameof(_sync))] private int _head;

    public void Kick(Ring other) { lock (_sync) { other.Advance(); } }
    public void Push() { lock (_sync) { Advance(); } }

    private void Advance() { {|#0:_head|}++; }
}",
                Verify.Diagnostic(GuardedMemberWithoutLockRule.Rule).WithLocation(0).WithArguments("_head", "written", "this._sync"));
        }

        [Fact]
        public async Task MemberPathArgument_IsTheLockHeldThroughIt()
        {
            await Verify.VerifyAnalyzerAsync(Usings + @"
class Core
{
    public static void Take(Device dev) { using (dev.Group!.Mutex.Guard()) { Bump(dev.Group!); } }

    private static void {|#0:Bump|}(IommuGroup g) { {|#1:g.OwnerCount|}++; }
}",
                Verify.Diagnostic(HelperReliesOnCallersLockRule.Rule).WithLocation(0).WithArguments("Bump", "'OwnerCount'", "g.Mutex", "1"),
                Verify.Diagnostic(GuardedMemberWithoutLockRule.Rule).WithLocation(1).WithArguments("g.OwnerCount", "written", "g.Mutex"));
        }
    }
}
