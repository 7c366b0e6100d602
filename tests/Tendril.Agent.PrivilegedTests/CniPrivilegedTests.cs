using System.Net;
using System.Text.Json.Nodes;
using Tendril.Api;
using Tendril.Interop.Namespaces;
using Tendril.Netlink;
using Tendril.Netlink.Namespaces;
using Tendril.Tests.Common;
using Tendril.Tests.Common.Topology;
using Xunit;

namespace Tendril.Agent.PrivilegedTests;

/// <summary>
/// The published tendril-cni binary driven as a container runtime drives it (environment and standard input) against
/// a real agent: every command, every result version, chaining with the reference plugins, and bad input.
/// </summary>
[Trait("Category", "Privileged")]
public sealed class CniPrivilegedTests
{
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(3);

    [PrivilegedFact]
    public async Task PrivilegedCni_AddThenDel_ContainerGetsAnEndpointWithItsLabelsAndDelRemovesEverything()
    {
        await using var node = await AgentPods.StartAsync();
        string web = node.AddNamespace(), client = node.AddNamespace();
        string webId = TestNames.Unique("web"), clientId = TestNames.Unique("cli");
        string config = CniPlugin.Config(node.Agent.Socket, labels: new Dictionary<string, string> { ["app"] = "web" });

        var added = await CniPlugin.RunAsync("ADD", config, webId, NetworkNamespaces.PathOf(web), cniArgs: "IgnoreUnknown=1;K8S_POD_NAMESPACE=shop;K8S_POD_NAME=web-1");

        Assert.True(added.ExitCode == 0, added.ToString());
        var endpoint = Assert.Single(await node.Client.FindEndpointsAsync(webId));
        Assert.Equal(("web-1", "shop", "web", "ttnet", "eth0"), (endpoint.Name, endpoint.Namespace, endpoint.Labels["app"], endpoint.Network, endpoint.Interface));
        var result = added.Json;
        Assert.Equal("1.0.0", (string?)result["cniVersion"]);
        var ip = result["ips"]!.AsArray().Single()!;
        Assert.Equal($"{endpoint.Ipv4}/32", (string?)ip["address"]);
        Assert.Equal(endpoint.Gateway, (string?)ip["gateway"]);
        var podInterface = result["interfaces"]![(int)ip["interface"]!]!;
        Assert.Equal(("eth0", NetworkNamespaces.PathOf(web), endpoint.Mac), ((string?)podInterface["name"], (string?)podInterface["sandbox"], (string?)podInterface["mac"]));
        Assert.Contains(result["interfaces"]!.AsArray(), i => (string?)i!["name"] == endpoint.HostDevice && i["sandbox"] is null);
        Assert.Contains(result["routes"]!.AsArray(), r => (string?)r!["dst"] == "0.0.0.0/0" && (string?)r["gw"] == endpoint.Gateway);
        using (var pod = RtNetlink.OpenIn(NetworkNamespaces.PathOf(web)))
            Assert.Contains(pod.Addresses.List(pod.Links.Get("eth0").Index), a => a.Address.ToString() == endpoint.Ipv4 && a.PrefixLength == 32);

        // A second container reaches the first through the datapath.
        Assert.Equal(0, (await CniPlugin.RunAsync("ADD", CniPlugin.Config(node.Agent.Socket), clientId, NetworkNamespaces.PathOf(client))).ExitCode);
        using (var webThread = NetNsThread.StartNamed(web))
        using (var clientThread = NetNsThread.StartNamed(client))
        using (PongServer.Start(webThread, IPAddress.Parse(endpoint.Ipv4), 8080))
            Assert.True(await Traffic.TcpPingAsync(clientThread, IPAddress.Parse(endpoint.Ipv4), 8080, Quick));

        var deleted = await CniPlugin.RunAsync("DEL", CniPlugin.Config(node.Agent.Socket, prevResult: result), webId, NetworkNamespaces.PathOf(web));
        Assert.True(deleted.ExitCode == 0 && deleted.Stdout.Trim().Length == 0, deleted.ToString());
        Assert.Empty(await node.Client.FindEndpointsAsync(webId));
        Assert.DoesNotContain(endpoint.HostDevice, NodeLinks(node));
        using (var pod = RtNetlink.OpenIn(NetworkNamespaces.PathOf(web)))
            Assert.Null(pod.Links.Find("eth0"));

        // DEL is idempotent, and succeeds for containers the plugin never saw.
        Assert.Equal(0, (await CniPlugin.RunAsync("DEL", config, webId, NetworkNamespaces.PathOf(web))).ExitCode);
        Assert.Equal(0, (await CniPlugin.RunAsync("DEL", config, TestNames.Unique("never"), null)).ExitCode);
        Assert.Single(await node.Client.ListEndpointsAsync());
    }

    [PrivilegedFact]
    public async Task PrivilegedCni_EveryResultVersion_IsWrittenInTheConfigsVersion()
    {
        await using var node = await AgentPods.StartAsync();
        foreach (var version in new[] { "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0" })
        {
            string netns = NetworkNamespaces.PathOf(node.AddNamespace()), id = TestNames.Unique("v");
            string config = CniPlugin.Config(node.Agent.Socket, version);

            var added = await CniPlugin.RunAsync("ADD", config, id, netns);

            Assert.True(added.ExitCode == 0, $"{version}: {added}");
            var result = added.Json;
            Assert.Equal(version, (string?)result["cniVersion"]);
            var ip = result["ips"]!.AsArray().Single()!.AsObject();
            Assert.Equal(version.StartsWith("0.", StringComparison.Ordinal), ip.ContainsKey("version"));
            if (ip.ContainsKey("version"))
                Assert.Equal("4", (string?)ip["version"]);
            var podInterface = result["interfaces"]![(int)ip["interface"]!]!.AsObject();
            Assert.Equal(version == "1.1.0", podInterface.ContainsKey("mtu"));
            Assert.Equal(0, (await CniPlugin.RunAsync("DEL", CniPlugin.Config(node.Agent.Socket, version, prevResult: result), id, netns)).ExitCode);
        }
        Assert.Empty(await node.Client.ListEndpointsAsync());
    }

    [PrivilegedFact]
    public async Task PrivilegedCni_Check_PassesForTheAttachmentAndNamesWhatBroke()
    {
        await using var node = await AgentPods.StartAsync();
        string netns = NetworkNamespaces.PathOf(node.AddNamespace()), id = TestNames.Unique("chk");
        var added = await CniPlugin.RunAsync("ADD", CniPlugin.Config(node.Agent.Socket), id, netns);
        Assert.Equal(0, added.ExitCode);
        string checkConfig = CniPlugin.Config(node.Agent.Socket, prevResult: added.Json);

        var healthy = await CniPlugin.RunAsync("CHECK", checkConfig, id, netns);
        Assert.True(healthy.ExitCode == 0 && healthy.Stdout.Trim().Length == 0, healthy.ToString());

        var tooOld = await CniPlugin.RunAsync("CHECK", CniPlugin.Config(node.Agent.Socket, "0.3.1", prevResult: added.Json), id, netns);
        Assert.Equal(1, tooOld.Code);

        using (var pod = RtNetlink.OpenIn(netns))
            pod.Links.Delete("eth0");                     // the veth pair goes: both ends are gone
        var broken = await CniPlugin.RunAsync("CHECK", checkConfig, id, netns);
        Assert.Equal(101, broken.Code);
        Assert.Contains("does not exist", (string?)broken.Json["msg"] + (string?)broken.Json["details"]);
    }

    [PrivilegedFact]
    public async Task PrivilegedCni_AgentDown_AddAndStatusSayNotAvailableAndDelStillCleansUp()
    {
        await using var node = await AgentPods.StartAsync();
        string first = NetworkNamespaces.PathOf(node.AddNamespace()), second = NetworkNamespaces.PathOf(node.AddNamespace());
        string firstId = TestNames.Unique("a"), secondId = TestNames.Unique("b");
        string config = CniPlugin.Config(node.Agent.Socket, "1.1.0");
        var added = await CniPlugin.RunAsync("ADD", config, firstId, first);
        Assert.Equal(0, added.ExitCode);
        Assert.Equal(0, (await CniPlugin.RunAsync("STATUS", config)).ExitCode);
        string hostDevice = (await node.Client.FindEndpointsAsync(firstId)).Single().HostDevice;

        node.Agent.Kill();

        var status = await CniPlugin.RunAsync("STATUS", config);
        Assert.Equal(50, status.Code);
        var refused = await CniPlugin.RunAsync("ADD", config, secondId, second);
        Assert.Equal(50, refused.Code);
        Assert.Contains("agent", (string?)refused.Json["msg"]);
        using (var pod = RtNetlink.OpenIn(second))
            Assert.Null(pod.Links.Find("eth0"));
        var deleted = await CniPlugin.RunAsync("DEL", CniPlugin.Config(node.Agent.Socket, "1.1.0", prevResult: added.Json), firstId, first);
        Assert.True(deleted.ExitCode == 0, deleted.ToString());
        using (var pod = RtNetlink.OpenIn(first))
            Assert.Null(pod.Links.Find("eth0"));

        // The agent, back, forgets the endpoint whose devices went while it was away.
        await node.Agent.StartAgainAsync();
        Assert.Empty(await node.Client.ListEndpointsAsync());
        Assert.DoesNotContain(hostDevice, NodeLinks(node));
        Assert.Equal(0, (await CniPlugin.RunAsync("STATUS", config)).ExitCode);
    }

    [PrivilegedFact]
    public async Task PrivilegedCni_Gc_DeletesOnlyTheNetworksAttachmentsNotListedAsValid()
    {
        await using var node = await AgentPods.StartAsync();
        var ids = new[] { TestNames.Unique("k"), TestNames.Unique("s"), TestNames.Unique("o") };
        var namespaces = ids.Select(_ => NetworkNamespaces.PathOf(node.AddNamespace())).ToArray();
        string config = CniPlugin.Config(node.Agent.Socket, "1.1.0");
        Assert.Equal(0, (await CniPlugin.RunAsync("ADD", config, ids[0], namespaces[0])).ExitCode);
        Assert.Equal(0, (await CniPlugin.RunAsync("ADD", config, ids[1], namespaces[1])).ExitCode);
        Assert.Equal(0, (await CniPlugin.RunAsync("ADD", CniPlugin.Config(node.Agent.Socket, "1.1.0", network: "ttother"), ids[2], namespaces[2])).ExitCode);
        var apiPod = await node.AddPodAsync("api-made", new() { ["app"] = "x" });

        var gc = await CniPlugin.RunAsync("GC", CniPlugin.Config(node.Agent.Socket, "1.1.0", extra: new JsonObject
        {
            ["cni.dev/valid-attachments"] = new JsonArray(new JsonObject { ["containerID"] = ids[0], ["ifname"] = "eth0" }),
        }));

        Assert.True(gc.ExitCode == 0 && gc.Stdout.Trim().Length == 0, gc.ToString());
        var left = await node.Client.ListEndpointsAsync();
        Assert.Equal(new[] { ids[0], ids[2], null }.Order(), left.Select(e => e.ContainerId).Order());
        Assert.Contains(left, e => e.Id == apiPod.Endpoint.Id);
        using var pod = RtNetlink.OpenIn(namespaces[1]);
        Assert.Null(pod.Links.Find("eth0"));
    }

    [PrivilegedFact]
    public async Task PrivilegedCni_BadInput_EachGetsItsCodeAndNothingIsLeftBehind()
    {
        await using var node = await AgentPods.StartAsync();
        string netns = NetworkNamespaces.PathOf(node.AddNamespace());
        string vanishedName = node.AddNamespace(), vanished = NetworkNamespaces.PathOf(vanishedName);
        NetworkNamespaces.Delete(vanishedName);
        string config = CniPlugin.Config(node.Agent.Socket);
        var nodeLinks = NodeLinks(node);

        var cases = new (string What, Task<CniPlugin.Outcome> Run, int Code)[]
        {
            ("no CNI_NETNS on ADD", CniPlugin.RunAsync("ADD", config, TestNames.Unique("x"), null), 4),
            ("no CNI_CONTAINERID", CniPlugin.RunAsync("ADD", config, null, netns), 4),
            ("an unknown command", CniPlugin.RunAsync("FROB", config, TestNames.Unique("x"), netns), 4),
            ("malformed CNI_ARGS", CniPlugin.RunAsync("ADD", config, TestNames.Unique("x"), netns, cniArgs: "K8S_POD_NAME"), 4),
            ("malformed JSON", CniPlugin.RunAsync("ADD", "{\"cniVersion\": \"1.0.0\", \"name\":", TestNames.Unique("x"), netns), 6),
            ("an unknown cniVersion", CniPlugin.RunAsync("ADD", CniPlugin.Config(node.Agent.Socket, "9.9.9"), TestNames.Unique("x"), netns), 1),
            ("a netns that vanished", CniPlugin.RunAsync("ADD", config, TestNames.Unique("x"), vanished), 3),
            ("malformed labels", CniPlugin.RunAsync("ADD", CniPlugin.Config(node.Agent.Socket, extra: new JsonObject
            {
                ["args"] = new JsonObject { ["cni"] = new JsonObject { ["labels"] = new JsonArray(new JsonObject { ["key"] = 5 }) } },
            }), TestNames.Unique("x"), netns), 7),
        };

        foreach (var (what, run, code) in cases)
        {
            var outcome = await run;
            Assert.True(outcome.ExitCode != 0, $"{what}: {outcome}");
            Assert.True(outcome.Code == code, $"{what}: expected code {code}, {outcome}");
            Assert.False(string.IsNullOrWhiteSpace((string?)outcome.Json["msg"]), $"{what}: {outcome}");
        }
        Assert.Empty(await node.Client.ListEndpointsAsync());
        Assert.Equal(nodeLinks, NodeLinks(node));
        using var pod = RtNetlink.OpenIn(netns);
        Assert.Equal(["lo"], pod.Links.List().Select(l => l.Name));
    }

    [PrivilegedFact]
    public async Task PrivilegedCni_Chained_TheReferenceTuningPluginGetsOurResultAndAPrevResultIsKept()
    {
        await using var node = await AgentPods.StartAsync();
        string netnsName = node.AddNamespace(), netns = NetworkNamespaces.PathOf(netnsName), id = TestNames.Unique("ch");

        // As a runtime runs the list [tendril-cni, tuning]: tuning gets our result as its prevResult and passes it on.
        var ours = await CniPlugin.RunAsync("ADD", CniPlugin.Config(node.Agent.Socket), id, netns);
        Assert.Equal(0, ours.ExitCode);
        var tuningConfig = new JsonObject
        {
            ["cniVersion"] = "1.0.0", ["name"] = "ttnet", ["type"] = "tuning",
            ["sysctl"] = new JsonObject { ["net.core.somaxconn"] = "517" },
            ["prevResult"] = ours.Json,
        };
        var (exit, stdout, stderr) = await ChildProcess.RunAsync("/usr/lib/cni/tuning", [], environment: Environment(id, netns, "ADD"), stdin: tuningConfig.ToJsonString());
        Assert.True(exit == 0, $"tuning: {stdout} {stderr}");
        Assert.True(JsonNode.DeepEquals(ours.Json, JsonNode.Parse(stdout)), $"tuning passed on {stdout}, we gave {ours.Stdout}");
        using (var pod = NetNsThread.StartNamed(netnsName))
            Assert.Equal("517", pod.Invoke(() => File.ReadAllText("/proc/sys/net/core/somaxconn").Trim()));

        // After another plugin: its interfaces and addresses stay first, ours follow with their indices.
        string afterId = TestNames.Unique("af"), afterNetns = NetworkNamespaces.PathOf(node.AddNamespace());
        var previous = JsonNode.Parse("""
            {"cniVersion": "1.0.0", "interfaces": [{"name": "ttdummy0", "mac": "02:00:00:00:00:01"}],
             "ips": [{"address": "192.0.2.10/24", "interface": 0}], "routes": [{"dst": "192.0.2.0/24"}],
             "dns": {"nameservers": ["192.0.2.53"]}}
            """)!.AsObject();
        var after = await CniPlugin.RunAsync("ADD", CniPlugin.Config(node.Agent.Socket, prevResult: previous), afterId, afterNetns);
        Assert.Equal(0, after.ExitCode);
        var merged = after.Json;
        Assert.Equal("ttdummy0", (string?)merged["interfaces"]![0]!["name"]);
        Assert.Equal("192.0.2.10/24", (string?)merged["ips"]![0]!["address"]);
        Assert.Equal(2, merged["ips"]!.AsArray().Count);
        Assert.Equal("eth0", (string?)merged["interfaces"]![(int)merged["ips"]![1]!["interface"]!]!["name"]);
        Assert.Contains(merged["routes"]!.AsArray(), r => (string?)r!["dst"] == "192.0.2.0/24");
        Assert.Equal("192.0.2.53", (string?)merged["dns"]!["nameservers"]![0]);

        // DEL runs the list in reverse.
        var (tuningDel, _, tuningDelErr) = await ChildProcess.RunAsync("/usr/lib/cni/tuning", [], environment: Environment(id, netns, "DEL"), stdin: tuningConfig.ToJsonString());
        Assert.True(tuningDel == 0, tuningDelErr);
        Assert.Equal(0, (await CniPlugin.RunAsync("DEL", CniPlugin.Config(node.Agent.Socket, prevResult: ours.Json), id, netns)).ExitCode);
        Assert.Equal(0, (await CniPlugin.RunAsync("DEL", CniPlugin.Config(node.Agent.Socket, prevResult: merged), afterId, afterNetns)).ExitCode);
        Assert.Empty(await node.Client.ListEndpointsAsync());
    }

    private static List<string> NodeLinks(AgentPods node)
    {
        using var netlink = RtNetlink.OpenIn(NetworkNamespaces.PathOf(node.NodeName));
        return netlink.Links.List().Select(l => l.Name).Order().ToList();
    }

    private static Dictionary<string, string?> Environment(string containerId, string netns, string command) => new()
    {
        ["CNI_COMMAND"] = command, ["CNI_CONTAINERID"] = containerId, ["CNI_NETNS"] = netns, ["CNI_IFNAME"] = "eth0", ["CNI_PATH"] = "/usr/lib/cni",
    };
}
