using Iommu;

namespace DriverPorts
{
    /// <summary>Prints return codes the way the kernel's %pe does: 0, or the errno's name.</summary>
    internal static class Errnos
    {
        public static string Name(int ret)
        {
            switch (ret)
            {
                case 0:
                    return "0";
                case -Errno.EPERM:
                    return "-EPERM";
                case -Errno.EBUSY:
                    return "-EBUSY";
                case -Errno.ENODEV:
                    return "-ENODEV";
                case -Errno.EINVAL:
                    return "-EINVAL";
                default:
                    return ret.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
        }
    }
}
