using Prometheus;
using Tendril.Hubble.Api;
using Tendril.Hubble.Api.Flow;
using Tendril.Hubble.Decoding;

namespace Tendril.Agent.Metrics;

/// <summary>
/// Hubble's flow metrics under the <c>tendril_</c> prefix, each family enabled by name as Cilium's
/// <c>--hubble-metrics</c> (flow, drop, tcp, icmp, port-distribution, policy); lost events are always counted.
/// <see cref="Observe"/> takes every flow in its compact form (no <c>Flow</c> message is built for metrics), from the
/// observer's ingesting thread only; the registry is scraped concurrently (prometheus-net's children are
/// thread-safe). Owns its own registry.
/// </summary>
/// <remarks>
/// Each family keeps the children it has counted in a dictionary keyed by the few event fields its labels depend
/// on, so a flow costs a lookup and an increment per family; label strings are built once per combination. Building
/// them per flow (enum names through reflection, lower-casing, port numbers) allocated about 280 bytes per flow.
/// </remarks>
public sealed class FlowMetrics
{
    public static readonly IReadOnlyList<string> Known = ["flow", "drop", "tcp", "icmp", "port-distribution", "policy"];

    private readonly Family? _flows, _drops, _tcpFlags, _icmp, _ports, _policyVerdicts;
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
        Family? Create(string option, string name, string help, params string[] labels) =>
            names.Contains(option) ? new Family(factory.CreateCounter(name, help, labels)) : null;
        _flows = Create("flow", "tendril_flows_processed_total", "Flows processed by type, subtype and verdict", "type", "subtype", "verdict");
        _drops = Create("drop", "tendril_drop_total", "Dropped flows by reason and protocol", "reason", "protocol");
        _tcpFlags = Create("tcp", "tendril_tcp_flags_total", "TCP packets forwarded by flag combination", "flag", "family");
        _icmp = Create("icmp", "tendril_icmp_total", "ICMP messages by family and type", "family", "type");
        _ports = Create("port-distribution", "tendril_port_distribution_total", "Forwarded flows by destination port", "protocol", "port");
        _policyVerdicts = Create("policy", "tendril_policy_verdicts_total", "Policy verdicts by direction, match and action", "direction", "match", "action");
    }

    /// <summary>True when some family needs flows, i.e. when <see cref="Observe"/> is worth subscribing.</summary>
    public bool CountsFlows => _flows is not null || _drops is not null || _tcpFlags is not null || _icmp is not null
        || _ports is not null || _policyVerdicts is not null;

    public CollectorRegistry Registry { get; }

    /// <summary>Sets the lost-event counters from the observer's totals (called before a scrape).</summary>
    public void SetLost(LostEventSource source, long total) => _lost.WithLabels(ProtoEnum.Name(source).ToLowerInvariant()).IncTo(total);

    /// <summary>Counts one flow in every enabled family it belongs to. Ingesting thread only.</summary>
    public void Observe(in CompactFlow flow)
    {
        byte eventType = flow.EventType;
        var verdict = flow.Verdict;
        var protocol = flow.Layer4Protocol;

        _flows?.Inc((eventType << 16) | ((eventType == MonitorEvents.Trace ? flow.EventSubtype : 0) << 8) | (int)verdict, in flow,
            static (in CompactFlow f) => [TypeName(f.EventType), SubtypeName(in f), ProtoEnum.Name(f.Verdict)]);
        if (verdict == Verdict.Dropped && eventType == MonitorEvents.Drop)
        {
            _drops?.Inc(((int)flow.DropReason << 8) | (int)protocol, in flow,
                static (in CompactFlow f) => [ProtoEnum.Name(f.DropReasonDesc), ProtocolName(f.Layer4Protocol)]);
        }
        if (eventType == MonitorEvents.PolicyVerdict)
        {
            _policyVerdicts?.Inc(((int)flow.TrafficDirection << 16) | ((int)flow.PolicyMatchType << 8) | (verdict == Verdict.Dropped ? 1 : 0), in flow,
                static (in CompactFlow f) => [ProtoEnum.Name(f.TrafficDirection).ToLowerInvariant(), MatchName(f.PolicyMatchType),
                    f.Verdict == Verdict.Dropped ? "dropped" : "forwarded"]);
        }
        if (eventType != MonitorEvents.Trace || verdict != Verdict.Forwarded)
            return; // the families below count packets seen forwarded, once per trace event
        if (protocol == Layer4.ProtocolOneofCase.TCP && FlagIndex(flow.Event.TcpFlags) is int flag and >= 0)
        {
            _tcpFlags?.Inc((flag << 1) | (flow.IsIPv6 ? 1 : 0), in flow,
                static (in CompactFlow f) => [FlagNames[FlagIndex(f.Event.TcpFlags)], f.IsIPv6 ? "IPv6" : "IPv4"]);
        }
        if (protocol == Layer4.ProtocolOneofCase.ICMPv4)
        {
            _icmp?.Inc((byte)flow.Event.Sport, in flow,
                static (in CompactFlow f) => ["IPv4", FlowSummary.IcmpV4TypeName((byte)f.Event.Sport)]);
        }
        if (flow.IsReply != true && flow.DestinationPort is { } port)
        {
            _ports?.Inc(((int)protocol << 16) | port, in flow,
                static (in CompactFlow f) => [ProtocolName(f.Layer4Protocol), f.Event.Dport.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }
    }

    /// <summary>One family's counter and the children it has counted, by a key that determines their labels.</summary>
    private sealed class Family(Counter counter)
    {
        private readonly Dictionary<int, Counter.Child> _children = [];

        public void Inc(int key, in CompactFlow flow, Labels labels)
        {
            if (!_children.TryGetValue(key, out var child))
                _children[key] = child = counter.WithLabels(labels(in flow));
            child.Inc();
        }
    }

    private delegate string[] Labels(in CompactFlow flow);

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
    private static string SubtypeName(in CompactFlow flow) =>
        flow.EventType == MonitorEvents.Trace
            ? ProtoEnum.Name(flow.TraceObservationPoint).ToLowerInvariant().Replace('_', '-')
            : "";

    /// <summary>Hubble's names of the flag combinations it counts, in the order <see cref="FlagIndex"/> numbers them.</summary>
    private static readonly string[] FlagNames = ["SYN-ACK", "SYN", "FIN", "RST"];

    private static int FlagIndex(byte flags)
    {
        bool syn = (flags & FlowSummary.Syn) != 0;
        return syn && (flags & FlowSummary.Ack) != 0 ? 0 : syn ? 1 : (flags & FlowSummary.Fin) != 0 ? 2 : (flags & FlowSummary.Rst) != 0 ? 3 : -1;
    }

    /// <summary>Hubble's <c>match</c> label: the monitor's match name in lower case (l3-l4, l4-only, none …).</summary>
    private static string MatchName(uint match) => PolicyMatchTypes.Name(match).ToLowerInvariant();

    /// <summary>Hubble's protocol label: the proto's oneof field name (TCP, UDP, ICMPv4, …).</summary>
    private static string ProtocolName(Layer4.ProtocolOneofCase protocol) => protocol switch
    {
        Layer4.ProtocolOneofCase.TCP => "TCP",
        Layer4.ProtocolOneofCase.UDP => "UDP",
        Layer4.ProtocolOneofCase.ICMPv4 => "ICMPv4",
        Layer4.ProtocolOneofCase.ICMPv6 => "ICMPv6",
        Layer4.ProtocolOneofCase.SCTP => "SCTP",
        Layer4.ProtocolOneofCase.None => "",
        var other => other.ToString(),
    };
}
