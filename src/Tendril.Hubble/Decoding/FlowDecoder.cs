using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Tendril.Datapath.Abi;
using Tendril.Hubble.Api.Flow;

namespace Tendril.Hubble.Decoding;

/// <summary>
/// Turns <c>struct flow_event</c> records from the datapath's event ring into Hubble flows, in two steps:
/// <see cref="TryResolve"/> validates a record and resolves, at once, everything that depends on the agent's state
/// (endpoints, pods, labels, identities, service, interface) into a <see cref="CompactFlow"/>;
/// <see cref="Materialize"/> builds the <see cref="Flow"/> message from it, then or later.
/// <see cref="TryDecode"/> does both.
/// </summary>
/// <remarks>
/// <para>Thread-safe: its mutable state is counters and concurrent caches, so several readers may share one decoder.
/// Resolving allocates nothing once the caches are warm: endpoint, service and interface messages are cached
/// (bounded; cleared when full) and shared between flows, which must therefore never be mutated once decoded.
/// Materialising allocates the flow, its small sub-messages and its UUID.</para>
/// <para>Malformed records are counted and rejected with a <see cref="FlowDecodeError"/>, never thrown.</para>
/// </remarks>
public sealed class FlowDecoder
{
    /// <summary>Size of <c>struct flow_event</c>; shorter records are rejected.</summary>
    public static readonly int RecordSize = Unsafe.SizeOf<FlowEvent>();

    private readonly IFlowEndpointResolver _resolver;
    private readonly BootClock _clock;
    private readonly FlowMaterializer _materializer;
    private const int CacheLimit = 8192;

    private readonly BoundedCache<EndpointKey, Endpoint> _endpoints = new(CacheLimit);
    private readonly BoundedCache<uint, NetworkInterface> _interfaces = new(CacheLimit);
    private readonly BoundedCache<FlowServiceInfo, Service> _services = new(CacheLimit);
    private long _decoded;
    private long _malformed;

    /// <summary>Creates a decoder for flows observed on <paramref name="nodeName"/>.</summary>
    public FlowDecoder(string nodeName, IFlowEndpointResolver resolver, BootClock clock, string version)
    {
        ArgumentException.ThrowIfNullOrEmpty(nodeName);
        _resolver = resolver;
        _clock = clock;
        _materializer = new FlowMaterializer(nodeName, version);
    }

    /// <summary>Records decoded into flows (resolved; materialising does not count).</summary>
    public long Decoded => Interlocked.Read(ref _decoded);

    /// <summary>Records rejected as malformed (short, unknown type or family).</summary>
    public long Malformed => Interlocked.Read(ref _malformed);

    /// <summary>Decodes <paramref name="record"/> into a flow with a fresh UUID, or returns false with the reason it is malformed.</summary>
    public bool TryDecode(ReadOnlySpan<byte> record, [NotNullWhen(true)] out Flow? flow, out FlowDecodeError error)
    {
        if (!TryResolve(record, out var compact, out error))
        {
            flow = null;
            return false;
        }
        flow = _materializer.Materialize(in compact, FlowIds.Next());
        return true;
    }

    /// <summary>
    /// Validates <paramref name="record"/> and resolves its peers, service and interface as the agent knows them
    /// now, or returns false with the reason it is malformed. The record is only read during the call.
    /// </summary>
    public bool TryResolve(ReadOnlySpan<byte> record, out CompactFlow flow, out FlowDecodeError error)
    {
        error = Validate(record);
        if (error != FlowDecodeError.None)
        {
            flow = default;
            Interlocked.Increment(ref _malformed);
            return false;
        }
        var ev = MemoryMarshal.Read<FlowEvent>(record);
        int addressLength = ev.Family == MonitorEvents.FamilyIPv6 ? 16 : 4;
        var source = ResolveEndpoint(ev.SourceEndpoint, record.Slice(SaddrOffset, addressLength), ev.SrcIdentity);
        var destination = ResolveEndpoint(ev.DestEndpoint, record.Slice(DaddrOffset, addressLength), ev.DstIdentity);
        Service? service = null;
        if (ev.RevNatIndex != 0 && _resolver.ResolveService(ev.RevNatIndex) is { } translated)
            service = _services.GetOrAdd(translated, static (s, _) => new Service { Namespace = s.Namespace, Name = s.Name }, 0);
        NetworkInterface? networkInterface = null;
        if (ev.Ifindex != 0)
        {
            networkInterface = _interfaces.GetOrAdd(ev.Ifindex,
                static (index, resolver) => new NetworkInterface { Index = index, Name = resolver.InterfaceName(index) ?? "" }, _resolver);
        }
        flow = new CompactFlow(in ev, _clock.ToUnixNanoseconds(ev.KtimeNs), source, destination, service, networkInterface);
        Interlocked.Increment(ref _decoded);
        return true;
    }

    /// <summary>
    /// The Hubble flow for <paramref name="flow"/>, with <paramref name="uuid"/>. Equal messages for equal
    /// arguments: nothing is looked up again, so a pod deleted since the event still shows.
    /// </summary>
    public Flow Materialize(in CompactFlow flow, string uuid) => _materializer.Materialize(in flow, uuid);

    /// <summary>Decodes <paramref name="record"/> or throws <see cref="InvalidDataException"/> saying what is wrong.</summary>
    public Flow Decode(ReadOnlySpan<byte> record) =>
        TryDecode(record, out var flow, out var error)
            ? flow
            : throw new InvalidDataException(Describe(error, record));

    /// <summary>A sentence for logs explaining <paramref name="error"/>.</summary>
    public static string Describe(FlowDecodeError error, ReadOnlySpan<byte> record) => error switch
    {
        FlowDecodeError.TooShort => $"flow event record is {record.Length} bytes, struct flow_event needs {RecordSize}",
        FlowDecodeError.UnknownEventType => $"flow event type {record[0]} is not drop (1), trace (4) or policy verdict (5)",
        FlowDecodeError.UnknownAddressFamily => $"flow event address family {record[RecordFamilyOffset]} is neither IPv4 (1) nor IPv6 (2)",
        _ => "flow event record is valid",
    };

    // Offsets are looked up once: Marshal.OffsetOf reflects and would allocate on every call.
    private static readonly int RecordFamilyOffset = (int)Marshal.OffsetOf<FlowEvent>(nameof(FlowEvent.Family));
    private static readonly int SaddrOffset = (int)Marshal.OffsetOf<FlowEvent>(nameof(FlowEvent.Saddr));
    private static readonly int DaddrOffset = (int)Marshal.OffsetOf<FlowEvent>(nameof(FlowEvent.Daddr));

    private static FlowDecodeError Validate(ReadOnlySpan<byte> record)
    {
        if (record.Length < RecordSize)
            return FlowDecodeError.TooShort;
        if (record[0] is not (MonitorEvents.Drop or MonitorEvents.Trace or MonitorEvents.PolicyVerdict))
            return FlowDecodeError.UnknownEventType;
        if (record[RecordFamilyOffset] is not (MonitorEvents.FamilyIPv4 or MonitorEvents.FamilyIPv6))
            return FlowDecodeError.UnknownAddressFamily;
        return FlowDecodeError.None;
    }

    /// <summary>
    /// The endpoint message for a peer. Messages are shared between flows (nothing mutates a stored flow): building
    /// one per flow made most of the garbage a stored flow leaves, and storing 4,095 flows promotes it all.
    /// </summary>
    private Endpoint ResolveEndpoint(ushort endpointId, ReadOnlySpan<byte> address, uint identity)
    {
        var info = endpointId != 0 ? _resolver.ResolveEndpoint(endpointId) : null;
        info ??= _resolver.ResolveAddress(address);
        return _endpoints.GetOrAdd(new EndpointKey(endpointId, identity, info), static (key, resolver) => NewEndpoint(key, resolver), _resolver);
    }

    private static Endpoint NewEndpoint(EndpointKey key, IFlowEndpointResolver resolver)
    {
        var (endpointId, identity, info) = (key.EndpointId, key.Identity, key.Info);
        var endpoint = new Endpoint
        {
            ID = info?.EndpointId ?? endpointId,
            Identity = identity != 0 ? identity : info?.Identity ?? 0,
            Namespace = info?.Namespace ?? "",
            PodName = info?.PodName ?? "",
            ClusterName = info?.ClusterName ?? "",
        };
        var labelled = info is { Labels.Count: > 0 }
            ? info
            : resolver.ResolveIdentity(endpoint.Identity) ?? ReservedIdentities.Describe(endpoint.Identity);
        if (labelled is not null)
        {
            var labels = labelled.Labels;
            for (int i = 0; i < labels.Count; i++)
                endpoint.Labels.Add(labels[i]);
        }
        return endpoint;
    }

    /// <summary>What an endpoint message is built from (the info by value, as resolvers may rebuild equal ones).</summary>
    private readonly record struct EndpointKey(ushort EndpointId, uint Identity, FlowEndpointInfo? Info);
}
