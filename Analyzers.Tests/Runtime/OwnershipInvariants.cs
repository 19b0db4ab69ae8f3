using System;
using System.Collections.Generic;
using Iommu;
using Xunit;

namespace IommuAnalyzers.Tests.Runtime
{
    /// <summary>The ownership state of a group at one moment, read under its lock.</summary>
    internal readonly record struct GroupState(int OwnerCount, object? Owner, IommuDomain? Domain)
    {
        public static GroupState Of(IommuGroup group)
        {
            using (group.Mutex.Guard())
            {
                return new GroupState(group.OwnerCount, group.Owner, group.Domain);
            }
        }

        public override string ToString() => $"owner_cnt {OwnerCount}, owner {Owner ?? "none"}, domain {Domain?.ToString() ?? "null"}";
    }

    /// <summary>
    /// The invariants of DESIGN.md section 3, checked on a quiescent group (no ownership call in flight). Every runtime
    /// test that walks a scenario calls <see cref="Check"/> after each step.
    /// </summary>
    internal static class OwnershipInvariants
    {
        /// <summary>
        /// Checks the invariants and returns the state it checked.
        /// </summary>
        /// <param name="group">The group.</param>
        /// <param name="step">What just happened, for the failure message.</param>
        /// <param name="directDmaApiUsers">DeviceUseDmaApi calls the scenario made itself, outside DriverCore.Bind.</param>
        public static GroupState Check(IommuGroup group, string step, int directDmaApiUsers = 0)
        {
            // The API takes the lock itself; a step that returned with it held would deadlock the next one.
            Assert.False(group.Mutex.IsHeldByCurrentThread, $"after '{step}': the group lock is still held");

            int autoClaims;
            GroupState state;
            IommuDomain defaultDomain;
            IommuDomain blockingDomain;
            using (group.Mutex.Guard())
            {
                state = new GroupState(group.OwnerCount, group.Owner, group.Domain);
                defaultDomain = group.DefaultDomain;
                blockingDomain = group.BlockingDomain;
                autoClaims = CountAutoClaims(group.Devices);
            }

            string at = $"after '{step}' ({state})";
            int dmaApiUsers = autoClaims + directDmaApiUsers;

            Assert.True(state.OwnerCount >= 0, $"{at}: owner_cnt is negative");
            Assert.True(state.Domain != null, $"{at}: the group has no domain");
            Assert.Equal(IommuDomainType.Dma, defaultDomain.Type);
            Assert.Equal(IommuDomainType.Blocked, blockingDomain.Type);

            if (state.Owner != null)
            {
                Assert.True(state.OwnerCount >= 1, $"{at}: an owner with owner_cnt 0");

                // No DMA-API user may coexist with an explicit owner: none is left over from before the claim...
                Assert.True(dmaApiUsers == 0, $"{at}: {dmaApiUsers} DMA-API user(s) while the group has an owner");

                // ...and none can join: iommu_device_use_dma_api()'s busy test holds.
                Assert.True(state.OwnerCount != 0 && (state.Domain != defaultDomain || state.Owner != null), $"{at}: a DMA-API user could join");

                if (state.Owner is IommuDomain shared)
                {
                    Assert.True(ReferenceEquals(state.Domain, shared), $"{at}: the shared owner domain is not the group's domain");
                }
            }
            else
            {
                // Without an owner, every owner_cnt is a DMA-API user, and every DMA-API user is counted.
                Assert.True(state.OwnerCount == dmaApiUsers, $"{at}: owner_cnt {state.OwnerCount} but {dmaApiUsers} DMA-API user(s)");
                if (state.OwnerCount == 0)
                {
                    Assert.True(ReferenceEquals(state.Domain, defaultDomain), $"{at}: unowned and unclaimed but not in the default domain");
                }
            }

            return state;
        }

        /// <summary>
        /// The invariants that hold at every moment the group lock is free, even with calls in flight on other
        /// threads (no device-derived counts). Returns a description of the violation, or null.
        /// </summary>
        public static string? ViolationNow(IommuGroup group)
        {
            using (group.Mutex.Guard())
            {
                var state = new GroupState(group.OwnerCount, group.Owner, group.Domain);
                if (state.OwnerCount < 0)
                {
                    return "owner_cnt is negative: " + state;
                }

                if (state.Owner != null && state.OwnerCount < 1)
                {
                    return "an owner with owner_cnt 0: " + state;
                }

                if (state.Owner == null && state.OwnerCount == 0 && !ReferenceEquals(state.Domain, group.DefaultDomain))
                {
                    return "unowned and unclaimed but not in the default domain: " + state;
                }

                if (state.Owner is IommuDomain shared && !ReferenceEquals(state.Domain, shared))
                {
                    return "the shared owner domain is not the group's domain: " + state;
                }

                return null;
            }
        }

        /// <summary>Asserts that a call that failed or WARNed left the group exactly as it was.</summary>
        public static void Unchanged(GroupState before, IommuGroup group, string step)
        {
            GroupState after = GroupState.Of(group);
            Assert.True(before.OwnerCount == after.OwnerCount, $"'{step}' changed owner_cnt from {before.OwnerCount} to {after.OwnerCount}");
            Assert.True(ReferenceEquals(before.Owner, after.Owner), $"'{step}' changed the owner from {before.Owner ?? "none"} to {after.Owner ?? "none"}");
            Assert.True(ReferenceEquals(before.Domain, after.Domain), $"'{step}' changed the domain from {before.Domain} to {after.Domain}");
        }

        // Devices bound by DriverCore to a driver that lets it auto-claim the DMA API hold one owner_cnt each.
        private static int CountAutoClaims(IList<Device> devices)
        {
            int n = 0;
            foreach (Device dev in devices)
            {
                DeviceDriver? drv = dev.Driver;
                if (drv != null && !Attribute.IsDefined(drv.GetType(), typeof(SuppressAutoClaimDmaOwnerAttribute), inherit: true))
                {
                    n++;
                }
            }

            return n;
        }
    }
}
