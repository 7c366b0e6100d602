using System.Net;
using System.Net.Sockets;
using Google.Protobuf.Collections;
using Tendril.Hubble.Api.Flow;
using Tendril.Hubble.Decoding;

namespace Tendril.Hubble.Filtering;

/// <summary>A test of a flow in its compact form.</summary>
public delegate bool CompactFlowPredicate(in CompactFlow flow);

/// <summary>
/// A first pass of a request's whitelist over compact flows, so that the store materialises only the flows that may
/// match: a filter for drops reads a ring of forwarded flows without building a message for each.
/// </summary>
/// <remarks>
/// <para>Sound, not complete: the predicate rejects a flow only if the whitelist compiled by
/// <see cref="FlowFilterCompiler"/> rejects the flow materialised from it; what it lets through still goes through
/// that predicate. Fields are checked with the same meaning as there, reading the compact flow's properties (which
/// the materialised flow is built from); fields it does not check (node name, UUID, L7 …) are left to the full
/// predicate. Blacklists are left to it too.</para>
/// <para>Expects filters <see cref="FlowFilterCompiler"/> has accepted. Stateless and thread-safe; the predicates are too.</para>
/// </remarks>
public static class CompactFlowFilter
{
    /// <summary>
    /// True when the flow may match some filter of <paramref name="whitelist"/>; null when that cannot narrow
    /// anything (no whitelist, or a filter with no field checked here, which may match any flow).
    /// </summary>
    public static CompactFlowPredicate? Compile(IReadOnlyList<FlowFilter> whitelist)
    {
        if (whitelist.Count == 0)
            return null;
        var filters = new CompactFlowPredicate[whitelist.Count];
        for (int i = 0; i < filters.Length; i++)
        {
            if (Compile(whitelist[i]) is not { } filter)
                return null;
            filters[i] = filter;
        }
        return filters.Length == 1 ? filters[0] : Any(filters);
    }

    /// <summary>True when the flow may match <paramref name="filter"/>; null when no field of it is checked here.</summary>
    public static CompactFlowPredicate? Compile(FlowFilter filter)
    {
        var checks = new List<CompactFlowPredicate>();
        void Add<T>(RepeatedField<T> values, Func<T, CompactFlowPredicate> build)
        {
            if (values.Count == 0)
                return;
            var alternatives = values.Select(build).ToArray();
            checks.Add(alternatives.Length == 1 ? alternatives[0] : Any(alternatives));
        }

        Add(filter.Verdict, v => (in CompactFlow f) => f.Verdict == v);
        Add(filter.DropReasonDesc, r => (in CompactFlow f) => f.DropReasonDesc == r);
        Add(filter.EventType, t => (in CompactFlow f) => f.EventType == t.Type && (!t.MatchSubType || f.EventSubtype == t.SubType));
        Add(filter.Protocol, Protocol);
        Add(filter.Reply, r => (in CompactFlow f) => f.IsReply == r);
        Add(filter.TrafficDirection, d => (in CompactFlow f) => f.TrafficDirection == d);
        Add(filter.IpVersion, v => (in CompactFlow f) => (f.IsIPv6 ? IPVersion.Ipv6 : IPVersion.Ipv4) == v);
        Add(filter.SourceIdentity, id => (in CompactFlow f) => f.Source.Identity == id);
        Add(filter.DestinationIdentity, id => (in CompactFlow f) => f.Destination.Identity == id);
        Add(filter.SourceClusterName, c => (in CompactFlow f) => f.Source.ClusterName == c);
        Add(filter.DestinationClusterName, c => (in CompactFlow f) => f.Destination.ClusterName == c);
        Add(filter.SourcePod, text =>
        {
            var selector = PodSelector.Parse(text, "source_pod");
            return (in CompactFlow f) => selector.Matches(f.Source.Namespace, f.Source.PodName);
        });
        Add(filter.DestinationPod, text =>
        {
            var selector = PodSelector.Parse(text, "destination_pod");
            return (in CompactFlow f) => selector.Matches(f.Destination.Namespace, f.Destination.PodName);
        });
        Add(filter.SourceLabel, text =>
        {
            var selector = LabelSelector.Parse(text, "source_label");
            return (in CompactFlow f) => selector.Matches(f.Source.Labels);
        });
        Add(filter.DestinationLabel, text =>
        {
            var selector = LabelSelector.Parse(text, "destination_label");
            return (in CompactFlow f) => selector.Matches(f.Destination.Labels);
        });
        // A translated packet names its service as the source when it is a reply, as the destination otherwise.
        Add(filter.SourceService, text =>
        {
            var selector = PodSelector.Parse(text, "source_service");
            return (in CompactFlow f) => f.Service is { } s && f.IsReply == true && selector.Matches(s.Namespace, s.Name);
        });
        Add(filter.DestinationService, text =>
        {
            var selector = PodSelector.Parse(text, "destination_service");
            return (in CompactFlow f) => f.Service is { } s && f.IsReply != true && selector.Matches(s.Namespace, s.Name);
        });
        Add(filter.SourcePort, text => Port(text, source: true));
        Add(filter.DestinationPort, text => Port(text, source: false));
        Add(filter.TcpFlags, TcpFlags);
        Add(filter.Interface, wanted => (in CompactFlow f) => f.Interface is { } i
            && (wanted.Index == 0 || i.Index == wanted.Index) && (wanted.Name.Length == 0 || i.Name == wanted.Name));
        Add(filter.SourceIp, text => Address(text, source: true));
        Add(filter.DestinationIp, text => Address(text, source: false));

        return checks.Count switch
        {
            0 => null,
            1 => checks[0],
            _ => All([.. checks]),
        };
    }

    private static CompactFlowPredicate Any(CompactFlowPredicate[] alternatives) => (in CompactFlow f) =>
    {
        foreach (var alternative in alternatives)
        {
            if (alternative(in f))
                return true;
        }
        return false;
    };

    private static CompactFlowPredicate All(CompactFlowPredicate[] checks) => (in CompactFlow f) =>
    {
        foreach (var check in checks)
        {
            if (!check(in f))
                return false;
        }
        return true;
    };

    // Materialised flows carry no L7 record: dns, http and kafka match none of them.
    private static CompactFlowPredicate Protocol(string text) => text.ToLowerInvariant() switch
    {
        "tcp" => (in CompactFlow f) => f.Layer4Protocol == Layer4.ProtocolOneofCase.TCP,
        "udp" => (in CompactFlow f) => f.Layer4Protocol == Layer4.ProtocolOneofCase.UDP,
        "sctp" => (in CompactFlow f) => f.Layer4Protocol == Layer4.ProtocolOneofCase.SCTP,
        "icmp" => (in CompactFlow f) => f.Layer4Protocol is Layer4.ProtocolOneofCase.ICMPv4 or Layer4.ProtocolOneofCase.ICMPv6,
        "icmpv4" => (in CompactFlow f) => f.Layer4Protocol == Layer4.ProtocolOneofCase.ICMPv4,
        "icmpv6" => (in CompactFlow f) => f.Layer4Protocol == Layer4.ProtocolOneofCase.ICMPv6,
        _ => static (in CompactFlow _) => false,
    };

    private static CompactFlowPredicate Port(string text, bool source)
    {
        ushort port = ushort.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
        return (in CompactFlow f) => f.Layer4Protocol is Layer4.ProtocolOneofCase.TCP or Layer4.ProtocolOneofCase.UDP or Layer4.ProtocolOneofCase.SCTP
            && (source ? f.Event.Sport : f.Event.Dport) == port;
    }

    private static CompactFlowPredicate TcpFlags(TCPFlags wanted)
    {
        // The datapath reports the eight flag bits of byte 13; NS (a bit of byte 12) is never set.
        if (wanted.NS)
            return static (in CompactFlow _) => false;
        byte bits = (byte)((wanted.FIN ? FlowSummary.Fin : 0) | (wanted.SYN ? FlowSummary.Syn : 0) | (wanted.RST ? FlowSummary.Rst : 0)
            | (wanted.PSH ? FlowSummary.Psh : 0) | (wanted.ACK ? FlowSummary.Ack : 0) | (wanted.URG ? FlowSummary.Urg : 0)
            | (wanted.ECE ? FlowSummary.Ece : 0) | (wanted.CWR ? FlowSummary.Cwr : 0));
        return (in CompactFlow f) => f.Layer4Protocol == Layer4.ProtocolOneofCase.TCP && (f.Event.TcpFlags & bits) == bits;
    }

    /// <summary>An address or CIDR compared with the flow's address bytes: same family, same leading prefix bits.</summary>
    private static CompactFlowPredicate Address(string text, bool source)
    {
        var network = text.Contains('/')
            ? IPNetwork.Parse(text)
            : new IPNetwork(IPAddress.Parse(text), IPAddress.Parse(text).AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
        byte[] prefix = network.BaseAddress.GetAddressBytes();
        int bits = network.PrefixLength;
        return (in CompactFlow f) =>
        {
            var address = source ? f.SourceAddress : f.DestinationAddress;
            return address.Length == prefix.Length && PrefixMatches(address, prefix, bits);
        };
    }

    private static bool PrefixMatches(ReadOnlySpan<byte> address, byte[] prefix, int bits)
    {
        int whole = bits / 8;
        if (!address[..whole].SequenceEqual(prefix.AsSpan(0, whole)))
            return false;
        int rest = bits % 8;
        if (rest == 0)
            return true;
        int mask = 0xFF << (8 - rest) & 0xFF;
        return (address[whole] & mask) == (prefix[whole] & mask);
    }
}
