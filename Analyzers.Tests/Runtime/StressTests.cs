using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using Iommu;
using Xunit;

namespace IommuAnalyzers.Tests.Runtime
{
    /// <summary>
    /// Real threads racing Bind/Unbind/GroupSetDmaOwner on one group. Bounded in time; the systematic counterpart,
    /// which explores interleavings rather than hoping for them, is Runtime.ConcurrencyTests (Coyote).
    /// </summary>
    public class StressTests
    {
        // Runs at least MinimumRun and until every kind of owner has won the group often enough, never past Budget.
        private static readonly TimeSpan MinimumRun = TimeSpan.FromSeconds(1);
        private static readonly TimeSpan Budget = TimeSpan.FromSeconds(4);
        private static readonly TimeSpan Turn = TimeSpan.FromMilliseconds(50);

        private readonly Xunit.Abstractions.ITestOutputHelper _output;

        public StressTests(Xunit.Abstractions.ITestOutputHelper output)
        {
            _output = output;
        }

        [Fact]
        public void ConcurrentBindUnbindAndUserClaims_KeepTheInvariants()
        {
            var rig = new RuntimeRig(devices: 5);
            var shared = new IommuDomain(IommuDomainType.Unmanaged);
            var vfio = new UserCookie("vfio");
            var failures = new ConcurrentQueue<string>();

            // Ghost state: who believes it holds DMA right now. A holder counts itself after its call returned 0
            // and uncounts itself before it gives back, so ghost intervals lie inside the real ones: two kinds
            // overlapping in the ghost means they really overlapped.
            var holders = new int[3]; // DmaApi, Shared, User
            const int DmaApi = 0, Shared = 1, User = 2;
            var successes = new int[3];

            // Three DMA-API threads keep owner_cnt above zero almost all the time, and on a loaded machine the user
            // and shared threads might never win. Kinds take turns being favoured: the others still race, only
            // with a short pause between attempts.
            int favoured = DmaApi;

            void Pace(int kind)
            {
                if (Volatile.Read(ref favoured) != kind)
                {
                    Thread.Sleep(1);
                }
            }

            void Hold(int kind, string who)
            {
                Interlocked.Increment(ref holders[kind]);
                Interlocked.Increment(ref successes[kind]);
                for (int other = 0; other < 3; other++)
                {
                    if (other != kind && Volatile.Read(ref holders[other]) != 0)
                    {
                        failures.Enqueue($"{who} holds DMA ownership kind {kind} together with kind {other}");
                    }
                }
            }

            void Unhold(int kind) => Interlocked.Decrement(ref holders[kind]);

            void CheckNow(string who)
            {
                string? violation = OwnershipInvariants.ViolationNow(rig.Group);
                if (violation != null)
                {
                    failures.Enqueue(who + ": " + violation);
                }
            }

            void DriverLoop(Device dev, Func<DeviceDriver> make, int kind, int seed, CancellationToken stop)
            {
                var random = new Random(seed);
                while (!stop.IsCancellationRequested)
                {
                    Pace(kind);
                    int ret = DriverCore.Bind(dev, make());
                    CheckNow("bind " + dev);
                    if (ret == 0)
                    {
                        Hold(kind, dev.Name);
                        if (random.Next(4) == 0)
                        {
                            Thread.Yield();
                        }

                        Unhold(kind);
                        DriverCore.Unbind(dev);
                        CheckNow("unbind " + dev);
                    }
                    else if (ret != -Errno.EBUSY)
                    {
                        failures.Enqueue($"bind {dev} returned {ret}");
                    }
                }
            }

            void UserLoop(CancellationToken stop)
            {
                var random = new Random(99);
                while (!stop.IsCancellationRequested)
                {
                    Pace(User);
                    int claims = 0;
                    int times = 1 + random.Next(2);
                    for (int i = 0; i < times; i++)
                    {
                        int ret = IommuCore.GroupSetDmaOwner(rig.Group, vfio);
                        CheckNow("user claim");
                        if (ret == 0)
                        {
                            if (claims++ == 0)
                            {
                                Hold(User, "user");
                            }
                        }
                        else if (ret != -Errno.EBUSY)
                        {
                            failures.Enqueue("user claim returned " + ret);
                        }
                    }

                    if (claims > 0)
                    {
                        Unhold(User);
                    }

                    while (claims-- > 0)
                    {
                        IommuCore.GroupReleaseDmaOwner(rig.Group);
                        CheckNow("user release");
                    }
                }
            }

            IReadOnlyList<OwnershipWarning> warnings;
            using (WarningCapture capture = OwnershipWarnings.Capture())
            {
                using var cts = new CancellationTokenSource();
                var actions = new List<Action>
                {
                    () => DriverLoop(rig.Devices[0], () => new PlainDriver(), DmaApi, 1, cts.Token),
                    () => DriverLoop(rig.Devices[1], () => new PlainDriver(), DmaApi, 2, cts.Token),
                    () => DriverLoop(rig.Devices[2], () => new Host1xClientDriver(shared), Shared, 3, cts.Token),
                    () => DriverLoop(rig.Devices[3], () => new Host1xClientDriver(shared), Shared, 4, cts.Token),
                    () => DriverLoop(rig.Devices[4], () => new GpuDriver(new IommuDomain(IommuDomainType.Unmanaged)), DmaApi, 5, cts.Token),
                    () => UserLoop(cts.Token),
                };

                var threads = new List<Thread>();
                foreach (Action action in actions)
                {
                    var thread = new Thread(() =>
                    {
                        try
                        {
                            action();
                        }
                        catch (Exception e)
                        {
                            failures.Enqueue(e.ToString());
                        }
                    });
                    threads.Add(thread);
                    thread.Start();
                }

                // Run for the budget, but stop early once every kind of holder has had its turn many times.
                var clock = Stopwatch.StartNew();
                while (clock.Elapsed < Budget && (clock.Elapsed < MinimumRun || Math.Min(Volatile.Read(ref successes[DmaApi]), Math.Min(Volatile.Read(ref successes[Shared]), Volatile.Read(ref successes[User]))) < 100))
                {
                    Thread.Sleep(Turn);
                    Volatile.Write(ref favoured, (favoured + 1) % 3);
                }

                cts.Cancel();
                _output.WriteLine($"{clock.Elapsed.TotalSeconds:F2} s: DMA API {successes[DmaApi]}, shared {successes[Shared]}, user {successes[User]} successful claims");
                foreach (Thread thread in threads)
                {
                    Assert.True(thread.Join(TimeSpan.FromSeconds(10)), "a stress thread did not stop");
                }

                warnings = capture.Warnings;
            }

            Assert.Empty(failures);
            Assert.Empty(warnings);
            Assert.Equal(new int[3], holders);
            OwnershipInvariants.Check(rig.Group, "end of stress");
            Assert.Equal(new GroupState(0, null, rig.DefaultDomain), rig.State);
            foreach (Device dev in rig.Devices)
            {
                Assert.Null(dev.Driver);
            }

            // Every kind of ownership won the group at least once, or the race never happened.
            Assert.True(successes[DmaApi] > 0 && successes[Shared] > 0 && successes[User] > 0, $"successes: DMA API {successes[DmaApi]}, shared {successes[Shared]}, user {successes[User]}");
        }
    }
}
