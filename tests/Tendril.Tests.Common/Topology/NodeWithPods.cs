using System.Net;
using Tendril.Datapath.Devices;
using Tendril.Datapath.Loader;
using Tendril.Datapath.Maps;
using Tendril.Interop.Namespaces;
using Tendril.Netlink;
using Tendril.Netlink.Namespaces;

namespace Tendril.Tests.Common.Topology;

/// <summary>
/// A node (its own network namespace, router address 10.200.0.1 on lo) with pods 10.200.0.11… each in its own
/// namespace, wired by <see cref="EndpointDevices"/> and served by a <see cref="NodeDatapath"/>. Every pod starts
/// with allow-all policy both ways; identities are 1001, 1002, …. Nothing routes out of the node namespace.
/// Without the datapath (<c>withDatapath: false</c>) the same plumbing is plain veth + /32 routing through the node's
/// stack: the baseline benchmarks compare against.
/// </summary>
public sealed class NodeWithPods : IDisposable
{
    public static readonly IPAddress Gateway = IPAddress.Parse("10.200.0.1");

    private readonly List<string> _namespaces = new();
    private readonly BpfFsDirectory _pins = new("node");

    private NodeWithPods()
    {
    }

    public string NodeName { get; private set; } = "";

    public NetNsThread Node { get; private set; } = null!;

    public IRtNetlink NodeNetlink { get; private set; } = null!;

    /// <summary>Null when the node was made without the datapath.</summary>
    public NodeDatapath? Datapath { get; private set; }

    public List<Pod> Pods { get; } = new();

    public string PinDirectory => _pins.Path;

    public static NodeWithPods Create(int pods, bool withDatapath = true)
    {
        var node = new NodeWithPods();
        try
        {
            node.NodeName = TestNames.Unique("n");
            node.AddNamespace(node.NodeName);
            node.Node = NetNsThread.StartNamed(node.NodeName);
            node.NodeNetlink = RtNetlink.OpenIn(NetworkNamespaces.PathOf(node.NodeName));
            node.NodeNetlink.Links.SetUp("lo");
            node.NodeNetlink.Addresses.Add(node.NodeNetlink.Links.Get("lo").Index, Gateway, 32);
            if (withDatapath)
            {
                node.Datapath = node.Node.Invoke(() => NodeDatapath.Load(new DatapathOptions(node._pins.Path)));
                node.Datapath.IpCache.Upsert(new IPNetwork(Gateway, 32), 1);
            }
            for (int i = 1; i <= pods; i++)
                node.AddPod(i);
            return node;
        }
        catch
        {
            node.Dispose();
            throw;
        }
    }

    private void AddPod(int i)
    {
        string ns = TestNames.Unique("p");
        AddNamespace(ns);
        var address = IPAddress.Parse($"10.200.0.{10 + i}");
        var network = EndpointDevices.Create(NodeNetlink, Node,
            new EndpointNetworkSpec($"lxc{i}", NetworkNamespaces.PathOf(ns), address, Gateway, 1500));
        var record = new EndpointRecord((ushort)(100 + i), network.HostIfindex, (uint)(1000 + i), address, network.PodMac, network.HostMac);
        EndpointPolicyMap? policy = null;
        if (Datapath is not null)
        {
            Datapath.Endpoints.Upsert(record);
            policy = Datapath.Policies.Open(record.EndpointId);
            policy.Sync(AllowAll());
            Datapath.AttachEndpoint(record.EndpointId, network.HostIfindex, Node);
        }
        Pods.Add(new Pod(record, NetNsThread.StartNamed(ns), policy, ns));
    }

    public static Dictionary<PolicyMapKey, PolicyMapEntry> AllowAll() => new()
    {
        [new PolicyMapKey(0, true, 0, 0, 0)] = new(false),
        [new PolicyMapKey(0, false, 0, 0, 0)] = new(false),
    };

    private void AddNamespace(string name)
    {
        NetworkNamespaces.Create(name);
        _namespaces.Add(name);
    }

    public void Dispose()
    {
        foreach (var pod in Pods)
        {
            pod.Thread.Dispose();
            pod.Policy?.Dispose();
        }
        Datapath?.Dispose();
        NodeNetlink?.Dispose();
        Node?.Dispose();
        foreach (var name in _namespaces)
        {
            if (NetworkNamespaces.Exists(name))
                NetworkNamespaces.Delete(name);
        }
        _pins.Dispose();
    }

    public sealed record Pod(EndpointRecord Endpoint, NetNsThread Thread, EndpointPolicyMap? Policy, string Namespace)
    {
        /// <summary>The pod's namespace file, for nsenter.</summary>
        public string NamespacePath => NetworkNamespaces.PathOf(Namespace);

        public IPAddress Address => Endpoint.Address;

        public uint Identity => Endpoint.Identity;
    }
}
