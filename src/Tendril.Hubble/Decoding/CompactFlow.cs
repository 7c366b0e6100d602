using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using Tendril.Datapath.Abi;
using Tendril.Hubble.Api.Flow;

namespace Tendril.Hubble.Decoding;

/// <summary>
/// A flow as the observer keeps it: the datapath's <c>struct flow_event</c>, its wall-clock time, and what the
/// decoder resolved when the event arrived (both endpoints, the service, the interface). Everything a
/// <see cref="Flow"/> needs is here, so <see cref="FlowDecoder.Materialize"/> rebuilds the same flow at any later
/// time, even after the pod behind an endpoint is gone.
/// </summary>
/// <remarks>
/// <para>Made by <see cref="FlowDecoder.TryResolve"/>. Holds no object of its own: the references are the decoder's
/// cached, shared messages, which must never be modified. Copying the struct (120 bytes) is the only cost of
/// keeping one, which is why the flow ring stores these and not <see cref="Flow"/> messages: 4,095 stored flow
/// graphs were promoted to gen 1 before they died, and the collections cost more than decoding (bench observer).</para>
/// <para>The properties interpret the event exactly as the materialised flow does (one implementation for both), so
/// consumers such as flow metrics can classify a flow without materialising it.</para>
/// </remarks>
public readonly struct CompactFlow
{
    /// <summary>The record as the datapath wrote it.</summary>
    public readonly FlowEvent Event;

    /// <summary>Wall-clock time of the event, Unix nanoseconds (the kernel's monotonic stamp plus the boot time).</summary>
    public readonly long UnixNanoseconds;

    /// <summary>The source endpoint message as resolved at ingest; shared, immutable.</summary>
    public readonly Endpoint Source;

    /// <summary>The destination endpoint message as resolved at ingest; shared, immutable.</summary>
    public readonly Endpoint Destination;

    /// <summary>The service the packet was translated for, or null; shared, immutable.</summary>
    public readonly Service? Service;

    /// <summary>The interface the event was seen on, or null when the event names none; shared, immutable.</summary>
    public readonly NetworkInterface? Interface;

    internal CompactFlow(in FlowEvent ev, long unixNanoseconds, Endpoint source, Endpoint destination, Service? service, NetworkInterface? networkInterface)
    {
        Event = ev;
        UnixNanoseconds = unixNanoseconds;
        Source = source;
        Destination = destination;
        Service = service;
        Interface = networkInterface;
    }

    /// <summary>The monitor event type (<see cref="MonitorEvents.Drop"/>, <see cref="MonitorEvents.Trace"/>, …).</summary>
    public byte EventType => Event.Type;

    /// <summary>The monitor subtype: drop reason for drops, observation point for traces, 0 for verdicts.</summary>
    public byte EventSubtype => Event.Subtype;

    /// <summary>True for IPv6 events.</summary>
    public bool IsIPv6 => Event.Family == MonitorEvents.FamilyIPv6;

    /// <summary>The source address in network order: 4 bytes for IPv4, 16 for IPv6. Valid while this struct is.</summary>
    [UnscopedRef]
    public ReadOnlySpan<byte> SourceAddress => Address(SaddrOffset);

    /// <summary>The destination address in network order: 4 bytes for IPv4, 16 for IPv6. Valid while this struct is.</summary>
    [UnscopedRef]
    public ReadOnlySpan<byte> DestinationAddress => Address(DaddrOffset);

    /// <summary>Which <see cref="Layer4"/> field the flow has (TCP, UDP, SCTP, ICMPv4, ICMPv6), or None.</summary>
    public Layer4.ProtocolOneofCase Layer4Protocol => Event.Protocol switch
    {
        MonitorEvents.ProtoTcp => Layer4.ProtocolOneofCase.TCP,
        MonitorEvents.ProtoUdp => Layer4.ProtocolOneofCase.UDP,
        MonitorEvents.ProtoSctp => Layer4.ProtocolOneofCase.SCTP,
        MonitorEvents.ProtoIcmp when !IsIPv6 => Layer4.ProtocolOneofCase.ICMPv4,
        MonitorEvents.ProtoIcmpV6 when IsIPv6 => Layer4.ProtocolOneofCase.ICMPv6,
        _ => Layer4.ProtocolOneofCase.None,
    };

    /// <summary>The verdict: drops are dropped, traces forwarded, verdicts by their allow/deny bit.</summary>
    public Verdict Verdict => Event.Type switch
    {
        MonitorEvents.Drop => Verdict.Dropped,
        MonitorEvents.Trace => Verdict.Forwarded,
        MonitorEvents.PolicyVerdict when Event.Verdict == MonitorEvents.VerdictAllowed => Verdict.Forwarded,
        // The datapath does not say whether a deny rule or a missing allow rule denied it.
        MonitorEvents.PolicyVerdict when Event.Verdict == MonitorEvents.VerdictDenied => Verdict.Dropped,
        _ => Verdict.Unknown,
    };

    /// <summary>The drop reason number (Cilium's), or 0 when nothing was dropped.</summary>
    public uint DropReason => Event.Type switch
    {
        MonitorEvents.Drop => Event.Subtype,
        MonitorEvents.PolicyVerdict when Event.Verdict == MonitorEvents.VerdictDenied => (uint)Api.Flow.DropReason.PolicyDenied,
        _ => 0,
    };

    /// <summary>The drop reason as Hubble's enum (<see cref="Api.Flow.DropReason.Unknown"/> when not dropped).</summary>
    public Api.Flow.DropReason DropReasonDesc => (Api.Flow.DropReason)DropReason;

    /// <summary>Where a trace was taken (TO_ENDPOINT for the datapath's point 0); unknown for drops and verdicts.</summary>
    public TraceObservationPoint TraceObservationPoint => Event.Type != MonitorEvents.Trace
        ? TraceObservationPoint.UnknownPoint
        : Event.Subtype == MonitorEvents.TraceToEndpoint ? TraceObservationPoint.ToEndpoint : (TraceObservationPoint)Event.Subtype;

    /// <summary>The conntrack state of a trace (new, established, reply); unknown for drops and verdicts.</summary>
    public TraceReason TraceReason => Event.Type == MonitorEvents.Trace && ConntrackKnown ? (TraceReason)Event.CtState : TraceReason.Unknown;

    /// <summary>The policy match type of a verdict (0 for other events).</summary>
    public uint PolicyMatchType => Event.Type == MonitorEvents.PolicyVerdict ? Event.MatchType : 0u;

    /// <summary>
    /// Whether the packet is a reply: from conntrack when it knows, false for an allowed verdict (verdicts are
    /// emitted for a connection's first packet, as in Hubble), otherwise unknown.
    /// </summary>
    public bool? IsReply => ConntrackKnown
        ? Event.CtState == MonitorEvents.CtReply
        : Event.Type == MonitorEvents.PolicyVerdict && Event.Verdict == MonitorEvents.VerdictAllowed ? false : null;

    /// <summary>
    /// Ingress or egress: the datapath's direction when it gave one; for a trace at the pod's own interface, inferred
    /// from conntrack (leaving the pod is egress for a request and ingress for a reply, and the reverse entering it).
    /// </summary>
    public TrafficDirection TrafficDirection
    {
        get
        {
            switch (Event.Direction)
            {
                case MonitorEvents.DirectionIngress:
                    return TrafficDirection.Ingress;
                case MonitorEvents.DirectionEgress:
                    return TrafficDirection.Egress;
            }
            if (Event.Type != MonitorEvents.Trace || !ConntrackKnown)
                return TrafficDirection.Unknown;
            bool leavingPod;
            if (Event.Subtype == MonitorEvents.TraceFromEndpoint)
                leavingPod = true;
            else if (Event.Subtype == MonitorEvents.TraceToEndpoint)
                leavingPod = false;
            else
                return TrafficDirection.Unknown;
            bool isReply = Event.CtState == MonitorEvents.CtReply;
            return leavingPod != isReply ? TrafficDirection.Egress : TrafficDirection.Ingress;
        }
    }

    /// <summary>The destination port of TCP, UDP and SCTP flows; null for other protocols.</summary>
    public ushort? DestinationPort => Layer4Protocol is Layer4.ProtocolOneofCase.TCP or Layer4.ProtocolOneofCase.UDP or Layer4.ProtocolOneofCase.SCTP
        ? Event.Dport
        : null;

    // Offsets are looked up once: Marshal.OffsetOf reflects and would allocate on every call.
    private static readonly int SaddrOffset = (int)Marshal.OffsetOf<FlowEvent>(nameof(FlowEvent.Saddr));
    private static readonly int DaddrOffset = (int)Marshal.OffsetOf<FlowEvent>(nameof(FlowEvent.Daddr));

    [UnscopedRef]
    private ReadOnlySpan<byte> Address(int offset) =>
        MemoryMarshal.AsBytes(new ReadOnlySpan<FlowEvent>(in Event)).Slice(offset, IsIPv6 ? 16 : 4);

    private bool ConntrackKnown => Event.CtState is >= MonitorEvents.CtNew and <= MonitorEvents.CtReply;

    /// <summary>A ring slot's stand-in for an event that is not a compact flow (a lost notice, a prebuilt flow).</summary>
    internal static CompactFlow At(long unixNanoseconds) => new(default, unixNanoseconds, null!, null!, null, null);
}
