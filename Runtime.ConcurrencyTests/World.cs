using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using IommuAnalyzers.Tests.Runtime;
using Iommu;

namespace IommuAnalyzers.Runtime.ConcurrencyTests
{
    /// <summary>
    /// One IOMMU group with its devices and the actors that race on it. Every actor checks the invariants after each
    /// of its operations; a violation throws, which Coyote reports as a bug with a replayable schedule.
    /// </summary>
    internal sealed class World
    {
        private const int DmaApi = 0, Shared = 1, User = 2;
        private static readonly string[] KindNames = { "a DMA-API user", "a shared-domain owner", "a user owner" };

        // Ghost state: who believes it holds DMA ownership. A holder counts itself after its call returned 0 and
        // uncounts itself before giving back, so ghost intervals lie inside the real ones: two kinds overlapping in
        // the ghost really overlapped, whatever the group's counters say.
        private readonly int[] _holders = new int[3];
        private readonly List<Func<Task>> _actors = new List<Func<Task>>();

        public World(int devices, int rounds = 2)
        {
            Rounds = rounds;
            Group = new IommuGroup(1);
            Devices = new Device[devices];
            for (int i = 0; i < devices; i++)
            {
                Devices[i] = new Device("dev" + i, Group);
            }
        }

        public IommuGroup Group { get; }

        public Device[] Devices { get; }

        public IommuDomain SharedDomain { get; } = new IommuDomain(IommuDomainType.Unmanaged);

        // How many times each actor repeats its cycle.
        public int Rounds { get; }

        /// <summary>A kernel driver binding to and unbinding from <paramref name="dev"/>.</summary>
        public World Driver(int dev, Func<DeviceDriver> make, bool sharedClient = false)
        {
            _actors.Add(() => Task.Run(() =>
            {
                Device device = Devices[dev];
                for (int r = 0; r < Rounds; r++)
                {
                    int ret = DriverCore.Bind(device, make());
                    CheckNow("bind " + device);
                    if (ret == 0)
                    {
                        int kind = sharedClient ? Shared : DmaApi;
                        Hold(kind, "bind " + device);
                        Release(kind);
                        DriverCore.Unbind(device);
                        CheckNow("unbind " + device);
                    }
                    else if (ret != -Errno.EBUSY)
                    {
                        throw new InvariantViolationException($"bind {device} returned {ret}, expected 0 or -EBUSY");
                    }
                }
            }));
            return this;
        }

        /// <summary>A VFIO-style user claiming the group (twice in a row on odd rounds: a counted re-claim) and releasing it.</summary>
        public World VfioOwner()
        {
            var cookie = new UserCookie();
            _actors.Add(() => Task.Run(() =>
            {
                for (int r = 0; r < Rounds; r++)
                {
                    int claims = 0;
                    for (int i = 0; i <= r % 2; i++)
                    {
                        int ret = IommuCore.GroupSetDmaOwner(Group, cookie);
                        CheckNow("user claim");
                        if (ret == 0)
                        {
                            if (claims++ == 0)
                            {
                                Hold(User, "user claim");
                            }
                        }
                        else if (ret != -Errno.EBUSY || claims != 0)
                        {
                            throw new InvariantViolationException($"user claim returned {ret} with {claims} claim(s) held");
                        }
                    }

                    if (claims > 0)
                    {
                        Release(User);
                    }

                    for (; claims > 0; claims--)
                    {
                        IommuCore.GroupReleaseDmaOwner(Group);
                        CheckNow("user release");
                    }
                }
            }));
            return this;
        }

        /// <summary>Runs the actors concurrently, then checks that everything was given back without a WARN.</summary>
        public async Task RunAsync()
        {
            using WarningCapture capture = OwnershipWarnings.Capture();
            var tasks = new Task[_actors.Count];
            for (int i = 0; i < tasks.Length; i++)
            {
                tasks[i] = _actors[i]();
            }

            await Task.WhenAll(tasks);

            GroupState end = OwnershipInvariants.Check(Group, "all actors done");
            IommuDomain defaultDomain;
            using (Group.Mutex.Guard())
            {
                defaultDomain = Group.DefaultDomain;
            }

            if (end.OwnerCount != 0 || end.Owner != null || !ReferenceEquals(end.Domain, defaultDomain))
            {
                throw new InvariantViolationException("the group was not given back: " + end);
            }

            foreach (Device dev in Devices)
            {
                if (dev.Driver != null)
                {
                    throw new InvariantViolationException(dev + " is still bound");
                }
            }

            if (capture.Warnings.Count != 0)
            {
                throw new InvariantViolationException("WARN: " + capture.Warnings[0]);
            }
        }

        private void CheckNow(string after)
        {
            string? violation = OwnershipInvariants.ViolationNow(Group);
            if (violation != null)
            {
                throw new InvariantViolationException($"after {after}: {violation}");
            }
        }

        private void Hold(int kind, string who)
        {
            Interlocked.Increment(ref _holders[kind]);
            for (int other = 0; other < _holders.Length; other++)
            {
                if (other != kind && Volatile.Read(ref _holders[other]) != 0)
                {
                    throw new InvariantViolationException($"after {who}: {KindNames[kind]} and {KindNames[other]} hold the group at once");
                }
            }
        }

        private void Release(int kind) => Interlocked.Decrement(ref _holders[kind]);
    }
}
