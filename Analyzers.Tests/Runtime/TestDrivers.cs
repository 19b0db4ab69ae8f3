using System;
using System.Collections.Generic;
using Iommu;

namespace IommuAnalyzers.Tests.Runtime
{
    /// <summary>A kernel driver on the DMA API: DriverCore auto-claims for it. Records what the driver core did.</summary>
    internal class PlainDriver : DeviceDriver
    {
        public int ProbeResult { get; set; }

        public Exception? ProbeThrows { get; set; }

        public List<string> Calls { get; } = new List<string>();

        // What Probe saw: the driver core sets dev->driver before calling probe().
        public DeviceDriver? DriverSeenInProbe { get; private set; }

        public int OwnerCountSeenInProbe { get; private set; } = -1;

        public override int Probe(Device dev)
        {
            Calls.Add("probe " + dev.Name);
            DriverSeenInProbe = dev.Driver;
            if (dev.Group != null)
            {
                using (dev.Group.Mutex.Guard())
                {
                    OwnerCountSeenInProbe = dev.Group.OwnerCount;
                }
            }

            if (ProbeThrows != null)
            {
                throw ProbeThrows;
            }

            return ProbeResult;
        }

        public override void Remove(Device dev)
        {
            Calls.Add("remove " + dev.Name);
        }
    }

    /// <summary>A driver that manages DMA ownership itself (vfio-pci and the like): no auto-claim.</summary>
    [SuppressAutoClaimDmaOwner]
    internal class ManagedDriver : PlainDriver
    {
    }

    /// <summary>Inherits <see cref="SuppressAutoClaimDmaOwnerAttribute"/> from its base class.</summary>
    internal sealed class DerivedManagedDriver : ManagedDriver
    {
    }

    /// <summary>A host1x-style client: shares one domain with its sibling clients, attached in probe, detached in remove.</summary>
    [SuppressAutoClaimDmaOwner]
    internal sealed class Host1xClientDriver : DeviceDriver
    {
        private readonly IommuDomain _shared;

        public Host1xClientDriver(IommuDomain shared)
        {
            _shared = shared;
        }

        public override int Probe(Device dev) => IommuCore.AttachDeviceShared(_shared, dev);

        public override void Remove(Device dev) => IommuCore.DetachDeviceShared(_shared, dev);
    }

    /// <summary>A GPU driver with its own private domain: the auto-claim, then an exclusive attach.</summary>
    internal sealed class GpuDriver : DeviceDriver
    {
        public GpuDriver(IommuDomain privateDomain)
        {
            PrivateDomain = privateDomain;
        }

        public IommuDomain PrivateDomain { get; }

        public override int Probe(Device dev) => IommuCore.AttachDevice(PrivateDomain, dev);

        public override void Remove(Device dev) => IommuCore.DetachDevice(PrivateDomain, dev);
    }

    /// <summary>A GPU driver whose Remove forgets to detach its private domain.</summary>
    internal sealed class LeakyGpuDriver : DeviceDriver
    {
        private readonly IommuDomain _private;

        public LeakyGpuDriver(IommuDomain privateDomain)
        {
            _private = privateDomain;
        }

        public override int Probe(Device dev) => IommuCore.AttachDevice(_private, dev);
    }

    /// <summary>
    /// A VFIO-style driver that claims its device's group for itself (in probe unless <see cref="ClaimInProbe"/> is off,
    /// and again in remove) but keeps the driver core's auto-claim: what IOMMU0008 reports.
    /// </summary>
    internal class GroupClaimingDriver : DeviceDriver
    {
        public bool ClaimInProbe { get; set; } = true;

        /// <summary>What the claim made in remove returned.</summary>
        public int ClaimInRemove { get; private set; } = int.MinValue;

        public override int Probe(Device dev) => ClaimInProbe ? IommuCore.GroupSetDmaOwner(dev.Group!, this) : 0;

        public override void Remove(Device dev)
        {
            // Still bound here: the driver core gives its auto-claim back only after remove().
            ClaimInRemove = IommuCore.GroupSetDmaOwner(dev.Group!, this);
            if (ClaimInRemove == 0)
            {
                IommuCore.GroupReleaseDmaOwner(dev.Group!);
            }

            if (ClaimInProbe)
            {
                IommuCore.GroupReleaseDmaOwner(dev.Group!);
            }
        }
    }

    /// <summary>The same driver with <see cref="SuppressAutoClaimDmaOwnerAttribute"/> (vfio-pci's driver_managed_dma).</summary>
    [SuppressAutoClaimDmaOwner]
    internal sealed class ManagedGroupClaimingDriver : GroupClaimingDriver
    {
    }

    /// <summary>A user-space owner's cookie (a VFIO container or iommufd context).</summary>
    internal sealed class UserCookie
    {
        private readonly string _name;

        public UserCookie(string name)
        {
            _name = name;
        }

        public override string ToString() => _name;
    }

    /// <summary>Two of these are Equal without being the same object: ownership must compare references.</summary>
    internal sealed record ValueCookie(int Id);
}
