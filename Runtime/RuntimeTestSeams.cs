namespace Iommu
{
    /// <summary>
    /// Test-only fault injection, internal and off by default. The systematic concurrency tests switch a seam on
    /// to prove that their harness fails on a real race; nothing else may set these.
    /// </summary>
    internal static class RuntimeTestSeams
    {
        /// <summary>
        /// When set, <see cref="IommuCore.DeviceUseDmaApi"/> drops <c>group->mutex</c> between its busy check and
        /// <c>owner_cnt++</c>, as a port of iommu_device_use_dma_api() that unlocks too early would.
        /// </summary>
        internal static volatile bool SplitDmaApiClaim;
    }
}
