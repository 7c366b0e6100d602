using System.Text.Json.Nodes;
using Tendril.Hubble.Api.Flow;
using Tendril.Hubble.Api.Observer;
using Tendril.Tests.Common;
using Xunit;

namespace Tendril.Agent.PrivilegedTests;

/// <summary>Real podman containers on Tendril networks installed by <c>tendril cni install</c>.</summary>
[Trait("Category", "Privileged")]
public sealed class PodmanPrivilegedTests
{
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Blocked = TimeSpan.FromSeconds(3);

    [PrivilegedFact]
    public async Task PrivilegedPodman_ContainersOnTendrilNetworks_ConnectPolicyAppliesAndFlowsNameThem()
    {
        await using var node = await AgentPods.StartAsync();
        await using var podman = await PodmanSandbox.CreateAsync();
        string empire = TestNames.Unique("empire"), alliance = TestNames.Unique("alliance");
        await InstallAsync(podman, node, empire, "org=empire");
        await InstallAsync(podman, node, alliance, "org=alliance");
        var conflist = JsonNode.Parse(File.ReadAllText(Path.Combine(podman.ConfDirectory, $"05-{empire}.conflist")))!;
        Assert.Equal("tendril-cni", (string?)conflist["plugins"]![0]!["type"]);
        Assert.True(File.Exists(Path.Combine(podman.BinDirectory, "tendril-cni")));

        string deathstar = TestNames.Unique("deathstar"), tiefighter = TestNames.Unique("tiefighter"), xwing = TestNames.Unique("xwing");
        await podman.RunAsync(["run", "--detach", "--name", deathstar, "--network", empire, PodmanSandbox.Image,
            "sh", "-c", "mkdir -p /www && echo 'Ship landed' > /www/index.html && exec httpd -f -p 8080 -h /www"]);
        await podman.RunAsync(["run", "--detach", "--name", tiefighter, "--network", empire, PodmanSandbox.Image, "sleep", "600"]);
        await podman.RunAsync(["run", "--detach", "--name", xwing, "--network", alliance, PodmanSandbox.Image, "sleep", "600"]);

        // Each container is an endpoint named after it, with its network's labels.
        var endpoints = await node.Client.ListEndpointsAsync();
        Assert.Equal(new[] { deathstar, tiefighter, xwing }.Order(), endpoints.Select(e => e.Name).Order());
        var target = endpoints.Single(e => e.Name == deathstar);
        Assert.Equal("empire", target.Labels["org"]);
        Assert.Equal("alliance", endpoints.Single(e => e.Name == xwing).Labels["org"]);
        var (_, inside, _) = await podman.RunAsync(["exec", deathstar, "ip", "-o", "-4", "addr", "show", "eth0"]);
        Assert.Contains($"{target.Ipv4}/32", inside);
        string url = $"http://{target.Ipv4}:8080/";

        Assert.Equal((true, "Ship landed\n"), await podman.ExecAsync(tiefighter, Quick, "wget", "-q", "-O", "-", url));
        Assert.Equal((true, "Ship landed\n"), await podman.ExecAsync(xwing, Quick, "wget", "-q", "-O", "-", url));

        await node.Client.SendJsonAsync(HttpMethod.Post, "policies", new StringContent("""
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: rule1}
            spec:
              endpointSelector: {matchLabels: {org: empire}}
              ingress:
              - fromEndpoints: [{matchLabels: {org: empire}}]
                toPorts: [{ports: [{port: "8080", protocol: TCP}]}]
            """));

        Assert.Equal((true, "Ship landed\n"), await podman.ExecAsync(tiefighter, Quick, "wget", "-q", "-O", "-", url));
        Assert.False((await podman.ExecAsync(xwing, Blocked, "wget", "-q", "-O", "-", url)).Finished);

        using var channel = HubbleClient.Channel(node.Agent.HubbleSocket);
        var flows = await HubbleClient.FlowsAsync(new Observer.ObserverClient(channel), new GetFlowsRequest { Number = 1000 });
        Assert.Contains(flows, f => f.Verdict == Verdict.Dropped && f.Source?.PodName == xwing && f.Destination?.PodName == deathstar
            && f.L4?.TCP?.DestinationPort == 8080 && f.DropReasonDesc == DropReason.PolicyDenied);
        Assert.Contains(flows, f => f.Verdict == Verdict.Forwarded && f.Source?.PodName == tiefighter && f.Destination?.PodName == deathstar);

        // Removing a container runs CNI DEL: its endpoint goes.
        await podman.RunAsync(["rm", "--force", "--time", "0", xwing]);
        Assert.DoesNotContain(await node.Client.ListEndpointsAsync(), e => e.Name == xwing);
    }

    private static async Task InstallAsync(PodmanSandbox podman, AgentPods node, string network, string label)
    {
        var (exit, stdout, stderr) = await ChildProcess.RunDotnetAsync("tendril.dll",
        [
            "cni", "install", "--plugin", await CniPlugin.PathAsync(), "--bin-dir", podman.BinDirectory, "--conf-dir", podman.ConfDirectory,
            "--network", network, "--label", label, "--agent-socket", node.Agent.Socket,
        ]);
        Assert.True(exit == 0, $"tendril cni install: {stdout} {stderr}");
    }
}
