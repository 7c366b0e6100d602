using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using Tendril.Interop.Namespaces;
using Tendril.Api;
using Tendril.Hubble.Api.Flow;
using Tendril.Hubble.Api.Observer;
using Tendril.Tests.Common;
using Tendril.Tests.Common.Topology;
using Xunit;

namespace Tendril.Agent.PrivilegedTests;

/// <summary>
/// Services applied through the agent's API, load-balanced by the datapath for real clients and servers in pods:
/// per-packet DNAT in the endpoint program (the pods' processes are in no socket-LB cgroup), and the socket-LB for a
/// client process placed in the cgroup the agent was told about.
/// </summary>
[Trait("Category", "Privileged")]
public sealed class ServicePrivilegedTests
{
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Blocked = TimeSpan.FromMilliseconds(1200);
    private static readonly IPAddress Vip = IPAddress.Parse("10.96.100.10");

    private static string WebService(string extraSpec = "", string ports = "[{port: 80, targetPort: 8080, protocol: TCP}]") => $$"""
        apiVersion: v1
        kind: Service
        metadata: {name: web, namespace: default}
        spec:
          clusterIP: {{Vip}}
          selector: {app: web}
          ports: {{ports}}
        {{extraSpec}}
        """;

    private static Task<JsonElement> ApplyAsync(AgentPods node, string yaml) =>
        node.Client.SendJsonAsync(HttpMethod.Post, "services", new StringContent(yaml));

    /// <summary>TCP pings to VIP:port from <paramref name="client"/>; how many got their pong.</summary>
    private static async Task<int> PingManyAsync(NetNsThread client, IPAddress address, int port, int count)
    {
        int ok = 0;
        for (int i = 0; i < count; i++)
        {
            if (await Traffic.TcpPingAsync(client, address, port, Quick))
                ok++;
        }
        return ok;
    }

    [PrivilegedFact]
    public async Task PrivilegedService_ClusterIpTcp_ConnectionsToTheVipReachEveryBackend()
    {
        await using var node = await AgentPods.StartAsync();
        var web1 = await node.AddPodAsync("web1", new() { ["app"] = "web" });
        var web2 = await node.AddPodAsync("web2", new() { ["app"] = "web" });
        var client = await node.AddPodAsync("client", new() { ["app"] = "client" });
        using var pong1 = PongServer.Start(web1.Thread, web1.Address, 8080);
        using var pong2 = PongServer.Start(web2.Thread, web2.Address, 8080);

        await ApplyAsync(node, WebService());

        Assert.Equal(30, await PingManyAsync(client.Thread, Vip, 80, 30));
        Assert.True(pong1.Accepted > 0 && pong2.Accepted > 0, $"both backends serve: web1 {pong1.Accepted}, web2 {pong2.Accepted}");

        var service = Assert.Single((await node.Client.GetJsonAsync("services")).EnumerateArray());
        Assert.Equal(Vip.ToString(), service.GetProperty("clusterIP").GetString());
        var frontend = Assert.Single(service.GetProperty("frontends").EnumerateArray());
        Assert.Equal($"{Vip}:80/TCP", frontend.GetProperty("address").GetString());
        Assert.Equal(new[] { $"{web1.Address}:8080/TCP", $"{web2.Address}:8080/TCP" },
            frontend.GetProperty("backends").EnumerateArray().Select(b => b.GetProperty("address").GetString()).Order().ToArray());
        var lb = (await node.Client.GetJsonAsync("bpf/lb")).EnumerateArray().ToList();
        Assert.Equal(3, lb.Count(r => r.GetProperty("service").GetString() == $"{Vip}:80/TCP"));
        Assert.Contains(lb, r => r.GetProperty("slot").GetInt32() == 0 && r.GetProperty("flags").GetString()!.Contains("reject"));

        // Flows show the translation: requests name the service they were sent to, replies the service they come from.
        using var channel = HubbleClient.Channel(node.Agent.HubbleSocket);
        var flows = await HubbleClient.FlowsAsync(new Observer.ObserverClient(channel), new GetFlowsRequest { Number = 500 });
        Assert.Contains(flows, f => f.Source?.PodName == "client" && f.DestinationService?.Name == "web" && f.DestinationService.Namespace == "default");
        Assert.Contains(flows, f => f.Destination?.PodName == "client" && f.SourceService?.Name == "web");
    }

    [PrivilegedFact]
    public async Task PrivilegedService_ClusterIpUdp_RepliesComeFromTheVip()
    {
        await using var node = await AgentPods.StartAsync();
        var dns1 = await node.AddPodAsync("dns1", new() { ["app"] = "web" });
        var dns2 = await node.AddPodAsync("dns2", new() { ["app"] = "web" });
        var client = await node.AddPodAsync("client", new() { ["app"] = "client" });
        using var pong1 = UdpPong.Start(dns1.Thread, dns1.Address, 5353);
        using var pong2 = UdpPong.Start(dns2.Thread, dns2.Address, 5353);

        await ApplyAsync(node, WebService(ports: "[{port: 53, targetPort: 5353, protocol: UDP}]"));

        for (int i = 0; i < 10; i++)
        {
            using var socket = Traffic.SocketIn(client.Thread, SocketType.Dgram, ProtocolType.Udp);
            using var cts = new CancellationTokenSource(Quick);
            await socket.SendToAsync("ping"u8.ToArray(), SocketFlags.None, new IPEndPoint(Vip, 53), cts.Token);
            var buffer = new byte[16];
            var reply = await socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), cts.Token);
            Assert.Equal("pong", Encoding.ASCII.GetString(buffer, 0, reply.ReceivedBytes));
            Assert.Equal(new IPEndPoint(Vip, 53), reply.RemoteEndPoint);
        }
    }

    [PrivilegedFact]
    public async Task PrivilegedService_BackendsScaledWhileTrafficFlows_NewPodsServeAndDeletedPodsGetNothing()
    {
        await using var node = await AgentPods.StartAsync();
        var web1 = await node.AddPodAsync("web1", new() { ["app"] = "web" });
        var client = await node.AddPodAsync("client", new() { ["app"] = "client" });
        using var pong1 = PongServer.Start(web1.Thread, web1.Address, 8080);
        await ApplyAsync(node, WebService());
        Assert.Equal(10, await PingManyAsync(client.Thread, Vip, 80, 10));
        Assert.Equal(10, pong1.Accepted);

        // Scale up: the new pod starts receiving.
        var web2 = await node.AddPodAsync("web2", new() { ["app"] = "web" });
        using var pong2 = PongServer.Start(web2.Thread, web2.Address, 8080);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (pong2.Accepted == 0 && DateTime.UtcNow < deadline)
            await Traffic.TcpPingAsync(client.Thread, Vip, 80, Quick);
        Assert.True(pong2.Accepted > 0, "the added pod gets connections");

        // Scale down: the deleted pod gets no new connection, and none fails.
        await node.Client.DeleteEndpointAsync(web1.Endpoint.Id);
        int before = pong1.Accepted;
        int web2Before = pong2.Accepted;
        Assert.Equal(20, await PingManyAsync(client.Thread, Vip, 80, 20));
        Assert.Equal(before, pong1.Accepted);
        Assert.Equal(web2Before + 20, pong2.Accepted);
        var service = Assert.Single((await node.Client.GetJsonAsync("services")).EnumerateArray());
        Assert.Equal($"{web2.Address}:8080/TCP", Assert.Single(Assert.Single(service.GetProperty("frontends").EnumerateArray())
            .GetProperty("backends").EnumerateArray()).GetProperty("address").GetString());
    }

    [PrivilegedFact]
    public async Task PrivilegedService_SessionAffinityClientIp_OneClientStaysOnOneBackend()
    {
        await using var node = await AgentPods.StartAsync();
        var web1 = await node.AddPodAsync("web1", new() { ["app"] = "web" });
        var web2 = await node.AddPodAsync("web2", new() { ["app"] = "web" });
        var client = await node.AddPodAsync("client", new() { ["app"] = "client" });
        using var pong1 = PongServer.Start(web1.Thread, web1.Address, 8080);
        using var pong2 = PongServer.Start(web2.Thread, web2.Address, 8080);

        await ApplyAsync(node, WebService("""
              sessionAffinity: ClientIP
              sessionAffinityConfig: {clientIP: {timeoutSeconds: 600}}
            """));

        Assert.Equal(20, await PingManyAsync(client.Thread, Vip, 80, 20));
        Assert.True((pong1.Accepted, pong2.Accepted) is (20, 0) or (0, 20), $"one backend takes every connection: web1 {pong1.Accepted}, web2 {pong2.Accepted}");
        var master = (await node.Client.GetJsonAsync("bpf/lb")).EnumerateArray().Single(r => r.GetProperty("slot").GetInt32() == 0);
        Assert.Contains("affinity 600s", master.GetProperty("flags").GetString());
    }

    [PrivilegedFact]
    public async Task PrivilegedService_NoBackends_PerPacketRejectRefusesAtOnceAndIsReason158InFlows()
    {
        await using var node = await AgentPods.StartAsync();
        var client = await node.AddPodAsync("client", new() { ["app"] = "client" });
        await ApplyAsync(node, WebService(ports: "[{name: http, port: 80, targetPort: 8080, protocol: TCP}, {name: dns, port: 53, targetPort: 5353, protocol: UDP}]"));

        // The endpoint program answers with an ICMP port unreachable: the client's stack fails the connection.
        var (tcpError, tcpTime) = await TcpConnectErrorAsync(client.Thread, Vip, 80);
        var (udpError, udpTime) = await UdpExchangeErrorAsync(client.Thread, Vip, 53);
        Assert.True(tcpError == SocketError.ConnectionRefused && tcpTime < TimeSpan.FromSeconds(1), $"TCP connect: {tcpError} after {tcpTime}");
        Assert.True(udpError == SocketError.ConnectionRefused && udpTime < TimeSpan.FromSeconds(1), $"UDP exchange: {udpError} after {udpTime}");

        using var channel = HubbleClient.Channel(node.Agent.HubbleSocket);
        var observer = new Observer.ObserverClient(channel);
        // The refusal is quicker than the agent's event reader: wait for the drop to be observed.
        Flow? dropped = null;
        var deadline = Stopwatch.StartNew();
        while (dropped is null && deadline.Elapsed < Quick)
        {
            var flows = await HubbleClient.FlowsAsync(observer, new GetFlowsRequest { Number = 200 });
            dropped = flows.FirstOrDefault(f => f.Verdict == Verdict.Dropped && f.DropReason == 158 && f.L4?.TCP != null);
            if (dropped is null)
                await Task.Delay(100);
        }
        Assert.NotNull(dropped);
        Assert.Equal("client", dropped.Source?.PodName);
        Assert.Equal(80u, dropped.L4?.TCP?.DestinationPort);
    }

    [PrivilegedFact]
    public async Task PrivilegedService_NoBackends_RejectReachesAClientWhoseIngressPolicyAdmitsNobody()
    {
        await using var node = await AgentPods.StartAsync();
        var client = await node.AddPodAsync("client", new() { ["app"] = "client" });
        await ApplyAsync(node, WebService());
        // The client admits nothing from anyone: the unreachable the datapath makes for the client's own SYN is an
        // answer to it, not traffic from the VIP's identity, and still reaches it.
        await node.Client.SendJsonAsync(HttpMethod.Post, "policies", new StringContent("""
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: client-closed}
            spec:
              endpointSelector: {matchLabels: {app: client}}
              ingress:
              - fromEndpoints: [{matchLabels: {app: nobody}}]
            """));

        var (error, time) = await TcpConnectErrorAsync(client.Thread, Vip, 80);

        Assert.True(error == SocketError.ConnectionRefused && time < TimeSpan.FromSeconds(1), $"TCP connect: {error} after {time}");
    }

    [PrivilegedFact]
    public async Task PrivilegedService_NoBackendsInDropMode_PerPacketDropTimesOutAndIsReason158InFlows()
    {
        await using var node = await AgentPods.StartAsync(["--service-no-backend-response", "drop"]);
        var client = await node.AddPodAsync("client", new() { ["app"] = "client" });
        await ApplyAsync(node, WebService());

        var (error, _) = await TcpConnectErrorAsync(client.Thread, Vip, 80);
        Assert.Equal(SocketError.TimedOut, error);

        using var channel = HubbleClient.Channel(node.Agent.HubbleSocket);
        var observer = new Observer.ObserverClient(channel);
        var flows = await HubbleClient.FlowsAsync(observer, new GetFlowsRequest { Number = 200 });
        var dropped = flows.First(f => f.Verdict == Verdict.Dropped && f.DropReason == 158);
        Assert.Equal("client", dropped.Source?.PodName);
        Assert.Equal(80u, dropped.L4?.TCP?.DestinationPort);
    }

    [PrivilegedFact]
    public async Task PrivilegedService_SocketLb_ClientInTheCgroupReachesABackendAndIsRefusedWithoutBackends()
    {
        using var cgroup = new TestCgroup("slb");
        await using var node = await AgentPods.StartAsync(["--socket-lb-cgroup", cgroup.Path]);
        var web1 = await node.AddPodAsync("web1", new() { ["app"] = "web" });
        var client = await node.AddPodAsync("client", new() { ["app"] = "client" });
        using var pong1 = PongServer.Start(web1.Thread, web1.Address, 8080);
        await ApplyAsync(node, WebService());
        string clientNetns = NetworkNamespacePath(client);

        var (code, output) = await cgroup.RunAsync(clientNetns, true, "sh", "-c", $"printf ping | nc -N -w 3 {Vip} 80");
        Assert.True(code == 0 && output.Contains("pong"), $"nc through the socket-LB: exit {code}: {output}");
        Assert.Equal(1, pong1.Accepted);

        // Without backends the socket-LB refuses the connect() itself: no timeout.
        await node.Client.DeleteEndpointAsync(web1.Endpoint.Id);
        var watch = Stopwatch.StartNew();
        (code, output) = await cgroup.RunAsync(clientNetns, true, "nc", "-z", "-v", "-w", "5", Vip.ToString(), "80");
        watch.Stop();
        Assert.NotEqual(0, code);
        Assert.Contains("refused", output);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"refused at once, not after a timeout ({watch.Elapsed})");
    }

    [PrivilegedFact]
    public async Task PrivilegedService_PolicyOnTheBackends_DeniedClientIsBlockedThroughTheVip()
    {
        await using var node = await AgentPods.StartAsync();
        var web1 = await node.AddPodAsync("web1", new() { ["app"] = "web" });
        var friend = await node.AddPodAsync("friend", new() { ["app"] = "friend" });
        var foe = await node.AddPodAsync("foe", new() { ["app"] = "foe" });
        using var pong1 = PongServer.Start(web1.Thread, web1.Address, 8080);
        await ApplyAsync(node, WebService());
        await node.Client.SendJsonAsync(HttpMethod.Post, "policies", new StringContent("""
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: no-foes}
            spec:
              endpointSelector: {matchLabels: {app: web}}
              ingress: [{fromEntities: [all]}]
              ingressDeny: [{fromEndpoints: [{matchLabels: {app: foe}}]}]
            """));

        Assert.True(await Traffic.TcpPingAsync(friend.Thread, Vip, 80, Quick), "friend -> VIP");
        Assert.False(await Traffic.TcpPingAsync(foe.Thread, Vip, 80, Blocked), "foe -> VIP is denied on the backend");
        Assert.Equal(1, pong1.Accepted);
    }

    [PrivilegedFact]
    public async Task PrivilegedService_NodePortFromAPod_NodeAddressAndNodePortReachTheBackend()
    {
        await using var node = await AgentPods.StartAsync();
        var web1 = await node.AddPodAsync("web1", new() { ["app"] = "web" });
        var client = await node.AddPodAsync("client", new() { ["app"] = "client" });
        using var pong1 = PongServer.Start(web1.Thread, web1.Address, 8080);

        await ApplyAsync(node, WebService("  type: NodePort", "[{port: 80, targetPort: 8080, nodePort: 30080, protocol: TCP}]"));

        var nodeAddress = IPAddress.Parse("10.210.0.1"); // the pods' gateway, an address of the node
        Assert.True(await Traffic.TcpPingAsync(client.Thread, nodeAddress, 30080, Quick), "node address : node port");
        Assert.True(await Traffic.TcpPingAsync(client.Thread, Vip, 80, Quick), "the cluster IP too");
        Assert.Equal(2, pong1.Accepted);
        var kinds = Assert.Single((await node.Client.GetJsonAsync("services")).EnumerateArray()).GetProperty("frontends").EnumerateArray()
            .Select(f => (f.GetProperty("kind").GetString(), f.GetProperty("address").GetString())).ToList();
        Assert.Contains(("NodePort", $"{nodeAddress}:30080/TCP"), kinds);
        Assert.Contains(("NodePort", "0.0.0.0:30080/TCP"), kinds);
    }

    [PrivilegedFact]
    public async Task PrivilegedService_InvalidDefinition_IsRefusedWithEveryErrorAndNothingApplies()
    {
        await using var node = await AgentPods.StartAsync();
        var web1 = await node.AddPodAsync("web1", new() { ["app"] = "web" });
        var client = await node.AddPodAsync("client", new() { ["app"] = "client" });
        using var pong1 = PongServer.Start(web1.Thread, web1.Address, 8080);

        var e = await Assert.ThrowsAsync<AgentException>(() => ApplyAsync(node, WebService() + """
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: broken, namespace: default}
            spec:
              type: NodePort
              selector: {app: web}
              ports: [{port: 70000, protocol: TCP}]
            """));

        Assert.Equal(HttpStatusCode.BadRequest, e.Status);
        Assert.Contains("nothing was applied", e.Message);
        Assert.Contains("document 1: spec.ports[0].port", e.Message);
        Assert.Empty((await node.Client.GetJsonAsync("services")).EnumerateArray());
        Assert.Empty((await node.Client.GetJsonAsync("bpf/lb")).EnumerateArray());
        Assert.False(await Traffic.TcpPingAsync(client.Thread, Vip, 80, Blocked), "the valid first document was not applied either");
    }

    [PrivilegedFact]
    public async Task PrivilegedService_AgentRestarted_ServiceKeepsServingAndComesBackWithItsIds()
    {
        await using var node = await AgentPods.StartAsync();
        var web1 = await node.AddPodAsync("web1", new() { ["app"] = "web" });
        var client = await node.AddPodAsync("client", new() { ["app"] = "client" });
        using var pong1 = PongServer.Start(web1.Thread, web1.Address, 8080);
        await ApplyAsync(node, """
            apiVersion: v1
            kind: Service
            metadata: {name: api, namespace: default}
            spec:
              selector: {app: web}
              ports: [{port: 80, targetPort: 8080}]
            """);
        var before = Assert.Single((await node.Client.GetJsonAsync("services")).EnumerateArray());
        var clusterIp = IPAddress.Parse(before.GetProperty("clusterIP").GetString()!);
        string lbBefore = (await node.Client.GetJsonAsync("bpf/lb")).GetRawText();
        Assert.True(await Traffic.TcpPingAsync(client.Thread, clusterIp, 80, Quick));

        node.Agent.Kill();
        Assert.True(await Traffic.TcpPingAsync(client.Thread, clusterIp, 80, Quick), "served while the agent is dead");
        await node.Agent.StartAgainAsync();

        var after = Assert.Single((await node.Client.GetJsonAsync("services")).EnumerateArray());
        Assert.Equal(clusterIp.ToString(), after.GetProperty("clusterIP").GetString());
        Assert.Equal(lbBefore, (await node.Client.GetJsonAsync("bpf/lb")).GetRawText());
        Assert.True(await Traffic.TcpPingAsync(client.Thread, clusterIp, 80, Quick), "served after the restart");
        await node.Client.SendJsonAsync(HttpMethod.Delete, "services/default/api", null);
        Assert.Empty((await node.Client.GetJsonAsync("bpf/lb")).EnumerateArray());
        Assert.False(await Traffic.TcpPingAsync(client.Thread, clusterIp, 80, Blocked), "gone once deleted");
    }

    [PrivilegedFact]
    public async Task PrivilegedService_Cli_CreateListApplyAndDeleteAsAUserTypesThem()
    {
        await using var node = await AgentPods.StartAsync();
        var web1 = await node.AddPodAsync("web1", new() { ["app"] = "web" });
        var client = await node.AddPodAsync("client", new() { ["app"] = "client" });
        using var pong1 = PongServer.Start(web1.Thread, web1.Address, 8080);
        string socket = node.Agent.Socket;

        string created = await RunCliAsync(0, "service", "create", "web", "--namespace", "default", "--type", "NodePort", "--port", "80:8080/TCP",
            "--selector", "app=web", "--cluster-ip", Vip.ToString(), "--session-affinity", "ClientIP", "--timeout", "60", "--socket", socket);
        Assert.Contains("default/web", created);
        Assert.True(await Traffic.TcpPingAsync(client.Thread, Vip, 80, Quick), "the service the CLI created serves");

        string list = await RunCliAsync(0, "service", "list", "--socket", socket);
        Assert.Contains($"{Vip}:80/TCP", list);
        Assert.Contains("NodePort", list);
        Assert.Contains($"1 => {web1.Address}:8080/TCP (active)", list);
        var json = JsonDocument.Parse(await RunCliAsync(0, "service", "list", "-o", "json", "--socket", socket)).RootElement;
        Assert.Equal("ClientIP", Assert.Single(json.EnumerateArray()).GetProperty("sessionAffinity").GetString());
        string bpf = await RunCliAsync(0, "bpf", "lb", "list", "--socket", socket);
        Assert.Contains($"{web1.Address}:8080/TCP", bpf);
        Assert.Contains("affinity 60s", bpf);
        Assert.NotEmpty(JsonDocument.Parse(await RunCliAsync(0, "bpf", "lb", "list", "-o", "json", "--socket", socket)).RootElement.EnumerateArray());

        string file = Path.Combine(Path.GetTempPath(), TestNames.Unique("svc") + ".yaml");
        try
        {
            await File.WriteAllTextAsync(file, """
                apiVersion: v1
                kind: Service
                metadata: {name: other}
                spec: {clusterIP: 10.96.100.10, selector: {app: web}, ports: [{port: 80}]}
                """);
            string refused = await RunCliAsync(1, "service", "apply", "-f", file, "--socket", socket);
            Assert.Contains("nothing was applied", refused);
            Assert.Contains("spec.clusterIP", refused);
        }
        finally
        {
            File.Delete(file);
        }

        await RunCliAsync(0, "service", "delete", "default/web", "--socket", socket);
        Assert.Empty(JsonDocument.Parse(await RunCliAsync(0, "service", "list", "-o", "json", "--socket", socket)).RootElement.EnumerateArray());
        Assert.False(await Traffic.TcpPingAsync(client.Thread, Vip, 80, Blocked), "gone once deleted");
    }

    private static async Task<string> RunCliAsync(int expectedExit, params string[] args)
    {
        var (exit, stdout, stderr) = await ChildProcess.RunDotnetAsync("tendril.dll", args);
        Assert.True(exit == expectedExit, $"tendril {string.Join(' ', args)} exited {exit}: {stderr}{stdout}");
        return stdout + stderr;
    }

    /// <summary>How a TCP connect from <paramref name="client"/> fails (TimedOut after <see cref="Blocked"/>), and when.</summary>
    private static async Task<(SocketError? Error, TimeSpan Elapsed)> TcpConnectErrorAsync(NetNsThread client, IPAddress address, int port)
    {
        using var socket = Traffic.SocketIn(client, SocketType.Stream, ProtocolType.Tcp);
        using var cts = new CancellationTokenSource(Blocked);
        var watch = Stopwatch.StartNew();
        try
        {
            await socket.ConnectAsync(new IPEndPoint(address, port), cts.Token);
            return (null, watch.Elapsed);
        }
        catch (SocketException e)
        {
            return (e.SocketErrorCode, watch.Elapsed);
        }
        catch (OperationCanceledException)
        {
            return (SocketError.TimedOut, watch.Elapsed);
        }
    }

    /// <summary>A connected UDP socket sends and waits for an answer: the error its receive reports, and when.</summary>
    private static async Task<(SocketError? Error, TimeSpan Elapsed)> UdpExchangeErrorAsync(NetNsThread client, IPAddress address, int port)
    {
        using var socket = Traffic.SocketIn(client, SocketType.Dgram, ProtocolType.Udp);
        using var cts = new CancellationTokenSource(Blocked);
        var watch = Stopwatch.StartNew();
        try
        {
            await socket.ConnectAsync(new IPEndPoint(address, port), cts.Token);
            await socket.SendAsync("ping"u8.ToArray(), SocketFlags.None, cts.Token);
            await socket.ReceiveAsync(new byte[16], SocketFlags.None, cts.Token);
            return (null, watch.Elapsed);
        }
        catch (SocketException e)
        {
            return (e.SocketErrorCode, watch.Elapsed);
        }
        catch (OperationCanceledException)
        {
            return (SocketError.TimedOut, watch.Elapsed);
        }
    }

    private static string NetworkNamespacePath(AgentPods.Pod pod) => Tendril.Netlink.Namespaces.NetworkNamespaces.PathOf(pod.Namespace);

}
