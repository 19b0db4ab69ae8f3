using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using Iommu;

namespace IommuAnalyzers.Tests.Runtime.Model
{
    internal enum OpKind
    {
        Bind,
        Unbind,
        DeviceUseDmaApi,
        DeviceUnuseDmaApi,
        GroupSetDmaOwner,
        GroupReleaseDmaOwner,
        GroupDmaOwnerClaimed,
        AttachDevice,
        DetachDevice,
        AttachDeviceShared,
        DetachDeviceShared,
        GroupDeviceCount,
        DeviceSetDmaOwner,
        DeviceReleaseDmaOwner,
    }

    /// <summary>One call: its kind, the device, and up to two arguments (a driver kind, an owner, a domain, a DmaOwner kind).</summary>
    internal readonly record struct Op(OpKind Kind, int Dev, int A, int B)
    {
        public override string ToString() => $"{Kind}(dev {Dev}, {A}, {B})";
    }

    /// <summary>
    /// Applies the same seeded random calls to the runtime and to a model and compares, after each, the return
    /// code, the WARNs and the whole state.
    /// </summary>
    internal sealed class ModelRunner
    {
        private readonly Func<ModelState, Op, Outcome> _model;
        private readonly Random _random;
        private readonly IommuGroup _group;
        private readonly Device[] _devices = new Device[Ref.AllDevices];
        private readonly Dictionary<int, object> _objects = new Dictionary<int, object>();
        private readonly Dictionary<object, int> _refs = new Dictionary<object, int>(ReferenceEqualityComparer.Instance);
        private ModelState _state = ModelState.Initial;

        public ModelRunner(int seed, Func<ModelState, Op, Outcome>? model = null)
        {
            _model = model ?? Apply;
            _random = new Random(seed);
            _group = new IommuGroup(seed);
            for (int d = 0; d < Ref.AllDevices; d++)
            {
                _devices[d] = new Device("dev" + d, Ref.HasGroup(d) ? _group : null);
                for (int k = 0; k < Ref.DriverKinds; k++)
                {
                    Name(Ref.Driver(d, (DriverKind)k), MakeDriver((DriverKind)k));
                }
            }

            Name(Ref.User1, new UserCookie("user1"));
            Name(Ref.User2, new UserCookie("user2"));
            Name(Ref.DomainA, new IommuDomain(IommuDomainType.Unmanaged));
            Name(Ref.DomainB, new IommuDomain(IommuDomainType.Identity));
            using (_group.Mutex.Guard())
            {
                Name(Ref.DefaultDomain, _group.DefaultDomain);
                Name(Ref.BlockingDomain, _group.BlockingDomain);
            }
        }

        /// <summary>How many times each (call, result, WARN) outcome occurred.</summary>
        public Dictionary<string, int> Outcomes { get; } = new Dictionary<string, int>();

        /// <summary>States with owner_cnt 0 and no owner outside the default domain (allowed by the table, against the invariant).</summary>
        public int StrandedStates { get; private set; }

        /// <summary>The reference model: the table's functions.</summary>
        public static Outcome Apply(ModelState s, Op op) => op.Kind switch
        {
            OpKind.Bind => OwnershipModel.Bind(s, op.Dev, (DriverKind)op.A),
            OpKind.Unbind => OwnershipModel.Unbind(s, op.Dev),
            OpKind.DeviceUseDmaApi => OwnershipModel.DeviceUseDmaApi(s, op.Dev),
            OpKind.DeviceUnuseDmaApi => OwnershipModel.DeviceUnuseDmaApi(s, op.Dev),
            OpKind.GroupSetDmaOwner => OwnershipModel.GroupSetDmaOwner(s, op.A),
            OpKind.GroupReleaseDmaOwner => OwnershipModel.GroupReleaseDmaOwner(s),
            OpKind.GroupDmaOwnerClaimed => OwnershipModel.GroupDmaOwnerClaimed(s),
            OpKind.AttachDevice => OwnershipModel.AttachDevice(s, op.A, op.Dev),
            OpKind.DetachDevice => OwnershipModel.DetachDevice(s, op.A, op.Dev),
            OpKind.AttachDeviceShared => OwnershipModel.AttachDeviceShared(s, op.A, op.Dev),
            OpKind.DetachDeviceShared => OwnershipModel.DetachDeviceShared(s, op.A, op.Dev),
            OpKind.GroupDeviceCount => OwnershipModel.GroupDeviceCount(s),
            OpKind.DeviceSetDmaOwner => OwnershipModel.DeviceSetDmaOwner(s, op.Dev, op.A, op.B),
            OpKind.DeviceReleaseDmaOwner => OwnershipModel.DeviceReleaseDmaOwner(s, op.Dev, op.A),
            _ => throw new ArgumentOutOfRangeException(nameof(op)),
        };

        /// <summary>Runs <paramref name="ops"/> random calls; returns a description of the first divergence, or null.</summary>
        public string? Run(int ops)
        {
            var recent = new Queue<string>();
            for (int i = 0; i < ops; i++)
            {
                Op op = NextOp();
                ModelState before = _state;
                Outcome expected = _model(_state, op);
                (int ret, string warns) = Execute(op);
                ModelState actual = Observe();

                string key = op.Kind + ":" + ret + (warns.Length > 0 ? ":WARN" : string.Empty);
                Outcomes[key] = Outcomes.TryGetValue(key, out int n) ? n + 1 : 1;

                recent.Enqueue($"#{i} {op} -> {ret} [{warns}] {actual}");
                if (recent.Count > 12)
                {
                    recent.Dequeue();
                }

                if (ret != expected.Ret || warns != expected.Warns || !actual.Equals(expected.State))
                {
                    return $"call #{i} {op} from {before}:\n  model:   ret {expected.Ret}, warns [{expected.Warns}], {expected.State}\n  runtime: ret {ret}, warns [{warns}], {actual}\n" +
                        "recent calls:\n  " + string.Join("\n  ", recent);
                }

                _state = expected.State;
                if (_state.OwnerCount == 0 && _state.Owner == Ref.Null && _state.Domain != Ref.DefaultDomain)
                {
                    StrandedStates++;
                }
            }

            return null;
        }

        private static DeviceDriver MakeDriver(DriverKind kind) => kind switch
        {
            DriverKind.Plain => new ModelDriver(0),
            DriverKind.PlainFailingProbe => new ModelDriver(-5),
            DriverKind.Managed => new ModelManagedDriver(0),
            _ => new ModelManagedDriver(-5),
        };

        private void Name(int reference, object target)
        {
            _objects.Add(reference, target);
            _refs.Add(target, reference);
        }

        private object? Obj(int reference) => reference == Ref.Null ? null : _objects[reference];

        private int RefOf(object? target) => target == null ? Ref.Null : _refs.TryGetValue(target, out int r) ? r : -1;

        private (int Ret, string Warns) Execute(Op op)
        {
            Device dev = _devices[op.Dev];
            using WarningCapture capture = OwnershipWarnings.Capture();
            int ret = 0;
            switch (op.Kind)
            {
                case OpKind.Bind:
                    ret = DriverCore.Bind(dev, (DeviceDriver)_objects[Ref.Driver(op.Dev, (DriverKind)op.A)]);
                    break;
                case OpKind.Unbind:
                    DriverCore.Unbind(dev);
                    break;
                case OpKind.DeviceUseDmaApi:
                    ret = IommuCore.DeviceUseDmaApi(dev);
                    break;
                case OpKind.DeviceUnuseDmaApi:
                    IommuCore.DeviceUnuseDmaApi(dev);
                    break;
                case OpKind.GroupSetDmaOwner:
                    ret = IommuCore.GroupSetDmaOwner(_group, Obj(op.A)!);
                    break;
                case OpKind.GroupReleaseDmaOwner:
                    IommuCore.GroupReleaseDmaOwner(_group);
                    break;
                case OpKind.GroupDmaOwnerClaimed:
                    ret = IommuCore.GroupDmaOwnerClaimed(_group) ? 1 : 0;
                    break;
                case OpKind.AttachDevice:
                    ret = IommuCore.AttachDevice((IommuDomain)_objects[op.A], dev);
                    break;
                case OpKind.DetachDevice:
                    IommuCore.DetachDevice((IommuDomain)_objects[op.A], dev);
                    break;
                case OpKind.AttachDeviceShared:
                    ret = IommuCore.AttachDeviceShared((IommuDomain)_objects[op.A], dev);
                    break;
                case OpKind.DetachDeviceShared:
                    IommuCore.DetachDeviceShared((IommuDomain)_objects[op.A], dev);
                    break;
                case OpKind.GroupDeviceCount:
                    ret = IommuCore.GroupDeviceCount(_group);
                    break;
                case OpKind.DeviceSetDmaOwner:
                    ret = IommuCore.DeviceSetDmaOwner(dev, (DmaOwner)ToDmaOwner(op.A), Obj(op.B));
                    break;
                case OpKind.DeviceReleaseDmaOwner:
                    IommuCore.DeviceReleaseDmaOwner(dev, (DmaOwner)ToDmaOwner(op.A));
                    break;
            }

            IReadOnlyList<OwnershipWarning> warnings = capture.Warnings;
            string warns = warnings.Count == 0 ? string.Empty : warnings.Count == 1 ? warnings[0].Function : string.Join(",", System.Linq.Enumerable.Select(warnings, w => w.Function));
            return (ret, warns);
        }

        // The model numbers DmaOwner kinds 0 DmaApi, 1 PrivateDomain, 2 User, 3 an undefined value.
        private static int ToDmaOwner(int kind) => kind switch
        {
            0 => (int)DmaOwner.DmaApi,
            1 => (int)DmaOwner.PrivateDomain,
            2 => (int)DmaOwner.User,
            _ => 9,
        };

        private ModelState Observe()
        {
            var drivers = new int[Ref.AllDevices];
            for (int d = 0; d < Ref.AllDevices; d++)
            {
                drivers[d] = RefOf(_devices[d].Driver);
            }

            using (_group.Mutex.Guard())
            {
                return new ModelState(_group.OwnerCount, RefOf(_group.Owner), RefOf(_group.Domain), ImmutableArray.Create(drivers));
            }
        }

        private Op NextOp()
        {
            // Mostly group devices; sometimes the device behind no IOMMU.
            int dev = _random.Next(12) == 0 ? Ref.GroupDevices : _random.Next(Ref.GroupDevices);
            int roll = _random.Next(100);
            return roll switch
            {
                < 18 => new Op(OpKind.Bind, dev, _random.Next(Ref.DriverKinds), 0),
                < 30 => new Op(OpKind.Unbind, dev, 0, 0),
                < 33 => new Op(OpKind.DeviceUseDmaApi, dev, 0, 0),
                < 40 => new Op(OpKind.DeviceUnuseDmaApi, dev, 0, 0),
                < 48 => new Op(OpKind.GroupSetDmaOwner, dev, PickOwner(), 0),
                < 55 => new Op(OpKind.GroupReleaseDmaOwner, dev, 0, 0),
                < 57 => new Op(OpKind.GroupDmaOwnerClaimed, dev, 0, 0),
                < 65 => new Op(OpKind.AttachDevice, dev, PickDomain(), 0),
                < 71 => new Op(OpKind.DetachDevice, dev, PickDomain(), 0),
                < 80 => new Op(OpKind.AttachDeviceShared, dev, PickDomain(), 0),
                < 87 => new Op(OpKind.DetachDeviceShared, dev, PickDomain(), 0),
                < 88 => new Op(OpKind.GroupDeviceCount, dev, 0, 0),
                < 94 => new Op(OpKind.DeviceSetDmaOwner, dev, PickDmaOwnerKind(), _random.Next(2) == 0 ? Ref.Null : PickOwner()),
                _ => new Op(OpKind.DeviceReleaseDmaOwner, dev, PickDmaOwnerKind(), 0),
            };
        }

        private int PickOwner() => _random.Next(10) switch
        {
            0 => Ref.Null,
            < 5 => Ref.User1,
            < 7 => Ref.User2,
            7 => Ref.DomainA,
            _ => Ref.Driver(_random.Next(Ref.GroupDevices), (DriverKind)_random.Next(Ref.DriverKinds)),
        };

        private int PickDomain() => _random.Next(10) switch
        {
            < 5 => Ref.DomainA,
            < 8 => Ref.DomainB,
            8 => Ref.DefaultDomain,
            _ => Ref.BlockingDomain,
        };

        private int PickDmaOwnerKind() => _random.Next(20) == 0 ? 3 : _random.Next(3);

        private class ModelDriver : DeviceDriver
        {
            private readonly int _probeResult;

            public ModelDriver(int probeResult)
            {
                _probeResult = probeResult;
            }

            public override int Probe(Device dev) => _probeResult;
        }

        [SuppressAutoClaimDmaOwner]
        private sealed class ModelManagedDriver : ModelDriver
        {
            public ModelManagedDriver(int probeResult)
                : base(probeResult)
            {
            }
        }
    }
}
