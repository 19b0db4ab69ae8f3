using System;
using System.Collections.Concurrent;
using System.Reflection;

namespace Iommu
{
    /// <summary>The driver core's bind and unbind paths (drivers/base/dd.c), with the DMA auto-claim of the ownership series.</summary>
    public static class DriverCore
    {
        // The attribute is read once per driver type: Bind runs on every probe.
        private static readonly ConcurrentDictionary<Type, bool> s_suppressesAutoClaim = new ConcurrentDictionary<Type, bool>();

        /// <summary>
        /// Binds <paramref name="drv"/> to <paramref name="dev"/> (<c>really_probe()</c>): auto-claims the DMA API for the
        /// device unless the driver suppresses it, then probes; a failed probe undoes the claim.
        /// </summary>
        /// <returns>0; <c>-EBUSY</c> when the device already has a driver or its group is owned; the probe's error.</returns>
        [MustCheck]
        public static int Bind(Device dev, DeviceDriver drv)
        {
            if (dev == null || drv == null)
            {
                OwnershipWarnings.Warn(nameof(Bind), "null device or driver");
                return -Errno.EINVAL;
            }

            using (dev.DeviceLock.Guard())
            {
                if (dev.Driver != null)
                {
                    return -Errno.EBUSY;
                }

                bool autoClaim = !SuppressesAutoClaim(drv);
                if (autoClaim)
                {
                    int claimed = IommuCore.DeviceUseDmaApi(dev);
                    if (claimed != 0)
                    {
                        return claimed;
                    }
                }

                dev.Driver = drv;
                int ret;
                try
                {
                    ret = drv.Probe(dev);
                }
                catch
                {
                    // A port's probe that throws has failed like one that returned an error: leave no driver and
                    // no auto-claim behind, or the group stays claimed by a device that has no driver.
                    UndoProbe(dev, autoClaim);
                    throw;
                }

                if (ret != 0)
                {
                    UndoProbe(dev, autoClaim);
                }

                return ret;
            }
        }

        /// <summary>
        /// Unbinds the device's driver (<c>device_release_driver()</c>): remove, then give back the auto-claim. If the
        /// group is then unowned and unclaimed but not in its default domain, WARNs and puts it back there.
        /// </summary>
        public static void Unbind(Device dev)
        {
            if (dev == null)
            {
                OwnershipWarnings.Warn(nameof(Unbind), "null device");
                return;
            }

            using (dev.DeviceLock.Guard())
            {
                DeviceDriver? drv = dev.Driver;
                if (drv == null)
                {
                    return;
                }

                drv.Remove(dev);
                if (!SuppressesAutoClaim(drv))
                {
                    IommuCore.DeviceUnuseDmaApi(dev);
                }

                dev.Driver = null;
                RepairStaleDomain(dev);
            }
        }

        // A Remove that left its private domain attached strands the group: no owner, no DMA-API user, and a
        // domain the next DMA-API user would run through. WARN, and put the group back in its default domain
        // (the one WARN that repairs state).
        [ExcludesLock("dev.Group.Mutex")]
        private static void RepairStaleDomain(Device dev)
        {
            IommuGroup? group = dev.Group;
            if (group == null)
            {
                return;
            }

            using (group.Mutex.Guard())
            {
                if (group.OwnerCount == 0 && group.Owner == null && group.Domain != group.DefaultDomain)
                {
                    OwnershipWarnings.Warn(nameof(Unbind), "driver of " + dev.Name + " left group " + group.Id + " in " + group.Domain + "; back to its default domain");
                    group.Domain = group.DefaultDomain;
                }
            }
        }

        // really_probe()'s probe_failed path: dev->driver = NULL, then iommu_device_unuse_dma_api().
        private static void UndoProbe(Device dev, bool autoClaim)
        {
            dev.Driver = null;
            if (autoClaim)
            {
                IommuCore.DeviceUnuseDmaApi(dev);
            }
        }

        // drv->suppress_auto_claim_dma_owner
        internal static bool SuppressesAutoClaim(DeviceDriver? drv)
        {
            if (drv == null)
            {
                return false;
            }

            return s_suppressesAutoClaim.GetOrAdd(
                drv.GetType(),
                type => type.GetCustomAttribute<SuppressAutoClaimDmaOwnerAttribute>(inherit: true) != null);
        }
    }
}
