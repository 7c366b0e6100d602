using System.Buffers.Binary;
using System.Collections.Frozen;
using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;
using Tendril.Datapath.Abi;
using Tendril.Datapath.Maps;
using Tendril.Hubble.Decoding;
using Tendril.Hubble.Hosting;

namespace Tendril.Bench;

/// <summary>
/// What the `observer` benchmark feeds the observer when no kernel is involved: event records of the kinds the
/// endpoint program emits under its default event policy (bpf/lxc.c: traces of new connections and TCP flag
/// changes, policy verdicts of new connections, drops) for a small node, written through
/// <see cref="FlowEvent"/>, the C# mirror of <c>struct flow_event</c>. Deterministic; immutable once built.
/// </summary>
internal sealed class ObserverWorkload
{
    private const byte Tcp = 6, Udp = 17, Icmp = 1;
    private const byte Fin = 0x01, Syn = 0x02, Ack = 0x10;

    private readonly List<FlowEvent> _events = [];
    private readonly ulong _ktimeStart = (ulong)Stopwatch.GetElapsedTime(0).Ticks * 100;

    private ObserverWorkload(StaticFlowEndpoints resolver) => Resolver = resolver;

    /// <summary>The records, <see cref="RecordSize"/> bytes each, back to back.</summary>
    public byte[] Records { get; private set; } = [];

    public int Count => Records.Length / RecordSize;

    public static int RecordSize => Marshal.SizeOf<FlowEvent>();

    /// <summary>Answers for the node's pods and the remote identities, from cached infos as the agent's resolver does.</summary>
    public StaticFlowEndpoints Resolver { get; }

    /// <summary>What the records are, e.g. "62 % traces, 21 % policy verdicts, 17 % drops; TCP 70 %, UDP 18 %, ICMP 12 %".</summary>
    public string Mix { get; private set; } = "";

    // Six local pods in three apps (endpoint IDs 101..106 on host devices 21..26), two remote pods, a remote DNS
    // server, the world and the node itself.
    private static readonly Peer[] Pods =
    [
        new(101, 1001, Ip("10.200.0.11"), 21), new(102, 1001, Ip("10.200.0.12"), 22),
        new(103, 1002, Ip("10.200.0.13"), 23), new(104, 1002, Ip("10.200.0.14"), 24),
        new(105, 1003, Ip("10.200.0.15"), 25), new(106, 1004, Ip("10.200.0.16"), 26),
    ];

    private static readonly Peer[] Remote = [new(0, 2001, Ip("10.201.0.21"), 0), new(0, 2002, Ip("10.201.0.22"), 0)];
    private static readonly Peer Dns = new(0, 3001, Ip("10.201.0.53"), 0);
    private static readonly Peer World = new(0, 2, Ip("93.184.216.34"), 0);

    /// <summary>Builds <paramref name="count"/> records by cycling through connections between the node's peers.</summary>
    public static ObserverWorkload Create(int count)
    {
        string[] apps = ["frontend", "backend", "db", "client"];
        var local = Pods.Select((p, i) => (p.Address, new FlowEndpointInfo(p.EndpointId, p.Identity, "shop",
            $"{apps[p.Identity - 1001]}-{i}", Labels(apps[p.Identity - 1001], "shop")))).ToList();
        FlowEndpointInfo[] remote =
        [
            new(0, 2001, "", "", Labels("cache", "shop")),
            new(0, 2002, "", "", Labels("queue", "shop")),
            new(0, 3001, "", "", ["k8s:k8s-app=kube-dns", "k8s:io.kubernetes.pod.namespace=kube-system"]),
        ];
        var workload = new ObserverWorkload(new StaticFlowEndpoints(local, remote));
        for (int i = 0; workload._events.Count < count; i++)
            workload.Connection(i);
        workload.Seal(count);
        return workload;
    }

    private static string[] Labels(string app, string ns) => [$"k8s:app={app}", $"k8s:io.kubernetes.pod.namespace={ns}"];

    // One exchange per step, weighted towards TCP between local pods as east-west traffic is.
    private void Connection(int i)
    {
        var client = Pods[i % Pods.Length];
        var server = Pods[(i + 2) % Pods.Length];
        var port = (ushort)(32768 + i % 28000);
        switch (i % 9)
        {
            case 0 or 1 or 2:
                TcpConnection(client, server, port, 8080);
                break;
            case 3:
                TcpConnection(client, Remote[i % Remote.Length], port, 6379);
                break;
            case 4 or 5:
                Exchange(client, Dns, Udp, port, 53, 0, 0);
                break;
            case 6:
                Exchange(client, server, Icmp, 8, 0, 0, 0);
                break;
            case 7:
                // The world knocking on a pod that does not admit it: verdict and drop at the pod's ingress.
                Add(EventType.PolicyVerdict, 0, 0, EventDirection.Ingress, World, client, Tcp, port, 22, Syn, 1);
                Add(EventType.Drop, (byte)DropReason.PolicyDenied, 0, EventDirection.Ingress, World, client, Tcp, port, 22, Syn, 1);
                break;
            default:
                // A pod denied by a deny rule on its way out, and one sending from an address that is not its own.
                Add(EventType.PolicyVerdict, 0, 0, EventDirection.Egress, client, World, Tcp, port, 443, Syn, 1);
                Add(EventType.Drop, (byte)DropReason.PolicyDeny, 0, EventDirection.Egress, client, World, Tcp, port, 443, Syn, 1);
                Add(EventType.Drop, (byte)DropReason.InvalidSourceIp, 0, EventDirection.Egress, client with { Address = Ip("10.9.9.9") },
                    server, Udp, port, 9000, 0, 1);
                break;
        }
    }

    /// <summary>Handshake, one periodic report, and close: what the default event policy traces of a connection.</summary>
    private void TcpConnection(Peer client, Peer server, ushort sport, ushort dport)
    {
        Verdicts(client, server, Tcp, sport, dport);
        Traces(client, server, ConnectionState.New, Tcp, sport, dport, Syn);
        Traces(server, client, ConnectionState.Reply, Tcp, dport, sport, Syn | Ack);
        Traces(client, server, ConnectionState.Established, Tcp, sport, dport, Ack);
        Traces(client, server, ConnectionState.Established, Tcp, sport, dport, Fin | Ack);
        Traces(server, client, ConnectionState.Reply, Tcp, dport, sport, Fin | Ack);
    }

    /// <summary>A request and its reply (UDP, or ICMP echo with the type in the port fields).</summary>
    private void Exchange(Peer client, Peer server, byte protocol, ushort sport, ushort dport, ushort replySport, ushort replyDport)
    {
        Verdicts(client, server, protocol, sport, dport);
        Traces(client, server, ConnectionState.New, protocol, sport, dport, 0);
        if (protocol == Icmp)
            Traces(server, client, ConnectionState.Reply, protocol, replySport, replyDport, 0);
        else
            Traces(server, client, ConnectionState.Reply, protocol, dport, sport, 0);
    }

    private void Verdicts(Peer from, Peer to, byte protocol, ushort sport, ushort dport)
    {
        if (from.EndpointId != 0)
            Add(EventType.PolicyVerdict, 0, ConnectionState.New, EventDirection.Egress, from, to, protocol, sport, dport, Syn, 0);
        if (to.EndpointId != 0)
            Add(EventType.PolicyVerdict, 0, ConnectionState.New, EventDirection.Ingress, from, to, protocol, sport, dport, Syn, 0);
    }

    // As bpf/lxc.c traces: from-endpoint then to-endpoint or to-stack when a local pod sends; from-stack then
    // to-endpoint when the packet comes from elsewhere.
    private void Traces(Peer from, Peer to, ConnectionState ct, byte protocol, ushort sport, ushort dport, byte flags)
    {
        byte tcpFlags = protocol == Tcp ? flags : (byte)0;
        var first = from.EndpointId != 0 ? TracePoint.FromEndpoint : TracePoint.FromStack;
        var second = to.EndpointId != 0 ? TracePoint.ToEndpoint : TracePoint.ToStack;
        Add(EventType.Trace, (byte)first, ct, 0, from, to, protocol, sport, dport, tcpFlags, 0);
        Add(EventType.Trace, (byte)second, ct, 0, from, to, protocol, sport, dport, tcpFlags, 0);
    }

    private unsafe void Add(EventType type, byte subtype, ConnectionState ct, EventDirection direction, Peer from, Peer to,
        byte protocol, ushort sport, ushort dport, byte tcpFlags, byte verdict)
    {
        var ev = new FlowEvent
        {
            Type = (byte)type,
            Subtype = subtype,
            SourceEndpoint = from.EndpointId,
            DestEndpoint = to.EndpointId,
            CtState = (byte)ct,
            Direction = (byte)direction,
            KtimeNs = _ktimeStart + (ulong)_events.Count * 10_000,
            SrcIdentity = from.Identity,
            DstIdentity = to.Identity,
            Sport = sport,
            Dport = dport,
            Protocol = protocol,
            TcpFlags = tcpFlags,
            Family = 1,
            MatchType = (byte)(type == EventType.PolicyVerdict && verdict == 0 ? PolicyMatchType.All : PolicyMatchType.None),
            Verdict = verdict,
            Len = protocol == Tcp ? 66u : 98u,
            Ifindex = from.Ifindex != 0 ? from.Ifindex : to.Ifindex,
        };
        BinaryPrimitives.WriteUInt32BigEndian(new Span<byte>(ev.Saddr, 4), from.Address);
        BinaryPrimitives.WriteUInt32BigEndian(new Span<byte>(ev.Daddr, 4), to.Address);
        _events.Add(ev);
    }

    private void Seal(int count)
    {
        var events = CollectionsMarshal.AsSpan(_events)[..count];
        Records = MemoryMarshal.AsBytes(events).ToArray();
        double Share(Func<FlowEvent, bool> match) => 100.0 * _events.Take(count).Count(match) / count;
        Mix = $"{Share(e => e.Type == (byte)EventType.Trace):F0} % traces, {Share(e => e.Type == (byte)EventType.PolicyVerdict):F0} % policy verdicts, " +
              $"{Share(e => e.Type == (byte)EventType.Drop):F0} % drops; TCP {Share(e => e.Protocol == Tcp):F0} %, " +
              $"UDP {Share(e => e.Protocol == Udp):F0} %, ICMP {Share(e => e.Protocol == Icmp):F0} %";
    }

    private static uint Ip(string address) => BinaryPrimitives.ReadUInt32BigEndian(IPAddress.Parse(address).GetAddressBytes());

    /// <summary>One side of a flow: a local endpoint (ID and host device set) or a remote peer (ID 0).</summary>
    private readonly record struct Peer(ushort EndpointId, uint Identity, uint Address, uint Ifindex);
}

/// <summary>
/// A resolver over a fixed set of endpoints and identities, in frozen dictionaries like the agent's
/// (<c>AgentFlowEndpoints</c>): every answer is a cached <see cref="FlowEndpointInfo"/>. Immutable and thread-safe.
/// </summary>
internal sealed class StaticFlowEndpoints : IFlowEndpointResolver
{
    private readonly FrozenDictionary<ushort, FlowEndpointInfo> _byId;
    private readonly FrozenDictionary<uint, FlowEndpointInfo> _byAddress;
    private readonly FrozenDictionary<uint, FlowEndpointInfo> _byIdentity;

    /// <param name="local">Local endpoints with their IPv4 address (host order).</param>
    /// <param name="remote">Identities known only by their labels.</param>
    public StaticFlowEndpoints(IReadOnlyList<(uint Address, FlowEndpointInfo Info)> local, IEnumerable<FlowEndpointInfo> remote)
    {
        _byId = local.ToFrozenDictionary(e => (ushort)e.Info.EndpointId, e => e.Info);
        _byAddress = local.ToFrozenDictionary(e => e.Address, e => e.Info);
        _byIdentity = local.Select(e => e.Info with { EndpointId = 0, PodName = "" }).Concat(remote)
            .DistinctBy(i => i.Identity).ToFrozenDictionary(i => i.Identity);
    }

    /// <summary>Pods as the datapath knows them, labelled "k8s:app=pod-ID" in namespace "bench".</summary>
    public static StaticFlowEndpoints For(IEnumerable<EndpointRecord> endpoints) => new(
        endpoints.Select(e => (BinaryPrimitives.ReadUInt32BigEndian(e.Address.GetAddressBytes()),
            new FlowEndpointInfo(e.EndpointId, e.Identity, "bench", $"pod-{e.EndpointId}",
                [$"k8s:app=pod-{e.EndpointId}", "k8s:io.kubernetes.pod.namespace=bench"]))).ToList(),
        []);

    public FlowEndpointInfo? ResolveEndpoint(ushort endpointId) => _byId.GetValueOrDefault(endpointId);

    public FlowEndpointInfo? ResolveAddress(ReadOnlySpan<byte> address) =>
        address.Length == 4 ? _byAddress.GetValueOrDefault(BinaryPrimitives.ReadUInt32BigEndian(address)) : null;

    public FlowEndpointInfo? ResolveIdentity(uint identity) =>
        ReservedIdentities.Describe(identity) ?? _byIdentity.GetValueOrDefault(identity);
}

/// <summary>A sink that only counts, the baseline consumer of the kernel figures.</summary>
internal sealed class CountingSink : IFlowRecordSink
{
    public long Records { get; private set; }

    public void OnRecord(ReadOnlySpan<byte> record) => Records++;
}

/// <summary>
/// A thread that polls <paramref name="source"/> into <paramref name="sink"/> until <see cref="Stop"/>, then takes
/// what is left: the loop of <see cref="HubbleObserver.RunAsync"/> without its lost-counter read per wake-up, so
/// the observer and the baseline consumer run exactly the same loop.
/// </summary>
internal sealed class RingDrainer(IFlowEventSource source, IFlowRecordSink sink)
{
    private volatile bool _stop;
    private long _records;
    private Thread? _thread;

    public static RingDrainer Start(IFlowEventSource source, IFlowRecordSink sink)
    {
        var drainer = new RingDrainer(source, sink);
        drainer._thread = new Thread(drainer.Loop) { Name = "ring drainer", IsBackground = true };
        drainer._thread.Start();
        return drainer;
    }

    /// <summary>Stops the thread, waits for it, and returns how many records it handed to the sink.</summary>
    public long Stop()
    {
        _stop = true;
        source.Wake();
        _thread?.Join();
        return _records;
    }

    private void Loop()
    {
        long records = 0;
        while (!_stop)
            records += source.Poll(sink, 50);
        records += source.Poll(sink, 0);
        _records = records;
    }
}
