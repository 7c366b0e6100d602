using Tendril.Datapath.Devices;
using Tendril.Datapath.Loader;
using Tendril.Datapath.Maps;
using Tendril.Ebpf.Links;
using Tendril.Tests.Common;
using Tendril.Tests.Common.Topology;
using Xunit;

namespace Tendril.Datapath.PrivilegedTests;

/// <summary>
/// An agent restart as the datapath sees it: a second <see cref="NodeDatapath"/> loads over the first one's pins and
/// re-attaches the endpoints, as EndpointManager.Restore does. The pinned links must move to the new programs.
/// </summary>
[Trait("Category", "Privileged")]
public sealed class RestorePrivilegedTests
{
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Blocked = TimeSpan.FromMilliseconds(1200);

    [PrivilegedFact]
    public async Task PrivilegedRestore_PinnedLinksOfAnEarlierLoad_RunTheNewProgramsAndStillEnforcePolicy()
    {
        using var node = NodeWithPods.Create(2);
        var (p1, p2) = (node.Pods[0], node.Pods[1]);
        using var pong = PongServer.Start(p2.Thread, p2.Address, 8080);
        var before = node.Datapath!.EndpointLinks(p1.Endpoint.EndpointId);
        Assert.Equal(2, before.Count);

        using var reloaded = node.Node.Invoke(() => NodeDatapath.Load(node.Datapath.Options));
        uint fromContainer = ProgramId(reloaded, DatapathObjects.FromContainer), toContainer = ProgramId(reloaded, DatapathObjects.ToContainer);
        Assert.DoesNotContain(fromContainer, before.Select(l => l.ProgramId));
        foreach (var pod in node.Pods)
            reloaded.AttachEndpoint(pod.Endpoint.EndpointId, pod.Endpoint.Ifindex, node.Node);
        node.Datapath.Dispose(); // the old load's programs now live only while a link holds them

        foreach (var pod in node.Pods)
        {
            var links = reloaded.EndpointLinks(pod.Endpoint.EndpointId);
            Assert.Equal([fromContainer, toContainer], links.Select(l => l.ProgramId));
            Assert.All(links, l => Assert.Equal(pod.Endpoint.Ifindex, l.Ifindex));
            var ingress = Assert.Single(node.Node.Invoke(() => Link.QueryTcx(pod.Endpoint.Ifindex, TcxDirection.Ingress)).Programs);
            Assert.Equal(fromContainer, ingress.ProgramId);
        }
        // Same links, updated in place: the link ids did not change.
        Assert.Equal(before.Select(l => l.Id), reloaded.EndpointLinks(p1.Endpoint.EndpointId).Select(l => l.Id));

        Assert.True(await Traffic.TcpPingAsync(p1.Thread, p2.Address, 8080, Quick));
        p2.Policy!.Sync(new Dictionary<PolicyMapKey, PolicyMapEntry> { [new PolicyMapKey(0, true, 0, 0, 0)] = new(false) });
        Assert.False(await Traffic.TcpPingAsync(p1.Thread, p2.Address, 8080, Blocked), "ingress policy is still enforced after the swap");
    }

    [PrivilegedFact]
    public async Task PrivilegedRestore_DeviceRecreatedWhileTheAgentWasDown_DeadPinsAreReplacedByNewLinks()
    {
        using var node = NodeWithPods.Create(2);
        var (p1, p2) = (node.Pods[0], node.Pods[1]);
        using var pong = PongServer.Start(p2.Thread, p2.Address, 8080);
        EndpointDevices.Delete(node.NodeNetlink, "lxc1");
        var network = EndpointDevices.Create(node.NodeNetlink, node.Node,
            new EndpointNetworkSpec("lxc1", p1.NamespacePath, p1.Address, NodeWithPods.Gateway, 1500));
        node.Datapath!.Endpoints.Upsert(p1.Endpoint with { Ifindex = network.HostIfindex, Mac = network.PodMac, NodeMac = network.HostMac });
        Assert.All(node.Datapath.EndpointLinks(p1.Endpoint.EndpointId), l => Assert.NotEqual(network.HostIfindex, l.Ifindex));

        node.Datapath.AttachEndpoint(p1.Endpoint.EndpointId, network.HostIfindex, node.Node);

        var links = node.Datapath.EndpointLinks(p1.Endpoint.EndpointId);
        Assert.Equal(2, links.Count);
        Assert.All(links, l => Assert.Equal(network.HostIfindex, l.Ifindex));
        Assert.Equal(ProgramId(node.Datapath, DatapathObjects.FromContainer), links[0].ProgramId);
        Assert.Single(node.Node.Invoke(() => Link.QueryTcx(network.HostIfindex, TcxDirection.Ingress)).Programs);
        Assert.True(await Traffic.TcpPingAsync(p1.Thread, p2.Address, 8080, Quick));
    }

    [PrivilegedFact]
    public void PrivilegedLoad_MetricsPinnedByAnOlderLayout_AreDroppedAndEveryOtherPinIsKept()
    {
        using var pins = new BpfFsDirectory("mx");
        var options = new DatapathOptions(pins.Path);
        using (var first = NodeDatapath.Load(options))
            first.IpCache.Upsert(new System.Net.IPNetwork(System.Net.IPAddress.Parse("192.0.2.0"), 24), 7);
        string metricsPin = Path.Combine(pins.Path, "maps", DatapathObjects.MetricsMap);
        File.Delete(metricsPin);
        using (var old = Tendril.Ebpf.Map.Create(new Tendril.Ebpf.MapCreateOptions("tendril_metrics", Tendril.Ebpf.MapType.PerCpuHash, 4, 16, 1024)))
            old.Pin(metricsPin);

        using var upgraded = NodeDatapath.Load(options);

        Assert.Empty(upgraded.Metrics.Read());
        using var pinned = Tendril.Ebpf.Map.OpenPinned(metricsPin);
        Assert.Equal(Tendril.Ebpf.MapType.PerCpuArray, pinned.Type);
        Assert.Contains(upgraded.IpCache.List(), e => e.Identity == 7);
    }

    private static uint ProgramId(NodeDatapath datapath, string program) => datapath.ProgramInfo(program).Id;
}
