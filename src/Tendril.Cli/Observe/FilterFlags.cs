namespace Tendril.Cli.Observe;

/// <summary>One filter flag of <c>tendril observe</c>: its long name, short aliases, and whether it takes a value.</summary>
internal sealed record FilterFlag(string Name, string[] Aliases, bool TakesValue, string Description);

/// <summary>
/// Every filter flag, in help order. Filter flags are applied in the order they appear on the command line (so that
/// <c>--not</c> can negate the next one); everything else about them lives in <see cref="FlowFilterBuilder"/>.
/// Immutable and thread-safe.
/// </summary>
internal static class FilterFlags
{
    public static readonly IReadOnlyList<FilterFlag> All =
    [
        Switch("not", [], "Negate the next filter flag: it goes into the blacklist"),
        Value("uuid", [], "Flows with this UUID"),
        Value("verdict", [], "Flows with this verdict: FORWARDED, DROPPED, AUDIT, REDIRECTED, ERROR, TRACED, TRANSLATED"),
        Value("drop-reason-desc", [], "Drops with this reason, e.g. POLICY_DENIED or POLICY_DENY"),
        Value("type", ["-t"], "Event type TYPE[:SUBTYPE]: trace[:to-endpoint|from-endpoint|to-stack|…], drop, policy-verdict, capture, trace-sock, l7"),
        Value("namespace", ["-n"], "Flows from or to pods and services in this namespace"),
        Value("from-namespace", [], "Flows from this namespace"),
        Value("to-namespace", [], "Flows to this namespace"),
        Switch("all-namespaces", ["-A"], "Flows from or to any Kubernetes namespace"),
        Switch("from-all-namespaces", [], "Flows from any Kubernetes namespace"),
        Switch("to-all-namespaces", [], "Flows to any Kubernetes namespace"),
        Value("pod", [], "Flows from or to pods named [namespace/]name-prefix"),
        Value("from-pod", [], "Flows from pods named [namespace/]name-prefix"),
        Value("to-pod", [], "Flows to pods named [namespace/]name-prefix"),
        Value("service", [], "Flows from or to the service [namespace/]name"),
        Value("from-service", [], "Flows from the service [namespace/]name"),
        Value("to-service", [], "Flows to the service [namespace/]name"),
        Value("ip", [], "Flows from or to this IP address or CIDR"),
        Value("from-ip", [], "Flows from this IP address or CIDR"),
        Value("to-ip", [], "Flows to this IP address or CIDR"),
        Value("snat-ip", [], "Flows whose source was translated to this IP address or CIDR"),
        Switch("ipv4", ["-4"], "IPv4 flows only"),
        Switch("ipv6", ["-6"], "IPv6 flows only"),
        Value("ip-version", [], "Flows of this IP version: 4 or 6"),
        Value("label", ["-l"], "Flows from or to endpoints with this label selector, e.g. k8s:app=web or reserved:world"),
        Value("from-label", [], "Flows from endpoints with this label selector"),
        Value("to-label", [], "Flows to endpoints with this label selector"),
        Value("identity", [], "Flows from or to this security identity: a number or world, host, remote-node, …"),
        Value("from-identity", [], "Flows from this security identity"),
        Value("to-identity", [], "Flows to this security identity"),
        Value("workload", [], "Flows from or to this workload, [kind/]name"),
        Value("from-workload", [], "Flows from this workload"),
        Value("to-workload", [], "Flows to this workload"),
        Value("port", [], "Flows from or to this L4 port"),
        Value("from-port", [], "Flows from this L4 port"),
        Value("to-port", [], "Flows to this L4 port"),
        Value("protocol", [], "Flows of this protocol: tcp, udp, sctp, icmp, icmpv4, icmpv6, …"),
        Value("tcp-flags", [], "TCP flows with all of these flags set, e.g. syn,ack"),
        Value("traffic-direction", [], "Flows in this direction: ingress or egress"),
        Value("node-name", [], "Flows observed on this node (patterns like k8s*)"),
        Value("node-label", [], "Flows observed on nodes with this label selector"),
        Value("cluster", [], "Flows observed in this cluster"),
        Value("interface", [], "Flows seen on this network interface"),
    ];

    /// <summary>The flag that has <paramref name="token"/> (e.g. "--pod", "-t") as its name or alias, or null.</summary>
    public static FilterFlag? Find(string token) =>
        All.FirstOrDefault(f => token == "--" + f.Name || f.Aliases.Contains(token));

    private static FilterFlag Value(string name, string[] aliases, string description) => new(name, aliases, true, description);

    private static FilterFlag Switch(string name, string[] aliases, string description) => new(name, aliases, false, description);
}
