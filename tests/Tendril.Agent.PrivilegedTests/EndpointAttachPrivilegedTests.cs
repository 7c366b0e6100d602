using System.Text.RegularExpressions;
using Tendril.Ebpf.Links;
using Tendril.Netlink.Namespaces;
using Tendril.Tests.Common;
using Tendril.Tests.Common.Topology;
using Xunit;

namespace Tendril.Agent.PrivilegedTests;

/// <summary>The agent with <c>--endpoint-attach tc</c>: endpoint programs in legacy tc filters instead of tcx links.</summary>
[Trait("Category", "Privileged")]
public sealed partial class EndpointAttachPrivilegedTests
{
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Blocked = TimeSpan.FromMilliseconds(1200);

    [PrivilegedFact]
    public async Task PrivilegedAgent_LegacyTcAttach_PolicyHoldsAndARestartReplacesTheFiltersInPlace()
    {
        await using var node = await AgentPods.StartAsync(["--endpoint-attach", "tc"]);
        var server = await node.AddPodAsync("server", new() { ["app"] = "server" });
        var allowed = await node.AddPodAsync("allowed", new() { ["app"] = "allowed" });
        var denied = await node.AddPodAsync("denied", new() { ["app"] = "denied" });
        using var pong = PongServer.Start(server.Thread, server.Address, 8080);
        await node.Client.SendJsonAsync(HttpMethod.Post, "policies", new StringContent("""
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: server}
            spec:
              endpointSelector: {matchLabels: {app: server}}
              ingress:
              - fromEndpoints: [{matchLabels: {app: allowed}}]
                toPorts: [{ports: [{port: "8080", protocol: TCP}]}]
            """));

        Assert.True(await Traffic.TcpPingAsync(allowed.Thread, server.Address, 8080, Quick));
        Assert.False(await Traffic.TcpPingAsync(denied.Thread, server.Address, 8080, Blocked));
        // The programs sit in direct-action filters, one per hook, and no tcx link is attached.
        foreach (var direction in new[] { "ingress", "egress" })
            Assert.Single(await FilterProgramIdsAsync(node, server.Endpoint.HostDevice, direction));
        Assert.Empty(node.Node.Invoke(() => Link.QueryTcx(server.Endpoint.HostIfindex, TcxDirection.Ingress)).Programs);
        uint before = (await FilterProgramIdsAsync(node, server.Endpoint.HostDevice, "ingress")).Single();

        node.Agent.Kill();
        Assert.True(await Traffic.TcpPingAsync(allowed.Thread, server.Address, 8080, Quick), "the filters outlive the agent");
        await node.Agent.StartAgainAsync();

        // The restarted agent's programs replaced the filters: still one per hook, now a new program.
        uint after = Assert.Single(await FilterProgramIdsAsync(node, server.Endpoint.HostDevice, "ingress"));
        Assert.NotEqual(before, after);
        Assert.Single(await FilterProgramIdsAsync(node, server.Endpoint.HostDevice, "egress"));
        Assert.True(await Traffic.TcpPingAsync(allowed.Thread, server.Address, 8080, Quick));
        Assert.False(await Traffic.TcpPingAsync(denied.Thread, server.Address, 8080, Blocked));
    }

    /// <summary>The program IDs of the bpf filters on a node-side device's hook, as `tc filter show` lists them.</summary>
    private static async Task<List<uint>> FilterProgramIdsAsync(AgentPods node, string device, string direction)
    {
        var (exit, stdout, stderr) = await ChildProcess.RunAsync("nsenter",
            [$"--net={NetworkNamespaces.PathOf(node.NodeName)}", "tc", "filter", "show", "dev", device, direction]);
        Assert.True(exit == 0, stderr);
        return ProgramId().Matches(stdout).Select(m => uint.Parse(m.Groups[1].Value)).ToList();
    }

    [GeneratedRegex(@"direct-action.* id (\d+)")]
    private static partial Regex ProgramId();
}
