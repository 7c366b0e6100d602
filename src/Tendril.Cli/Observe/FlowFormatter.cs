using Tendril.Hubble.Api;
using System.Globalization;
using System.Text;
using Tendril.Hubble.Api.Flow;

namespace Tendril.Cli.Observe;

/// <summary>
/// ANSI colours for the parts of a flow line, as the hubble CLI colours them (hosts cyan, ports yellow, identities
/// magenta, verdicts green/red/yellow); a no-op when disabled. Immutable and thread-safe.
/// </summary>
internal sealed class Colorizer(bool enabled)
{
    public static readonly Colorizer None = new(false);

    public bool Enabled => enabled;
    public string Host(string s) => Paint("36", s);
    public string Port(string s) => Paint("33", s);
    public string Identity(string s) => Paint("35", s);
    public string Green(string s) => Paint("32", s);
    public string Red(string s) => Paint("31", s);
    public string Yellow(string s) => Paint("33", s);

    private string Paint(string code, string s) => enabled && s.Length > 0 ? $"\e[{code}m{s}\e[0m" : s;
}

/// <summary>
/// The text of each column of a flow (source, destination, identities, type, verdict, summary) exactly as the
/// hubble CLI prints it. Pure and thread-safe. Text that comes from the flow is stripped of control characters so
/// that a crafted pod name or DNS name cannot drive the terminal.
/// </summary>
internal static class FlowFormatter
{
    /// <summary>
    /// Source and destination as <c>namespace/pod:port</c>, else <c>namespace/service:port</c>, else the DNS names,
    /// else the IP (IPv6 in brackets when a port follows); the MAC addresses when there is no IP layer. With
    /// <paramref name="numeric"/>, always the IP.
    /// </summary>
    public static (string Source, string Destination) Hosts(Flow flow, bool numeric, Colorizer color)
    {
        if (flow.IP is null)
            return flow.Ethernet is { } eth ? (color.Host(Clean(eth.Source)), color.Host(Clean(eth.Destination))) : ("", "");
        var (srcPort, dstPort) = Ports(flow);
        var src = Host(flow.IP.Source, srcPort, flow.Source, flow.SourceService, flow.SourceNames, numeric, color);
        var dst = Host(flow.IP.Destination, dstPort, flow.Destination, flow.DestinationService, flow.DestinationNames, numeric, color);
        return (src, dst);
    }

    /// <summary><c>(ID:n)</c>, or <c>(world)</c>-style names for reserved identities unless <paramref name="numeric"/>.</summary>
    public static string Identity(uint identity, bool numeric, Colorizer color)
    {
        if (identity > 0 && identity < MonitorNames.MinimalNumericIdentity && !numeric)
        {
            var name = ReservedIdentityNames.Name(identity);
            return color.Identity($"({name ?? identity.ToString(CultureInfo.InvariantCulture)})");
        }
        return color.Identity($"(ID:{identity})");
    }

    /// <summary>
    /// The TYPE column: the L7 kind (<c>http-request</c>, <c>dns-response proxy</c>), the observation point of a
    /// trace, the drop reason text, <c>policy-verdict:MATCH DIRECTION</c>, the capture or socket translation point.
    /// </summary>
    public static string Type(Flow flow)
    {
        if (flow.L7 is { } l7)
        {
            string kind = ProtoEnum.Name(l7.Type).ToLowerInvariant();
            string protocol = l7.RecordCase switch
            {
                Layer7.RecordOneofCase.Http => "http",
                Layer7.RecordOneofCase.Dns => "dns",
                Layer7.RecordOneofCase.Kafka => "kafka",
                _ => "l7",
            };
            if (l7.RecordCase == Layer7.RecordOneofCase.Dns)
                kind += " " + Clean(l7.Dns.ObservationSource);
            return $"{protocol}-{kind}";
        }
        int subType = flow.EventType?.SubType ?? 0;
        return (flow.EventType?.Type ?? 0) switch
        {
            MonitorNames.MessageTypeTrace => MonitorNames.ObservationPoint(subType & 0xff),
            MonitorNames.MessageTypeDrop => MonitorNames.DropReason(subType & 0xff),
            MonitorNames.MessageTypePolicyVerdict =>
                $"policy-verdict:{MonitorNames.PolicyMatch(flow.PolicyMatchType)} {ProtoEnum.Name(flow.TrafficDirection)}",
            MonitorNames.MessageTypeCapture => ProtoEnum.Name(flow.DebugCapturePoint),
            MonitorNames.MessageTypeTraceSock => flow.SockXlatePoint switch
            {
                SocketTranslationPoint.SockXlatePointPreDirectionFwd => "pre-xlate-fwd",
                SocketTranslationPoint.SockXlatePointPostDirectionFwd => "post-xlate-fwd",
                SocketTranslationPoint.SockXlatePointPreDirectionRev => "pre-xlate-rev",
                SocketTranslationPoint.SockXlatePointPostDirectionRev => "post-xlate-rev",
                var other => ProtoEnum.Name(other),
            },
            _ => "UNKNOWN",
        };
    }

    /// <summary>The verdict name; policy-verdict events say ALLOWED, DENIED or AUDITED instead.</summary>
    public static string Verdict(Flow flow, Colorizer color)
    {
        bool policy = flow.EventType?.Type == MonitorNames.MessageTypePolicyVerdict;
        string name = ProtoEnum.Name(flow.Verdict);
        return flow.Verdict switch
        {
            Hubble.Api.Flow.Verdict.Forwarded or Hubble.Api.Flow.Verdict.Redirected => color.Green(policy ? "ALLOWED" : name),
            Hubble.Api.Flow.Verdict.Dropped or Hubble.Api.Flow.Verdict.Error => color.Red(policy ? "DENIED" : name),
            Hubble.Api.Flow.Verdict.Audit => color.Yellow(policy ? "AUDITED" : name),
            Hubble.Api.Flow.Verdict.Traced or Hubble.Api.Flow.Verdict.Translated => color.Yellow(name),
            _ => name,
        };
    }

    /// <summary>The flow's Summary, prefixed with its IP trace ID and suffixed with the auth type when set.</summary>
    public static string Summary(Flow flow, Colorizer color)
    {
        string summary = Clean(flow.Summary);
        if (flow.IpTraceId is { TraceId: > 0 } trace)
            summary = $"IP Trace ID: {trace.TraceId}; {summary}";
        return flow.AuthType switch
        {
            AuthType.Disabled => summary,
            AuthType.TestAlwaysFail => $"{summary}; Auth: {color.Red(ProtoEnum.Name(flow.AuthType))}",
            _ => $"{summary}; Auth: {color.Green(ProtoEnum.Name(flow.AuthType))}",
        };
    }

    /// <summary>Replaces control characters with caret notation (ESC becomes <c>^[</c>).</summary>
    public static string Clean(string text)
    {
        if (!text.Any(char.IsControl))
            return text;
        var sb = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            if (c < 0x20)
                sb.Append('^').Append((char)(c + 0x40));
            else if (char.IsControl(c))
                sb.Append("^?");
            else
                sb.Append(c);
        }
        return sb.ToString();
    }

    private static (uint Source, uint Destination) Ports(Flow flow) => flow.L4?.ProtocolCase switch
    {
        Layer4.ProtocolOneofCase.TCP => (flow.L4.TCP.SourcePort, flow.L4.TCP.DestinationPort),
        Layer4.ProtocolOneofCase.UDP => (flow.L4.UDP.SourcePort, flow.L4.UDP.DestinationPort),
        Layer4.ProtocolOneofCase.SCTP => (flow.L4.SCTP.SourcePort, flow.L4.SCTP.DestinationPort),
        _ => (0, 0),
    };

    private static string Host(string ip, uint port, Endpoint? endpoint, Service? service,
        IReadOnlyCollection<string> names, bool numeric, Colorizer color)
    {
        string host = ip;
        if (!numeric)
        {
            // As in hubble, a service's namespace (even an empty one) takes precedence over the endpoint's.
            string ns = service is not null ? service.Namespace : endpoint?.Namespace ?? "";
            if (endpoint is { PodName.Length: > 0 })
                host = JoinNamespace(ns, endpoint.PodName);
            else if (service is { Name.Length: > 0 })
                host = JoinNamespace(ns, service.Name);
            else if (names.Count > 0)
                host = string.Join(",", names);
        }
        host = Clean(host);
        if (port == 0)
            return color.Host(host);
        if (host.Contains(':'))
            host = $"[{host}]";
        return color.Host(host) + ":" + color.Port(port.ToString(CultureInfo.InvariantCulture));
    }

    private static string JoinNamespace(string ns, string name) => ns.Length == 0 ? name : $"{ns}/{name}";
}
