using Tendril.Datapath.Maps;
using Tendril.Ebpf;
using Tendril.Ebpf.Links;
using Tendril.Interop.Namespaces;

namespace Tendril.Datapath.Loader;

/// <summary>The load balancer's defaults, as bpf/lib/lb.h declares them.</summary>
public static class LoadBalancerDefaults
{
    /// <summary>LB_MAGLEV_TABLE_SIZE_DEFAULT: Cilium's default M.</summary>
    public const uint MaglevTableSize = 16381;

    /// <summary>cfg_lb_hash_seed's initial value.</summary>
    public const uint HashSeed = 0x7e4d5eed;
}

/// <summary>Where one node's datapath lives in bpffs, and how it reports.</summary>
/// <param name="PinDirectory">e.g. /sys/fs/bpf/tendril/node1; maps under maps/, links under links/.</param>
/// <summary>How the endpoint program is attached to an endpoint's node-side device.</summary>
public enum EndpointAttachMode
{
    /// <summary>
    /// tcx links (Linux 6.6+), pinned: owned, safe beside other tc users, moved to new programs in place. Each attach
    /// and detach waits for an RCU grace period under the rtnl lock (6-15 ms on a HZ=250 kernel), twice per endpoint.
    /// </summary>
    Tcx,

    /// <summary>
    /// Legacy tc: a clsact qdisc and direct-action cls_bpf filters (handle 1, priority 1), replaced in place by a
    /// restarted agent. No grace period, so endpoints come up faster; the filters live and go with the device.
    /// </summary>
    Tc,
}

public sealed record DatapathOptions(string PinDirectory)
{
    /// <summary>How endpoint programs are attached (tcx by default, as Cilium on kernels that have it).</summary>
    public EndpointAttachMode EndpointAttach { get; init; } = EndpointAttachMode.Tcx;

    /// <summary>Trace every packet instead of aggregating per connection (costly; for debugging).</summary>
    public bool TraceEveryPacket { get; init; }

    /// <summary>
    /// M, the entries of every service's Maglev table (Cilium's --bpf-lb-maglev-table-size): a prime, the same on
    /// every node and for every object loaded from this directory.
    /// </summary>
    public uint MaglevTableSize { get; init; } = LoadBalancerDefaults.MaglevTableSize;

    /// <summary>Seed of the flow hash that indexes Maglev tables; the same on every node.</summary>
    public uint LoadBalancerHashSeed { get; init; } = LoadBalancerDefaults.HashSeed;

    internal string MapDirectory => Path.Combine(PinDirectory, "maps");

    internal string MaglevDirectory => Path.Combine(PinDirectory, "maglev");

    internal string LinkDirectory => Path.Combine(PinDirectory, "links");

    /// <summary>Sets the load balancer's load-time constants of <paramref name="spec"/> (lxc.o or sock.o) and pins its maps.</summary>
    internal void Configure(CollectionSpec spec)
    {
        if (MaglevTableSize < 2 || MaglevTableSize > 131071 || !IsPrime(MaglevTableSize))
            throw new ArgumentException($"Maglev table size {MaglevTableSize} must be a prime up to 131071 (Cilium's sizes: 251, 509, 1021, 2039, 4093, 8191, 16381, 32749, 65521, 131071)");
        spec.PinMapsUnder(MapDirectory);
        spec.SetGlobal(DatapathObjects.MaglevTableSizeGlobal, MaglevTableSize);
        spec.SetGlobal(DatapathObjects.LbHashSeedGlobal, LoadBalancerHashSeed);
    }

    internal LoadBalancerMaps CreateLoadBalancerMaps(Collection collection) => new(
        collection.GetMap(DatapathObjects.LbServicesMap), collection.GetMap(DatapathObjects.LbBackendsMap),
        collection.GetMap(DatapathObjects.LbReverseNatMap), collection.GetMap(DatapathObjects.LbAffinityMap),
        new MaglevTables(collection.GetMap(DatapathObjects.LbMaglevMap), MaglevTableSize, MaglevDirectory));

    private static bool IsPrime(uint n)
    {
        for (uint d = 2; d * d <= n; d++)
        {
            if (n % d == 0)
                return false;
        }
        return true;
    }
}

/// <summary>
/// One node's datapath: the endpoint program loaded once, its maps pinned (so they and their contents survive agent
/// restarts), and a pair of pinned tcx links per endpoint device. Dispose releases this process's handles; what is
/// pinned stays in the kernel and keeps forwarding.
/// </summary>
public sealed class NodeDatapath : IDisposable
{
    private static readonly (TcxDirection Direction, string Program)[] EndpointPrograms =
        [(TcxDirection.Ingress, DatapathObjects.FromContainer), (TcxDirection.Egress, DatapathObjects.ToContainer)];

    private readonly Collection _collection;
    private readonly string _linkDirectory;

    private NodeDatapath(Collection collection, DatapathOptions options)
    {
        _collection = collection;
        Options = options;
        _linkDirectory = options.LinkDirectory;
        Endpoints = new EndpointMap(collection.GetMap(DatapathObjects.EndpointsMap), collection.GetMap(DatapathObjects.EndpointsByIfindexMap));
        IpCache = new IpCacheMap(collection.GetMap(DatapathObjects.IpCacheMap));
        Policies = new PolicyMaps(collection.GetMap(DatapathObjects.PolicyMap), Path.Combine(options.PinDirectory, "policy"));
        Conntrack = new ConntrackMap(collection.GetMap(DatapathObjects.CtTcpMap), collection.GetMap(DatapathObjects.CtAnyMap));
        Metrics = new MetricsMap(collection.GetMap(DatapathObjects.MetricsMap));
        LoadBalancer = options.CreateLoadBalancerMaps(collection);
    }

    public DatapathOptions Options { get; }

    public EndpointMap Endpoints { get; }

    public IpCacheMap IpCache { get; }

    public PolicyMaps Policies { get; }

    public ConntrackMap Conntrack { get; }

    public Map Events => _collection.GetMap(DatapathObjects.EventsMap);

    public Map EventsLost => _collection.GetMap(DatapathObjects.EventsLostMap);

    public MetricsMap Metrics { get; }

    /// <summary>Services, backends, reverse NAT, affinity and Maglev tables; shared with <see cref="SocketLoadBalancer"/>.</summary>
    public LoadBalancerMaps LoadBalancer { get; }

    /// <summary>
    /// How full each node-wide hash and LPM map is (entries ÷ capacity), for Cilium's map-pressure metric. Walks every
    /// key: for a scrape, not a hot path.
    /// </summary>
    public IReadOnlyList<(string Map, double Pressure)> MapPressure()
    {
        var result = new List<(string, double)>();
        foreach (var (name, map) in _collection.Maps.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            if (map.Type is MapType.Hash or MapType.LruHash or MapType.LpmTrie)
                result.Add((name, (double)map.CountKeys() / map.MaxEntries));
        }
        return result;
    }

    /// <summary>What the kernel reports about one of this load's programs (<see cref="DatapathObjects.FromContainer"/> …).</summary>
    public ProgramInfo ProgramInfo(string program) => _collection.GetProgram(program).Info;

    /// <summary>Loads the endpoint program, reusing pinned maps (and their contents) from an earlier run.</summary>
    public static NodeDatapath Load(DatapathOptions options)
    {
        var spec = DatapathObjects.Lxc();
        options.Configure(spec);
        if (options.TraceEveryPacket)
            spec.SetGlobal<byte>("cfg_trace_every_packet", 1);
        Directory.CreateDirectory(Path.Combine(options.PinDirectory, "policy"));
        DropIfLayoutChanged(spec.Maps[DatapathObjects.MetricsMap]);
        DropIfLayoutChanged(spec.Maps[DatapathObjects.CtTcpMap]);
        DropIfLayoutChanged(spec.Maps[DatapathObjects.CtAnyMap]);
        return new NodeDatapath(spec.Load(), options);
    }

    /// <summary>
    /// Counters and conntrack are the pinned state a new layout may discard: tendril_metrics was a per-CPU hash before
    /// it became an array, and ct_entry grew the service fields (backend_id, rev_nat_index); an agent upgraded across
    /// such a change must not refuse to start. Dropped conntrack costs established connections their state: their
    /// next packets meet policy again as new ones. Programs still attached keep the old map until their links move to
    /// the new programs. Every other map mismatch still fails the load.
    /// </summary>
    private static void DropIfLayoutChanged(MapSpec spec)
    {
        if (spec.PinPath is null || !File.Exists(spec.PinPath))
            return;
        using (var pinned = Map.OpenPinned(spec.PinPath))
        {
            if (pinned.Type == spec.Type && pinned.Info.KeySize == spec.KeySize && pinned.Info.ValueSize == spec.ValueSize
                && pinned.Info.MaxEntries == spec.MaxEntries && pinned.Info.Flags == spec.Flags)
                return;
        }
        File.Delete(spec.PinPath);
    }

    /// <summary>
    /// Attaches the endpoint program to an endpoint's node-side device (tcx ingress and egress), inside the node's
    /// namespace, and pins both links. Links already pinned for this endpoint (an earlier run) are moved to this
    /// datapath's programs in place (BPF_LINK_UPDATE), so a restarted agent's new programs take over with no moment
    /// where the device runs no program; a pinned link whose device is gone or was replaced (another ifindex) is
    /// unpinned and a new link attached.
    /// </summary>
    public void AttachEndpoint(ushort endpointId, int hostIfindex, NetNsThread nodeThread)
    {
        if (Options.EndpointAttach == EndpointAttachMode.Tc)
        {
            AttachEndpointTc(endpointId, hostIfindex, nodeThread);
            return;
        }
        Directory.CreateDirectory(_linkDirectory);
        foreach (var (direction, name) in EndpointPrograms)
        {
            string pin = LinkPin(endpointId, direction);
            var program = _collection.GetProgram(name);
            if (File.Exists(pin))
            {
                using var pinned = Link.OpenPinned(pin);
                if (pinned.Info().Ifindex == hostIfindex)
                {
                    if (pinned.ProgramId != program.Info.Id)
                        pinned.Update(program);
                    continue;
                }
                pinned.Unpin();
            }
            using var link = nodeThread.Invoke(() => Link.AttachTcx(program, new TcxOptions(hostIfindex, direction)));
            link.Pin(pin);
        }
    }

    /// <summary>
    /// Legacy tc mode: direct-action filters on the device's clsact hooks, created or replaced atomically (a restarted
    /// agent's programs take over with no gap). tcx links pinned for the endpoint by a run in tcx mode are removed
    /// once the filters are in place, so the device is never without the program.
    /// </summary>
    private void AttachEndpointTc(ushort endpointId, int hostIfindex, NetNsThread nodeThread)
    {
        foreach (var (direction, name) in EndpointPrograms)
        {
            var program = _collection.GetProgram(name);
            // Not disposed: disposing a tc filter's handle detaches it, and the filter belongs to the device.
            _ = nodeThread.Invoke(() => Link.AttachTc(program, new TcOptions(hostIfindex, direction) { Replace = true }));
        }
        DetachEndpoint(endpointId);
    }

    /// <summary>What the kernel reports about the endpoint's pinned links (ingress, then egress); absent pins are left out.</summary>
    public IReadOnlyList<LinkInfo> EndpointLinks(ushort endpointId)
    {
        var links = new List<LinkInfo>();
        foreach (var (direction, _) in EndpointPrograms)
        {
            string pin = LinkPin(endpointId, direction);
            if (!File.Exists(pin))
                continue;
            using var link = Link.OpenPinned(pin);
            links.Add(link.Info());
        }
        return links;
    }

    /// <summary>Whether the endpoint's links are pinned (its device may still be gone; the kernel then detached them).</summary>
    public bool HasLinks(ushort endpointId) => File.Exists(LinkPin(endpointId, TcxDirection.Ingress));

    /// <summary>
    /// Detaches the endpoint program from the endpoint's device by removing the pins (tcx). Legacy tc filters stay on
    /// the device and go with it.
    /// </summary>
    public void DetachEndpoint(ushort endpointId)
    {
        if (!Directory.Exists(_linkDirectory))
            return;                                   // nothing was ever pinned (tc mode)
        foreach (var direction in new[] { TcxDirection.Ingress, TcxDirection.Egress })
            File.Delete(LinkPin(endpointId, direction));
    }

    public void Dispose() => _collection.Dispose();

    private string LinkPin(ushort endpointId, TcxDirection direction) =>
        Path.Combine(_linkDirectory, $"ep_{endpointId:D5}_{direction.ToString().ToLowerInvariant()}");
}
