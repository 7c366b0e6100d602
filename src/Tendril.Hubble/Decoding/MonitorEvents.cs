using Tendril.Datapath.Abi;

namespace Tendril.Hubble.Decoding;

/// <summary>
/// Monitor message numbers the datapath uses (bpf/shared/events.h, Cilium's values), as byte constants for switch
/// statements. They come from Tendril.Datapath's ABI enums, which a test checks against the C headers.
/// </summary>
public static class MonitorEvents
{
    /// <summary><c>EVENT_DROP</c>: subtype is the drop reason.</summary>
    public const byte Drop = (byte)EventType.Drop;

    /// <summary><c>EVENT_TRACE</c>: subtype is the observation point.</summary>
    public const byte Trace = (byte)EventType.Trace;

    /// <summary><c>EVENT_POLICY_VERDICT</c>: subtype is 0.</summary>
    public const byte PolicyVerdict = (byte)EventType.PolicyVerdict;

    /// <summary>Trace observation point "to-endpoint", which Hubble reports as TO_ENDPOINT (101).</summary>
    public const byte TraceToEndpoint = (byte)TracePoint.ToEndpoint;

    /// <summary>Trace observation point "from-endpoint".</summary>
    public const byte TraceFromEndpoint = (byte)TracePoint.FromEndpoint;

    /// <summary><c>EVENT_DIR_INGRESS</c> / <c>EVENT_DIR_EGRESS</c>.</summary>
    public const byte DirectionIngress = (byte)EventDirection.Ingress, DirectionEgress = (byte)EventDirection.Egress;

    /// <summary><c>enum ct_state</c> (bpf/shared/conntrack.h).</summary>
    public const byte CtUnknown = (byte)ConnectionState.Unknown, CtNew = (byte)ConnectionState.New,
        CtEstablished = (byte)ConnectionState.Established, CtReply = (byte)ConnectionState.Reply;

    /// <summary><c>ENDPOINT_FAMILY_*</c> (bpf/shared/endpoint.h).</summary>
    public const byte FamilyIPv4 = 1, FamilyIPv6 = 2;

    /// <summary>Policy verdict values of <c>flow_event.verdict</c>.</summary>
    public const byte VerdictAllowed = 0, VerdictDenied = 1;

    /// <summary>IP protocol numbers the decoder understands.</summary>
    public const byte ProtoIcmp = 1, ProtoTcp = 6, ProtoUdp = 17, ProtoIcmpV6 = 58, ProtoSctp = 132;
}

/// <summary>Why <see cref="FlowDecoder.TryDecode"/> rejected a record.</summary>
public enum FlowDecodeError
{
    /// <summary>The record decoded.</summary>
    None,

    /// <summary>The record is shorter than <c>struct flow_event</c>.</summary>
    TooShort,

    /// <summary><c>type</c> is not drop, trace or policy verdict.</summary>
    UnknownEventType,

    /// <summary><c>family</c> is neither IPv4 nor IPv6.</summary>
    UnknownAddressFamily,
}
