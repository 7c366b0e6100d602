using Tendril.Hubble.Api.Flow;

namespace Tendril.Cli.Observe;

/// <summary>
/// Turns filter flags, applied in command-line order, into the whitelist and blacklist of a GetFlows request with
/// the hubble CLI's results:
/// <list type="bullet">
/// <item>Each list is built as a pair of filters, "left OR right". A one-sided flag (<c>--from-pod</c>,
/// <c>--verdict</c>, …) goes into both; a symmetric flag (<c>--pod</c>, <c>--ip</c>, <c>--label</c>,
/// <c>--identity</c>, <c>--port</c>, <c>--service</c>, <c>--workload</c>) puts its source field into the left and its
/// destination field into the right. So <c>--pod a --to-port 80</c> is
/// <c>{source_pod:[a], destination_port:[80]} OR {destination_pod:[a], destination_port:[80]}</c>, and when both sides
/// come out equal (only one-sided flags) a single filter is sent.</item>
/// <item>The same flag repeated appends to the same field (OR); different flags fill different fields (AND).</item>
/// <item>Namespaces (<c>-n</c>, <c>--from-namespace</c>, <c>--to-namespace</c>, <c>-A</c>) are injected when the
/// filters are materialized: a pod or service without a namespace gets <c>ns/</c> prefixed, and a side with no
/// pod or service gets <c>ns/</c> (the whole namespace). <c>-n</c> applies to the source of the left and the
/// destination of the right filter.</item>
/// <item><c>--not</c> sends the next filter flag into the blacklist. All negated flags share one blacklist pair, so
/// <c>--not --pod a --not --verdict DROPPED</c> excludes flows that involve <c>a</c> AND were dropped — hubble
/// behaves the same way.</item>
/// <item>Flags that cannot be combined (<c>--ip</c> with <c>--namespace</c>, <c>--port</c> with <c>--to-port</c>,
/// <c>--to-pod</c> with <c>-n</c>, …) are rejected with hubble's conflict groups.</item>
/// </list>
/// Deviations from hubble: a trailing <c>--not</c> is an error (hubble ignores it); IPs, CIDRs and ports are
/// validated here (hubble leaves that to the server); enum values are accepted in any case.
/// Not thread-safe: one builder per command line.
/// </summary>
internal sealed class FlowFilterBuilder
{
    private static readonly string[][] Conflicts =
    [
        ["from-ip", "ip", "from-namespace", "namespace", "from-all-namespaces", "all-namespaces"],
        ["from-ip", "ip", "from-pod", "pod"],
        ["to-ip", "ip", "to-namespace", "namespace", "to-all-namespaces", "all-namespaces"],
        ["to-ip", "ip", "to-pod", "pod"],
        ["to-pod", "namespace", "all-namespaces"],
        ["from-pod", "namespace", "all-namespaces"],
        ["to-service", "namespace", "all-namespaces"],
        ["from-service", "namespace", "all-namespaces"],
        ["label", "from-label"],
        ["label", "to-label"],
        ["service", "from-service"],
        ["service", "to-service"],
        ["port", "to-port"],
        ["port", "from-port"],
        ["identity", "to-identity"],
        ["identity", "from-identity"],
        ["workload", "to-workload"],
        ["workload", "from-workload"],
        ["node-name", "cluster"],
    ];

    private readonly FilterPair _whitelist = new();
    private readonly FilterPair _blacklist = new();
    private bool _negateNext;

    /// <summary>Applies one flag (long name without dashes); <paramref name="value"/> is null for switches.</summary>
    /// <exception cref="FlagException">The value is malformed or the flag conflicts with an earlier one.</exception>
    public void Add(string flag, string? value)
    {
        if (flag == "not")
        {
            if (_negateNext)
                throw new FlagException("not", "consecutive --not statements; --not negates exactly one filter flag");
            _negateNext = true;
            return;
        }
        var pair = _negateNext ? _blacklist : _whitelist;
        _negateNext = false;
        pair.Changed.Add(flag);
        CheckConflicts(pair, flag);
        Apply(pair, flag, value ?? "");
        pair.CheckNamespaces();
    }

    /// <summary>The filters so far. Does not change the builder.</summary>
    /// <exception cref="FlagException">The command line ends with <c>--not</c>.</exception>
    public (List<FlowFilter> Whitelist, List<FlowFilter> Blacklist) Build() =>
        _negateNext
            ? throw new FlagException("not", "--not must be followed by the filter flag it negates")
            : (_whitelist.Materialize(), _blacklist.Materialize());

    private static void CheckConflicts(FilterPair pair, string added)
    {
        foreach (var group in Conflicts.Where(g => g.Contains(added)))
        {
            var other = group.FirstOrDefault(g => g != added && pair.Changed.Contains(g));
            if (other is not null)
                throw new FlagException(added, $"filters --{other} and --{added} cannot be combined");
        }
    }

    private static void Apply(FilterPair p, string flag, string v)
    {
        switch (flag)
        {
            case "uuid": p.Both(f => f.Uuid.Add(FilterValues.NonEmpty(flag, v))); break;
            case "verdict": { var x = FilterValues.Verdict(flag, v); p.Both(f => f.Verdict.Add(x)); break; }
            case "drop-reason-desc": { var x = FilterValues.DropReason(flag, v); p.Both(f => f.DropReasonDesc.Add(x)); break; }
            case "type": p.Both(f => f.EventType.Add(FilterValues.EventType(flag, v))); break;

            case "namespace": p.Namespaces.Add(FilterValues.NonEmpty(flag, v)); break;
            case "from-namespace": p.SourceNamespaces.Add(FilterValues.NonEmpty(flag, v)); break;
            case "to-namespace": p.DestinationNamespaces.Add(FilterValues.NonEmpty(flag, v)); break;
            case "all-namespaces": p.Namespaces.Add(""); break;
            case "from-all-namespaces": p.SourceNamespaces.Add(""); break;
            case "to-all-namespaces": p.DestinationNamespaces.Add(""); break;

            case "pod": FilterValues.NonEmpty(flag, v); p.Split(f => f.SourcePod.Add(v), f => f.DestinationPod.Add(v)); break;
            case "from-pod": p.Both(f => f.SourcePod.Add(FilterValues.NonEmpty(flag, v))); break;
            case "to-pod": p.Both(f => f.DestinationPod.Add(FilterValues.NonEmpty(flag, v))); break;
            case "service": FilterValues.NonEmpty(flag, v); p.Split(f => f.SourceService.Add(v), f => f.DestinationService.Add(v)); break;
            case "from-service": p.Both(f => f.SourceService.Add(FilterValues.NonEmpty(flag, v))); break;
            case "to-service": p.Both(f => f.DestinationService.Add(FilterValues.NonEmpty(flag, v))); break;

            case "ip": FilterValues.IpOrCidr(flag, v); p.Split(f => f.SourceIp.Add(v), f => f.DestinationIp.Add(v)); break;
            case "from-ip": p.Both(f => f.SourceIp.Add(FilterValues.IpOrCidr(flag, v))); break;
            case "to-ip": p.Both(f => f.DestinationIp.Add(FilterValues.IpOrCidr(flag, v))); break;
            case "snat-ip": p.Both(f => f.SourceIpXlated.Add(FilterValues.IpOrCidr(flag, v))); break;
            case "ipv4": p.Both(f => f.IpVersion.Add(IPVersion.Ipv4)); break;
            case "ipv6": p.Both(f => f.IpVersion.Add(IPVersion.Ipv6)); break;
            case "ip-version": { var x = FilterValues.IpVersion(flag, v); p.Both(f => f.IpVersion.Add(x)); break; }

            case "label": FilterValues.NonEmpty(flag, v); p.Split(f => f.SourceLabel.Add(v), f => f.DestinationLabel.Add(v)); break;
            case "from-label": p.Both(f => f.SourceLabel.Add(FilterValues.NonEmpty(flag, v))); break;
            case "to-label": p.Both(f => f.DestinationLabel.Add(FilterValues.NonEmpty(flag, v))); break;

            case "identity": { var x = FilterValues.Identity(flag, v); p.Split(f => f.SourceIdentity.Add(x), f => f.DestinationIdentity.Add(x)); break; }
            case "from-identity": { var x = FilterValues.Identity(flag, v); p.Both(f => f.SourceIdentity.Add(x)); break; }
            case "to-identity": { var x = FilterValues.Identity(flag, v); p.Both(f => f.DestinationIdentity.Add(x)); break; }

            case "workload": { var x = FilterValues.Workload(flag, v); p.Split(f => f.SourceWorkload.Add(x.Clone()), f => f.DestinationWorkload.Add(x.Clone())); break; }
            case "from-workload": p.Both(f => f.SourceWorkload.Add(FilterValues.Workload(flag, v))); break;
            case "to-workload": p.Both(f => f.DestinationWorkload.Add(FilterValues.Workload(flag, v))); break;

            case "port": FilterValues.Port(flag, v); p.Split(f => f.SourcePort.Add(v), f => f.DestinationPort.Add(v)); break;
            case "from-port": p.Both(f => f.SourcePort.Add(FilterValues.Port(flag, v))); break;
            case "to-port": p.Both(f => f.DestinationPort.Add(FilterValues.Port(flag, v))); break;
            case "protocol": p.Both(f => f.Protocol.Add(FilterValues.NonEmpty(flag, v))); break;
            case "tcp-flags": p.Both(f => f.TcpFlags.Add(FilterValues.TcpFlags(flag, v))); break;
            case "traffic-direction": { var x = FilterValues.Direction(flag, v); p.Both(f => f.TrafficDirection.Add(x)); break; }

            case "node-name": p.Both(f => f.NodeName.Add(FilterValues.NonEmpty(flag, v))); break;
            case "node-label": p.Both(f => f.NodeLabels.Add(FilterValues.NonEmpty(flag, v))); break;
            case "cluster": p.Both(f => f.NodeName.Add(FilterValues.NonEmpty(flag, v) + "/")); break;
            case "interface": p.Both(f => f.Interface.Add(new NetworkInterface { Name = FilterValues.NonEmpty(flag, v) })); break;
            default: throw new FlagException(flag, "not a filter flag");
        }
    }

    /// <summary>One list under construction: "left OR right", plus the namespaces to inject at the end.</summary>
    private sealed class FilterPair
    {
        private FlowFilter? _left;
        private FlowFilter? _right;

        public List<string> Changed { get; } = [];
        public List<string> Namespaces { get; } = [];
        public List<string> SourceNamespaces { get; } = [];
        public List<string> DestinationNamespaces { get; } = [];

        public void Both(Action<FlowFilter> update)
        {
            update(_left ??= new FlowFilter());
            update(_right ??= new FlowFilter());
        }

        public void Split(Action<FlowFilter> left, Action<FlowFilter> right)
        {
            left(_left ??= new FlowFilter());
            right(_right ??= new FlowFilter());
        }

        /// <summary>Rejects a namespaced pod or service outside the namespaces given, and pods and services in different namespaces.</summary>
        public void CheckNamespaces()
        {
            foreach (var f in new[] { _left, _right })
            {
                if (f is null)
                    continue;
                Contains(Namespaces, f.SourcePod.Concat(f.SourceService).Concat(f.DestinationPod).Concat(f.DestinationService));
                Contains(SourceNamespaces, f.SourcePod.Concat(f.SourceService));
                Contains(DestinationNamespaces, f.DestinationPod.Concat(f.DestinationService));
                SameNamespace(f.SourcePod, f.SourceService);
                SameNamespace(f.DestinationPod, f.DestinationService);
            }
        }

        public List<FlowFilter> Materialize()
        {
            if (_left is null && _right is null && Namespaces.Count + SourceNamespaces.Count + DestinationNamespaces.Count == 0)
                return [];
            var left = _left?.Clone() ?? new FlowFilter();
            var right = _right?.Clone() ?? new FlowFilter();
            if (DestinationNamespaces.Count > 0)
            {
                InjectDestination(left, DestinationNamespaces);
                InjectDestination(right, DestinationNamespaces);
            }
            if (SourceNamespaces.Count > 0)
            {
                InjectSource(left, SourceNamespaces);
                InjectSource(right, SourceNamespaces);
            }
            if (Namespaces.Count > 0)
            {
                InjectSource(left, Namespaces);
                InjectDestination(right, Namespaces);
            }
            return left.Equals(right) ? [left] : [left, right];
        }

        private static void InjectSource(FlowFilter f, List<string> namespaces)
        {
            if (f.SourcePod.Count == 0 && f.SourceService.Count == 0)
                f.SourcePod.Add("");
            Prefix(f.SourcePod, namespaces);
            Prefix(f.SourceService, namespaces);
        }

        private static void InjectDestination(FlowFilter f, List<string> namespaces)
        {
            if (f.DestinationPod.Count == 0 && f.DestinationService.Count == 0)
                f.DestinationPod.Add("");
            Prefix(f.DestinationPod, namespaces);
            Prefix(f.DestinationService, namespaces);
        }

        // "name" becomes "ns/name" for every namespace (""/name = any namespace); "other/name" stays as written.
        private static void Prefix(Google.Protobuf.Collections.RepeatedField<string> names, List<string> namespaces)
        {
            var result = names.SelectMany(n => n.Contains('/') ? [n] : namespaces.Select(ns => $"{ns}/{n}")).ToList();
            names.Clear();
            names.AddRange(result);
        }

        private static void Contains(List<string> namespaces, IEnumerable<string> names)
        {
            foreach (var ns in namespaces)
            {
                foreach (var name in names)
                {
                    if (NamespaceOf(name) is { Length: > 0 } other && other != ns)
                        throw new FlagException("namespace", $"namespace conflict: \"{ns}\" does not contain \"{name}\"");
                }
            }
        }

        private static void SameNamespace(IEnumerable<string> pods, IEnumerable<string> services)
        {
            foreach (var pod in pods)
            {
                if (NamespaceOf(pod) is not { Length: > 0 } podNs)
                    continue;
                var svc = services.FirstOrDefault(s => NamespaceOf(s) != podNs);
                if (svc is not null)
                    throw new FlagException("service", $"namespace of service \"{svc}\" conflicts with pod namespace \"{podNs}\"");
            }
        }

        private static string NamespaceOf(string name) => name.IndexOf('/') is var slash and >= 0 ? name[..slash] : "";
    }
}
