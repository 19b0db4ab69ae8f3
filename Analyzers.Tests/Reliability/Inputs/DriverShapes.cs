// Declaration shapes real ports use, which analyzers and fixes must all handle: a file-scoped namespace, a driver
// nested in a static class, a generic driver, a driver under #if with doc comments and attributes, an abstract base
// that shares for its subclasses, and shared calls inside lambdas and local functions (which belong to the driver).
using System;
using System.Collections.Generic;
using Iommu;

namespace DriverPorts.Shapes;

public static class Tegra
{
    // drivers/gpu/drm/tegra/nvdec.c, ported nested in its SoC's class.
    public sealed class Nvdec : DeviceDriver
    {
        private readonly IommuDomain _domain;

        public Nvdec(IommuDomain domain)
        {
            _domain = domain;
        }

        public override int Probe(Device dev) => IommuCore.AttachDeviceShared(_domain, dev);

        public override void Remove(Device dev) => IommuCore.DetachDeviceShared(_domain, dev);
    }
}

public sealed class ContextClient<TContext> : DeviceDriver
    where TContext : class, new()
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);
    private readonly Dictionary<Device, TContext> _contexts = new Dictionary<Device, TContext>();

    public override int Probe(Device dev)
    {
        int err = IommuCore.AttachDeviceShared(_domain, dev);
        if (err == 0)
        {
            _contexts[dev] = new TContext();
        }

        return err;
    }

    public override void Remove(Device dev)
    {
        if (_contexts.Remove(dev))
        {
            IommuCore.DetachDeviceShared(_domain, dev);
        }
    }
}

#if !NO_SHAPES
/// <summary>A client kept from an older port.</summary>
[Obsolete("kept for the old board files")]
[Serializable]
internal sealed class ConditionalClient : DeviceDriver
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

    public override int Probe(Device dev) => IommuCore.AttachDeviceShared(_domain, dev);
}
#endif

public abstract class SharedClientBase : DeviceDriver
{
    protected IommuDomain Domain { get; } = new IommuDomain(IommuDomainType.Unmanaged);

    // host1x_client_iommu_attach() as a base-class helper.
    protected int Share(Device dev) => IommuCore.AttachDeviceShared(Domain, dev);

    protected void Unshare(Device dev) => IommuCore.DetachDeviceShared(Domain, dev);
}

public sealed class DerivedClient : SharedClientBase
{
    public override int Probe(Device dev) => Share(dev);

    public override void Remove(Device dev) => Unshare(dev);
}

public sealed class CallbackClient : DeviceDriver
{
    private readonly IommuDomain _domain = new IommuDomain(IommuDomainType.Unmanaged);

    public override int Probe(Device dev)
    {
        Func<int> attach = () => IommuCore.AttachDeviceShared(_domain, dev);
        int Retry() => IommuCore.AttachDeviceShared(_domain, dev);
        int err = attach();
        return err == -Errno.EBUSY ? Retry() : err;
    }

    public override void Remove(Device dev)
    {
        Action detach = delegate { IommuCore.DetachDeviceShared(_domain, dev); };
        detach();
    }
}
