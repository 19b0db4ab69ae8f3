using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace IommuAnalyzers.Ownership
{
    /// <summary>The four ways a driver takes DMA ownership of its group, each with the call that gives it back.</summary>
    internal enum OwnershipKind
    {
        None = -1,

        /// <summary><c>DeviceUseDmaApi</c> / <c>DeviceUnuseDmaApi</c> (iommu_device_use_dma_api()).</summary>
        DmaApi = 0,

        /// <summary><c>GroupSetDmaOwner</c> / <c>GroupReleaseDmaOwner</c> (iommu_group_set_dma_owner()).</summary>
        GroupOwner = 1,

        /// <summary><c>AttachDevice</c> / <c>DetachDevice</c> (iommu_attach_device()).</summary>
        Attach = 2,

        /// <summary><c>AttachDeviceShared</c> / <c>DetachDeviceShared</c> (iommu_attach_device_shared()).</summary>
        AttachShared = 3,
    }

    /// <summary>Classifies calls into the iommu core's ownership API, by symbol.</summary>
    internal static class OwnershipApi
    {
        /// <summary>The kind of ownership <paramref name="method"/> takes, or <see cref="OwnershipKind.None"/>.</summary>
        public static OwnershipKind AcquisitionKind(IMethodSymbol? method, IommuSymbols symbols)
        {
            if (IommuSymbols.IsMethod(method, symbols.DeviceUseDmaApi))
            {
                return OwnershipKind.DmaApi;
            }

            if (IommuSymbols.IsMethod(method, symbols.GroupSetDmaOwner))
            {
                return OwnershipKind.GroupOwner;
            }

            if (IommuSymbols.IsMethod(method, symbols.AttachDevice))
            {
                return OwnershipKind.Attach;
            }

            if (IommuSymbols.IsMethod(method, symbols.AttachDeviceShared))
            {
                return OwnershipKind.AttachShared;
            }

            return OwnershipKind.None;
        }

        /// <summary>
        /// The kind of ownership the call gives back, or <see cref="OwnershipKind.None"/>. The old multiplexor's release
        /// counts for the kind its constant argument selects (iommu_device_release_dma_owner()).
        /// </summary>
        public static OwnershipKind ReleaseKind(IInvocationOperation invocation, IommuSymbols symbols)
        {
            IMethodSymbol method = invocation.TargetMethod;
            if (IommuSymbols.IsMethod(method, symbols.DeviceUnuseDmaApi))
            {
                return OwnershipKind.DmaApi;
            }

            if (IommuSymbols.IsMethod(method, symbols.GroupReleaseDmaOwner))
            {
                return OwnershipKind.GroupOwner;
            }

            if (IommuSymbols.IsMethod(method, symbols.DetachDevice))
            {
                return OwnershipKind.Attach;
            }

            if (IommuSymbols.IsMethod(method, symbols.DetachDeviceShared))
            {
                return OwnershipKind.AttachShared;
            }

            if (IommuSymbols.IsMethod(method, symbols.DeviceReleaseDmaOwner))
            {
                return MultiplexorKind(invocation) switch
                {
                    0 => OwnershipKind.DmaApi,
                    1 or 2 => OwnershipKind.GroupOwner,
                    _ => OwnershipKind.None,
                };
            }

            return OwnershipKind.None;
        }

        /// <summary>Whether the method is any of the ownership functions (take, give back, or the old multiplexor).</summary>
        public static bool IsOwnershipFunction(IMethodSymbol? method, IommuSymbols symbols)
        {
            return AcquisitionKind(method, symbols) != OwnershipKind.None
                || IommuSymbols.IsMethod(method, symbols.DeviceUnuseDmaApi)
                || IommuSymbols.IsMethod(method, symbols.GroupReleaseDmaOwner)
                || IommuSymbols.IsMethod(method, symbols.DetachDevice)
                || IommuSymbols.IsMethod(method, symbols.DetachDeviceShared)
                || IommuSymbols.IsMethod(method, symbols.DeviceSetDmaOwner)
                || IommuSymbols.IsMethod(method, symbols.DeviceReleaseDmaOwner);
        }

        /// <summary>The name of the IommuCore function that gives back <paramref name="kind"/>.</summary>
        public static string ReleaseName(OwnershipKind kind) => kind switch
        {
            OwnershipKind.DmaApi => "DeviceUnuseDmaApi",
            OwnershipKind.GroupOwner => "GroupReleaseDmaOwner",
            OwnershipKind.Attach => "DetachDevice",
            OwnershipKind.AttachShared => "DetachDeviceShared",
            _ => string.Empty,
        };

        /// <summary>
        /// Whether the call claims its group for an explicit owner (iommu_group_set_dma_owner()): <c>GroupSetDmaOwner</c>,
        /// or the old multiplexor with a constant <c>PrivateDomain</c>/<c>User</c> kind, which the runtime forwards to it.
        /// A multiplexor call whose kind is chosen at run time is none: which ownership it takes is not known here.
        /// </summary>
        public static bool IsGroupClaim(IInvocationOperation invocation, IommuSymbols symbols)
        {
            IMethodSymbol method = invocation.TargetMethod;
            return IommuSymbols.IsMethod(method, symbols.GroupSetDmaOwner)
                || (IommuSymbols.IsMethod(method, symbols.DeviceSetDmaOwner) && MultiplexorKind(invocation) is 1 or 2);
        }

        /// <summary>The constant <c>DmaOwner</c> value of a multiplexor call's <c>kind</c> argument (0 DmaApi, 1 PrivateDomain, 2 User), or -1.</summary>
        public static int MultiplexorKind(IInvocationOperation invocation)
        {
            foreach (IArgumentOperation argument in invocation.Arguments)
            {
                if (argument.Parameter?.Ordinal == 1)
                {
                    Optional<object?> constant = argument.Value.ConstantValue;
                    if (constant.HasValue && constant.Value is int value && value >= 0 && value <= 2)
                    {
                        return value;
                    }

                    return -1;
                }
            }

            return -1;
        }
    }
}
