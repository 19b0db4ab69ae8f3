namespace Iommu
{
    /// <summary>The kinds of translation a domain provides (<c>IOMMU_DOMAIN_*</c>).</summary>
    public enum IommuDomainType
    {
        /// <summary>All DMA is blocked (<c>IOMMU_DOMAIN_BLOCKED</c>); what a group sits in while a user owns it.</summary>
        Blocked,

        /// <summary>DMA addresses are physical addresses (<c>IOMMU_DOMAIN_IDENTITY</c>).</summary>
        Identity,

        /// <summary>Translated through the DMA API (<c>IOMMU_DOMAIN_DMA</c>); the default domain.</summary>
        Dma,

        /// <summary>Managed by a driver or user space through map/unmap (<c>IOMMU_DOMAIN_UNMANAGED</c>).</summary>
        Unmanaged,
    }

    /// <summary>An I/O address space that devices can be attached to (<c>struct iommu_domain</c>).</summary>
    public sealed class IommuDomain
    {
        /// <summary>Creates a domain (<c>iommu_domain_alloc()</c>).</summary>
        public IommuDomain(IommuDomainType type)
        {
            Type = type;
        }

        /// <summary>The kind of translation.</summary>
        public IommuDomainType Type { get; }

        /// <inheritdoc/>
        public override string ToString() => "IommuDomain(" + Type + ")";
    }
}
