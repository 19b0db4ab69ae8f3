using System.Collections.Generic;
using System.Threading;

namespace Iommu
{
    /// <summary>
    /// The smallest set of devices the IOMMU can isolate from each other (<c>struct iommu_group</c>).
    /// Its ownership state is guarded by <see cref="Mutex"/>: every accessor checks that the calling thread
    /// holds it, a dynamic twin of the analyzers' IOMMU0100.
    /// </summary>
    public sealed class IommuGroup
    {
        private int _ownerCount;
        private object? _owner;
        private IommuDomain? _domain;
        private IommuDomain _defaultDomain;
        private IommuDomain _blockingDomain;
        private readonly List<Device> _devices = new List<Device>();

        /// <summary>Creates a group whose domain is its default DMA domain, with no owner.</summary>
        public IommuGroup(int id)
        {
            Id = id;
            _defaultDomain = new IommuDomain(IommuDomainType.Dma);
            _blockingDomain = new IommuDomain(IommuDomainType.Blocked);
            _domain = _defaultDomain;
        }

        /// <summary>The group number.</summary>
        public int Id { get; }

        /// <summary>The group lock (<c>group->mutex</c>).</summary>
        public KMutex Mutex { get; } = new KMutex(lockClass: "IommuGroup.Mutex");

        /// <summary>How many users own DMA on the group (<c>owner_cnt</c>).</summary>
        [GuardedBy(nameof(Mutex))]
        public int OwnerCount
        {
            get { AssertLocked(); return _ownerCount; }
            set { AssertLocked(); _ownerCount = value; }
        }

        /// <summary>The explicit owner (<c>group->owner</c>): a user-space cookie, a driver, or a shared domain.</summary>
        [GuardedBy(nameof(Mutex))]
        public object? Owner
        {
            get { AssertLocked(); return _owner; }
            set { AssertLocked(); _owner = value; }
        }

        /// <summary>The domain the group's devices are attached to (<c>group->domain</c>).</summary>
        [GuardedBy(nameof(Mutex))]
        public IommuDomain? Domain
        {
            get { AssertLocked(); return _domain; }
            set { AssertLocked(); _domain = value; }
        }

        /// <summary>The DMA-API domain the group returns to when nobody owns it (<c>group->default_domain</c>).</summary>
        [GuardedBy(nameof(Mutex))]
        public IommuDomain DefaultDomain
        {
            get { AssertLocked(); return _defaultDomain; }
            set { AssertLocked(); _defaultDomain = value; }
        }

        /// <summary>The domain that blocks all DMA while a user owns the group (<c>group->blocking_domain</c>).</summary>
        [GuardedBy(nameof(Mutex))]
        public IommuDomain BlockingDomain
        {
            get { AssertLocked(); return _blockingDomain; }
            set { AssertLocked(); _blockingDomain = value; }
        }

        /// <summary>The member devices (<c>group->devices</c>).</summary>
        [GuardedBy(nameof(Mutex))]
        public IList<Device> Devices
        {
            get { AssertLocked(); return _devices; }
        }

        /// <inheritdoc/>
        public override string ToString() => "IommuGroup(" + Id + ")";

        // lockdep_assert_held(&group->mutex)
        private void AssertLocked()
        {
            if (!Mutex.IsHeldByCurrentThread)
            {
                throw new SynchronizationLockException("IommuGroup " + Id + " state accessed without holding its Mutex.");
            }
        }
    }
}
