using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Google.Protobuf.WellKnownTypes;
using Tendril.Datapath.Abi;
using Tendril.Hubble.Api.Flow;
using DropReason = Tendril.Hubble.Api.Flow.DropReason;

namespace Tendril.Hubble.Decoding;

/// <summary>
/// Turns one <c>struct flow_event</c> record from the datapath's event ring into a Hubble <see cref="Flow"/>.
/// </summary>
/// <remarks>
/// <para>Thread-safe: its mutable state is counters and concurrent caches, so several readers may share one decoder. Apart from
/// the flow message and its UUID, decoding allocates nothing: summaries, address strings, endpoint and interface
/// messages are cached (bounded; cleared when full) and shared between flows, which must therefore never be
/// mutated once decoded.</para>
/// <para>Malformed records are counted and rejected with a <see cref="FlowDecodeError"/>, never thrown.</para>
/// </remarks>
public sealed class FlowDecoder
{
    /// <summary>Size of <c>struct flow_event</c>; shorter records are rejected.</summary>
    public static readonly int RecordSize = Unsafe.SizeOf<FlowEvent>();

    private readonly string _nodeName;
    private readonly IFlowEndpointResolver _resolver;
    private readonly BootClock _clock;
    private const int CacheLimit = 8192;

    private readonly Emitter _emitter;
    private readonly ConcurrentDictionary<(ushort, uint, FlowEndpointInfo?), Endpoint> _endpoints = new();
    private readonly ConcurrentDictionary<uint, string> _addresses = new();
    private readonly ConcurrentDictionary<uint, NetworkInterface> _interfaces = new();
    private readonly ConcurrentDictionary<FlowServiceInfo, Service> _services = new();
    private long _decoded;
    private long _malformed;

    /// <summary>Creates a decoder for flows observed on <paramref name="nodeName"/>.</summary>
    public FlowDecoder(string nodeName, IFlowEndpointResolver resolver, BootClock clock, string version)
    {
        ArgumentException.ThrowIfNullOrEmpty(nodeName);
        _nodeName = nodeName;
        _resolver = resolver;
        _clock = clock;
        _emitter = new Emitter { Name = "Tendril", Version = version };
    }

    /// <summary>Records decoded into flows.</summary>
    public long Decoded => Interlocked.Read(ref _decoded);

    /// <summary>Records rejected as malformed (short, unknown type or family).</summary>
    public long Malformed => Interlocked.Read(ref _malformed);

    /// <summary>Decodes <paramref name="record"/>, or returns false with the reason it is malformed.</summary>
    public bool TryDecode(ReadOnlySpan<byte> record, [NotNullWhen(true)] out Flow? flow, out FlowDecodeError error)
    {
        flow = null;
        error = Validate(record);
        if (error != FlowDecodeError.None)
        {
            Interlocked.Increment(ref _malformed);
            return false;
        }
        var ev = MemoryMarshal.Read<FlowEvent>(record);
        flow = Build(in ev, record);
        Interlocked.Increment(ref _decoded);
        return true;
    }

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

    private Flow Build(in FlowEvent ev, ReadOnlySpan<byte> record)
    {
        bool v6 = ev.Family == MonitorEvents.FamilyIPv6;
        int addressLength = v6 ? 16 : 4;
        var saddr = record.Slice(SaddrOffset, addressLength);
        var daddr = record.Slice(DaddrOffset, addressLength);
        var (seconds, nanos) = _clock.ToTimestamp(ev.KtimeNs);

        var flow = new Flow
        {
            Time = new Timestamp { Seconds = seconds, Nanos = nanos },
            Uuid = FlowIds.Next(),
            Emitter = _emitter,
            Type = FlowType.L3L4,
            NodeName = _nodeName,
            EventType = new CiliumEventType { Type = ev.Type, SubType = ev.Subtype },
            IP = new IP
            {
                Source = Address(saddr),
                Destination = Address(daddr),
                IpVersion = v6 ? IPVersion.Ipv6 : IPVersion.Ipv4,
            },
            Source = BuildEndpoint(ev.SourceEndpoint, saddr, ev.SrcIdentity),
            Destination = BuildEndpoint(ev.DestEndpoint, daddr, ev.DstIdentity),
        };
        SetLayer4(flow, in ev, v6);
        SetVerdict(flow, in ev);
        SetDirectionAndReply(flow, in ev);
        if (ev.RevNatIndex != 0 && _resolver.ResolveService(ev.RevNatIndex) is { } service)
        {
            // The datapath translated this packet for a service: the request goes to it, the reply comes from it.
            var message = _services.GetOrAdd(service, static s => new Service { Namespace = s.Namespace, Name = s.Name });
            if (flow.IsReply == true)
                flow.SourceService = message;
            else
                flow.DestinationService = message;
        }
        if (ev.Ifindex != 0)
            flow.Interface = _interfaces.GetOrAdd(ev.Ifindex, static (index, resolver) => new NetworkInterface { Index = index, Name = resolver.InterfaceName(index) ?? "" }, _resolver);
        return flow;
    }

    private static void SetLayer4(Flow flow, in FlowEvent ev, bool v6)
    {
        switch (ev.Protocol)
        {
            case MonitorEvents.ProtoTcp:
                flow.L4 = new Layer4 { TCP = new TCP { SourcePort = ev.Sport, DestinationPort = ev.Dport, Flags = Flags(ev.TcpFlags) } };
                flow.Summary = FlowSummary.Tcp(ev.TcpFlags);
                break;
            case MonitorEvents.ProtoUdp:
                flow.L4 = new Layer4 { UDP = new UDP { SourcePort = ev.Sport, DestinationPort = ev.Dport } };
                flow.Summary = "UDP";
                break;
            case MonitorEvents.ProtoSctp:
                flow.L4 = new Layer4 { SCTP = new SCTP { SourcePort = ev.Sport, DestinationPort = ev.Dport } };
                flow.Summary = "SCTP";
                break;
            case MonitorEvents.ProtoIcmp when !v6:
                flow.L4 = new Layer4 { ICMPv4 = new ICMPv4 { Type = ev.Sport, Code = ev.Dport } };
                flow.Summary = FlowSummary.IcmpV4((byte)ev.Sport, (byte)ev.Dport);
                break;
            case MonitorEvents.ProtoIcmpV6 when v6:
                flow.L4 = new Layer4 { ICMPv6 = new ICMPv6 { Type = ev.Sport, Code = ev.Dport } };
                flow.Summary = FlowSummary.IcmpV6((byte)ev.Sport, (byte)ev.Dport);
                break;
            default:
                // No transport header Hubble knows: its summary names the innermost layer it decoded.
                flow.Summary = v6 ? "IPv6" : "IPv4";
                break;
        }
    }

    private static TCPFlags Flags(byte bits) => new()
    {
        FIN = (bits & FlowSummary.Fin) != 0,
        SYN = (bits & FlowSummary.Syn) != 0,
        RST = (bits & FlowSummary.Rst) != 0,
        PSH = (bits & FlowSummary.Psh) != 0,
        ACK = (bits & FlowSummary.Ack) != 0,
        URG = (bits & FlowSummary.Urg) != 0,
        ECE = (bits & FlowSummary.Ece) != 0,
        CWR = (bits & FlowSummary.Cwr) != 0,
    };

    private static void SetVerdict(Flow flow, in FlowEvent ev)
    {
        switch (ev.Type)
        {
            case MonitorEvents.Drop:
                flow.Verdict = Verdict.Dropped;
                SetDropReason(flow, ev.Subtype);
                break;
            case MonitorEvents.Trace:
                flow.Verdict = Verdict.Forwarded;
                flow.TraceObservationPoint = ev.Subtype == MonitorEvents.TraceToEndpoint
                    ? TraceObservationPoint.ToEndpoint
                    : (TraceObservationPoint)ev.Subtype;
                flow.TraceReason = ev.CtState is >= MonitorEvents.CtNew and <= MonitorEvents.CtReply
                    ? (TraceReason)ev.CtState
                    : TraceReason.Unknown;
                break;
            case MonitorEvents.PolicyVerdict:
                flow.PolicyMatchType = ev.MatchType;
                if (ev.Verdict == MonitorEvents.VerdictAllowed)
                {
                    flow.Verdict = Verdict.Forwarded;
                }
                else if (ev.Verdict == MonitorEvents.VerdictDenied)
                {
                    // The datapath does not say whether a deny rule or a missing allow rule denied it.
                    flow.Verdict = Verdict.Dropped;
                    SetDropReason(flow, (uint)DropReason.PolicyDenied);
                }
                break;
        }
    }

    private static void SetDropReason(Flow flow, uint reason)
    {
        flow.DropReason = reason;
        flow.DropReasonDesc = (DropReason)reason;
    }

    private static void SetDirectionAndReply(Flow flow, in FlowEvent ev)
    {
        bool ctKnown = ev.CtState is >= MonitorEvents.CtNew and <= MonitorEvents.CtReply;
        bool isReply = ev.CtState == MonitorEvents.CtReply;
        if (ctKnown)
            flow.IsReply = isReply;
        else if (ev.Type == MonitorEvents.PolicyVerdict && ev.Verdict == MonitorEvents.VerdictAllowed)
            flow.IsReply = false; // Verdicts are emitted for the first packet of a connection, as in Hubble.
        flow.Reply = flow.IsReply == true; // the deprecated field older clients still read

        flow.TrafficDirection = ev.Direction switch
        {
            MonitorEvents.DirectionIngress => TrafficDirection.Ingress,
            MonitorEvents.DirectionEgress => TrafficDirection.Egress,
            _ => InferTraceDirection(in ev, ctKnown, isReply),
        };
    }

    // A trace at the pod's own interface tells the direction once conntrack says whether it is a reply: leaving the
    // pod is egress for a request and ingress for a reply, and the other way round when entering it.
    private static TrafficDirection InferTraceDirection(in FlowEvent ev, bool ctKnown, bool isReply)
    {
        if (ev.Type != MonitorEvents.Trace || !ctKnown)
            return TrafficDirection.Unknown;
        bool? leavingPod = ev.Subtype switch
        {
            MonitorEvents.TraceFromEndpoint => true,
            MonitorEvents.TraceToEndpoint => false,
            _ => null,
        };
        if (leavingPod is null)
            return TrafficDirection.Unknown;
        return leavingPod.Value != isReply ? TrafficDirection.Egress : TrafficDirection.Ingress;
    }

    /// <summary>
    /// The endpoint message for a peer. Messages are shared between flows (nothing mutates a stored flow): building
    /// one per flow made most of the garbage a stored flow leaves, and storing 4,095 flows promotes it all.
    /// </summary>
    private Endpoint BuildEndpoint(ushort endpointId, ReadOnlySpan<byte> address, uint identity)
    {
        var info = endpointId != 0 ? _resolver.ResolveEndpoint(endpointId) : null;
        info ??= _resolver.ResolveAddress(address);
        var key = (endpointId, identity, info);
        if (_endpoints.TryGetValue(key, out var cached))
            return cached;
        if (_endpoints.Count >= CacheLimit)
            _endpoints.Clear();
        var built = NewEndpoint(endpointId, identity, info);
        _endpoints[key] = built;
        return built;
    }

    private string Address(ReadOnlySpan<byte> address)
    {
        if (address.Length != 4)
            return FormatAddress(address);
        uint packed = BinaryPrimitives.ReadUInt32BigEndian(address);
        if (_addresses.TryGetValue(packed, out var text))
            return text;
        if (_addresses.Count >= CacheLimit)
            _addresses.Clear();
        return _addresses[packed] = FormatIPv4(address);
    }

    private Endpoint NewEndpoint(ushort endpointId, uint identity, FlowEndpointInfo? info)
    {
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
            : _resolver.ResolveIdentity(endpoint.Identity) ?? ReservedIdentities.Describe(endpoint.Identity);
        if (labelled is not null)
        {
            var labels = labelled.Labels;
            for (int i = 0; i < labels.Count; i++)
                endpoint.Labels.Add(labels[i]);
        }
        return endpoint;
    }

    private static string FormatAddress(ReadOnlySpan<byte> address) =>
        address.Length == 4 ? FormatIPv4(address) : new IPAddress(address).ToString();

    private static string FormatIPv4(ReadOnlySpan<byte> a)
    {
        int length = 3 + Digits(a[0]) + Digits(a[1]) + Digits(a[2]) + Digits(a[3]);
        uint packed = (uint)(a[0] << 24 | a[1] << 16 | a[2] << 8 | a[3]);
        return string.Create(length, packed, static (span, value) =>
        {
            int pos = 0;
            for (int shift = 24; shift >= 0; shift -= 8)
            {
                ((byte)(value >> shift)).TryFormat(span[pos..], out int written);
                pos += written;
                if (shift > 0)
                    span[pos++] = '.';
            }
        });
    }

    private static int Digits(byte b) => b >= 100 ? 3 : b >= 10 ? 2 : 1;
}
