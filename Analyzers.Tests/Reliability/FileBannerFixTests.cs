using System.Threading.Tasks;
using Xunit;
using Verify = IommuAnalyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    IommuAnalyzers.Ownership.SharedAttachWithoutSuppressAutoClaimAnalyzer,
    IommuAnalyzers.CodeFixes.Ownership.SharedAttachWithoutSuppressAutoClaimFixer>;

namespace IommuAnalyzers.Tests.Reliability
{
    /// <summary>
    /// Found by the fix round trip over the reliability inputs: a fix that adds <c>using Iommu;</c> to a file without
    /// usings put it above the file's header comment, so an SPDX line (which kernel-style sources keep first) or a
    /// license banner ended up second.
    /// </summary>
    public class FileBannerFixTests
    {
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
    }
}
