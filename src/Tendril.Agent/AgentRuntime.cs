using Tendril.Api;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Tendril.Agent.Endpoints;
using Tendril.Agent.Identities;
using Tendril.Agent.Namespaces;
using Tendril.Agent.Policy;
using Tendril.Agent.Services;
using Tendril.Agent.State;
using Tendril.ControlPlane.Identities;
using Tendril.ControlPlane.Labels;
using Tendril.Datapath.Loader;
using Tendril.Datapath.Maps;
using Tendril.Interop.Namespaces;
using Tendril.Netlink;

namespace Tendril.Agent;

/// <summary>
/// The agent's modules, started in order and stopped in reverse. Stopping releases this process's handles only:
/// pinned maps and links keep the node's pods connected and policed while the agent is away.
/// </summary>
public sealed partial class AgentRuntime(AgentOptions options, ILogger<AgentRuntime> logger) : IHostedService
{
    private NetNsThread? _nodeThread;
    private IRtNetlink? _netlink;

    public AgentOptions Options { get; } = options;

    public NodeDatapath Datapath { get; private set; } = null!;

    public LocalIdentityAllocator Identities { get; private set; } = null!;

    public NamespaceRegistry Namespaces { get; private set; } = null!;

    public AgentPolicy Policy { get; private set; } = null!;

    public EndpointManager Endpoints { get; private set; } = null!;

    public ServiceManager Services { get; private set; } = null!;

    private SocketLoadBalancer? _socketLb;

    private HostDevicePrograms? _hostDevices;

    private AgentState? _state;

    internal static JsonSerializerOptions StateJson { get; } = new();

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        Options.Validate();
        Directory.CreateDirectory(Options.ResolvedStateDirectory);
        _state = await AgentState.OpenAsync(Path.Combine(Options.ResolvedStateDirectory, "store"), StateJson, cancellationToken); // embedded store
        _nodeThread = NetNsThread.Start(Options.NodeNamespacePath ?? "/proc/self/ns/net");
        _netlink = Options.NodeNamespacePath is null ? RtNetlink.Open() : RtNetlink.OpenIn(Options.NodeNamespacePath);
        EnsureGatewayAddress(_netlink);
        var datapathOptions = new DatapathOptions(Options.ResolvedBpfDirectory) { MaglevTableSize = (uint)Options.MaglevTableSize, EndpointAttach = Options.EndpointAttach };
        Datapath = _nodeThread.Invoke(() => NodeDatapath.Load(datapathOptions));
        var nodeAddresses = NodeAddresses(_netlink).ToList();
        foreach (var address in nodeAddresses)
            Datapath.IpCache.Upsert(new IPNetwork(address, 32), 1);                              // the node itself is "host"
        Identities = new LocalIdentityAllocator(_state);                                         // labels -> identity, persisted
        Namespaces = new NamespaceRegistry(_state);                                              // namespaces and their labels
        Policy = new AgentPolicy(Options.Enforcement, Identities, Datapath.IpCache,               // repository, selector cache, resolver
            _state);
        int skipped = Policy.Restore();                                                          // the rules of the last run
        Endpoints = new EndpointManager(Options, Datapath, _netlink, _nodeThread, Identities,     // pods: devices, maps, links
            Policy, _state);
        Policy.Changed += Endpoints.OnPolicyChanged;                                             // incremental: affected endpoints only
        int restored = Endpoints.Restore();                                                      // state of the last run, reconciled
        Services = new ServiceManager(Options.ServiceParser, Options.LoadBalancer, Options.NodeName,  // services -> load-balancer maps
            nodeAddresses, Datapath.LoadBalancer, _state, logger);
        var services = Services.Restore(Endpoints.List());                                       // replayed, maps reconciled in place
        Endpoints.Changed += Services.OnEndpointsChanged;                                        // selector services follow the pods
        if (Options.SocketLbCgroup is { } cgroup)
        {
            _socketLb = SocketLoadBalancer.Load(datapathOptions);                                // socket-LB on the same pinned maps
            _socketLb.Attach(cgroup);
        }
        if (Options.Devices.Count > 0)
            _hostDevices = AttachDevices(datapathOptions);                                       // NodePort & co. from outside
        if (services.SkippedImports > 0 || services.RejectedAllocations.Count > 0)
            Log.ServicesSkipped(logger, services.SkippedImports, string.Join(", ", services.RejectedAllocations));
        if (skipped > 0)
            Log.PoliciesSkipped(logger, skipped);
        Log.Started(logger, Options.NodeName, Options.PodCidr.ToString(), restored);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        Endpoints?.Dispose();
        _socketLb?.Dispose();
        _hostDevices?.Dispose();
        Datapath?.Dispose();
        _netlink?.Dispose();
        _nodeThread?.Dispose();
        if (_state is not null)
            await _state.DisposeAsync();
    }

    /// <summary>Creates an endpoint; its identity comes from its labels and its namespace's labels, as in Cilium.</summary>
    public EndpointModel CreateEndpoint(EndpointCreateRequest request)
    {
        string ns = request.Namespace ?? "default";
        var namespaceLabels = Namespaces.Ensure(ns);
        return Endpoints.Create(request with { Namespace = ns }, IdentityLabels(request.Labels ?? new Dictionary<string, string>(), ns, namespaceLabels));
    }

    /// <summary>Changes a namespace's labels; its endpoints get the identities their new label sets map to.</summary>
    public IReadOnlyDictionary<string, string> LabelNamespace(string name, IReadOnlyDictionary<string, string?> changes)
    {
        if (Namespaces.Label(name, changes))
        {
            var labels = Namespaces.Ensure(name);
            Endpoints.Relabel(e => e.Namespace == name, e => IdentityLabels(e.Labels, name, labels));
        }
        return Namespaces.Ensure(name);
    }

    /// <summary>Cilium's identity-relevant labels of a pod: its own, its namespace and the namespace's labels, the cluster, the service account.</summary>
    public static LabelSet IdentityLabels(IReadOnlyDictionary<string, string> podLabels, string ns, IReadOnlyDictionary<string, string> namespaceLabels) =>
        PodIdentityLabels.For(podLabels, ns, namespaceLabels);

    /// <summary>The labels of an identity as text (<c>k8s:app=web;…</c>): an endpoint's, a CIDR's or a reserved one.</summary>
    public string? IdentityLabelsOf(uint identity) =>
        (Identities.Lookup(new NumericIdentity(identity)) ?? Policy.LookupIdentity(new NumericIdentity(identity)))?.Labels.Canonical.TrimEnd(';');

    public IReadOnlyDictionary<PolicyMapKey, PolicyMapEntry>? PolicyEntries(ushort id) => Endpoints.ReadPolicy(id);

    /// <summary>
    /// Loads bpf/host.c and attaches it to every --devices device of the node's namespace. Forwarding is turned on for
    /// each: the programs DNAT packets from outside to local backends and hand them to the stack to route to the pod.
    /// </summary>
    private HostDevicePrograms AttachDevices(DatapathOptions datapathOptions)
    {
        var programs = _nodeThread!.Invoke(() => HostDevicePrograms.Load(datapathOptions));
        try
        {
            foreach (string device in Options.Devices)
            {
                int ifindex = _netlink!.Links.Get(device).Index;
                _nodeThread.Invoke(() => File.WriteAllText($"/proc/sys/net/ipv4/conf/{device}/forwarding", "1"));
                programs.Attach(ifindex, _nodeThread);
                Log.DeviceAttached(logger, device, ifindex);
            }
            return programs;
        }
        catch
        {
            programs.Dispose();
            throw;
        }
    }

    /// <summary>The pods' gateway must be an address of the node: it is put on lo if no device holds it.</summary>
    private void EnsureGatewayAddress(IRtNetlink netlink)
    {
        var gateway = Options.Gateway;
        if (netlink.Addresses.List(null, AddressFamily.InterNetwork).Any(a => a.Address.Equals(gateway)))
            return;
        var lo = netlink.Links.Get("lo");
        if (!lo.IsUp)
            netlink.Links.SetUp("lo");
        netlink.Addresses.Add(lo.Index, gateway, 32);
    }

    private static IEnumerable<IPAddress> NodeAddresses(IRtNetlink netlink) =>
        netlink.Addresses.List(null, AddressFamily.InterNetwork).Select(a => a.Address).Where(a => !IPAddress.IsLoopback(a)).Distinct();

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Tendril agent of node {Node} started: pod CIDR {PodCidr}, {Restored} endpoint(s) restored")]
        public static partial void Started(ILogger logger, string node, string podCidr, int restored);

        [LoggerMessage(2, LogLevel.Warning, "{Skipped} saved policy import(s) no longer parse and were not restored")]
        public static partial void PoliciesSkipped(ILogger logger, int skipped);

        [LoggerMessage(4, LogLevel.Information, "NodePort datapath attached to device {Device} (ifindex {Ifindex})")]
        public static partial void DeviceAttached(ILogger logger, string device, int ifindex);

        [LoggerMessage(3, LogLevel.Warning, "{Skipped} saved service import(s) no longer apply; allocations not restored: {Rejected}")]
        public static partial void ServicesSkipped(ILogger logger, int skipped, string rejected);
    }
}
