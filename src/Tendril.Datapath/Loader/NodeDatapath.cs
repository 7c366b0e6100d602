using Tendril.Datapath.Maps;
using Tendril.Ebpf;
using Tendril.Ebpf.Links;
using Tendril.Interop.Namespaces;

namespace Tendril.Datapath.Loader;

/// <summary>Where one node's datapath lives in bpffs, and how it reports.</summary>
/// <param name="PinDirectory">e.g. /sys/fs/bpf/tendril/node1; maps under maps/, links under links/.</param>
public sealed record DatapathOptions(string PinDirectory)
{
    /// <summary>Trace every packet instead of aggregating per connection (costly; for debugging).</summary>
    public bool TraceEveryPacket { get; init; }
}

/// <summary>
/// One node's datapath: the endpoint program loaded once, its maps pinned (so they and their contents survive agent
/// restarts), and a pair of pinned tcx links per endpoint device. Dispose releases this process's handles; what is
/// pinned stays in the kernel and keeps forwarding.
/// </summary>
public sealed class NodeDatapath : IDisposable
{
    private readonly Collection _collection;
    private readonly string _linkDirectory;

    private NodeDatapath(Collection collection, DatapathOptions options)
    {
        _collection = collection;
        Options = options;
        _linkDirectory = Path.Combine(options.PinDirectory, "links");
        Endpoints = new EndpointMap(collection.GetMap(DatapathObjects.EndpointsMap), collection.GetMap(DatapathObjects.EndpointsByIfindexMap));
        IpCache = new IpCacheMap(collection.GetMap(DatapathObjects.IpCacheMap));
        Policies = new PolicyMaps(collection.GetMap(DatapathObjects.PolicyMap), Path.Combine(options.PinDirectory, "policy"));
        Conntrack = new ConntrackMap(collection.GetMap(DatapathObjects.CtTcpMap), collection.GetMap(DatapathObjects.CtAnyMap));
    }

    public DatapathOptions Options { get; }

    public EndpointMap Endpoints { get; }

    public IpCacheMap IpCache { get; }

    public PolicyMaps Policies { get; }

    public ConntrackMap Conntrack { get; }

    public Map Events => _collection.GetMap(DatapathObjects.EventsMap);

    public Map EventsLost => _collection.GetMap(DatapathObjects.EventsLostMap);

    public Map Metrics => _collection.GetMap(DatapathObjects.MetricsMap);

    /// <summary>Loads the endpoint program, reusing pinned maps (and their contents) from an earlier run.</summary>
    public static NodeDatapath Load(DatapathOptions options)
    {
        var spec = DatapathObjects.Lxc();
        spec.PinMapsUnder(Path.Combine(options.PinDirectory, "maps"));
        if (options.TraceEveryPacket)
            spec.SetGlobal<byte>("cfg_trace_every_packet", 1);
        Directory.CreateDirectory(Path.Combine(options.PinDirectory, "policy"));
        return new NodeDatapath(spec.Load(), options);
    }

    /// <summary>
    /// Attaches the endpoint program to an endpoint's node-side device (tcx ingress and egress), inside the node's
    /// namespace, and pins both links. Links already pinned for this endpoint (an earlier run) are kept as they are.
    /// </summary>
    public void AttachEndpoint(ushort endpointId, int hostIfindex, NetNsThread nodeThread)
    {
        Directory.CreateDirectory(_linkDirectory);
        foreach (var (direction, program) in new[] { (TcxDirection.Ingress, DatapathObjects.FromContainer), (TcxDirection.Egress, DatapathObjects.ToContainer) })
        {
            string pin = LinkPin(endpointId, direction);
            if (File.Exists(pin))
                continue;
            using var link = nodeThread.Invoke(() => Link.AttachTcx(_collection.GetProgram(program), new TcxOptions(hostIfindex, direction)));
            link.Pin(pin);
        }
    }

    /// <summary>Whether the endpoint's links are pinned (its device may still be gone; the kernel then detached them).</summary>
    public bool HasLinks(ushort endpointId) => File.Exists(LinkPin(endpointId, TcxDirection.Ingress));

    /// <summary>Detaches the endpoint program from the endpoint's device by removing the pins.</summary>
    public void DetachEndpoint(ushort endpointId)
    {
        foreach (var direction in new[] { TcxDirection.Ingress, TcxDirection.Egress })
            File.Delete(LinkPin(endpointId, direction));
    }

    public void Dispose() => _collection.Dispose();

    private string LinkPin(ushort endpointId, TcxDirection direction) =>
        Path.Combine(_linkDirectory, $"ep_{endpointId:D5}_{direction.ToString().ToLowerInvariant()}");
}
