using System.Collections.Immutable;
using System.Linq;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;

namespace IommuAnalyzers
{
    /// <summary>
    /// The runtime's types and members, resolved once per compilation by metadata name. Analyzers build it in their
    /// compilation-start action and register nothing when the parts they need are absent, so a project that does not
    /// use the runtime pays almost nothing.
    /// </summary>
    internal sealed class IommuSymbols
    {
        // One instance per compilation, shared by every analyzer and fix: each rule's compilation-start action would
        // otherwise repeat the thirty-odd metadata-name look-ups. Weakly keyed, so a compilation is never kept alive.
        private static readonly ConditionalWeakTable<Compilation, IommuSymbols> s_byCompilation = new ConditionalWeakTable<Compilation, IommuSymbols>();

        private IommuSymbols(Compilation compilation)
        {
            Compilation = compilation;
            DeviceDriver = compilation.GetTypeByMetadataName("Iommu.DeviceDriver");
            Device = compilation.GetTypeByMetadataName("Iommu.Device");
            IommuGroup = compilation.GetTypeByMetadataName("Iommu.IommuGroup");
            IommuDomain = compilation.GetTypeByMetadataName("Iommu.IommuDomain");
            IommuCore = compilation.GetTypeByMetadataName("Iommu.IommuCore");
            DriverCore = compilation.GetTypeByMetadataName("Iommu.DriverCore");
            DmaOwner = compilation.GetTypeByMetadataName("Iommu.DmaOwner");
            KMutex = compilation.GetTypeByMetadataName("Iommu.KMutex");
            MutexGuard = compilation.GetTypeByMetadataName("Iommu.MutexGuard");

            SuppressAutoClaimDmaOwnerAttribute = compilation.GetTypeByMetadataName("Iommu.SuppressAutoClaimDmaOwnerAttribute");
            GuardedByAttribute = compilation.GetTypeByMetadataName("Iommu.GuardedByAttribute");
            RequiresLockAttribute = compilation.GetTypeByMetadataName("Iommu.RequiresLockAttribute");
            AcquiresLockAttribute = compilation.GetTypeByMetadataName("Iommu.AcquiresLockAttribute");
            ReleasesLockAttribute = compilation.GetTypeByMetadataName("Iommu.ReleasesLockAttribute");
            ExcludesLockAttribute = compilation.GetTypeByMetadataName("Iommu.ExcludesLockAttribute");
            NoLockAnalysisAttribute = compilation.GetTypeByMetadataName("Iommu.NoLockAnalysisAttribute");
            MustCheckAttribute = compilation.GetTypeByMetadataName("Iommu.MustCheckAttribute");
            AcquiredBeforeAttribute = compilation.GetTypeByMetadataName("Iommu.AcquiredBeforeAttribute");
            AcquiredAfterAttribute = compilation.GetTypeByMetadataName("Iommu.AcquiredAfterAttribute");

            Monitor = compilation.GetTypeByMetadataName("System.Threading.Monitor");
            SystemThreadingLock = compilation.GetTypeByMetadataName("System.Threading.Lock");

            DeviceUseDmaApi = CoreMethod("DeviceUseDmaApi");
            DeviceUnuseDmaApi = CoreMethod("DeviceUnuseDmaApi");
            GroupSetDmaOwner = CoreMethod("GroupSetDmaOwner");
            GroupReleaseDmaOwner = CoreMethod("GroupReleaseDmaOwner");
            GroupDmaOwnerClaimed = CoreMethod("GroupDmaOwnerClaimed");
            AttachDevice = CoreMethod("AttachDevice");
            DetachDevice = CoreMethod("DetachDevice");
            AttachDeviceShared = CoreMethod("AttachDeviceShared");
            DetachDeviceShared = CoreMethod("DetachDeviceShared");
            GroupDeviceCount = CoreMethod("GroupDeviceCount");
            DeviceSetDmaOwner = CoreMethod("DeviceSetDmaOwner");
            DeviceReleaseDmaOwner = CoreMethod("DeviceReleaseDmaOwner");

            GroupMutex = IommuGroup?.GetMembers("Mutex").OfType<IPropertySymbol>().FirstOrDefault();
            KMutexGuard = KMutex?.GetMembers("Guard").OfType<IMethodSymbol>().FirstOrDefault(m => m.Parameters.IsEmpty);

            DriverProbe = DriverMethod("Probe");
            DriverRemove = DriverMethod("Remove");
        }

        public Compilation Compilation { get; }

        public INamedTypeSymbol? DeviceDriver { get; }
        public INamedTypeSymbol? Device { get; }
        public INamedTypeSymbol? IommuGroup { get; }
        public INamedTypeSymbol? IommuDomain { get; }
        public INamedTypeSymbol? IommuCore { get; }
        public INamedTypeSymbol? DriverCore { get; }
        public INamedTypeSymbol? DmaOwner { get; }
        public INamedTypeSymbol? KMutex { get; }
        public INamedTypeSymbol? MutexGuard { get; }

        public INamedTypeSymbol? SuppressAutoClaimDmaOwnerAttribute { get; }
        public INamedTypeSymbol? GuardedByAttribute { get; }
        public INamedTypeSymbol? RequiresLockAttribute { get; }
        public INamedTypeSymbol? AcquiresLockAttribute { get; }
        public INamedTypeSymbol? ReleasesLockAttribute { get; }
        public INamedTypeSymbol? ExcludesLockAttribute { get; }
        public INamedTypeSymbol? NoLockAnalysisAttribute { get; }
        public INamedTypeSymbol? MustCheckAttribute { get; }
        public INamedTypeSymbol? AcquiredBeforeAttribute { get; }
        public INamedTypeSymbol? AcquiredAfterAttribute { get; }

        public INamedTypeSymbol? Monitor { get; }

        /// <summary><c>System.Threading.Lock</c> (.NET 9+); null on older targets.</summary>
        public INamedTypeSymbol? SystemThreadingLock { get; }

        // The IommuCore ownership API (iommu_device_use_dma_api() and friends).
        public IMethodSymbol? DeviceUseDmaApi { get; }
        public IMethodSymbol? DeviceUnuseDmaApi { get; }
        public IMethodSymbol? GroupSetDmaOwner { get; }
        public IMethodSymbol? GroupReleaseDmaOwner { get; }
        public IMethodSymbol? GroupDmaOwnerClaimed { get; }
        public IMethodSymbol? AttachDevice { get; }
        public IMethodSymbol? DetachDevice { get; }
        public IMethodSymbol? AttachDeviceShared { get; }
        public IMethodSymbol? DetachDeviceShared { get; }
        public IMethodSymbol? GroupDeviceCount { get; }
        public IMethodSymbol? DeviceSetDmaOwner { get; }
        public IMethodSymbol? DeviceReleaseDmaOwner { get; }

        /// <summary><c>IommuGroup.Mutex</c> (the group's mutex, iommu_group->mutex).</summary>
        public IPropertySymbol? GroupMutex { get; }

        /// <summary><c>KMutex.Guard()</c>: locks, and unlocks when the guard is disposed.</summary>
        public IMethodSymbol? KMutexGuard { get; }

        // The driver callbacks (struct device_driver's probe() and remove()).
        public IMethodSymbol? DriverProbe { get; }
        public IMethodSymbol? DriverRemove { get; }

        /// <summary>The lock engine's model filled in with the runtime's lock types and annotations (built once, on first use).</summary>
        public Flow.LockModel LockModel => System.Threading.LazyInitializer.EnsureInitialized(ref _lockModel, () => new Flow.LockModel(
            Compilation,
            KMutex,
            MutexGuard,
            Monitor,
            SystemThreadingLock,
            new Flow.LockAnnotations(GuardedByAttribute, RequiresLockAttribute, AcquiresLockAttribute, ReleasesLockAttribute, ExcludesLockAttribute, NoLockAnalysisAttribute, AcquiredBeforeAttribute, AcquiredAfterAttribute)))!;

        private Flow.LockModel? _lockModel;

        /// <summary>The ownership model is there: drivers and the iommu core API can be recognised.</summary>
        public bool HasOwnershipModel => DeviceDriver != null && IommuCore != null;

        /// <summary>Something lock rules can check is there: the kernel mutex or any lock annotation.</summary>
        public bool HasLockModel =>
            KMutex != null || GuardedByAttribute != null || RequiresLockAttribute != null || AcquiresLockAttribute != null ||
            ReleasesLockAttribute != null || ExcludesLockAttribute != null;

        /// <summary>Resolves the symbols; null when the compilation references nothing of the runtime.</summary>
        public static IommuSymbols? TryCreate(Compilation compilation)
        {
            IommuSymbols symbols = s_byCompilation.GetValue(compilation, c => new IommuSymbols(c));
            return symbols.HasOwnershipModel || symbols.HasLockModel || symbols.MustCheckAttribute != null ? symbols : null;
        }

        /// <summary>Whether <paramref name="type"/> is a driver: it derives, directly or not, from <c>Iommu.DeviceDriver</c>.</summary>
        public bool IsDriver(ITypeSymbol? type)
        {
            if (DeviceDriver == null || type == null)
            {
                return false;
            }

            for (ITypeSymbol? current = type.BaseType; current != null; current = current.BaseType)
            {
                if (SymbolEqualityComparer.Default.Equals(current.OriginalDefinition, DeviceDriver))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>Whether the driver type or one of its base types carries <c>[SuppressAutoClaimDmaOwner]</c> (the attribute is inherited).</summary>
        public bool SuppressesAutoClaim(ITypeSymbol? type)
        {
            if (SuppressAutoClaimDmaOwnerAttribute == null)
            {
                return false;
            }

            for (ITypeSymbol? current = type; current != null; current = current.BaseType)
            {
                if (HasAttribute(current, SuppressAutoClaimDmaOwnerAttribute))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>Whether the symbol carries the attribute itself (inheritance is the caller's business).</summary>
        public static bool HasAttribute(ISymbol symbol, INamedTypeSymbol? attributeType)
        {
            return FindAttribute(symbol, attributeType) != null;
        }

        /// <summary>The first application of <paramref name="attributeType"/> on the symbol, or null.</summary>
        public static AttributeData? FindAttribute(ISymbol symbol, INamedTypeSymbol? attributeType) => Flow.LockAnnotations.Find(symbol, attributeType);

        /// <summary>Whether <paramref name="method"/> is the given IommuCore API method.</summary>
        public static bool IsMethod(IMethodSymbol? method, IMethodSymbol? expected)
        {
            return method != null && expected != null && SymbolEqualityComparer.Default.Equals(method.OriginalDefinition, expected);
        }

        /// <summary>Whether <paramref name="method"/> is, or overrides (directly or not), <paramref name="virtualMethod"/>.</summary>
        public static bool IsOverrideOf(IMethodSymbol? method, IMethodSymbol? virtualMethod)
        {
            if (virtualMethod == null)
            {
                return false;
            }

            for (IMethodSymbol? current = method; current != null; current = current.OverriddenMethod)
            {
                if (SymbolEqualityComparer.Default.Equals(current.OriginalDefinition, virtualMethod))
                {
                    return true;
                }
            }

            return false;
        }

        private IMethodSymbol? DriverMethod(string name)
        {
            if (DeviceDriver == null)
            {
                return null;
            }

            foreach (ISymbol member in DeviceDriver.GetMembers(name))
            {
                if (member is IMethodSymbol method && !method.IsStatic && method.Parameters.Length == 1)
                {
                    return method;
                }
            }

            return null;
        }

        private IMethodSymbol? CoreMethod(string name)
        {
            if (IommuCore == null)
            {
                return null;
            }

            foreach (ISymbol member in IommuCore.GetMembers(name))
            {
                if (member is IMethodSymbol method && method.IsStatic)
                {
                    return method;
                }
            }

            return null;
        }
    }
}
