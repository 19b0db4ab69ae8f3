namespace Iommu
{
    /// <summary>The errno values the ownership API returns, negated, as the kernel does.</summary>
    public static class Errno
    {
        /// <summary>Operation not permitted.</summary>
        public const int EPERM = 1;

        /// <summary>Device or resource busy.</summary>
        public const int EBUSY = 16;

        /// <summary>No such device.</summary>
        public const int ENODEV = 19;

        /// <summary>Invalid argument.</summary>
        public const int EINVAL = 22;
    }
}
