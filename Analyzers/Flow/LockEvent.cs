using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace IommuAnalyzers.Flow
{
    /// <summary>What the engine saw at a point of the body, with the locks held just before it.</summary>
    internal enum LockEventKind
    {
        /// <summary>A <c>[GuardedBy]</c> field or property is read or written; <see cref="LockEvent.Lock"/> is its lock.</summary>
        GuardedAccess,

        /// <summary>A <c>[RequiresLock]</c> method, property or constructor is used; one event per required lock.</summary>
        RequiredLock,

        /// <summary>An <c>[ExcludesLock]</c> method is called; one event per excluded lock.</summary>
        ExcludedLock,

        /// <summary>A lock is taken (Lock, Guard, Monitor.Enter, EnterScope, lock statement, [AcquiresLock]; TryLock with <see cref="LockEvent.IsTry"/>).</summary>
        Acquire,

        /// <summary>A lock is given back (Unlock, Monitor.Exit, a guard's Dispose with <see cref="LockEvent.IsScoped"/>, [ReleasesLock]).</summary>
        Release,

        /// <summary>Control leaves the body (return, throw, end); the state is the one on that edge, after any finally.</summary>
        Exit,

        /// <summary>Paths meet and <see cref="LockEvent.Lock"/> is held on some of them but not on others.</summary>
        Join,

        /// <summary>The body may suspend here (an <c>await</c>, explicit or implied by <c>await foreach</c>/<c>await using</c>, or a <c>yield return</c>); the state is the one it suspends with.</summary>
        Suspension,

        /// <summary>A lambda that a synchronous consumer runs before returning is created here (see <see cref="SynchronousConsumers"/>); the state is the one its body starts with.</summary>
        SynchronousLambda,
        /// <summary>A method declared in source is called while some lock is held; <see cref="LockEvent.Member"/> is the callee (lock order follows it).</summary>
        Call,

        /// <summary>
        /// A field or property without <c>[GuardedBy]</c> that the guard inference considers
        /// (<see cref="LockFlowContext.IsInferenceCandidate"/>) is read or written; <see cref="LockEvent.Receiver"/> is
        /// the object it belongs to.
        /// </summary>
        UnguardedAccess,

        /// <summary>
        /// A helper that could rely on its callers' lock (<see cref="LockFlowContext.IsHelperCandidate"/>) is called while
        /// some lock is held; <see cref="LockEvent.Receiver"/> and <see cref="LockEvent.Arguments"/> say what its
        /// <c>this</c> and parameters denote here.
        /// </summary>
        HelperCall,
    }

    /// <summary>How control leaves the body at an <see cref="LockEventKind.Exit"/>.</summary>
    internal enum LockExitKind
    {
        Return,
        Throw,
        EndOfBody,
    }

    /// <summary>One fact the flow analysis found, for the rules to judge.</summary>
    internal sealed class LockEvent
    {
        internal LockEvent(LockEventKind kind, Location location, LockState state, IOperation? operation, LockPath? lockPath, LockKind lockKind, ISymbol? member)
        {
            Kind = kind;
            Location = location;
            State = state;
            Operation = operation;
            Lock = lockPath;
            LockKind = lockKind;
            Member = member;
        }

        public LockEventKind Kind { get; }

        /// <summary>Where a diagnostic about this event belongs.</summary>
        public Location Location { get; }

        /// <summary>The locks held just before the event (for an exit: on that exit edge).</summary>
        public LockState State { get; }

        /// <summary>The operation (access, call) behind the event; null for joins and exits without a value.</summary>
        public IOperation? Operation { get; }

        /// <summary>The lock concerned, canonicalised; null for exits.</summary>
        public LockPath? Lock { get; }

        public LockKind LockKind { get; }

        /// <summary>The guarded member, the called method or property, or null.</summary>
        public ISymbol? Member { get; }

        /// <summary>A try-acquire (TryLock, TryEnter): it takes the lock only on the branch where it succeeded.</summary>
        public bool IsTry { get; internal set; }

        /// <summary>A release by a scoped guard's Dispose (using, lock): releasing twice is harmless there.</summary>
        public bool IsScoped { get; internal set; }

        /// <summary>A guarded member written (assignment target, increment) rather than read.</summary>
        public bool IsWrite { get; internal set; }

        public LockExitKind ExitKind { get; internal set; }

        /// <summary>
        /// The lock as the code at this site names it (the receiver or argument as written, then the lock's members),
        /// when that is a simple path; null otherwise. Fixes prefer it to the canonical <see cref="Lock"/>.
        /// </summary>
        public string? LockText
        {
            get
            {
                if (_lockText == null && _lockTextExpression != null)
                {
                    _lockText = LockSiteText.LockTextAt(_lockTextExpression, _lockTextInstance, _lockTextArguments);
                }

                return _lockText;
            }
        }

        /// <summary>
        /// For a guarded access: the member as reached from its object (<c>dev.Group.OwnerCount</c>,
        /// <c>Lookup(id).Domain</c>, <c>ports[i].Group</c>, <c>Pool&lt;int&gt;.Count</c>), or the member's name alone on
        /// <c>this</c>.
        /// </summary>
        public string? AccessText
        {
            get
            {
                if (_namesAccess && _accessText == null && Member != null)
                {
                    _accessText = LockSiteText.AccessText(Member, _accessReceiver);
                }

                return _accessText;
            }
        }

        // The texts are computed on first read, from what the site had: most events never become a diagnostic, and
        // building both strings for each guarded access was a tenth of what the engine allocated. The inputs are kept,
        // so two threads reading at once both compute the same string, and either may be kept.
        private string? _lockText;
        private LockExpression? _lockTextExpression;
        private IOperation? _lockTextInstance;
        private ImmutableArray<IArgumentOperation>? _lockTextArguments;
        private string? _accessText;
        private LockPath? _accessReceiver;
        private bool _namesAccess;

        /// <summary>Gives <see cref="LockText"/> the lock as <paramref name="expression"/> names it from this site's receiver or arguments.</summary>
        internal void NameLockAt(LockExpression expression, IOperation? instance, ImmutableArray<IArgumentOperation>? arguments)
        {
            _lockTextExpression = expression;
            _lockTextInstance = instance;
            _lockTextArguments = arguments;
        }

        /// <summary>Gives <see cref="AccessText"/> the member as reached from <paramref name="receiver"/>.</summary>
        internal void NameAccessFrom(LockPath? receiver)
        {
            _namesAccess = true;
            _accessReceiver = receiver;
        }

        /// <summary>For an unguarded access or a helper call: the receiver object (null for a static member or one without a path).</summary>
        public LockPath? Receiver { get; internal set; }

        /// <summary>For a helper call: what each parameter denotes at the call, by ordinal (null where it has no path).</summary>
        public ImmutableArray<LockPath?> Arguments { get; internal set; }

        /// <summary>The syntax of <see cref="Operation"/>, when there is one.</summary>
        public SyntaxNode? Syntax => Operation?.Syntax;
    }

    /// <summary>The result of one body's analysis.</summary>
    internal sealed class LockFlowResult
    {
        internal LockFlowResult(ISymbol owner, bool isComplete, ImmutableArray<LockEvent> events, ImmutableArray<LockPath> heldOnEntry, ImmutableArray<LockPath> heldAtExitByContract, ImmutableArray<LockState?> blockEntryStates)
        {
            Owner = owner;
            IsComplete = isComplete;
            Events = events;
            HeldOnEntry = heldOnEntry;
            HeldAtExitByContract = heldAtExitByContract;
            BlockEntryStates = blockEntryStates;
        }

        /// <summary>The method, accessor, local function or lambda analysed.</summary>
        public ISymbol Owner { get; }

        /// <summary>False when the fixed point was cut off (bound reached): then <see cref="Events"/> is empty.</summary>
        public bool IsComplete { get; }

        /// <summary>Every event, in block order, each once.</summary>
        public ImmutableArray<LockEvent> Events { get; }

        /// <summary>Locks held when the body starts (its <c>[RequiresLock]</c> and <c>[ReleasesLock]</c>).</summary>
        public ImmutableArray<LockPath> HeldOnEntry { get; }

        /// <summary>Locks the body may legitimately hold at its exits (<c>[RequiresLock]</c>, <c>[AcquiresLock]</c>).</summary>
        public ImmutableArray<LockPath> HeldAtExitByContract { get; }

        /// <summary>The state at the entry of each block of the graph (null: not reached, or inside a finally region).</summary>
        public ImmutableArray<LockState?> BlockEntryStates { get; }
    }
}
