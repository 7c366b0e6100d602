using Tendril.Ebpf.Features;
using Tendril.Interop;
using Tendril.Tests.Common;
using Xunit;

namespace Tendril.Ebpf.PrivilegedTests;

[Trait("Category", "Privileged")]
public sealed class FeaturePrivilegedTests
{
    // Features every kernel at or above their minimum version has, whatever its configuration.
    public static TheoryData<KernelFeature> VersionGated => new()
    {
        KernelFeature.RingBuffer, KernelFeature.LpmTrie, KernelFeature.LruHash, KernelFeature.BatchMapOperations,
        KernelFeature.ProgramTestRun, KernelFeature.Tcx, KernelFeature.RedirectPeer, KernelFeature.RedirectNeigh,
        KernelFeature.XdpLink, KernelFeature.CgroupSockAddrLink,
    };

    [PrivilegedTheory]
    [MemberData(nameof(VersionGated))]
    public void PrivilegedProbe_KernelAtOrAboveMinimum_ReportsAvailable(KernelFeature feature)
    {
        var probe = KernelFeatures.Probe(feature);

        Assert.NotEqual(FeatureStatus.Unknown, probe.Status);
        if (Environment.OSVersion.Version >= Version.Parse(probe.MinimumKernel))
            Assert.True(probe.IsAvailable, $"{probe.Description} should exist on Linux {Environment.OSVersion.Version}: {probe.Detail}");
    }

    [PrivilegedFact]
    public void PrivilegedProbe_Netkit_IsDecided()
    {
        // Netkit depends on CONFIG_NETKIT, not only the version; the probe must still give a clear answer.
        Assert.NotEqual(FeatureStatus.Unknown, KernelFeatures.Probe(KernelFeature.Netkit).Status);
    }

    [PrivilegedFact]
    public void PrivilegedRequire_MissingFeature_ThrowsNotSupportedByKernel()
    {
        if (KernelFeatures.Has(KernelFeature.Netkit))
            return;

        var e = Assert.Throws<NotSupportedByKernelException>(() => KernelFeatures.Require(KernelFeature.Netkit));

        Assert.Equal("6.7", e.MinimumKernel);
        Assert.Contains("netkit", e.Message);
    }

    [PrivilegedFact]
    public void PrivilegedProbeAll_EveryFeature_IsReportedOnce()
    {
        var all = KernelFeatures.ProbeAll();

        Assert.Equal(Enum.GetValues<KernelFeature>().Length, all.Count);
        Assert.Equal(all.Count, all.Select(p => p.Feature).Distinct().Count());
    }
}
