using Tendril.Datapath.Abi;
using Tendril.Tests.Common;
using Tendril.Tests.Common.Packets;
using Xunit;

namespace Tendril.Datapath.PrivilegedTests;

/// <summary>Socket-LB (bpf/sock.c) on real sockets of a process in a test cgroup; see <see cref="SocketLbFixture"/>.</summary>
[Trait("Category", "Privileged")]
public sealed class SocketLbPrivilegedTests
{
    private const string VipPeer = "10.96.0.10:80";

    [PrivilegedFact]
    public async Task PrivilegedConnect_ToVip_ReachesTheBackendAndGetpeernameReportsTheVip()
    {
        using var lb = new SocketLbFixture();
        lb.StartTcpServer(8081);
        lb.Service(1, 80, PacketBuilder.Tcp, [8081]);

        var lines = await lb.ClientAsync("tcp", 80);

        Assert.Equal([$"{VipPeer} b8081"], lines);
    }

    [PrivilegedFact]
    public async Task PrivilegedConnect_OutsideTheCgroup_IsNotTranslated()
    {
        using var lb = new SocketLbFixture();
        lb.StartTcpServer(8081);
        lb.Service(1, 80, PacketBuilder.Tcp, [8081]);

        var lines = await lb.ClientAsync("tcp", 80, inCgroup: false);

        Assert.Equal(["error ENETUNREACH"], lines);
    }

    [PrivilegedTheory]
    [InlineData("udp")]
    [InlineData("udpc")]
    public async Task PrivilegedUdp_ToVip_ReplyAppearsToComeFromTheVip(string mode)
    {
        using var lb = new SocketLbFixture();
        lb.StartUdpServer(5301);
        lb.Service(1, 53, PacketBuilder.Udp, [5301]);

        var lines = await lb.ClientAsync(mode, 53, count: 3);

        Assert.Equal(Enumerable.Repeat("10.96.0.10:53 b5301", 3), lines);
    }

    [PrivilegedFact]
    public async Task PrivilegedRandom_ManyConnections_SpreadOverEveryBackend()
    {
        using var lb = new SocketLbFixture();
        ushort[] ports = [8081, 8082, 8083];
        foreach (var port in ports)
            lb.StartTcpServer(port);
        lb.Service(1, 80, PacketBuilder.Tcp, ports);

        var lines = await lb.ClientAsync("tcp", 80, count: 40);

        // Each backend is missed by 40 uniform picks with probability (2/3)^40 < 1e-7.
        Assert.Equal(ports.Select(p => $"{VipPeer} b{p}").Order(), lines.Distinct().Order());
    }

    [PrivilegedFact]
    public async Task PrivilegedAffinity_ClientIp_KeepsTheSameBackend()
    {
        using var lb = new SocketLbFixture();
        ushort[] ports = [8081, 8082, 8083];
        foreach (var port in ports)
            lb.StartTcpServer(port);
        lb.Service(1, 80, PacketBuilder.Tcp, ports, ServiceFlags.SessionAffinity, affinityTimeout: 60);

        var first = await lb.ClientAsync("tcp", 80, count: 20);
        var second = await lb.ClientAsync("tcp", 80, count: 5);

        var line = Assert.Single(first.Concat(second).Distinct());
        Assert.StartsWith(VipPeer, line);
    }

    [PrivilegedFact]
    public async Task PrivilegedMaglev_Service_SelectsFromTheServicesTable()
    {
        using var lb = new SocketLbFixture();
        lb.StartTcpServer(8081);
        lb.StartTcpServer(8082);
        lb.Service(1, 80, PacketBuilder.Tcp, [8081, 8082], ServiceFlags.Maglev);
        lb.Maps.Maglev.Set(1, Enumerable.Repeat(102u, (int)lb.Maps.Maglev.TableSize).ToArray());

        var lines = await lb.ClientAsync("tcp", 80, count: 10);

        Assert.Equal([$"{VipPeer} b8082"], lines.Distinct());
        Assert.Equal(102u, lb.Maps.Maglev.ReadPinned(1)![1234]);
    }

    [PrivilegedFact]
    public async Task PrivilegedNoBackends_RejectFlag_ConnectFailsWithConnectionRefused()
    {
        using var lb = new SocketLbFixture();
        lb.Service(1, 80, PacketBuilder.Tcp, [], ServiceFlags.RejectWithoutBackends);
        lb.Service(2, 53, PacketBuilder.Udp, [], ServiceFlags.RejectWithoutBackends);

        var tcp = await lb.ClientAsync("tcp", 80);
        var udp = await lb.ClientAsync("udp", 53);

        Assert.Equal(["error ECONNREFUSED"], tcp);
        Assert.Equal(["error ECONNREFUSED"], udp);
    }

    [PrivilegedFact]
    public async Task PrivilegedNoBackends_DropMode_ConnectGoesToTheVipUnchanged()
    {
        using var lb = new SocketLbFixture();
        lb.Service(1, 80, PacketBuilder.Tcp, []);

        var lines = await lb.ClientAsync("tcp", 80);

        // The client namespace has no route to the VIP: untranslated, the connect meets the routing table.
        Assert.Equal(["error ENETUNREACH"], lines);
    }

    [PrivilegedFact]
    public async Task PrivilegedTerminatingBackend_StillInASlot_GetsNoNewConnections()
    {
        using var lb = new SocketLbFixture();
        lb.StartTcpServer(8081);
        lb.StartTcpServer(8082);
        lb.Service(1, 80, PacketBuilder.Tcp, [8081, 8082], states: [BackendState.Terminating, BackendState.Active]);

        var lines = await lb.ClientAsync("tcp", 80, count: 20);

        Assert.Equal([$"{VipPeer} b8082"], lines.Distinct());
    }

    [PrivilegedFact]
    public async Task PrivilegedReload_PinnedLinks_MoveToTheNewProgramsInPlace()
    {
        using var lb = new SocketLbFixture();
        lb.StartTcpServer(8081);
        lb.Service(1, 80, PacketBuilder.Tcp, [8081]);
        var before = lb.Sock.Links(lb.CgroupPath);

        var reloaded = lb.Reload();
        var after = reloaded.Links(lb.CgroupPath);
        var lines = await lb.ClientAsync("tcp", 80);

        Assert.Equal(4, before.Count);
        Assert.Equal(before.Select(l => l.Id), after.Select(l => l.Id));
        Assert.Equal(reloaded.ProgramInfo(DatapathObjects.SockConnect4).Id, after[0].ProgramId);
        Assert.NotEqual(before[0].ProgramId, after[0].ProgramId);
        Assert.Equal([$"{VipPeer} b8081"], lines);
    }

    [PrivilegedFact]
    public async Task PrivilegedSharedPins_ServiceWrittenThroughNodeDatapath_ServesTheSocketLb()
    {
        using var lb = new SocketLbFixture();
        lb.StartTcpServer(8081);
        using var node = Loader.NodeDatapath.Load(lb.Options);
        node.LoadBalancer.UpsertBackends([new Maps.BackendRecord(7, SocketLbFixture.BackendAddress, 8081, PacketBuilder.Tcp)]);
        node.LoadBalancer.UpsertReverseNat(1, SocketLbFixture.Vip, 80);
        node.LoadBalancer.UpsertService(new Maps.ServiceRecord(new Maps.ServiceFrontend(SocketLbFixture.Vip, 80, PacketBuilder.Tcp), 1, [7]));
        node.LoadBalancer.Maglev.Set(1, new uint[node.LoadBalancer.Maglev.TableSize]);

        var lines = await lb.ClientAsync("tcp", 80);

        Assert.Equal([$"{VipPeer} b8081"], lines);
        Assert.Equal(node.LoadBalancer.Services(), lb.Maps.Services());
        Assert.Equal([(ushort)1], lb.Maps.Maglev.Services());
    }
}
