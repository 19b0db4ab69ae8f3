using System;

namespace Iommu
{
    // Lock and ownership annotations read by the analyzers. They mirror the kernel's sparse/Clang
    // annotations (__guarded_by, __must_hold, __acquires, __releases, __must_check) and the driver flag
    // suppress_auto_claim_dma_owner. Lock expressions are dotted member paths; see DESIGN.md section 3.

    /// <summary>
    /// The driver manages DMA ownership itself (kernel: <c>suppress_auto_claim_dma_owner</c>, later
    /// <c>driver_managed_dma</c>): <see cref="DriverCore.Bind"/> does not call
    /// <see cref="IommuCore.DeviceUseDmaApi"/> for it.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, Inherited = true, AllowMultiple = false)]
    public sealed class SuppressAutoClaimDmaOwnerAttribute : Attribute
    {
    }

    /// <summary>Every read and write of the member needs the named lock held (<c>__guarded_by</c>).</summary>
    [AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, Inherited = true, AllowMultiple = false)]
    public sealed class GuardedByAttribute : Attribute
    {
        /// <summary>Creates the annotation.</summary>
        /// <param name="lockExpression">The lock, relative to the instance that owns the member (<c>"Mutex"</c>, <c>"this"</c>) or a static path (<c>"Registry.Lock"</c>).</param>
        public GuardedByAttribute(string lockExpression)
        {
            LockExpression = lockExpression;
        }

        /// <summary>The lock expression as written.</summary>
        public string LockExpression { get; }
    }

    /// <summary>Callers must hold these locks; inside, they are assumed held (<c>__must_hold</c>).</summary>
    [AttributeUsage(AttributeTargets.Method | AttributeTargets.Property | AttributeTargets.Constructor, Inherited = true, AllowMultiple = false)]
    public sealed class RequiresLockAttribute : Attribute
    {
        /// <summary>Creates the annotation.</summary>
        /// <param name="lockExpressions">Lock expressions; method ones may start with a parameter name (<c>"group.Mutex"</c>).</param>
        public RequiresLockAttribute(params string[] lockExpressions)
        {
            LockExpressions = lockExpressions;
        }

        /// <summary>The lock expressions as written.</summary>
        public string[] LockExpressions { get; }
    }

    /// <summary>The call returns with the lock held (<c>__acquires</c>).</summary>
    [AttributeUsage(AttributeTargets.Method, Inherited = true, AllowMultiple = false)]
    public sealed class AcquiresLockAttribute : Attribute
    {
        /// <summary>Creates the annotation.</summary>
        /// <param name="lockExpression">The lock the call leaves held.</param>
        public AcquiresLockAttribute(string lockExpression)
        {
            LockExpression = lockExpression;
        }

        /// <summary>The lock expression as written.</summary>
        public string LockExpression { get; }
    }

    /// <summary>The call returns with the lock released (<c>__releases</c>).</summary>
    [AttributeUsage(AttributeTargets.Method, Inherited = true, AllowMultiple = false)]
    public sealed class ReleasesLockAttribute : Attribute
    {
        /// <summary>Creates the annotation.</summary>
        /// <param name="lockExpression">The lock the call releases.</param>
        public ReleasesLockAttribute(string lockExpression)
        {
            LockExpression = lockExpression;
        }

        /// <summary>The lock expression as written.</summary>
        public string LockExpression { get; }
    }

    /// <summary>Callers must NOT hold these locks: the method takes them itself.</summary>
    [AttributeUsage(AttributeTargets.Method, Inherited = true, AllowMultiple = false)]
    public sealed class ExcludesLockAttribute : Attribute
    {
        /// <summary>Creates the annotation.</summary>
        /// <param name="lockExpressions">The locks the method takes.</param>
        public ExcludesLockAttribute(params string[] lockExpressions)
        {
            LockExpressions = lockExpressions;
        }

        /// <summary>The lock expressions as written.</summary>
        public string[] LockExpressions { get; }
    }

    /// <summary>Escape hatch: no lock rules are checked inside the member.</summary>
    [AttributeUsage(AttributeTargets.Method | AttributeTargets.Property | AttributeTargets.Constructor, Inherited = false, AllowMultiple = false)]
    public sealed class NoLockAnalysisAttribute : Attribute
    {
    }

    /// <summary>The int result must be checked (<c>__must_check</c>).</summary>
    [AttributeUsage(AttributeTargets.Method, Inherited = true, AllowMultiple = false)]
    public sealed class MustCheckAttribute : Attribute
    {
    }

    /// <summary>
    /// Declared lock order (Clang's <c>ACQUIRED_BEFORE</c>): this lock is taken before the named ones, so none of them
    /// may be held when it is taken (IOMMU0108).
    /// </summary>
    [AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, Inherited = true, AllowMultiple = false)]
    public sealed class AcquiredBeforeAttribute : Attribute
    {
        /// <summary>Creates the annotation.</summary>
        /// <param name="lockExpressions">The locks taken after this one, relative to the instance that owns it (<c>"Mutex"</c>, <c>"Group.Mutex"</c>) or static (<c>"Registry.Lock"</c>).</param>
        public AcquiredBeforeAttribute(params string[] lockExpressions)
        {
            LockExpressions = lockExpressions;
        }

        /// <summary>The lock expressions as written.</summary>
        public string[] LockExpressions { get; }
    }

    /// <summary>
    /// Declared lock order (Clang's <c>ACQUIRED_AFTER</c>): this lock is taken after the named ones, so it must not be
    /// held when one of them is taken (IOMMU0108).
    /// </summary>
    [AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, Inherited = true, AllowMultiple = false)]
    public sealed class AcquiredAfterAttribute : Attribute
    {
        /// <summary>Creates the annotation.</summary>
        /// <param name="lockExpressions">The locks taken before this one, relative to the instance that owns it or static.</param>
        public AcquiredAfterAttribute(params string[] lockExpressions)
        {
            LockExpressions = lockExpressions;
        }

        /// <summary>The lock expressions as written.</summary>
        public string[] LockExpressions { get; }
    }
}
