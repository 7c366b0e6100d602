using System.Net;
using System.Net.Sockets;
using System.Text;
using Tendril.Interop.Namespaces;
using Tendril.Netlink;
using Tendril.Netlink.Links;
using Tendril.Netlink.Namespaces;
using Tendril.Netlink.Routes;
using Tendril.Tests.Common;
using Tendril.Tests.Common.Topology;
using Xunit;

namespace Tendril.Agent.PrivilegedTests;

/// <summary>
/// Services reached from outside the node: the agent runs with <c>--devices ext0</c>, a veth from the node namespace
/// to an "outside" namespace standing for a client (10.251.0.0/24; the node is 10.251.0.1). Addresses and routes
/// exist only in the test's namespaces.
/// </summary>
[Trait("Category", "Privileged")]
public sealed class NodePortPrivilegedTests
{
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Blocked = TimeSpan.FromMilliseconds(1200);
    private static readonly IPAddress NodeAddress = IPAddress.Parse("10.251.0.1");
    private static readonly IPAddress ClientAddress = IPAddress.Parse("10.251.0.10");
    private static readonly IPAddress ExternalIp = IPAddress.Parse("10.252.0.5");

    private const string Service = """
        apiVersion: v1
        kind: Service
        metadata: {name: web, namespace: default}
        spec:
          type: NodePort
          clusterIP: 10.96.100.20
          externalIPs: [10.252.0.5]
          selector: {app: web}
          ports:
          - {name: http, port: 80, targetPort: 8080, nodePort: 30080, protocol: TCP}
          - {name: dns, port: 53, targetPort: 5353, nodePort: 30053, protocol: UDP}
        """;

    [PrivilegedFact]
    public async Task PrivilegedNodePort_ClientOutsideTheNode_TcpAndUdpReachTheBackendAndRepliesComeFromTheFrontend()
    {
        await using var outside = await Outside.StartAsync();
        var node = outside.Node;
        var web = await node.AddPodAsync("web", new() { ["app"] = "web" });
        using var pong = PongServer.Start(web.Thread, web.Address, 8080);
        using var udpPong = UdpPong.Start(web.Thread, web.Address, 5353);
        Assert.False(await Traffic.TcpPingAsync(outside.Client, NodeAddress, 30080, Blocked), "no service yet");

        await node.Client.SendJsonAsync(HttpMethod.Post, "services", new StringContent(Service));

        for (int i = 0; i < 5; i++)
            Assert.True(await Traffic.TcpPingAsync(outside.Client, NodeAddress, 30080, Quick), $"TCP node address:node port, try {i}");
        Assert.Equal(5, pong.Accepted);
        await AssertUdpPongAsync(outside.Client, new IPEndPoint(NodeAddress, 30053));
        Assert.False(await Traffic.TcpPingAsync(outside.Client, NodeAddress, 80, Blocked), "the service port is no node port");
    }

    [PrivilegedFact]
    public async Task PrivilegedNodePort_ExternalIpFromOutside_ReachesTheBackend()
    {
        await using var outside = await Outside.StartAsync();
        var node = outside.Node;
        var web = await node.AddPodAsync("web", new() { ["app"] = "web" });
        using var pong = PongServer.Start(web.Thread, web.Address, 8080);
        using var udpPong = UdpPong.Start(web.Thread, web.Address, 5353);

        await node.Client.SendJsonAsync(HttpMethod.Post, "services", new StringContent(Service));

        Assert.True(await Traffic.TcpPingAsync(outside.Client, ExternalIp, 80, Quick), "TCP external IP");
        await AssertUdpPongAsync(outside.Client, new IPEndPoint(ExternalIp, 53));
        Assert.False(await Traffic.TcpPingAsync(outside.Client, IPAddress.Parse("10.96.100.20"), 80, Blocked), "cluster IPs are not served from outside");
    }

    [PrivilegedFact]
    public async Task PrivilegedNodePort_BackendDeniesWorld_OutsideClientIsBlocked()
    {
        await using var outside = await Outside.StartAsync();
        var node = outside.Node;
        var web = await node.AddPodAsync("web", new() { ["app"] = "web" });
        using var pong = PongServer.Start(web.Thread, web.Address, 8080);
        await node.Client.SendJsonAsync(HttpMethod.Post, "services", new StringContent(Service));
        Assert.True(await Traffic.TcpPingAsync(outside.Client, NodeAddress, 30080, Quick), "allowed before the policy");

        await node.Client.SendJsonAsync(HttpMethod.Post, "policies", new StringContent("""
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: no-world}
            spec:
              endpointSelector: {matchLabels: {app: web}}
              ingress: [{fromEntities: [all]}]
              ingressDeny: [{fromEntities: [world]}]
            """));

        Assert.False(await Traffic.TcpPingAsync(outside.Client, NodeAddress, 30080, Blocked), "world is denied at the backend");
    }

    private static async Task AssertUdpPongAsync(NetNsThread client, IPEndPoint frontend)
    {
        using var socket = Traffic.SocketIn(client, SocketType.Dgram, ProtocolType.Udp);
        using var cts = new CancellationTokenSource(Quick);
        await socket.SendToAsync("ping"u8.ToArray(), SocketFlags.None, frontend, cts.Token);
        var buffer = new byte[16];
        var reply = await socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), cts.Token);
        Assert.Equal("pong", Encoding.ASCII.GetString(buffer, 0, reply.ReceivedBytes));
        Assert.Equal(frontend, reply.RemoteEndPoint);
    }

    /// <summary>The node with its agent on ext0, and the outside namespace with its client thread.</summary>
    private sealed class Outside : IAsyncDisposable
    {
        private readonly string _name;

        private Outside(string name, AgentPods node, NetNsThread client)
        {
            _name = name;
            Node = node;
            Client = client;
        }

        public AgentPods Node { get; }

        public NetNsThread Client { get; }

        public static async Task<Outside> StartAsync()
        {
            string name = TestNames.Unique("o");
            NetworkNamespaces.Create(name);
            try
            {
                var node = await AgentPods.StartAsync(["--devices", "ext0"], nodeName => Connect(nodeName, name));
                return new Outside(name, node, NetNsThread.StartNamed(name));
            }
            catch
            {
                NetworkNamespaces.Delete(name);
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            await Node.DisposeAsync();
            NetworkNamespaces.Delete(_name);
        }

        private static void Connect(string nodeName, string outside)
        {
            using (var nodeNetlink = RtNetlink.OpenIn(NetworkNamespaces.PathOf(nodeName)))
            {
                nodeNetlink.Links.CreateVeth(new VethOptions("ext0") { PeerName = "eth0", PeerNamespacePath = NetworkNamespaces.PathOf(outside) });
                nodeNetlink.Addresses.Add(nodeNetlink.Links.Get("ext0").Index, NodeAddress, 24);
                nodeNetlink.Links.SetUp("ext0");
            }
            using var outsideNetlink = RtNetlink.OpenIn(NetworkNamespaces.PathOf(outside));
            int eth0 = outsideNetlink.Links.Get("eth0").Index;
            outsideNetlink.Addresses.Add(eth0, ClientAddress, 24);
            outsideNetlink.Links.SetUp("eth0");
            outsideNetlink.Links.SetUp("lo");
            outsideNetlink.Routes.Add(new RouteInfo { Destination = IPNetwork.Parse("10.252.0.0/24"), Gateway = NodeAddress, OutputLinkIndex = eth0 });
            outsideNetlink.Routes.Add(new RouteInfo { Destination = IPNetwork.Parse("10.96.0.0/12"), Gateway = NodeAddress, OutputLinkIndex = eth0 });
        }
    }
}
