using Prometheus;
using Tendril.Hubble.Api;
using Tendril.Hubble.Api.Flow;
using Tendril.Hubble.Decoding;

namespace Tendril.Agent.Metrics;

/// <summary>
/// Hubble's flow metrics under the <c>tendril_</c> prefix, each family enabled by name as Cilium's
/// <c>--hubble-metrics</c> (flow, drop, tcp, icmp, port-distribution, policy); lost events are always counted.
/// <see cref="Observe"/> is called for every decoded flow by the observer's single reader thread; the registry is
/// scraped concurrently (prometheus-net's children are thread-safe). Owns its own registry.
/// </summary>
public sealed class FlowMetrics
{
    public static readonly IReadOnlyList<string> Known = ["flow", "drop", "tcp", "icmp", "port-distribution", "policy"];

    private readonly Counter? _flows, _drops, _tcpFlags, _icmp, _ports, _policyVerdicts;
    private readonly Counter _lost;

    /// <param name="enabled">Comma-separated family names; an unknown name is refused.</param>
    public FlowMetrics(string enabled)
    {
        var names = enabled.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet();
        var unknown = names.Except(Known).ToList();
        if (unknown.Count > 0)
            throw new ArgumentException($"--hubble-metrics: unknown metric {string.Join(", ", unknown)}; known: {string.Join(", ", Known)}");
        Registry = Prometheus.Metrics.NewCustomRegistry();
        var factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        _lost = factory.CreateCounter("tendril_lost_events_total", "Events lost before they became flows, by where they were lost", "source");
        if (names.Contains("flow"))
            _flows = factory.CreateCounter("tendril_flows_processed_total", "Flows processed by type, subtype and verdict", "type", "subtype", "verdict");
        if (names.Contains("drop"))
            _drops = factory.CreateCounter("tendril_drop_total", "Dropped flows by reason and protocol", "reason", "protocol");
        if (names.Contains("tcp"))
            _tcpFlags = factory.CreateCounter("tendril_tcp_flags_total", "TCP packets forwarded by flag combination", "flag", "family");
        if (names.Contains("icmp"))
            _icmp = factory.CreateCounter("tendril_icmp_total", "ICMP messages by family and type", "family", "type");
        if (names.Contains("port-distribution"))
            _ports = factory.CreateCounter("tendril_port_distribution_total", "Forwarded flows by destination port", "protocol", "port");
        if (names.Contains("policy"))
            _policyVerdicts = factory.CreateCounter("tendril_policy_verdicts_total", "Policy verdicts by direction, match and action", "direction", "match", "action");
    }

    public CollectorRegistry Registry { get; }

    /// <summary>Sets the lost-event counters from the observer's totals (called before a scrape).</summary>
    public void SetLost(LostEventSource source, long total) => _lost.WithLabels(ProtoEnum.Name(source).ToLowerInvariant()).IncTo(total);

    /// <summary>Counts one flow in every enabled family it belongs to.</summary>
    public void Observe(Flow flow)
    {
        var l4 = flow.L4;
        string protocol = ProtocolName(l4);
        string family = flow.IP?.IpVersion == IPVersion.Ipv6 ? "IPv6" : "IPv4";
        int eventType = flow.EventType?.Type ?? 0;

        _flows?.WithLabels(TypeName(eventType), SubtypeName(flow), ProtoEnum.Name(flow.Verdict)).Inc();
        if (flow.Verdict == Verdict.Dropped && eventType == 1)
            _drops?.WithLabels(ProtoEnum.Name(flow.DropReasonDesc), protocol).Inc();
        if (eventType == 5)
        {
            _policyVerdicts?.WithLabels(ProtoEnum.Name(flow.TrafficDirection).ToLowerInvariant(), MatchName(flow.PolicyMatchType),
                flow.Verdict == Verdict.Dropped ? "dropped" : "forwarded").Inc();
        }
        if (eventType != 4 || flow.Verdict != Verdict.Forwarded)
            return; // the families below count packets seen forwarded, once per trace event
        if (l4?.TCP is { Flags: { } flags })
        {
            if (FlagName(flags) is { } flag)
                _tcpFlags?.WithLabels(flag, family).Inc();
        }
        if (l4?.ICMPv4 is { } icmp)
            _icmp?.WithLabels("IPv4", FlowSummary.IcmpV4TypeName((byte)icmp.Type)).Inc();
        if (flow.IsReply != true && DestinationPort(l4) is { } port)
            _ports?.WithLabels(protocol, port.ToString(System.Globalization.CultureInfo.InvariantCulture)).Inc();
    }

    private static string TypeName(int eventType) => eventType switch
    {
        1 => "Drop",
        2 => "Debug",
        3 => "Capture",
        4 => "Trace",
        5 => "PolicyVerdict",
        129 => "L7",
        _ => "Unknown",
    };

    /// <summary>A trace's observation point as Hubble names it (TO_ENDPOINT → to-endpoint); empty for other events.</summary>
    private static string SubtypeName(Flow flow) =>
        flow.EventType?.Type == 4
            ? ProtoEnum.Name(flow.TraceObservationPoint).ToLowerInvariant().Replace('_', '-')
            : "";

    /// <summary>Hubble's names of the flag combinations it counts.</summary>
    private static string? FlagName(TCPFlags flags) =>
        flags.SYN && flags.ACK ? "SYN-ACK" : flags.SYN ? "SYN" : flags.FIN ? "FIN" : flags.RST ? "RST" : null;

    /// <summary>Hubble's <c>match</c> label: the monitor's match name in lower case (l3-l4, l4-only, none …).</summary>
    private static string MatchName(uint match) => PolicyMatchTypes.Name(match).ToLowerInvariant();

    /// <summary>Hubble's protocol label: the proto's oneof field name (TCP, UDP, ICMPv4, …).</summary>
    private static string ProtocolName(Layer4? l4) => l4?.ProtocolCase switch
    {
        Layer4.ProtocolOneofCase.TCP => "TCP",
        Layer4.ProtocolOneofCase.UDP => "UDP",
        Layer4.ProtocolOneofCase.ICMPv4 => "ICMPv4",
        Layer4.ProtocolOneofCase.ICMPv6 => "ICMPv6",
        Layer4.ProtocolOneofCase.SCTP => "SCTP",
        null or Layer4.ProtocolOneofCase.None => "",
        var other => other.Value.ToString(),
    };

    private static uint? DestinationPort(Layer4? l4) => l4?.ProtocolCase switch
    {
        Layer4.ProtocolOneofCase.TCP => l4.TCP.DestinationPort,
        Layer4.ProtocolOneofCase.UDP => l4.UDP.DestinationPort,
        Layer4.ProtocolOneofCase.SCTP => l4.SCTP.DestinationPort,
        _ => null,
    };
}
