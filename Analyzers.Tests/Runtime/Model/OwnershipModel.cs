using System;
using System.Collections.Immutable;

namespace IommuAnalyzers.Tests.Runtime.Model
{
    /// <summary>
    /// References in the model are small integers: 0 is null, then two user cookies, the four domains (the group's
    /// default and blocking domains, two spare ones), then one driver per device and driver kind.
    /// </summary>
    internal static class Ref
    {
        public const int Null = 0;
        public const int User1 = 1;
        public const int User2 = 2;
        public const int DefaultDomain = 10;
        public const int BlockingDomain = 11;
        public const int DomainA = 12;
        public const int DomainB = 13;

        /// <summary>Devices 0..GroupDevices-1 are in the group; device GroupDevices has no IOMMU.</summary>
        public const int GroupDevices = 3;
        public const int AllDevices = GroupDevices + 1;

        public const int DriverKinds = 4;

        public static int Driver(int dev, DriverKind kind) => 100 + (dev * DriverKinds) + (int)kind;

        public static DriverKind KindOf(int driver) => (DriverKind)((driver - 100) % DriverKinds);

        public static bool HasGroup(int dev) => dev < GroupDevices;
    }

    /// <summary>The drivers the model knows: whether DriverCore auto-claims for them and whether their probe fails.</summary>
    internal enum DriverKind
    {
        Plain,
        Managed,
        PlainFailingProbe,
        ManagedFailingProbe,
    }

    /// <summary>The model's whole state: the group's owner_cnt, owner and domain, and each device's driver.</summary>
    internal sealed record ModelState(int OwnerCount, int Owner, int Domain, ImmutableArray<int> Drivers)
    {
        public static ModelState Initial { get; } = new ModelState(0, Ref.Null, Ref.DefaultDomain, ImmutableArray.Create(new int[Ref.AllDevices]));

        public bool Equals(ModelState? other) =>
            other is not null && OwnerCount == other.OwnerCount && Owner == other.Owner && Domain == other.Domain && Drivers.AsSpan().SequenceEqual(other.Drivers.AsSpan());

        public override int GetHashCode() => (OwnerCount, Owner, Domain).GetHashCode();

        public override string ToString() => $"owner_cnt {OwnerCount}, owner {Owner}, domain {Domain}, drivers [{string.Join(",", Drivers)}]";
    }

    /// <summary>What one call did: the new state, the int it returned (bools as 0/1, void as 0) and the WARNs it raised.</summary>
    internal readonly record struct Outcome(ModelState State, int Ret, string Warns)
    {
        public static Outcome Ok(ModelState s, int ret = 0) => new Outcome(s, ret, string.Empty);

        public static Outcome Warn(ModelState s, string function, int ret = 0) => new Outcome(s, ret, function);
    }

    /// <summary>
    /// The ownership table of DESIGN.md section 3 as pure functions over <see cref="ModelState"/>, one per row,
    /// written from the table and not from the runtime. A WARN returns -EINVAL from int functions and keeps the state.
    /// </summary>
    internal static class OwnershipModel
    {
        private const int EBUSY = 16, EINVAL = 22, ENODEV = 19, EIO = 5;

        public static bool Suppresses(int driver) =>
            driver != Ref.Null && Ref.KindOf(driver) is DriverKind.Managed or DriverKind.ManagedFailingProbe;

        public static Outcome DeviceUseDmaApi(ModelState s, int dev)
        {
            if (!Ref.HasGroup(dev))
            {
                return Outcome.Ok(s);
            }

            if (s.OwnerCount != 0 && (s.Domain != Ref.DefaultDomain || s.Owner != Ref.Null))
            {
                return Outcome.Ok(s, -EBUSY);
            }

            return Outcome.Ok(s with { OwnerCount = s.OwnerCount + 1 });
        }

        public static Outcome DeviceUnuseDmaApi(ModelState s, int dev)
        {
            if (!Ref.HasGroup(dev))
            {
                return Outcome.Ok(s);
            }

            if (s.OwnerCount == 0 || s.Owner != Ref.Null)
            {
                return Outcome.Warn(s, "DeviceUnuseDmaApi");
            }

            return Outcome.Ok(s with { OwnerCount = s.OwnerCount - 1 });
        }

        public static Outcome GroupSetDmaOwner(ModelState s, int owner)
        {
            if (owner == Ref.Null)
            {
                return Outcome.Ok(s, -EINVAL);
            }

            if (s.OwnerCount != 0)
            {
                return s.Owner == owner ? Outcome.Ok(s with { OwnerCount = s.OwnerCount + 1 }) : Outcome.Ok(s, -EBUSY);
            }

            if (s.Domain != Ref.DefaultDomain)
            {
                return Outcome.Ok(s, -EBUSY);
            }

            return Outcome.Ok(s with { Domain = Ref.BlockingDomain, Owner = owner, OwnerCount = 1 });
        }

        public static Outcome GroupReleaseDmaOwner(ModelState s)
        {
            if (s.OwnerCount == 0 || s.Owner == Ref.Null)
            {
                return Outcome.Warn(s, "GroupReleaseDmaOwner");
            }

            return Outcome.Ok(Release(s));
        }

        public static Outcome GroupDmaOwnerClaimed(ModelState s) => Outcome.Ok(s, s.OwnerCount != 0 ? 1 : 0);

        public static Outcome AttachDevice(ModelState s, int domain, int dev)
        {
            if (!Ref.HasGroup(dev))
            {
                return Outcome.Ok(s, -ENODEV);
            }

            if (Suppresses(s.Drivers[dev]))
            {
                return Outcome.Warn(s, "AttachDevice", -EINVAL);
            }

            if (!(s.OwnerCount == 1 && s.Owner == Ref.Null && s.Domain == Ref.DefaultDomain))
            {
                return Outcome.Ok(s, -EBUSY);
            }

            return Outcome.Ok(s with { Domain = domain });
        }

        public static Outcome DetachDevice(ModelState s, int domain, int dev)
        {
            if (!Ref.HasGroup(dev))
            {
                return Outcome.Ok(s);
            }

            if (s.Domain != domain || s.Owner != Ref.Null)
            {
                return Outcome.Warn(s, "DetachDevice");
            }

            return Outcome.Ok(s with { Domain = Ref.DefaultDomain });
        }

        public static Outcome AttachDeviceShared(ModelState s, int domain, int dev)
        {
            if (!Ref.HasGroup(dev))
            {
                return Outcome.Ok(s, -ENODEV);
            }

            if (!Suppresses(s.Drivers[dev]))
            {
                return Outcome.Warn(s, "AttachDeviceShared", -EINVAL);
            }

            if (s.OwnerCount == 0)
            {
                return s.Domain != Ref.DefaultDomain
                    ? Outcome.Ok(s, -EBUSY)
                    : Outcome.Ok(s with { Domain = domain, Owner = domain, OwnerCount = 1 });
            }

            return s.Owner == domain ? Outcome.Ok(s with { OwnerCount = s.OwnerCount + 1 }) : Outcome.Ok(s, -EBUSY);
        }

        public static Outcome DetachDeviceShared(ModelState s, int domain, int dev)
        {
            if (!Ref.HasGroup(dev))
            {
                return Outcome.Ok(s);
            }

            if (s.OwnerCount == 0 || s.Owner != domain)
            {
                return Outcome.Warn(s, "DetachDeviceShared");
            }

            return Outcome.Ok(Release(s));
        }

        public static Outcome GroupDeviceCount(ModelState s) => Outcome.Ok(s, Ref.GroupDevices);

        // kind: 0 DmaApi, 1 PrivateDomain, 2 User, anything else an undefined value.
        public static Outcome DeviceSetDmaOwner(ModelState s, int dev, int kind, int owner)
        {
            switch (kind)
            {
                case 0:
                    return DeviceUseDmaApi(s, dev);
                case 1:
                case 2:
                    return Ref.HasGroup(dev) ? GroupSetDmaOwner(s, owner != Ref.Null ? owner : s.Drivers[dev]) : Outcome.Ok(s);
                default:
                    return Outcome.Warn(s, "DeviceSetDmaOwner", -EINVAL);
            }
        }

        public static Outcome DeviceReleaseDmaOwner(ModelState s, int dev, int kind)
        {
            switch (kind)
            {
                case 0:
                    return DeviceUnuseDmaApi(s, dev);
                case 1:
                case 2:
                    return Ref.HasGroup(dev) ? GroupReleaseDmaOwner(s) : Outcome.Ok(s);
                default:
                    return Outcome.Warn(s, "DeviceReleaseDmaOwner");
            }
        }

        // DriverCore.Bind: -EBUSY when bound; the auto-claim unless suppressed; probe; a failed probe undoes both.
        public static Outcome Bind(ModelState s, int dev, DriverKind kind)
        {
            if (s.Drivers[dev] != Ref.Null)
            {
                return Outcome.Ok(s, -EBUSY);
            }

            int driver = Ref.Driver(dev, kind);
            bool autoClaim = !Suppresses(driver);
            string warns = string.Empty;
            if (autoClaim)
            {
                Outcome claim = DeviceUseDmaApi(s, dev);
                if (claim.Ret != 0)
                {
                    return claim;
                }

                s = claim.State;
                warns = claim.Warns;
            }

            bool probeFails = kind is DriverKind.PlainFailingProbe or DriverKind.ManagedFailingProbe;
            if (!probeFails)
            {
                return new Outcome(s with { Drivers = s.Drivers.SetItem(dev, driver) }, 0, warns);
            }

            if (autoClaim)
            {
                Outcome undo = DeviceUnuseDmaApi(s, dev);
                s = undo.State;
                warns = Join(warns, undo.Warns);
            }

            return new Outcome(s, -EIO, warns);
        }

        // DriverCore.Unbind: remove (a no-op for these drivers), give back the auto-claim, clear the driver; then the
        // repair: unowned and unclaimed outside the default domain WARNs and returns to the default domain.
        public static Outcome Unbind(ModelState s, int dev)
        {
            int driver = s.Drivers[dev];
            if (driver == Ref.Null)
            {
                return Outcome.Ok(s);
            }

            string warns = string.Empty;
            if (!Suppresses(driver))
            {
                Outcome undo = DeviceUnuseDmaApi(s, dev);
                s = undo.State;
                warns = undo.Warns;
            }

            s = s with { Drivers = s.Drivers.SetItem(dev, Ref.Null) };
            if (Ref.HasGroup(dev) && s.OwnerCount == 0 && s.Owner == Ref.Null && s.Domain != Ref.DefaultDomain)
            {
                s = s with { Domain = Ref.DefaultDomain };
                warns = Join(warns, "Unbind");
            }

            return new Outcome(s, 0, warns);
        }

        // owner_cnt--, and the last release returns the group to its default domain.
        private static ModelState Release(ModelState s) =>
            s.OwnerCount == 1 ? s with { OwnerCount = 0, Owner = Ref.Null, Domain = Ref.DefaultDomain } : s with { OwnerCount = s.OwnerCount - 1 };

        private static string Join(string a, string b) => a.Length == 0 ? b : b.Length == 0 ? a : a + "," + b;
    }
}
