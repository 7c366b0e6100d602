using System.Net;
using Tendril.Datapath.Abi;
using Tendril.Datapath.Maps;
using Tendril.Ebpf.RingBuffer;
using Tendril.Tests.Common;
using Tendril.Tests.Common.Topology;
using Xunit;

namespace Tendril.Datapath.PrivilegedTests;

/// <summary>Four pods on one node, real TCP, UDP and ICMP through the endpoint program, policy written into the maps.</summary>
[Trait("Category", "Privileged")]
public sealed class EndToEndPrivilegedTests
{
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Blocked = TimeSpan.FromMilliseconds(1200);

    [PrivilegedFact]
    public async Task PrivilegedPods_AllowAll_TcpUdpIcmpAndTheHostAllWork()
    {
        using var node = NodeWithPods.Create(4);
        var (p1, p2) = (node.Pods[0], node.Pods[1]);
        using var pong = PongServer.Start(p2.Thread, p2.Address, 8080);
        using var sink = UdpSink.Start(p2.Thread, p2.Address, 5353);
        using var hostPong = PongServer.Start(node.Node, NodeWithPods.Gateway, 9090);

        Assert.True(await Traffic.TcpPingAsync(p1.Thread, p2.Address, 8080, Quick));
        await Traffic.SendUdpAsync(p1.Thread, p2.Address, 5353, "hello");
        Assert.True(await Poll.UntilAsync(() => sink.Received == 1, Quick));
        Assert.True(await Icmp.PingAsync(p1.Thread, p2.Address, Quick));
        Assert.True(await Traffic.TcpPingAsync(p1.Thread, NodeWithPods.Gateway, 9090, Quick), "pod -> node");
        Assert.True(await Traffic.TcpPingAsync(node.Node, p2.Address, 8080, Quick), "node -> pod");
    }

    [PrivilegedFact]
    public async Task PrivilegedPods_IngressAllowsOnlyOnePeer_OthersAreDroppedAndRepliesFlow()
    {
        using var node = NodeWithPods.Create(3);
        var (p1, p2, p3) = (node.Pods[0], node.Pods[1], node.Pods[2]);
        using var pong = PongServer.Start(p2.Thread, p2.Address, 8080);
        using var reader = RingBufferReader.Open(node.Datapath!.Events);
        p2.Policy!.Sync(new Dictionary<PolicyMapKey, PolicyMapEntry>
        {
            [new PolicyMapKey(0, true, 0, 0, 0)] = new(false),
            [new PolicyMapKey(p1.Identity, false, 6, 8080, 16)] = new(false),
        });

        Assert.True(await Traffic.TcpPingAsync(p1.Thread, p2.Address, 8080, Quick));
        Assert.False(await Traffic.TcpPingAsync(p3.Thread, p2.Address, 8080, Blocked));
        Assert.False(await Icmp.PingAsync(p1.Thread, p2.Address, Blocked));

        var events = RecordCollector.Drain<FlowEvent>(reader);
        Assert.Contains(events, e => e.Type == (byte)EventType.Drop && e.Subtype == (byte)DropReason.PolicyDenied
            && e.SrcIdentity == p3.Identity && e.DestEndpoint == p2.Endpoint.EndpointId && e.Direction == (byte)EventDirection.Ingress);
        Assert.Contains(events, e => e.Type == (byte)EventType.Trace && e.Subtype == (byte)TracePoint.ToEndpoint
            && e.SrcIdentity == p2.Identity && e.CtState == (byte)ConnectionState.Reply);
    }

    [PrivilegedFact]
    public async Task PrivilegedPods_SpoofedSourceAddress_IsDroppedAtTheSender()
    {
        using var node = NodeWithPods.Create(2);
        var (p1, p2) = (node.Pods[0], node.Pods[1]);
        using var pong = PongServer.Start(p2.Thread, p2.Address, 8080);
        using var reader = RingBufferReader.Open(node.Datapath!.Events);
        using (var pod = Tendril.Netlink.RtNetlink.OpenIn(Tendril.Netlink.Namespaces.NetworkNamespaces.PathOf(p1.Namespace)))
            pod.Addresses.Add(pod.Links.Get("eth0").Index, IPAddress.Parse("10.200.0.99"), 32);

        using var socket = Traffic.SocketIn(p1.Thread, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Parse("10.200.0.99"), 0));
        using var cts = new CancellationTokenSource(Blocked);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await socket.ConnectAsync(new IPEndPoint(p2.Address, 8080), cts.Token));

        Assert.Contains(RecordCollector.Drain<FlowEvent>(reader), e => e.Type == (byte)EventType.Drop && e.Subtype == (byte)DropReason.InvalidSourceIp);
        Assert.True(await Traffic.TcpPingAsync(p1.Thread, p2.Address, 8080, Quick), "its real address still works");
    }

    [PrivilegedFact]
    public async Task PrivilegedPods_HostEntityOnly_NodeReachesThePodButPodsDoNot()
    {
        using var node = NodeWithPods.Create(2);
        var (p1, p2) = (node.Pods[0], node.Pods[1]);
        using var pong = PongServer.Start(p2.Thread, p2.Address, 8080);
        p2.Policy!.Sync(new Dictionary<PolicyMapKey, PolicyMapEntry>
        {
            [new PolicyMapKey(0, true, 0, 0, 0)] = new(false),
            [new PolicyMapKey(1, false, 0, 0, 0)] = new(false),
        });

        Assert.True(await Traffic.TcpPingAsync(node.Node, p2.Address, 8080, Quick));
        Assert.False(await Traffic.TcpPingAsync(p1.Thread, p2.Address, 8080, Blocked));
    }

    [PrivilegedFact]
    public async Task PrivilegedPods_PolicyChangesWhileConnectionIsOpen_TheConnectionStops()
    {
        using var node = NodeWithPods.Create(2);
        var (p1, p2) = (node.Pods[0], node.Pods[1]);
        using var echo = EchoServer.Start(p2.Thread, p2.Address, 7000);
        using var client = Traffic.SocketIn(p1.Thread, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        await client.ConnectAsync(new IPEndPoint(p2.Address, 7000));
        Assert.True(await EchoServer.RoundTripAsync(client, Quick));

        p1.Policy!.Sync(new Dictionary<PolicyMapKey, PolicyMapEntry>
        {
            [new PolicyMapKey(p2.Identity, true, 0, 0, 0)] = new(Deny: true),
            [new PolicyMapKey(0, false, 0, 0, 0)] = new(false),
        });

        Assert.False(await EchoServer.RoundTripAsync(client, Blocked));
    }
}
