using System.Net;
using System.Text.RegularExpressions;
using Google.Protobuf.Collections;
using Tendril.Hubble.Api.Flow;

namespace Tendril.Hubble.Filtering;

/// <summary>
/// Compiles Hubble <see cref="FlowFilter"/>s into predicates with Hubble's semantics: inside one filter every set
/// field must match (AND) and any value of a field may match (OR); a list of filters matches when any filter does;
/// a request keeps a flow when it matches some whitelist filter (or there is none) and no blacklist filter.
/// </summary>
/// <remarks>
/// Compilation validates everything up front and throws <see cref="FlowFilterException"/> naming the field for a
/// malformed value or for a field Tendril cannot evaluate (L7, FQDN, CEL), so that an unsupported filter is an
/// error rather than a silent match. Stateless and thread-safe; the predicates are too.
/// </remarks>
public static class FlowFilterCompiler
{
    /// <summary>The request predicate: any whitelist (or none) and not any blacklist; null when both are empty.</summary>
    public static Func<Flow, bool>? Compile(IReadOnlyList<FlowFilter> whitelist, IReadOnlyList<FlowFilter> blacklist)
    {
        var allow = CompileAny(whitelist);
        var deny = CompileAny(blacklist);
        return (allow, deny) switch
        {
            (null, null) => null,
            (_, null) => allow,
            (null, _) => flow => !deny(flow),
            _ => flow => allow(flow) && !deny(flow),
        };
    }

    /// <summary>True when any filter matches; null for an empty list.</summary>
    public static Func<Flow, bool>? CompileAny(IReadOnlyList<FlowFilter> filters)
    {
        if (filters.Count == 0)
            return null;
        var compiled = filters.Select(Compile).ToArray();
        return flow =>
        {
            foreach (var f in compiled)
            {
                if (f(flow))
                    return true;
            }
            return false;
        };
    }

    /// <summary>The predicate for one filter: all set fields match. An empty filter matches every flow.</summary>
    public static Func<Flow, bool> Compile(FlowFilter filter)
    {
        RejectUnsupported(filter);
        var checks = new List<Func<Flow, bool>>();
        void Add<T>(RepeatedField<T> values, Func<T, Func<Flow, bool>> build)
        {
            if (values.Count == 0)
                return;
            var alternatives = values.Select(build).ToArray();
            checks.Add(alternatives.Length == 1 ? alternatives[0] : flow => alternatives.Any(a => a(flow)));
        }

        Add(filter.Uuid, id => flow => flow.Uuid == id);
        Add(filter.SourceIp, ip => AddressMatcher(ip, "source_ip", f => f.IP?.Source));
        Add(filter.DestinationIp, ip => AddressMatcher(ip, "destination_ip", f => f.IP?.Destination));
        Add(filter.SourceIpXlated, ip => AddressMatcher(ip, "source_ip_xlated", f => f.IP?.SourceXlated));
        Add(filter.SourcePod, PodMatcher("source_pod", f => f.Source));
        Add(filter.DestinationPod, PodMatcher("destination_pod", f => f.Destination));
        Add(filter.SourceService, ServiceMatcher("source_service", f => f.SourceService));
        Add(filter.DestinationService, ServiceMatcher("destination_service", f => f.DestinationService));
        Add(filter.SourceLabel, LabelMatcher("source_label", f => f.Source?.Labels));
        Add(filter.DestinationLabel, LabelMatcher("destination_label", f => f.Destination?.Labels));
        Add(filter.NodeLabels, LabelMatcher("node_labels", f => f.NodeLabels));
        Add(filter.SourceIdentity, id => flow => flow.Source?.Identity == id);
        Add(filter.DestinationIdentity, id => flow => flow.Destination?.Identity == id);
        Add(filter.SourceWorkload, w => flow => WorkloadMatches(w, flow.Source));
        Add(filter.DestinationWorkload, w => flow => WorkloadMatches(w, flow.Destination));
        Add(filter.SourceClusterName, c => flow => flow.Source?.ClusterName == c);
        Add(filter.DestinationClusterName, c => flow => flow.Destination?.ClusterName == c);
        Add(filter.Verdict, v => flow => flow.Verdict == v);
        Add(filter.DropReasonDesc, r => flow => flow.DropReasonDesc == r);
        Add(filter.EventType, EventTypeMatcher);
        Add(filter.Protocol, ProtocolMatcher);
        Add(filter.SourcePort, p => PortMatcher(p, "source_port", source: true));
        Add(filter.DestinationPort, p => PortMatcher(p, "destination_port", source: false));
        Add(filter.Reply, r => flow => flow.IsReply == r);
        Add(filter.TcpFlags, TcpFlagsMatcher);
        Add(filter.TrafficDirection, d => flow => flow.TrafficDirection == d);
        Add(filter.NodeName, NodeNameMatcher);
        Add(filter.IpVersion, v => flow => (flow.IP?.IpVersion ?? IPVersion.IpNotUsed) == v);
        Add(filter.Interface, InterfaceMatcher);
        Add(filter.TraceId, id => flow => flow.TraceContext?.Parent?.TraceId == id);
        Add(filter.IpTraceId, id => flow => flow.IpTraceId?.TraceId == id);
        Add(filter.Encrypted, e => flow => (flow.IP?.Encrypted ?? false) == e);

        var all = checks.ToArray();
        return all.Length switch
        {
            0 => static _ => true,
            1 => all[0],
            _ => flow =>
            {
                foreach (var check in all)
                {
                    if (!check(flow))
                        return false;
                }
                return true;
            },
        };
    }

    private static void RejectUnsupported(FlowFilter filter)
    {
        static void Reject(bool set, string field)
        {
            if (set)
                throw new FlowFilterException(field, "not supported by Tendril (no L7 or DNS visibility yet)");
        }
        Reject(filter.SourceFqdn.Count > 0, "source_fqdn");
        Reject(filter.DestinationFqdn.Count > 0, "destination_fqdn");
        Reject(filter.HttpStatusCode.Count > 0, "http_status_code");
        Reject(filter.HttpMethod.Count > 0, "http_method");
        Reject(filter.HttpPath.Count > 0, "http_path");
        Reject(filter.HttpUrl.Count > 0, "http_url");
        Reject(filter.HttpHeader.Count > 0, "http_header");
        Reject(filter.DnsQuery.Count > 0, "dns_query");
        if (filter.Experimental?.CelExpression.Count > 0)
            throw new FlowFilterException("experimental.cel_expression", "CEL expressions are not supported by Tendril");
    }

    private static Func<Flow, bool> AddressMatcher(string text, string field, Func<Flow, string?> select)
    {
        IPNetwork network;
        if (text.Contains('/'))
        {
            if (!IPNetwork.TryParse(text, out network))
                throw new FlowFilterException(field, $"'{text}' is not an IP address or CIDR");
        }
        else if (IPAddress.TryParse(text, out var address))
        {
            network = new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
        }
        else
        {
            throw new FlowFilterException(field, $"'{text}' is not an IP address or CIDR");
        }
        return flow => select(flow) is { Length: > 0 } s && IPAddress.TryParse(s, out var a) && network.Contains(a);
    }

    private static Func<string, Func<Flow, bool>> PodMatcher(string field, Func<Flow, Endpoint?> select) => text =>
    {
        var selector = PodSelector.Parse(text, field);
        return flow => select(flow) is { } ep && selector.Matches(ep.Namespace, ep.PodName);
    };

    private static Func<string, Func<Flow, bool>> ServiceMatcher(string field, Func<Flow, Service?> select) => text =>
    {
        var selector = PodSelector.Parse(text, field);
        return flow => select(flow) is { } svc && selector.Matches(svc.Namespace, svc.Name);
    };

    private static Func<string, Func<Flow, bool>> LabelMatcher(string field, Func<Flow, IReadOnlyList<string>?> select) => text =>
    {
        var selector = LabelSelector.Parse(text, field);
        return flow => select(flow) is { } labels && selector.Matches(labels);
    };

    private static bool WorkloadMatches(Workload wanted, Endpoint? endpoint) =>
        endpoint is not null && endpoint.Workloads.Any(w =>
            (wanted.Name.Length == 0 || w.Name == wanted.Name) && (wanted.Kind.Length == 0 || w.Kind == wanted.Kind));

    private static Func<Flow, bool> EventTypeMatcher(EventTypeFilter f) => flow =>
        flow.EventType is { } t && t.Type == f.Type && (!f.MatchSubType || t.SubType == f.SubType);

    private static Func<Flow, bool> ProtocolMatcher(string text) => text.ToLowerInvariant() switch
    {
        "tcp" => flow => flow.L4?.ProtocolCase == Layer4.ProtocolOneofCase.TCP,
        "udp" => flow => flow.L4?.ProtocolCase == Layer4.ProtocolOneofCase.UDP,
        "sctp" => flow => flow.L4?.ProtocolCase == Layer4.ProtocolOneofCase.SCTP,
        "icmp" => flow => flow.L4?.ProtocolCase is Layer4.ProtocolOneofCase.ICMPv4 or Layer4.ProtocolOneofCase.ICMPv6,
        "icmpv4" => flow => flow.L4?.ProtocolCase == Layer4.ProtocolOneofCase.ICMPv4,
        "icmpv6" => flow => flow.L4?.ProtocolCase == Layer4.ProtocolOneofCase.ICMPv6,
        "vrrp" => flow => flow.L4?.ProtocolCase == Layer4.ProtocolOneofCase.VRRP,
        "igmp" => flow => flow.L4?.ProtocolCase == Layer4.ProtocolOneofCase.IGMP,
        "dns" => flow => flow.L7?.RecordCase == Layer7.RecordOneofCase.Dns,
        "http" => flow => flow.L7?.RecordCase == Layer7.RecordOneofCase.Http,
        "kafka" => flow => flow.L7?.RecordCase == Layer7.RecordOneofCase.Kafka,
        _ => throw new FlowFilterException("protocol", $"unknown protocol '{text}'; expected tcp, udp, sctp, icmp, icmpv4, icmpv6, vrrp, igmp, dns, http or kafka"),
    };

    private static Func<Flow, bool> PortMatcher(string text, string field, bool source)
    {
        if (!ushort.TryParse(text, out ushort port))
            throw new FlowFilterException(field, $"'{text}' is not a port number");
        return flow => flow.L4 switch
        {
            { TCP: { } t } => (source ? t.SourcePort : t.DestinationPort) == port,
            { UDP: { } u } => (source ? u.SourcePort : u.DestinationPort) == port,
            { SCTP: { } s } => (source ? s.SourcePort : s.DestinationPort) == port,
            _ => false,
        };
    }

    private static Func<Flow, bool> TcpFlagsMatcher(TCPFlags wanted) => flow =>
        flow.L4?.TCP?.Flags is { } f
        && (!wanted.FIN || f.FIN) && (!wanted.SYN || f.SYN) && (!wanted.RST || f.RST)
        && (!wanted.PSH || f.PSH) && (!wanted.ACK || f.ACK) && (!wanted.URG || f.URG)
        && (!wanted.ECE || f.ECE) && (!wanted.CWR || f.CWR) && (!wanted.NS || f.NS);

    private static Func<Flow, bool> InterfaceMatcher(NetworkInterface wanted) => flow =>
        flow.Interface is { } i
        && (wanted.Index == 0 || i.Index == wanted.Index)
        && (wanted.Name.Length == 0 || i.Name == wanted.Name);

    // Patterns: "k8s*" (node name glob, any cluster), "cluster/*.domain.com", "cluster/" (every node of a cluster).
    // A flow's node_name without a cluster belongs to the "default" cluster. '*' does not cross '/'.
    private static Func<Flow, bool> NodeNameMatcher(string pattern)
    {
        if (pattern.Length == 0)
            throw new FlowFilterException("node_name", "empty node name pattern");
        int slash = pattern.IndexOf('/');
        string? clusterGlob = slash < 0 ? null : pattern[..slash];
        string nodeGlob = slash < 0 ? pattern : pattern[(slash + 1)..];
        var cluster = clusterGlob is null ? null : GlobRegex(clusterGlob.Length == 0 ? "*" : clusterGlob);
        var node = GlobRegex(nodeGlob.Length == 0 ? "*" : nodeGlob);
        return flow =>
        {
            var name = flow.NodeName;
            int split = name.IndexOf('/');
            var flowCluster = split < 0 ? "default" : name[..split];
            var flowNode = split < 0 ? name : name[(split + 1)..];
            return (cluster is null || cluster.IsMatch(flowCluster)) && node.IsMatch(flowNode);
        };
    }

    private static Regex GlobRegex(string glob) =>
        new("^" + Regex.Escape(glob).Replace("\\*", "[^/]*", StringComparison.Ordinal) + "$",
            RegexOptions.CultureInvariant | RegexOptions.IgnoreCase);
}
