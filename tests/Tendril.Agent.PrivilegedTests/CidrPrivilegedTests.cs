using System.Net;
using Tendril.Netlink;
using Tendril.Netlink.Links;
using Tendril.Netlink.Namespaces;
using Tendril.Netlink.Routes;
using Tendril.Tests.Common;
using Tendril.Tests.Common.Topology;
using Xunit;

namespace Tendril.Agent.PrivilegedTests;

/// <summary>
/// Egress to addresses outside the cluster, selected by CIDR. "Outside" is one more namespace the test makes, joined to
/// the node namespace by a veth (10.250.0.0/24); the node routes between it and the pods. Nothing leaves the namespaces.
/// </summary>
[Trait("Category", "Privileged")]
public sealed class CidrPrivilegedTests
{
    [PrivilegedFact]
    public async Task PrivilegedPolicy_ToCidrSetWithExcept_AllowsTheCidrButNotTheCarvedOutPart()
    {
        await using var node = await AgentPods.StartAsync();
        var pod = await node.AddPodAsync("pod", new() { ["app"] = "pod" });
        string outside = TestNames.Unique("o");
        NetworkNamespaces.Create(outside);
        try
        {
            using (var nodeNetlink = RtNetlink.OpenIn(NetworkNamespaces.PathOf(node.NodeName)))
            {
                nodeNetlink.Links.CreateVeth(new VethOptions("out0") { PeerName = "eth0", PeerNamespacePath = NetworkNamespaces.PathOf(outside) });
                nodeNetlink.Addresses.Add(nodeNetlink.Links.Get("out0").Index, IPAddress.Parse("10.250.0.1"), 24);
                nodeNetlink.Links.SetUp("out0");
            }
            node.Node.Invoke(() => File.WriteAllText("/proc/sys/net/ipv4/conf/out0/forwarding", "1"));
            using (var outsideNetlink = RtNetlink.OpenIn(NetworkNamespaces.PathOf(outside)))
            {
                int eth0 = outsideNetlink.Links.Get("eth0").Index;
                outsideNetlink.Addresses.Add(eth0, IPAddress.Parse("10.250.0.10"), 24);
                outsideNetlink.Addresses.Add(eth0, IPAddress.Parse("10.250.0.200"), 24);
                outsideNetlink.Links.SetUp("eth0");
                outsideNetlink.Links.SetUp("lo");
                outsideNetlink.Routes.Add(new RouteInfo { Destination = IPNetwork.Parse("10.210.0.0/24"), Gateway = IPAddress.Parse("10.250.0.1"), OutputLinkIndex = eth0 });
            }
            using var outsideThread = Tendril.Interop.Namespaces.NetNsThread.StartNamed(outside);
            using var allowed = PongServer.Start(outsideThread, IPAddress.Parse("10.250.0.10"), 8080);
            using var carved = PongServer.Start(outsideThread, IPAddress.Parse("10.250.0.200"), 8080);
            Assert.True(await Traffic.TcpPingAsync(pod.Thread, IPAddress.Parse("10.250.0.10"), 8080, TimeSpan.FromSeconds(3)), "no policy yet");

            await node.Client.SendJsonAsync(HttpMethod.Post, "policies", new StringContent("""
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata: {name: egress-cidr}
                spec:
                  endpointSelector: {matchLabels: {app: pod}}
                  egress: [{toCIDRSet: [{cidr: 10.250.0.0/24, except: [10.250.0.128/25]}]}]
                """));

            var ipcache = await node.Client.GetJsonAsync("bpf/ipcache");
            Assert.Contains(ipcache.EnumerateArray(), e => e.GetProperty("prefix").GetString() == "10.250.0.0/24" && e.GetProperty("identity").GetUInt32() > (1u << 24));
            Assert.True(await Traffic.TcpPingAsync(pod.Thread, IPAddress.Parse("10.250.0.10"), 8080, TimeSpan.FromSeconds(3)), "inside the CIDR");
            Assert.False(await Traffic.TcpPingAsync(pod.Thread, IPAddress.Parse("10.250.0.200"), 8080, TimeSpan.FromMilliseconds(1200)), "in the except");
        }
        finally
        {
            NetworkNamespaces.Delete(outside);
        }
    }
}
