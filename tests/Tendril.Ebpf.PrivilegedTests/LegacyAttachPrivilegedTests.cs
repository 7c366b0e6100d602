using Tendril.Ebpf.Links;
using Tendril.Tests.Common;
using Tendril.Tests.Common.SelfTest;
using Tendril.Tests.Common.Topology;
using Xunit;

namespace Tendril.Ebpf.PrivilegedTests;

/// <summary>tc (clsact) and XDP attachments on a real veth.</summary>
[Trait("Category", "Privileged")]
public sealed class LegacyAttachPrivilegedTests
{
    [PrivilegedFact]
    public async Task PrivilegedAttachTc_Clsact_SeesTrafficAndDisposeRemovesTheFilter()
    {
        using var net = TwoNamespaces.Create();
        using var collection = SelfTestObject.Spec().Load();
        var stats = collection.GetMap<uint, SelfTestStats>(SelfTestObject.StatsMap);
        using var pong = PongServer.Start(net.Server, TwoNamespaces.ServerAddress, 8080);
        int ifindex = net.ServerIfindex;
        ulong Seen() => PacketPrivilegedTests.Sum(stats.LookupPerCpu(0)).Seen;

        var link = net.Server.Invoke(() => Link.AttachTc(collection.GetProgram(SelfTestObject.TcProgram), new TcOptions(ifindex, TcxDirection.Ingress)));
        Assert.Equal(collection.GetProgram(SelfTestObject.TcProgram).Info.Id, link.ProgramId);
        Assert.True(await Traffic.TcpPingAsync(net.Client, TwoNamespaces.ServerAddress, 8080, TimeSpan.FromSeconds(3)));
        ulong seen = Seen();
        Assert.True(seen > 0);
        Assert.Throws<NotSupportedException>(() => link.Pin("/sys/fs/bpf/never"));

        net.Server.Invoke(link.Dispose);
        Assert.True(await Traffic.TcpPingAsync(net.Client, TwoNamespaces.ServerAddress, 8080, TimeSpan.FromSeconds(3)));
        Assert.Equal(seen, Seen());
    }

    [PrivilegedFact]
    public async Task PrivilegedAttachXdp_NativeOnVeth_CountsPacketsUntilDisposed()
    {
        using var net = TwoNamespaces.Create();
        using var collection = SelfTestObject.Spec().Load();
        var count = collection.GetMap<uint, ulong>(SelfTestObject.XdpCountMap);
        using var pong = PongServer.Start(net.Server, TwoNamespaces.ServerAddress, 8080);
        int ifindex = net.ServerIfindex;
        ulong Count() => count.LookupPerCpu(0).Aggregate(0ul, (s, v) => s + v);

        var link = net.Server.Invoke(() => Link.AttachXdp(collection.GetProgram(SelfTestObject.XdpProgram), new XdpOptions(ifindex, XdpMode.Native)));
        Assert.Equal(LinkType.Xdp, link.Info().Type);
        Assert.True(await Traffic.TcpPingAsync(net.Client, TwoNamespaces.ServerAddress, 8080, TimeSpan.FromSeconds(3)));
        ulong counted = Count();
        Assert.True(counted >= 3, $"a TCP exchange is several packets, XDP counted {counted}");

        link.Dispose();
        Assert.True(await Traffic.TcpPingAsync(net.Client, TwoNamespaces.ServerAddress, 8080, TimeSpan.FromSeconds(3)));
        Assert.Equal(counted, Count());
    }
}
