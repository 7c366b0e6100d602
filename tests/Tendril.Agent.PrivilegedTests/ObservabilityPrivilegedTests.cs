using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using Tendril.Hubble.Api.Flow;
using Tendril.Hubble.Api.Observer;
using Tendril.Tests.Common;
using Tendril.Tests.Common.Topology;
using Xunit;

namespace Tendril.Agent.PrivilegedTests;

/// <summary>
/// Flows of real traffic between pods, seen through the agent's Hubble API (gRPC, `tendril observe`, a client of
/// another gRPC stack) and its Prometheus metrics (scraped by a real Prometheus server).
/// </summary>
[Trait("Category", "Privileged")]
public sealed class ObservabilityPrivilegedTests
{
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Blocked = TimeSpan.FromMilliseconds(1200);

    private const string OnlyAReachesB = """
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata: {name: b-from-a}
        spec:
          endpointSelector: {matchLabels: {app: b}}
          ingress: [{fromEndpoints: [{matchLabels: {app: a}}], toPorts: [{ports: [{port: "8080", protocol: TCP}]}]}]
        """;

    /// <summary>Pods a, b (serving 8080) and c; only a may reach b; a's connection lands, c's is dropped.</summary>
    private static async Task<(AgentPods Node, PongServer Server)> AllowedAndDeniedAsync(IReadOnlyList<string>? agentArgs = null)
    {
        var node = await AgentPods.StartAsync(agentArgs);
        try
        {
            var a = await node.AddPodAsync("a", new() { ["app"] = "a" });
            var b = await node.AddPodAsync("b", new() { ["app"] = "b" });
            var c = await node.AddPodAsync("c", new() { ["app"] = "c" });
            var server = PongServer.Start(b.Thread, b.Address, 8080);
            await node.Client.SendJsonAsync(HttpMethod.Post, "policies", new StringContent(OnlyAReachesB));
            Assert.True(await Traffic.TcpPingAsync(a.Thread, b.Address, 8080, Quick), "a reaches b");
            Assert.False(await Traffic.TcpPingAsync(c.Thread, b.Address, 8080, Blocked), "c is denied");
            return (node, server);
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    [PrivilegedFact]
    public async Task PrivilegedHubble_AllowedAndDeniedTraffic_FlowsCarryVerdictReasonAndPodNames()
    {
        var (node, server) = await AllowedAndDeniedAsync();
        await using var _ = node;
        using var __ = server;
        using var channel = HubbleClient.Channel(node.Agent.HubbleSocket);
        var client = new Observer.ObserverClient(channel);

        var flows = await HubbleClient.FlowsAsync(client, new GetFlowsRequest { Number = 500 });

        var forwarded = flows.Where(f => f.Verdict == Verdict.Forwarded && f.Source?.PodName == "a" && f.Destination?.PodName == "b").ToList();
        Assert.NotEmpty(forwarded);
        Assert.Contains(forwarded, f => f.L4?.TCP?.DestinationPort == 8080 && f.Source.Namespace == "default" && f.NodeName == node.Agent.NodeName);
        // TcpPing's SYN is retransmitted while it waits, so there may be more than one drop: each is complete.
        var dropped = flows.First(f => f.Verdict == Verdict.Dropped && f.EventType.Type == 1 && f.Source?.PodName == "c" && f.L4?.TCP?.Flags?.SYN == true
            && f.Destination?.PodName == "b" && f.L4.TCP.DestinationPort == 8080 && f.IsReply != true);
        Assert.Equal(DropReason.PolicyDenied, dropped.DropReasonDesc);
        Assert.Equal(133u, dropped.DropReason);
        Assert.Equal(TrafficDirection.Ingress, dropped.TrafficDirection);
        Assert.Contains("k8s:app=c", dropped.Source.Labels);
        Assert.Equal(node.Pods[2].Endpoint.Identity, dropped.Source.Identity);
        Assert.Contains(flows, f => f.EventType.Type == 5 && f.Verdict == Verdict.Dropped && f.Source?.PodName == "c");
        Assert.Contains(flows, f => f.EventType.Type == 5 && f.Verdict == Verdict.Forwarded && f.Source?.PodName == "a" && f.PolicyMatchType == 2);

        var onlyDrops = await HubbleClient.FlowsAsync(client, new GetFlowsRequest
        {
            Number = 500,
            Whitelist = { new FlowFilter { Verdict = { Verdict.Dropped }, SourcePod = { "default/c" } } },
        });
        Assert.NotEmpty(onlyDrops);
        Assert.All(onlyDrops, f => Assert.Equal(("c", Verdict.Dropped), (f.Source.PodName, f.Verdict)));

        var status = await client.ServerStatusAsync(new ServerStatusRequest());
        Assert.True(status.NumFlows >= (ulong)flows.Count && status.SeenFlows >= status.NumFlows, status.ToString());
        Assert.Equal(4095ul, status.MaxFlows);
        var namespaces = await client.GetNamespacesAsync(new GetNamespacesRequest());
        Assert.Contains(namespaces.Namespaces, n => n.Namespace_ == "default");
    }

    [PrivilegedFact]
    public async Task PrivilegedHubble_Follow_DeliversANewFlowWithinASecond()
    {
        var (node, server) = await AllowedAndDeniedAsync();
        await using var _ = node;
        using var __ = server;
        using var channel = HubbleClient.Channel(node.Agent.HubbleSocket);
        var client = new Observer.ObserverClient(channel);
        await HubbleClient.FlowsAsync(client, new GetFlowsRequest { Number = 1 }); // a first call pays for the server's warm-up
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var call = client.GetFlows(new GetFlowsRequest
        {
            Follow = true,
            Since = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(DateTime.UtcNow), // nothing older, whenever the stream starts
            Whitelist = { new FlowFilter { Verdict = { Verdict.Dropped }, SourcePod = { "default/c" }, DestinationPort = { "8081" } } },
        }, cancellationToken: cts.Token);
        var first = call.ResponseStream.MoveNext(cts.Token);
        await Task.Delay(300);

        var b = node.Pods[1];
        var sent = Stopwatch.StartNew();
        var denied = Traffic.TcpPingAsync(node.Pods[2].Thread, b.Address, 8081, Blocked); // its first SYN goes now

        Assert.True(await first.WaitAsync(TimeSpan.FromSeconds(1)), "the stream ended");
        Assert.True(sent.Elapsed < TimeSpan.FromSeconds(1), $"followed flow arrived after {sent.Elapsed}");
        Assert.False(await denied, "c is denied on 8081 too");
        Assert.Equal(8081u, call.ResponseStream.Current.Flow.L4.TCP.DestinationPort);
    }

    [PrivilegedFact]
    public async Task PrivilegedObserve_Cli_PrintsTheDeniedRequestInJsonAndCompactForm()
    {
        var (node, server) = await AllowedAndDeniedAsync();
        await using var _ = node;
        using var __ = server;
        string socket = "unix://" + node.Agent.HubbleSocket;

        string json = await RunCliAsync("observe", "--server", socket, "--verdict", "DROPPED", "--last", "50", "-o", "json");
        var lines = json.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.NotEmpty(lines);
        Assert.All(lines, l => Assert.Equal("DROPPED", l.GetProperty("flow").GetProperty("verdict").GetString()));
        var drop = lines.First(l => l.GetProperty("flow").TryGetProperty("drop_reason_desc", out var d) && d.GetString() == "POLICY_DENIED"
            && l.GetProperty("flow").GetProperty("event_type").GetProperty("type").GetInt32() == 1);
        Assert.Equal("c", drop.GetProperty("flow").GetProperty("source").GetProperty("pod_name").GetString());
        Assert.Equal(8080, drop.GetProperty("flow").GetProperty("l4").GetProperty("TCP").GetProperty("destination_port").GetInt32());

        string compact = await RunCliAsync("observe", "--server", socket, "--from-pod", "default/c", "--type", "drop", "--last", "5");
        Assert.Matches(@"default/c:\d+ \(ID:\d+\) -> default/b:8080 \(ID:\d+\) Policy denied DROPPED \(TCP Flags: SYN\)", compact);

        string status = await RunCliAsync("hubble", "status", "--server", socket);
        Assert.Contains("Healthcheck", status);
        Assert.Contains("/4,095", status);
    }

    [PrivilegedFact]
    public async Task PrivilegedHubble_ClientOfAnotherGrpcStack_CallsGetFlowsAndServerStatus()
    {
        var (node, server) = await AllowedAndDeniedAsync();
        await using var _ = node;
        using var __ = server;
        string clientDirectory = Path.Combine(RepositoryRoot(), "tests", "node-hubble-client");
        Assert.True(Directory.Exists(Path.Combine(clientDirectory, "node_modules")),
            "run `npm install` in tests/node-hubble-client (build/test.sh does) so the @grpc/grpc-js client can run");

        var (exit, stdout, stderr) = await ChildProcess.RunAsync("node",
            ["client.mjs", Path.Combine(RepositoryRoot(), "src", "Tendril.Hubble.Api", "Protos"), "unix://" + node.Agent.HubbleSocket, "200"], clientDirectory);

        Assert.True(exit == 0, stderr);
        var answer = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal("4095", answer.GetProperty("status").GetProperty("max_flows").GetString());
        Assert.True(long.Parse(answer.GetProperty("status").GetProperty("num_flows").GetString()!) > 0);
        var flows = answer.GetProperty("flows").EnumerateArray().Select(r => r.GetProperty("flow")).ToList();
        Assert.Contains(flows, f => f.GetProperty("verdict").GetString() == "DROPPED"
            && f.GetProperty("source").GetProperty("pod_name").GetString() == "c"
            && f.GetProperty("drop_reason_desc").GetString() == "POLICY_DENIED");
        Assert.Contains(flows, f => f.GetProperty("verdict").GetString() == "FORWARDED"
            && f.GetProperty("destination").GetProperty("pod_name").GetString() == "b");
    }

    [PrivilegedFact]
    public async Task PrivilegedMetrics_RealPrometheus_ScrapesDropsForwardsAndFlowMetrics()
    {
        int agentPort = FreePort(), flowPort = FreePort(), prometheusPort = FreePort();
        var (node, server) = await AllowedAndDeniedAsync(["--prometheus-serve-addr", $"127.0.0.1:{agentPort}", "--hubble-metrics-server", $"127.0.0.1:{flowPort}"]);
        await using var _ = node;
        using var __ = server;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

        string agentText = await http.GetStringAsync($"http://127.0.0.1:{agentPort}/metrics");
        Assert.Matches(@"tendril_drop_count_total\{reason=""Policy denied"",direction=""INGRESS""\} [1-9]", agentText);
        Assert.Matches(@"tendril_forward_count_total\{direction=""EGRESS""\} [1-9]", agentText);
        Assert.Contains("tendril_endpoint 3", agentText);
        Assert.Contains("tendril_policy 1", agentText);
        Assert.Matches(@"tendril_policy_endpoint_enforcement_status\{enforcement=""ingress""\} 1", agentText);
        Assert.Matches(@"tendril_identity\{type=""cluster_local""\} 3", agentText);
        Assert.Contains("tendril_bpf_map_pressure{map_name=\"tendril_ipcache\"}", agentText);
        Assert.Contains("tendril_agent_api_process_time_seconds_count{path=\"/v1/policies\",method=\"POST\",return_code=\"200\"} 1", agentText);
        Assert.DoesNotContain("tendril_flows_processed_total", agentText);
        string flowText = await http.GetStringAsync($"http://127.0.0.1:{flowPort}/metrics");
        Assert.Matches(@"tendril_drop_total\{reason=""POLICY_DENIED"",protocol=""TCP""\} [1-9]", flowText);
        Assert.Matches(@"tendril_policy_verdicts_total\{direction=""ingress"",match=""none"",action=""dropped""\} [1-9]", flowText);
        Assert.Matches(@"tendril_flows_processed_total\{type=""PolicyVerdict"",subtype="""",verdict=""FORWARDED""\} [1-9]", flowText);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"http://127.0.0.1:{agentPort}/v1/endpoints")).StatusCode);

        await using var prometheus = await PrometheusServer.StartAsync(prometheusPort, [$"127.0.0.1:{agentPort}", $"127.0.0.1:{flowPort}"]);
        double drops = await prometheus.QueryAsync("sum(tendril_drop_count_total{reason=\"Policy denied\"})");
        double flowDrops = await prometheus.QueryAsync("sum(tendril_drop_total{reason=\"POLICY_DENIED\"})");
        Assert.True(drops >= 1 && flowDrops >= 1, $"Prometheus saw {drops} datapath drops and {flowDrops} dropped flows");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Tendril.slnx")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"no Tendril.slnx above {AppContext.BaseDirectory}");
    }

    private static async Task<string> RunCliAsync(params string[] args)
    {
        var (exit, stdout, stderr) = await ChildProcess.RunDotnetAsync("tendril.dll", args);
        Assert.True(exit == 0, $"tendril {string.Join(' ', args)} exited {exit}: {stderr}{stdout}");
        return stdout;
    }
}
