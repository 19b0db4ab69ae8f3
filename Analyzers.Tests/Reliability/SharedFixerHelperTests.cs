using System.Threading.Tasks;
using Xunit;
using Verify = IommuAnalyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    IommuAnalyzers.Ownership.SharedAttachWithoutSuppressAutoClaimAnalyzer,
    IommuAnalyzers.CodeFixes.Ownership.SharedAttachWithoutSuppressAutoClaimFixer>;

namespace IommuAnalyzers.Tests.Reliability
{
    /// <summary>
    /// Bugs the reliability runs found in the shared fixer helpers (CodeFixes/*.cs), pinned through IOMMU0001's fix.
    /// </summary>
    public class SharedFixerHelperTests
    {
        // Found by the fix round trip over the reliability inputs: a fix that adds `using Iommu;` to a file without
        // usings put it above the file's header comment, so an SPDX line (which kernel-style sources keep first) or a
        // license banner ended up second.
        [Fact]
        public async Task AddedUsing_GoesBelowAnSpdxHeader()
        {
            const string source = @"// SPDX-License-Identifier: GPL-2.0
namespace Drivers
{
    public sealed class Host1xClient : Iommu.DeviceDriver
    {
        private readonly Iommu.IommuDomain _domain = new Iommu.IommuDomain(Iommu.IommuDomainType.Unmanaged);

        public override int Probe(Iommu.Device dev) => {|IOMMU0001:Iommu.IommuCore.AttachDeviceShared(_domain, dev)|};
    }
}
";
            const string fixedSource = @"// SPDX-License-Identifier: GPL-2.0
using Iommu;

namespace Drivers
{
    [SuppressAutoClaimDmaOwner]
    public sealed class Host1xClient : Iommu.DeviceDriver
    {
        private readonly Iommu.IommuDomain _domain = new Iommu.IommuDomain(Iommu.IommuDomainType.Unmanaged);

        public override int Probe(Iommu.Device dev) => Iommu.IommuCore.AttachDeviceShared(_domain, dev);
    }
}
";
            await Verify.VerifyCodeFixAsync(source, fixedSource);
        }

        [Fact]
        public async Task AddedUsing_GoesBelowABanner_ButTheDocCommentStaysOnTheDriver()
        {
            const string source = @"// Copyright the port's authors.
// Licensed under the MIT license.

/// <summary>A host1x client.</summary>
public sealed class Host1xClient : Iommu.DeviceDriver
{
    private readonly Iommu.IommuDomain _domain = new Iommu.IommuDomain(Iommu.IommuDomainType.Unmanaged);

    public override int Probe(Iommu.Device dev) => {|IOMMU0001:Iommu.IommuCore.AttachDeviceShared(_domain, dev)|};
}
";
            const string fixedSource = @"// Copyright the port's authors.
// Licensed under the MIT license.

using Iommu;

/// <summary>A host1x client.</summary>
[SuppressAutoClaimDmaOwner]
public sealed class Host1xClient : Iommu.DeviceDriver
{
    private readonly Iommu.IommuDomain _domain = new Iommu.IommuDomain(Iommu.IommuDomainType.Unmanaged);

    public override int Probe(Iommu.Device dev) => Iommu.IommuCore.AttachDeviceShared(_domain, dev);
}
";
            await Verify.VerifyCodeFixAsync(source, fixedSource);
        }

        [Fact]
        public async Task AddedUsing_StaysOutsideAConditionalRegion_AtTheTopOfTheFile()
        {
            // Directives are not a banner: moving them above the using would put the using inside the region.
            const string source = @"#if !NO_HOST1X
namespace Drivers
{
    public sealed class Host1xClient : Iommu.DeviceDriver
    {
        private readonly Iommu.IommuDomain _domain = new Iommu.IommuDomain(Iommu.IommuDomainType.Unmanaged);

        public override int Probe(Iommu.Device dev) => {|IOMMU0001:Iommu.IommuCore.AttachDeviceShared(_domain, dev)|};
    }
}
#endif
";
            const string fixedSource = @"using Iommu;
#if !NO_HOST1X
namespace Drivers
{
    [SuppressAutoClaimDmaOwner]
    public sealed class Host1xClient : Iommu.DeviceDriver
    {
        private readonly Iommu.IommuDomain _domain = new Iommu.IommuDomain(Iommu.IommuDomainType.Unmanaged);

        public override int Probe(Iommu.Device dev) => Iommu.IommuCore.AttachDeviceShared(_domain, dev);
    }
}
#endif
";
            await Verify.VerifyCodeFixAsync(source, fixedSource);
        }

        // Found by the fixes over half-typed mutants: the attribute is already written but does not bind because the
        // file lacks `using Iommu;` (CS0246), so the rule fires; adding a second [SuppressAutoClaimDmaOwner] together with
        // the using made both bind: CS0579, duplicate attribute. The fix now only adds the using.
        [Fact]
        public async Task UnboundAttributeAlreadyWritten_FixAddsOnlyTheUsing()
        {
            const string source = @"namespace Drivers
{
    [{|CS0246:{|CS0246:SuppressAutoClaimDmaOwner|}|}]
    public sealed class Host1xClient : Iommu.DeviceDriver
    {
        private readonly Iommu.IommuDomain _domain = new Iommu.IommuDomain(Iommu.IommuDomainType.Unmanaged);

        public override int Probe(Iommu.Device dev) => {|IOMMU0001:Iommu.IommuCore.AttachDeviceShared(_domain, dev)|};
    }
}
";
            const string fixedSource = @"using Iommu;

namespace Drivers
{
    [SuppressAutoClaimDmaOwner]
    public sealed class Host1xClient : Iommu.DeviceDriver
    {
        private readonly Iommu.IommuDomain _domain = new Iommu.IommuDomain(Iommu.IommuDomainType.Unmanaged);

        public override int Probe(Iommu.Device dev) => Iommu.IommuCore.AttachDeviceShared(_domain, dev);
    }
}
";
            await Verify.VerifyCodeFixAsync(source, fixedSource);
        }

        [Fact]
        public async Task AttributeOfTheSameNameFromAnotherNamespace_StillGetsTheRuntimeAttribute()
        {
            // The near miss: a bound attribute that merely shares the name is not the runtime's; the fix adds the real one.
            const string source = @"using System;

namespace Legacy
{
    [AttributeUsage(AttributeTargets.Class)]
    public sealed class SuppressAutoClaimDmaOwnerAttribute : Attribute
    {
    }
}

namespace Drivers
{
    [Legacy.SuppressAutoClaimDmaOwner]
    public sealed class Host1xClient : Iommu.DeviceDriver
    {
        private readonly Iommu.IommuDomain _domain = new Iommu.IommuDomain(Iommu.IommuDomainType.Unmanaged);

        public override int Probe(Iommu.Device dev) => {|IOMMU0001:Iommu.IommuCore.AttachDeviceShared(_domain, dev)|};
    }
}
";
            const string fixedSource = @"using System;
using Iommu;

namespace Legacy
{
    [AttributeUsage(AttributeTargets.Class)]
    public sealed class SuppressAutoClaimDmaOwnerAttribute : Attribute
    {
    }
}

namespace Drivers
{
    [SuppressAutoClaimDmaOwner]
    [Legacy.SuppressAutoClaimDmaOwner]
    public sealed class Host1xClient : Iommu.DeviceDriver
    {
        private readonly Iommu.IommuDomain _domain = new Iommu.IommuDomain(Iommu.IommuDomainType.Unmanaged);

        public override int Probe(Iommu.Device dev) => Iommu.IommuCore.AttachDeviceShared(_domain, dev);
    }
}
";
            await Verify.VerifyCodeFixAsync(source, fixedSource);
        }

        // Found by the fixes over half-typed mutants: adding the attribute reformatted the whole driver class (the
        // declaration carried the formatter annotation), rewriting code the fix had no business touching; on valid code
        // that undoes hand alignment, on half-typed code it changed how a broken line failed.
        [Fact]
        public async Task Fix_LeavesTheRestOfTheDriverAsWritten()
        {
            const string source = @"using Iommu;

namespace Drivers
{
    public sealed class Host1xClient : DeviceDriver
    {
        private readonly IommuDomain _domain  = new IommuDomain(IommuDomainType.Unmanaged);
        private int                  _probes  = 0;

        public override int Probe(Device dev) { _probes++;  return {|IOMMU0001:IommuCore.AttachDeviceShared(_domain, dev)|}; }
    }
}
";
            const string fixedSource = @"using Iommu;

namespace Drivers
{
    [SuppressAutoClaimDmaOwner]
    public sealed class Host1xClient : DeviceDriver
    {
        private readonly IommuDomain _domain  = new IommuDomain(IommuDomainType.Unmanaged);
        private int                  _probes  = 0;

        public override int Probe(Device dev) { _probes++;  return IommuCore.AttachDeviceShared(_domain, dev); }
    }
}
";
            await Verify.VerifyCodeFixAsync(source, fixedSource);
        }

        [Fact]
        public async Task Fix_LeavesTheRestOfTheDriverAsWritten_WhenItAlreadyHasAttributes()
        {
            const string source = @"using System;
using Iommu;

[Serializable]
public sealed class Host1xClient : DeviceDriver
{
    private readonly IommuDomain _domain  = new IommuDomain(IommuDomainType.Unmanaged);

    public override int Probe(Device dev) =>   {|IOMMU0001:IommuCore.AttachDeviceShared(_domain, dev)|};
}
";
            const string fixedSource = @"using System;
using Iommu;

[SuppressAutoClaimDmaOwner]
[Serializable]
public sealed class Host1xClient : DeviceDriver
{
    private readonly IommuDomain _domain  = new IommuDomain(IommuDomainType.Unmanaged);

    public override int Probe(Device dev) =>   IommuCore.AttachDeviceShared(_domain, dev);
}
";
            await Verify.VerifyCodeFixAsync(source, fixedSource);
        }
    }
}
