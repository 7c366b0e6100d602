using System.Buffers.Binary;
using System.Net;
using Google.Protobuf.WellKnownTypes;
using Tendril.Datapath.Abi;
using Tendril.Hubble.Api.Flow;

namespace Tendril.Hubble.Decoding;

/// <summary>
/// Builds the Hubble <see cref="Flow"/> message for a <see cref="CompactFlow"/>: a pure function of the compact
/// flow and its UUID (everything that depends on the agent's state was resolved at ingest and is referenced by the
/// compact flow), so reading a stored flow twice gives equal messages.
/// </summary>
/// <remarks>
/// Thread-safe; called by the ingesting thread (for <see cref="Hosting.HubbleObserver.FlowObserved"/> handlers)
/// and by any number of readers. Apart from the flow, its small sub-messages and its UUID, it allocates nothing:
/// IPv4 address strings are cached (bounded; cleared when full), and endpoint, service, interface and emitter
/// messages are shared between flows, which must therefore never be mutated.
/// </remarks>
internal sealed class FlowMaterializer(string nodeName, string version)
{
    private const int CacheLimit = 8192;

    private readonly Emitter _emitter = new() { Name = "Tendril", Version = version };
    private readonly BoundedCache<uint, string> _addresses = new(CacheLimit);

    public Flow Materialize(in CompactFlow compact, string uuid)
    {
        ref readonly FlowEvent ev = ref compact.Event;
        bool v6 = compact.IsIPv6;
        var (seconds, nanos) = BootClock.Split(compact.UnixNanoseconds);
        bool? isReply = compact.IsReply;

        var flow = new Flow
        {
            Time = new Timestamp { Seconds = seconds, Nanos = nanos },
            Uuid = uuid,
            Emitter = _emitter,
            Type = FlowType.L3L4,
            NodeName = nodeName,
            EventType = new CiliumEventType { Type = ev.Type, SubType = ev.Subtype },
            IP = new IP
            {
                Source = Address(compact.SourceAddress),
                Destination = Address(compact.DestinationAddress),
                IpVersion = v6 ? IPVersion.Ipv6 : IPVersion.Ipv4,
            },
            Source = compact.Source,
            Destination = compact.Destination,
            Verdict = compact.Verdict,
            DropReason = compact.DropReason,
            DropReasonDesc = compact.DropReasonDesc,
            TraceObservationPoint = compact.TraceObservationPoint,
            TraceReason = compact.TraceReason,
            PolicyMatchType = compact.PolicyMatchType,
            IsReply = isReply,
            Reply = isReply == true, // the deprecated field older clients still read
            TrafficDirection = compact.TrafficDirection,
            Interface = compact.Interface,
        };
        SetLayer4(flow, in ev, compact.Layer4Protocol, v6);
        if (compact.Service is { } service)
        {
            // The datapath translated this packet for a service: the request goes to it, the reply comes from it.
            if (isReply == true)
                flow.SourceService = service;
            else
                flow.DestinationService = service;
        }
        return flow;
    }

    private static void SetLayer4(Flow flow, in FlowEvent ev, Layer4.ProtocolOneofCase protocol, bool v6)
    {
        switch (protocol)
        {
            case Layer4.ProtocolOneofCase.TCP:
                flow.L4 = new Layer4 { TCP = new TCP { SourcePort = ev.Sport, DestinationPort = ev.Dport, Flags = Flags(ev.TcpFlags) } };
                flow.Summary = FlowSummary.Tcp(ev.TcpFlags);
                break;
            case Layer4.ProtocolOneofCase.UDP:
                flow.L4 = new Layer4 { UDP = new UDP { SourcePort = ev.Sport, DestinationPort = ev.Dport } };
                flow.Summary = "UDP";
                break;
            case Layer4.ProtocolOneofCase.SCTP:
                flow.L4 = new Layer4 { SCTP = new SCTP { SourcePort = ev.Sport, DestinationPort = ev.Dport } };
                flow.Summary = "SCTP";
                break;
            case Layer4.ProtocolOneofCase.ICMPv4:
                flow.L4 = new Layer4 { ICMPv4 = new ICMPv4 { Type = ev.Sport, Code = ev.Dport } };
                flow.Summary = FlowSummary.IcmpV4((byte)ev.Sport, (byte)ev.Dport);
                break;
            case Layer4.ProtocolOneofCase.ICMPv6:
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

    private string Address(ReadOnlySpan<byte> address)
    {
        if (address.Length != 4)
            return new IPAddress(address).ToString();
        return _addresses.GetOrAdd(BinaryPrimitives.ReadUInt32BigEndian(address), static (packed, _) => FormatIPv4(packed), 0);
    }

    private static string FormatIPv4(uint packed)
    {
        int length = 3 + Digits((byte)(packed >> 24)) + Digits((byte)(packed >> 16)) + Digits((byte)(packed >> 8)) + Digits((byte)packed);
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
