using System.Net;
using Tendril.Api;
using Tendril.Tests.Common;
using Tendril.Tests.Common.Topology;
using Xunit;

namespace Tendril.Agent.PrivilegedTests;

/// <summary>Policies imported through the agent's API, enforced on real traffic between pods.</summary>
[Trait("Category", "Privileged")]
public sealed class PolicyPrivilegedTests
{
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Blocked = TimeSpan.FromMilliseconds(1200);

    private static Task<System.Text.Json.JsonElement> ImportAsync(AgentPods node, string yaml) =>
        node.Client.SendJsonAsync(HttpMethod.Post, "policies", new StringContent(yaml));

    [PrivilegedFact]
    public async Task PrivilegedPolicy_L3L4Rule_OnlyTheSelectedPeerReachesTheSelectedPort()
    {
        await using var node = await AgentPods.StartAsync();
        var db = await node.AddPodAsync("db", new() { ["app"] = "db" });
        var api = await node.AddPodAsync("api", new() { ["app"] = "api" });
        var web = await node.AddPodAsync("web", new() { ["app"] = "web" });
        using var pg = PongServer.Start(db.Thread, db.Address, 5432);
        using var ssh = PongServer.Start(db.Thread, db.Address, 22);
        using var dns = UdpSink.Start(db.Thread, db.Address, 53);

        await ImportAsync(node, """
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: db-access}
            spec:
              endpointSelector: {matchLabels: {app: db}}
              ingress:
              - fromEndpoints: [{matchLabels: {app: api}}]
                toPorts: [{ports: [{port: "5432", protocol: TCP}, {port: "53", protocol: UDP}]}]
            """);

        Assert.True(await Traffic.TcpPingAsync(api.Thread, db.Address, 5432, Quick));
        Assert.False(await Traffic.TcpPingAsync(api.Thread, db.Address, 22, Blocked));
        Assert.False(await Traffic.TcpPingAsync(web.Thread, db.Address, 5432, Blocked));
        await Traffic.SendUdpAsync(web.Thread, db.Address, 53, "denied");
        await Traffic.SendUdpAsync(api.Thread, db.Address, 53, "allowed");
        Assert.True(await Poll.UntilAsync(() => dns.Received == 1, Quick));
        await Task.Delay(200);
        Assert.Equal(1, dns.Received);
        using var webServer = PongServer.Start(web.Thread, web.Address, 7070);
        Assert.True(await Traffic.TcpPingAsync(db.Thread, web.Address, 7070, Quick), "db's egress is unrestricted");
        var endpoint = await node.Client.GetEndpointAsync(db.Endpoint.Id);
        Assert.True(endpoint.IngressEnforced);
        Assert.False(endpoint.EgressEnforced);
    }

    [PrivilegedFact]
    public async Task PrivilegedPolicy_DenyRuleAgainstAllowAll_DenyWinsAndRepliesStillFlow()
    {
        await using var node = await AgentPods.StartAsync();
        var server = await node.AddPodAsync("server", new() { ["app"] = "server" });
        var friend = await node.AddPodAsync("friend", new() { ["app"] = "friend" });
        var foe = await node.AddPodAsync("foe", new() { ["app"] = "foe" });
        using var pong = PongServer.Start(server.Thread, server.Address, 8080);
        using var foePong = PongServer.Start(foe.Thread, foe.Address, 9000);

        await ImportAsync(node, """
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: no-foes}
            spec:
              endpointSelector: {matchLabels: {app: server}}
              ingress: [{fromEntities: [all]}]
              ingressDeny: [{fromEndpoints: [{matchLabels: {app: foe}}]}]
            """);

        Assert.True(await Traffic.TcpPingAsync(friend.Thread, server.Address, 8080, Quick));
        Assert.False(await Traffic.TcpPingAsync(foe.Thread, server.Address, 8080, Blocked));
        Assert.True(await Traffic.TcpPingAsync(server.Thread, foe.Address, 9000, Quick), "the server may still call the foe, and the reply comes back");
        Assert.True(await Icmp.PingAsync(friend.Thread, server.Address, Quick));
        Assert.False(await Icmp.PingAsync(foe.Thread, server.Address, Blocked));
    }

    [PrivilegedFact]
    public async Task PrivilegedPolicy_HostEntityAndIcmp_OnlyTheNodeGetsInAndOnlyPingOfOthers()
    {
        await using var node = await AgentPods.StartAsync();
        var pod = await node.AddPodAsync("pod", new() { ["app"] = "pod" });
        var other = await node.AddPodAsync("other", new() { ["app"] = "other" });
        using var pong = PongServer.Start(pod.Thread, pod.Address, 8080);

        await ImportAsync(node, """
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: host-only}
            spec:
              endpointSelector: {matchLabels: {app: pod}}
              ingress:
              - fromEntities: [host]
              - fromEndpoints: [{}]
                icmps: [{fields: [{type: 8}]}]
            """);

        Assert.True(await Traffic.TcpPingAsync(node.Node, pod.Address, 8080, Quick), "node -> pod");
        Assert.False(await Traffic.TcpPingAsync(other.Thread, pod.Address, 8080, Blocked));
        Assert.True(await Icmp.PingAsync(other.Thread, pod.Address, Quick));
    }

    [PrivilegedFact]
    public async Task PrivilegedPolicy_AgentRestarted_RulesComeBackAndStayEnforced()
    {
        await using var node = await AgentPods.StartAsync();
        var server = await node.AddPodAsync("server", new() { ["app"] = "server" });
        var client = await node.AddPodAsync("client", new() { ["app"] = "client" });
        using var pong = PongServer.Start(server.Thread, server.Address, 8080);
        await ImportAsync(node, """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: deny-all, namespace: default}
            spec: {podSelector: {matchLabels: {app: server}}, policyTypes: [Ingress]}
            """);
        Assert.False(await Traffic.TcpPingAsync(client.Thread, server.Address, 8080, Blocked));

        node.Agent.Kill();
        Assert.False(await Traffic.TcpPingAsync(client.Thread, server.Address, 8080, Blocked), "still denied while the agent is dead");
        await node.Agent.StartAgainAsync();

        var policies = await node.Client.GetJsonAsync("policies");
        Assert.Equal("NetworkPolicy/default/deny-all", Assert.Single(policies.GetProperty("rules").EnumerateArray()).GetProperty("policy").GetString());
        Assert.False(await Traffic.TcpPingAsync(client.Thread, server.Address, 8080, Blocked), "still denied after the restart");
        await node.Client.SendJsonAsync(HttpMethod.Delete, "policies/NetworkPolicy/default/deny-all", null);
        Assert.True(await Traffic.TcpPingAsync(client.Thread, server.Address, 8080, Quick), "allowed once the policy is deleted");
    }

    [PrivilegedFact]
    public async Task PrivilegedPolicy_InvalidDocument_IsRefusedWithEveryErrorAndNothingChanges()
    {
        await using var node = await AgentPods.StartAsync();
        var a = await node.AddPodAsync("a", new() { ["app"] = "a" });
        var b = await node.AddPodAsync("b", new() { ["app"] = "b" });
        using var pong = PongServer.Start(b.Thread, b.Address, 8080);

        var e = await Assert.ThrowsAsync<AgentException>(() => ImportAsync(node, """
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: lockdown}
            spec: {endpointSelector: {}, ingress: [{fromEndpoints: [{matchLabels: {app: nobody}}]}]}
            ---
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: broken}
            spec: {endpointSelector: {}, ingress: [{toPorts: [{ports: [{port: "70000"}]}]}]}
            """));

        Assert.Equal(HttpStatusCode.BadRequest, e.Status);
        Assert.Contains("document 1: spec.ingress[0].toPorts[0].ports[0].port", e.Message);
        Assert.Contains("port 70000 is out of range 0-65535", e.Message);
        Assert.Empty((await node.Client.GetJsonAsync("policies")).GetProperty("rules").EnumerateArray());
        Assert.True(await Traffic.TcpPingAsync(a.Thread, b.Address, 8080, Quick), "the valid first document was not applied either");
    }
}
