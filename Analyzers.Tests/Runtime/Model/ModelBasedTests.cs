using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using Xunit;
using Xunit.Abstractions;

namespace IommuAnalyzers.Tests.Runtime.Model
{
    /// <summary>
    /// The runtime against an executable model of the ownership table, call by call. Short by default; set
    /// IOMMU_FULL=1 for the full 1,000,000-call run (IOMMU_MODEL_OPS overrides the count).
    /// </summary>
    public class ModelBasedTests
    {
        private const int ShortOps = 20_000;
        private const int FullOps = 1_000_000;
        private const int OpsPerWorld = 2_000;

        // Every outcome each row of the table can produce; a walk that misses one has not tested that branch.
        private static readonly string[] RequiredOutcomes =
        {
            "Bind:0", "Bind:-16", "Bind:-5", "Unbind:0", "Unbind:0:WARN",
            "DeviceUseDmaApi:0", "DeviceUseDmaApi:-16", "DeviceUnuseDmaApi:0", "DeviceUnuseDmaApi:0:WARN",
            "GroupSetDmaOwner:0", "GroupSetDmaOwner:-16", "GroupSetDmaOwner:-22",
            "GroupReleaseDmaOwner:0", "GroupReleaseDmaOwner:0:WARN", "GroupDmaOwnerClaimed:0", "GroupDmaOwnerClaimed:1",
            "AttachDevice:0", "AttachDevice:-16", "AttachDevice:-19", "AttachDevice:-22:WARN",
            "DetachDevice:0", "DetachDevice:0:WARN",
            "AttachDeviceShared:0", "AttachDeviceShared:-16", "AttachDeviceShared:-19", "AttachDeviceShared:-22:WARN",
            "DetachDeviceShared:0", "DetachDeviceShared:0:WARN", "GroupDeviceCount:3",
            "DeviceSetDmaOwner:0", "DeviceSetDmaOwner:-16", "DeviceSetDmaOwner:-22", "DeviceSetDmaOwner:-22:WARN",
            "DeviceReleaseDmaOwner:0", "DeviceReleaseDmaOwner:0:WARN",
        };

        private readonly ITestOutputHelper _output;

        public ModelBasedTests(ITestOutputHelper output)
        {
            _output = output;
        }

        [Fact]
        public void RuntimeMatchesTheModel()
        {
            int total = OpsFromEnvironment();
            int seed = int.TryParse(Environment.GetEnvironmentVariable("IOMMU_MODEL_SEED"), out int s) ? s : 20220502;
            var outcomes = new Dictionary<string, int>();
            int stranded = 0;
            var clock = Stopwatch.StartNew();

            // A fresh group every OpsPerWorld calls, so that one walk stuck in a corner does not take the whole run.
            for (int done = 0, world = 0; done < total; done += OpsPerWorld, world++)
            {
                var runner = new ModelRunner(seed + world);
                string? divergence = runner.Run(Math.Min(OpsPerWorld, total - done));
                Assert.True(divergence == null, $"seed {seed + world}: runtime and model diverge at {divergence}");
                foreach (KeyValuePair<string, int> pair in runner.Outcomes)
                {
                    outcomes[pair.Key] = outcomes.TryGetValue(pair.Key, out int n) ? n + pair.Value : pair.Value;
                }

                stranded += runner.StrandedStates;
            }

            clock.Stop();
            _output.WriteLine($"{total:N0} calls in {clock.Elapsed.TotalSeconds:F2} s ({total / clock.Elapsed.TotalSeconds:N0} calls/s), seed {seed}");
            _output.WriteLine($"{stranded:N0} states unowned at owner_cnt 0 outside the default domain (reachable through DeviceUnuseDmaApi; Unbind repairs them)");
            foreach (KeyValuePair<string, int> pair in outcomes.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                _output.WriteLine($"  {pair.Key,-36} {pair.Value,10:N0}");
            }

            string[] missing = RequiredOutcomes.Where(o => !outcomes.ContainsKey(o)).ToArray();
            Assert.True(missing.Length == 0, "outcomes never reached: " + string.Join(", ", missing));
        }

        // The comparison must be able to fail: a model that differs from the table in one branch is caught quickly.
        [Theory]
        [InlineData("re-claim by the same owner refused")]
        [InlineData("unuse does not WARN on an owned group")]
        [InlineData("exclusive attach ignores the owner")]
        [InlineData("shared detach forgets the default domain")]
        [InlineData("bind probes before the auto-claim")]
        [InlineData("multiplexor ignores the bound driver")]
        [InlineData("exclusive detach ignores the owner")]
        [InlineData("unbind leaves a stale private domain")]
        public void AWrongModelIsCaught(string mutant)
        {
            Func<ModelState, Op, Outcome> model = Mutant(mutant);
            string? divergence = null;
            for (int world = 0; world < ShortOps / OpsPerWorld && divergence == null; world++)
            {
                divergence = new ModelRunner(7 + world, model).Run(OpsPerWorld);
            }

            Assert.NotNull(divergence);
            _output.WriteLine(divergence);
        }

        private static Func<ModelState, Op, Outcome> Mutant(string name) => (s, op) =>
        {
            Outcome right = ModelRunner.Apply(s, op);
            switch (name)
            {
                case "re-claim by the same owner refused" when op.Kind == OpKind.GroupSetDmaOwner && s.OwnerCount != 0 && s.Owner == op.A:
                    return Outcome.Ok(s, -16);
                case "unuse does not WARN on an owned group" when op.Kind == OpKind.DeviceUnuseDmaApi && Ref.HasGroup(op.Dev) && s.OwnerCount != 0 && s.Owner != Ref.Null:
                    return Outcome.Ok(s with { OwnerCount = s.OwnerCount - 1 });
                case "exclusive attach ignores the owner" when op.Kind == OpKind.AttachDevice && Ref.HasGroup(op.Dev) && !OwnershipModel.Suppresses(s.Drivers[op.Dev]) && s.OwnerCount == 1 && s.Owner != Ref.Null && s.Domain == Ref.DefaultDomain:
                    return Outcome.Ok(s with { Domain = op.A });
                case "shared detach forgets the default domain" when op.Kind == OpKind.DetachDeviceShared && right.Ret == 0 && right.Warns.Length == 0 && s.OwnerCount == 1 && Ref.HasGroup(op.Dev):
                    return Outcome.Ok(right.State with { Domain = s.Domain });
                case "bind probes before the auto-claim" when op.Kind == OpKind.Bind && right.Ret == -16 && s.Drivers[op.Dev] == Ref.Null:
                    return Outcome.Ok(s with { Drivers = s.Drivers.SetItem(op.Dev, Ref.Driver(op.Dev, (DriverKind)op.A)) });
                case "multiplexor ignores the bound driver" when op.Kind == OpKind.DeviceSetDmaOwner && op.B == Ref.Null && (op.A == 1 || op.A == 2) && Ref.HasGroup(op.Dev):
                    return Outcome.Ok(s, -22);
                case "exclusive detach ignores the owner" when op.Kind == OpKind.DetachDevice && Ref.HasGroup(op.Dev) && s.Domain == op.A && s.Owner != Ref.Null:
                    return Outcome.Ok(s with { Domain = Ref.DefaultDomain });
                case "unbind leaves a stale private domain" when op.Kind == OpKind.Unbind && right.Warns.EndsWith("Unbind", StringComparison.Ordinal):
                    return new Outcome(right.State with { Domain = s.Domain }, right.Ret, right.Warns.Length == "Unbind".Length ? string.Empty : right.Warns.Substring(0, right.Warns.Length - ",Unbind".Length));
                default:
                    return right;
            }
        };

        private static int OpsFromEnvironment()
        {
            if (int.TryParse(Environment.GetEnvironmentVariable("IOMMU_MODEL_OPS"), out int ops) && ops > 0)
            {
                return ops;
            }

            return Environment.GetEnvironmentVariable("IOMMU_FULL") == "1" ? FullOps : ShortOps;
        }
    }
}
