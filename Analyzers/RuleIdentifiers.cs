namespace IommuAnalyzers
{
    /// <summary>Every diagnostic ID, in one place; the docs and release files are kept in step with these by tests.</summary>
    internal static class RuleIdentifiers
    {
        // Ownership protocol (the iommu core's DMA-ownership series).
        public const string SharedAttachWithoutSuppressAutoClaim = "IOMMU0001";
        public const string ExclusiveAttachWithSuppressedAutoClaim = "IOMMU0002";
        public const string OldDmaOwnerMultiplexor = "IOMMU0003";
        public const string GroupDeviceCountDecidesOwnership = "IOMMU0004";
        public const string MustCheckResultIgnored = "IOMMU0005";
        public const string OwnershipNotReleased = "IOMMU0006";
        public const string SuppressedAutoClaimWithoutOwnership = "IOMMU0007";
        public const string GroupClaimWithoutSuppressAutoClaim = "IOMMU0008";

        // Lock discipline (flow-sensitive, per method).
        public const string GuardedMemberWithoutLock = "IOMMU0100";
        public const string LockHeldAtExit = "IOMMU0101";
        public const string ReleaseOfUnheldLock = "IOMMU0102";
        public const string LockAlreadyHeld = "IOMMU0103";
        public const string RequiresLockCallWithoutLock = "IOMMU0104";
        public const string LockHeldOnSomePaths = "IOMMU0105";
        public const string UnresolvedLockExpression = "IOMMU0106";
        public const string LockHeldAcrossSuspension = "IOMMU0107";

        // Lock order (whole compilation, at its end).
        public const string LockOrderInversion = "IOMMU0108";

        // Guard inference (whole compilation, at its end): what the code's own locking says is missing.
        public const string MemberLockedInconsistently = "IOMMU0109";
        public const string HelperReliesOnCallersLock = "IOMMU0110";

        /// <summary>Where each rule's documentation page lives; <c>docs/rules/&lt;ID&gt;.md</c> in the repository.</summary>
        public const string HelpLinkBase = "https://github.com/iommuanalyzers/IommuAnalyzers/blob/main/docs/rules/";

        public static string GetHelpUri(string id) => HelpLinkBase + id + ".md";
    }

    /// <summary>Diagnostic categories.</summary>
    internal static class RuleCategories
    {
        public const string Ownership = "Ownership";
        public const string Locking = "Locking";
    }
}
