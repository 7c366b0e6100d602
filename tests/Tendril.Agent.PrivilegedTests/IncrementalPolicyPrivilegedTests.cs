using System.Text.Json;
using Tendril.Tests.Common;
using Tendril.Tests.Common.Topology;
using Xunit;

namespace Tendril.Agent.PrivilegedTests;

/// <summary>
/// The agent resolves policy incrementally: a change touches only the endpoints whose rules or selections it changes,
/// and identities coming and going update the maps of the endpoints that select them.
/// </summary>
[Trait("Category", "Privileged")]
public sealed class IncrementalPolicyPrivilegedTests
{
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Blocked = TimeSpan.FromMilliseconds(1200);

    private const string AFromB = """
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata: {name: a-from-b}
        spec:
          endpointSelector: {matchLabels: {app: a}}
          ingress: [{fromEndpoints: [{matchLabels: {app: b}}]}]
        """;

    private static async Task<long> ImportAsync(AgentPods node, string yaml) =>
        (await node.Client.SendJsonAsync(HttpMethod.Post, "policies", new StringContent(yaml))).GetProperty("revision").GetInt64();

    private static async Task<HashSet<uint>> PeerIdentitiesAsync(AgentPods node, AgentPods.Pod pod) =>
        (await node.Client.GetJsonAsync($"bpf/policy/{pod.Endpoint.Id}")).EnumerateArray()
            .Select(e => e.GetProperty("identity").GetUInt32()).ToHashSet();

    [PrivilegedFact]
    public async Task PrivilegedIncremental_RuleImport_ResolvesOnlyTheEndpointsItSelects()
    {
        await using var node = await AgentPods.StartAsync();
        var a = await node.AddPodAsync("a", new() { ["app"] = "a" });
        var b = await node.AddPodAsync("b", new() { ["app"] = "b" });
        var c = await node.AddPodAsync("c", new() { ["app"] = "c" });
        long before = (await node.Client.GetEndpointAsync(c.Endpoint.Id)).PolicyRevision;
        var untouched = await PeerIdentitiesAsync(node, c);

        long revision = await ImportAsync(node, AFromB);

        Assert.Equal(revision, (await node.Client.GetEndpointAsync(a.Endpoint.Id)).PolicyRevision);
        Assert.Equal(before, (await node.Client.GetEndpointAsync(b.Endpoint.Id)).PolicyRevision);
        Assert.Equal(before, (await node.Client.GetEndpointAsync(c.Endpoint.Id)).PolicyRevision);
        Assert.Equal(untouched, await PeerIdentitiesAsync(node, c));
        Assert.Contains(b.Endpoint.Identity, await PeerIdentitiesAsync(node, a));
        Assert.True((await node.Client.GetEndpointAsync(a.Endpoint.Id)).IngressEnforced);
    }

    [PrivilegedFact]
    public async Task PrivilegedIncremental_SelectedPeerComesAndGoes_TheSelectingEndpointsMapFollows()
    {
        await using var node = await AgentPods.StartAsync();
        var a = await node.AddPodAsync("a", new() { ["app"] = "a" });
        using var pong = PongServer.Start(a.Thread, a.Address, 8080);
        await ImportAsync(node, AFromB);
        var c = await node.AddPodAsync("c", new() { ["app"] = "c" });
        Assert.DoesNotContain(c.Endpoint.Identity, await PeerIdentitiesAsync(node, a));

        var b = await node.AddPodAsync("b", new() { ["app"] = "b" });

        Assert.Contains(b.Endpoint.Identity, await PeerIdentitiesAsync(node, a));
        Assert.True(await Traffic.TcpPingAsync(b.Thread, a.Address, 8080, Quick), "b is selected as soon as it exists");
        Assert.False(await Traffic.TcpPingAsync(c.Thread, a.Address, 8080, Blocked), "c is not selected");

        await node.Client.DeleteEndpointAsync(b.Endpoint.Id);

        Assert.DoesNotContain(b.Endpoint.Identity, await PeerIdentitiesAsync(node, a));
    }

    [PrivilegedFact]
    public async Task PrivilegedIncremental_NamespaceRelabel_MovesThePodsIdentityInAndOutOfANamespaceSelector()
    {
        await using var node = await AgentPods.StartAsync();
        var a = await node.AddPodAsync("a", new() { ["app"] = "a" });
        var b = await node.AddPodAsync("b", new() { ["app"] = "b" }, ns: "tools");
        using var pong = PongServer.Start(a.Thread, a.Address, 8080);
        await ImportAsync(node, """
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: a-from-trusted}
            spec:
              endpointSelector: {matchLabels: {app: a}}
              ingress: [{fromEndpoints: [{matchLabels: {"k8s:io.cilium.k8s.namespace.labels.trust": "yes", "k8s:io.kubernetes.pod.namespace": tools}}]}]
            """);
        Assert.False(await Traffic.TcpPingAsync(b.Thread, a.Address, 8080, Blocked), "tools is not trusted yet");

        await node.Client.SendJsonAsync(HttpMethod.Put, "namespaces/tools", JsonContentOf(new Dictionary<string, string?> { ["trust"] = "yes" }));

        Assert.True(await Traffic.TcpPingAsync(b.Thread, a.Address, 8080, Quick), "labelling the namespace gives b an identity the rule selects");
        uint relabelled = (await node.Client.GetEndpointAsync(b.Endpoint.Id)).Identity;
        Assert.NotEqual(b.Endpoint.Identity, relabelled);
        var peers = await PeerIdentitiesAsync(node, a);
        Assert.Contains(relabelled, peers);
        Assert.DoesNotContain(b.Endpoint.Identity, peers);
    }

    private static StringContent JsonContentOf(Dictionary<string, string?> labels) =>
        new(JsonSerializer.Serialize(labels), System.Text.Encoding.UTF8, "application/json");
}
