using System;
using System.Collections.Generic;
using Iommu;

namespace IommuAnalyzers.Tests.Runtime
{
    // Shared, without a test framework, by the xunit runtime tests and the Coyote concurrency tests
    // (Runtime.ConcurrencyTests links this file): a violation is an exception, which fails an xunit test and is a
    // bug for Coyote.

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

    /// <summary>An invariant of DESIGN.md section 3 does not hold.</summary>
    internal sealed class InvariantViolationException : Exception
    {
        public InvariantViolationException(string message)
            : base(message)
        {
        }
    }

    /// <summary>The invariants of DESIGN.md section 3, in one place for every runtime test.</summary>
    internal static class OwnershipInvariants
    {
        /// <summary>
        /// Checks every invariant on a quiescent group (no ownership call in flight) and returns the state it checked.
        /// </summary>
        /// <param name="group">The group.</param>
        /// <param name="step">What just happened, for the failure message.</param>
        /// <param name="directDmaApiUsers">DeviceUseDmaApi calls the scenario made itself, outside DriverCore.Bind.</param>
        /// <exception cref="InvariantViolationException">An invariant does not hold.</exception>
        public static GroupState Check(IommuGroup group, string step, int directDmaApiUsers = 0)
        {
            // The API takes the lock itself; a step that returned with it held would deadlock the next one.
            if (group.Mutex.IsHeldByCurrentThread)
            {
                throw new InvariantViolationException($"after '{step}': the group lock is still held");
            }

            int autoClaims;
            GroupState state;
            string? violation;
            using (group.Mutex.Guard())
            {
                state = new GroupState(group.OwnerCount, group.Owner, group.Domain);
                autoClaims = CountAutoClaims(group.Devices);
                violation = StateViolationLocked(group);
            }

            string at = $"after '{step}' ({state})";
            if (violation != null)
            {
                throw new InvariantViolationException($"{at}: {violation}");
            }

            int dmaApiUsers = autoClaims + directDmaApiUsers;
            if (state.Owner != null && dmaApiUsers != 0)
            {
                // No DMA-API user may coexist with an explicit owner.
                throw new InvariantViolationException($"{at}: {dmaApiUsers} DMA-API user(s) while the group has an owner");
            }

            if (state.Owner == null && state.OwnerCount != dmaApiUsers)
            {
                // Without an owner, every owner_cnt is a DMA-API user, and every DMA-API user is counted.
                throw new InvariantViolationException($"{at}: owner_cnt {state.OwnerCount} but {dmaApiUsers} DMA-API user(s)");
            }

            return state;
        }

        /// <summary>
        /// The invariants that hold whenever the group lock is free, even with calls in flight on other threads
        /// (nothing derived from devices or drivers). Returns a description of the violation, or null.
        /// </summary>
        public static string? ViolationNow(IommuGroup group)
        {
            using (group.Mutex.Guard())
            {
                string? violation = StateViolationLocked(group);
                return violation == null ? null : violation + " (" + new GroupState(group.OwnerCount, group.Owner, group.Domain) + ")";
            }
        }

        /// <summary>Throws unless a call that failed or WARNed left the group exactly as it was.</summary>
        public static void Unchanged(GroupState before, IommuGroup group, string step)
        {
            GroupState after = GroupState.Of(group);
            if (before.OwnerCount != after.OwnerCount || !ReferenceEquals(before.Owner, after.Owner) || !ReferenceEquals(before.Domain, after.Domain))
            {
                throw new InvariantViolationException($"'{step}' changed the group from ({before}) to ({after})");
            }
        }

        [RequiresLock("group.Mutex")]
        private static string? StateViolationLocked(IommuGroup group)
        {
            int count = group.OwnerCount;
            object? owner = group.Owner;
            IommuDomain? domain = group.Domain;
            if (count < 0)
            {
                return "owner_cnt is negative";
            }

            if (domain == null)
            {
                return "the group has no domain";
            }

            if (group.DefaultDomain.Type != IommuDomainType.Dma || group.BlockingDomain.Type != IommuDomainType.Blocked)
            {
                return "the default or blocking domain changed type";
            }

            if (owner != null)
            {
                if (count < 1)
                {
                    return "an owner with owner_cnt 0";
                }

                // No DMA-API user can join: iommu_device_use_dma_api()'s busy test holds.
                if (!(count != 0 && (domain != group.DefaultDomain || owner != null)))
                {
                    return "a DMA-API user could join an owned group";
                }

                if (owner is IommuDomain shared && !ReferenceEquals(domain, shared))
                {
                    return "the shared owner domain is not the group's domain";
                }
            }
            else if (count == 0 && !ReferenceEquals(domain, group.DefaultDomain))
            {
                return "unowned and unclaimed but not in the default domain";
            }

            return null;
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
