using Tendril.Ebpf.Links;
using Tendril.Ebpf.RingBuffer;
using Tendril.Interop;
using Tendril.Tests.Common;
using Tendril.Tests.Common.SelfTest;
using Tendril.Tests.Common.Topology;
using Xunit;

namespace Tendril.Ebpf.PrivilegedTests;

/// <summary>The self-test program attached with tcx to a real veth, with real TCP and UDP crossing it.</summary>
[Trait("Category", "Privileged")]
public sealed class TcxPrivilegedTests
{
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Blocked = TimeSpan.FromMilliseconds(1500);

    [PrivilegedFact]
    public async Task PrivilegedAttachTcx_RealTcpAndUdp_EventsArriveAndFlippingTheVerdictDrops()
    {
        using var net = TwoNamespaces.Create();
        using var collection = SelfTestObject.Spec().Load();
        using var reader = RingBufferReader.Open(collection.GetMap(SelfTestObject.EventsMap));
        var config = collection.GetMap<uint, SelfTestConfig>(SelfTestObject.ConfigMap);
        using var pong = PongServer.Start(net.Server, TwoNamespaces.ServerAddress, 8080);
        using var sink = UdpSink.Start(net.Server, TwoNamespaces.ServerAddress, 5353);
        int ifindex = net.ServerIfindex;
        using var link = net.Server.Invoke(() => Link.AttachTcx(collection.GetProgram(SelfTestObject.TcProgram),
            new TcxOptions(ifindex, TcxDirection.Ingress, TwoNamespaces.ServerDevice)));

        Assert.True(await Traffic.TcpPingAsync(net.Client, TwoNamespaces.ServerAddress, 8080, Quick));
        await Traffic.SendUdpAsync(net.Client, TwoNamespaces.ServerAddress, 5353, "hello");
        Assert.True(await Poll.UntilAsync(() => sink.Received == 1, Quick));

        var events = new List<SelfTestEvent>();
        var collector = new RecordCollector<SelfTestEvent>(events);
        reader.Consume(ref collector);
        var syn = Assert.Single(events, e => e.Dport == 8080 && e.TcpFlags == 0x02);
        Assert.Equal(TwoNamespaces.ClientAddress, new System.Net.IPAddress(syn.Saddr));
        Assert.Contains(events, e => e.Protocol == 17 && e.Dport == 5353);

        config.Update(0, new SelfTestConfig { Verdict = (uint)SelfTestVerdict.Drop });
        Assert.False(await Traffic.TcpPingAsync(net.Client, TwoNamespaces.ServerAddress, 8080, Blocked));
        await Traffic.SendUdpAsync(net.Client, TwoNamespaces.ServerAddress, 5353, "dropped");
        await Task.Delay(300);
        Assert.Equal(1, sink.Received);

        config.Update(0, new SelfTestConfig { Verdict = (uint)SelfTestVerdict.Pass });
        Assert.True(await Traffic.TcpPingAsync(net.Client, TwoNamespaces.ServerAddress, 8080, Quick));
        var stats = PacketPrivilegedTests.Sum(collection.GetMap<uint, SelfTestStats>(SelfTestObject.StatsMap).LookupPerCpu(0));
        Assert.True(stats.Dropped >= 2, $"dropped {stats.Dropped}");
    }

    [PrivilegedFact]
    public void PrivilegedAttachTcx_Anchors_QueryShowsTheRequestedOrder()
    {
        using var net = TwoNamespaces.Create();
        using var a = SelfTestObject.Spec().Load();
        using var b = SelfTestObject.Spec().Load();
        using var c = SelfTestObject.Spec().Load();
        int ifindex = net.ServerIfindex;
        Program Tc(Collection col) => col.GetProgram(SelfTestObject.TcProgram);
        uint Id(Collection col) => Tc(col).Info.Id;

        net.Server.Invoke(() =>
        {
            using var linkA = Link.AttachTcx(Tc(a), new TcxOptions(ifindex, TcxDirection.Ingress));
            using var linkB = Link.AttachTcx(Tc(b), new TcxOptions(ifindex, TcxDirection.Ingress) { Anchor = TcxAnchor.First });
            using var linkC = Link.AttachTcx(Tc(c), new TcxOptions(ifindex, TcxDirection.Ingress) { Anchor = TcxAnchor.Before(linkA) });

            var query = Link.QueryTcx(ifindex, TcxDirection.Ingress);
            Assert.Equal([Id(b), Id(c), Id(a)], query.Programs.Select(p => p.ProgramId));
            Assert.Equal([linkB.Id, linkC.Id, linkA.Id], query.Programs.Select(p => p.LinkId));
            Assert.Empty(Link.QueryTcx(ifindex, TcxDirection.Egress).Programs);

            linkC.Dispose();
            var after = Link.QueryTcx(ifindex, TcxDirection.Ingress);
            Assert.Equal([Id(b), Id(a)], after.Programs.Select(p => p.ProgramId));
            Assert.True(after.Revision > query.Revision);
        });
    }

    [PrivilegedFact]
    public void PrivilegedAttachTcx_StaleExpectedRevision_FailsWithEstale()
    {
        using var net = TwoNamespaces.Create();
        using var a = SelfTestObject.Spec().Load();
        using var b = SelfTestObject.Spec().Load();
        int ifindex = net.ServerIfindex;

        net.Server.Invoke(() =>
        {
            ulong revision = Link.QueryTcx(ifindex, TcxDirection.Egress).Revision;
            using var first = Link.AttachTcx(a.GetProgram(SelfTestObject.TcProgram), new TcxOptions(ifindex, TcxDirection.Egress) { ExpectedRevision = revision });

            var e = Assert.Throws<LinuxException>(() => Link.AttachTcx(b.GetProgram(SelfTestObject.TcProgram),
                new TcxOptions(ifindex, TcxDirection.Egress, "s0") { ExpectedRevision = revision }));

            Assert.Equal(116, e.Errno); // ESTALE
            Assert.Contains("attach tcx egress program selftest_tc to s0", e.Message);
        });
    }

    [PrivilegedFact]
    public void PrivilegedAttachTcx_MissingDevice_FailsNamingTheDevice()
    {
        using var collection = SelfTestObject.Spec().Load();

        var e = Assert.Throws<LinuxException>(() => Link.AttachTcx(collection.GetProgram(SelfTestObject.TcProgram),
            new TcxOptions(0x7ffffff0, TcxDirection.Ingress, "ghost0")));

        Assert.Equal(ErrnoNames.ENODEV, e.Errno);
        Assert.Contains("ghost0", e.Message);
    }

    [PrivilegedFact]
    public async Task PrivilegedTcxLink_UnpinnedLinkDisposed_DetachesAndTrafficIsNoLongerSeen()
    {
        using var net = TwoNamespaces.Create();
        using var collection = SelfTestObject.Spec().Load();
        var stats = collection.GetMap<uint, SelfTestStats>(SelfTestObject.StatsMap);
        using var pong = PongServer.Start(net.Server, TwoNamespaces.ServerAddress, 8080);
        int ifindex = net.ServerIfindex;
        var link = net.Server.Invoke(() => Link.AttachTcx(collection.GetProgram(SelfTestObject.TcProgram), new TcxOptions(ifindex, TcxDirection.Ingress)));
        Assert.Equal(LinkType.Tcx, link.Info().Type);
        Assert.Equal(ifindex, link.Info().Ifindex);
        Assert.Equal(AttachType.TcxIngress, link.Info().AttachType);

        link.Dispose();
        ulong seen = PacketPrivilegedTests.Sum(stats.LookupPerCpu(0)).Seen;
        Assert.True(await Traffic.TcpPingAsync(net.Client, TwoNamespaces.ServerAddress, 8080, Quick));

        Assert.Equal(seen, PacketPrivilegedTests.Sum(stats.LookupPerCpu(0)).Seen);
        Assert.Empty(net.Server.Invoke(() => Link.QueryTcx(ifindex, TcxDirection.Ingress)).Programs);
    }
}
