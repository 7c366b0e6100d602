using System.Net;
using System.Net.Sockets;
using Tendril.Api;
using Tendril.Tests.Common;
using Tendril.Tests.Common.Topology;
using Xunit;

namespace Tendril.Agent.PrivilegedTests;

/// <summary>The agent as a real process: pods through its API, real traffic, and a crash under traffic.</summary>
[Trait("Category", "Privileged")]
public sealed class AgentPrivilegedTests
{
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(3);

    [PrivilegedFact]
    public async Task PrivilegedCreateEndpoints_FourPods_ReachEachOtherOverTcpUdpAndIcmp()
    {
        await using var node = await AgentPods.StartAsync();
        var web1 = await node.AddPodAsync("web-1", new() { ["app"] = "web" });
        var web2 = await node.AddPodAsync("web-2", new() { ["app"] = "web" });
        var db = await node.AddPodAsync("db", new() { ["app"] = "db" });
        var other = await node.AddPodAsync("db", new() { ["app"] = "db" }, ns: "other");
        using var pong = PongServer.Start(db.Thread, db.Address, 5432);
        using var sink = UdpSink.Start(web2.Thread, web2.Address, 5353);

        Assert.True(await Traffic.TcpPingAsync(web1.Thread, db.Address, 5432, Quick));
        Assert.True(await Traffic.TcpPingAsync(other.Thread, db.Address, 5432, Quick));
        await Traffic.SendUdpAsync(db.Thread, web2.Address, 5353, "hi");
        Assert.True(await Poll.UntilAsync(() => sink.Received == 1, Quick));
        Assert.True(await Icmp.PingAsync(web2.Thread, web1.Address, Quick));

        var endpoints = await node.Client.ListEndpointsAsync();
        Assert.Equal(4, endpoints.Count);
        Assert.Equal(web1.Endpoint.Identity, web2.Endpoint.Identity);
        Assert.NotEqual(web1.Endpoint.Identity, db.Endpoint.Identity);
        Assert.NotEqual(db.Endpoint.Identity, other.Endpoint.Identity); // the namespace is part of the identity
        Assert.All(endpoints, e => Assert.Equal(EndpointState.Ready, e.State));
        Assert.Equal(4, endpoints.Select(e => e.Ipv4).Distinct().Count());
    }

    [PrivilegedFact]
    public async Task PrivilegedAgentKilled_UnderTraffic_ConnectionsLastAndRestartRestoresEverything()
    {
        await using var node = await AgentPods.StartAsync();
        var client = await node.AddPodAsync("client", new() { ["app"] = "client" });
        var server = await node.AddPodAsync("server", new() { ["app"] = "server" });
        using var echo = EchoServer.Start(server.Thread, server.Address, 7000);
        using var connection = Traffic.SocketIn(client.Thread, SocketType.Stream, ProtocolType.Tcp);
        await connection.ConnectAsync(new IPEndPoint(server.Address, 7000));
        Assert.True(await EchoServer.RoundTripAsync(connection, Quick));

        node.Agent.Kill();
        Assert.True(await EchoServer.RoundTripAsync(connection, Quick), "established connection while the agent is dead");
        using var pong = PongServer.Start(server.Thread, server.Address, 8080);
        Assert.True(await Traffic.TcpPingAsync(client.Thread, server.Address, 8080, Quick), "new connection while the agent is dead");

        await node.Agent.StartAgainAsync();
        var restored = await node.Client.ListEndpointsAsync();
        Assert.Equal([client.Endpoint.Id, server.Endpoint.Id], restored.Select(e => e.Id).Order());
        Assert.Equal(server.Endpoint.Identity, restored.Single(e => e.Id == server.Endpoint.Id).Identity);
        Assert.Equal(server.Endpoint.Ipv4, restored.Single(e => e.Id == server.Endpoint.Id).Ipv4);
        Assert.True(await EchoServer.RoundTripAsync(connection, Quick), "established connection after the restart");
        Assert.Contains("2 endpoint(s) restored", node.Agent.Output);
    }

    [PrivilegedFact]
    public async Task PrivilegedNamespaceLabel_Changed_PodsGetTheIdentityOfTheirNewLabelSet()
    {
        await using var node = await AgentPods.StartAsync();
        var a = await node.AddPodAsync("a", new() { ["app"] = "web" }, ns: "shop");
        var b = await node.AddPodAsync("b", new() { ["app"] = "web" }, ns: "shop");
        var before = a.Endpoint.Identity;

        await node.Client.SendJsonAsync(HttpMethod.Put, "namespaces/shop",
            new StringContent("""{"team":"blue"}""", System.Text.Encoding.UTF8, "application/json"));

        var endpoints = await node.Client.ListEndpointsAsync();
        Assert.All(endpoints, e => Assert.Contains("k8s:io.cilium.k8s.namespace.labels.team=blue", e.IdentityLabels));
        Assert.All(endpoints, e => Assert.Contains("k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name=shop", e.IdentityLabels));
        Assert.Single(endpoints.Select(e => e.Identity).Distinct());
        Assert.NotEqual(before, endpoints[0].Identity);
        var entries = await node.Client.GetJsonAsync("bpf/endpoints");
        Assert.All(entries.EnumerateArray(), e => Assert.Equal(endpoints[0].Identity, e.GetProperty("identity").GetUInt32()));
        var bad = await Assert.ThrowsAsync<AgentException>(() => node.Client.SendJsonAsync(HttpMethod.Put, "namespaces/shop",
            new StringContent("""{"kubernetes.io/metadata.name":"x"}""", System.Text.Encoding.UTF8, "application/json")));
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
        _ = b;
    }

    [PrivilegedFact]
    public async Task PrivilegedDeleteEndpoint_Pod_LosesItsDeviceAndItsAddressIsFree()
    {
        await using var node = await AgentPods.StartAsync();
        var a = await node.AddPodAsync("a", new() { ["app"] = "a" });
        var b = await node.AddPodAsync("b", new() { ["app"] = "b" });

        await node.Client.DeleteEndpointAsync(b.Endpoint.Id);

        Assert.Single(await node.Client.ListEndpointsAsync());
        using var nodeNetlink = Tendril.Netlink.RtNetlink.OpenIn(Tendril.Netlink.Namespaces.NetworkNamespaces.PathOf(node.NodeName));
        Assert.Null(nodeNetlink.Links.Find(b.Endpoint.HostDevice));
        Assert.NotNull(nodeNetlink.Links.Find(a.Endpoint.HostDevice));
        var e = await Assert.ThrowsAsync<AgentException>(() => node.Client.GetEndpointAsync(b.Endpoint.Id));
        Assert.Equal(HttpStatusCode.NotFound, e.Status);
    }

    [PrivilegedFact]
    public async Task PrivilegedCreateEndpoint_BadRequests_AreRefusedWithTheReason()
    {
        await using var node = await AgentPods.StartAsync();
        var a = await node.AddPodAsync("a", new() { ["app"] = "a" });

        var missing = await Assert.ThrowsAsync<AgentException>(() => node.Client.CreateEndpointAsync(new EndpointCreateRequest { Name = "x" }));
        var absent = await Assert.ThrowsAsync<AgentException>(() => node.Client.CreateEndpointAsync(new EndpointCreateRequest { Netns = "/var/run/netns/tt-none" }));
        var duplicate = await Assert.ThrowsAsync<AgentException>(() => node.Client.CreateEndpointAsync(new EndpointCreateRequest { Netns = a.Endpoint.NetnsPath }));

        Assert.Equal((HttpStatusCode.BadRequest, "netns is required: the pod's network namespace file"), (missing.Status, missing.Message));
        Assert.Equal(HttpStatusCode.BadRequest, absent.Status);
        Assert.Contains("/var/run/netns/tt-none does not exist", absent.Message);
        Assert.Equal(HttpStatusCode.Conflict, duplicate.Status);
        Assert.Single(await node.Client.ListEndpointsAsync());
    }
}
