using static Tendril.Policy.PolicyParser;

namespace Tendril.Policy;

/// <summary>The cilium.io/v2 rule schema (api.Rule) into <see cref="PolicyRule"/>.</summary>
internal static class CiliumRules
{
    private static readonly string[] EntityNames = ["all", "world", "cluster", "host", "remote-node", "health", "init", "unmanaged", "kube-apiserver", "ingress", "none", "world-ipv4", "world-ipv6"];

    private static readonly Dictionary<string, byte> IcmpTypes = new(StringComparer.Ordinal)
    {
        ["EchoReply"] = 0, ["DestinationUnreachable"] = 3, ["Redirect"] = 5, ["EchoRequest"] = 8, ["RouterAdvertisement"] = 9,
        ["RouterSelection"] = 10, ["TimeExceeded"] = 11, ["ParameterProblem"] = 12, ["Timestamp"] = 13, ["TimestampReply"] = 14,
    };

    public static PolicyRule? Parse(Dictionary<object, object> spec, string path, PolicyOrigin origin, string? ns, Context c)
    {
        c.Known(spec, path, "endpointSelector", "nodeSelector", "ingress", "ingressDeny", "egress", "egressDeny", "labels", "description", "enableDefaultDeny", "log");
        if (spec.ContainsKey("nodeSelector"))
            c.Error(Join(path, "nodeSelector"), "host policies (nodeSelector) are not supported yet");
        var subject = Selector(Map(spec, "endpointSelector", Join(path, "endpointSelector"), c), Join(path, "endpointSelector"), c);
        if (subject is null)
        {
            c.Error(Join(path, "endpointSelector"), "is required");
            return null;
        }
        var l7 = new List<string>();
        bool? denyIn = null, denyOut = null;
        if (Map(spec, "enableDefaultDeny", Join(path, "enableDefaultDeny"), c) is { } dd)
        {
            c.Known(dd, Join(path, "enableDefaultDeny"), "ingress", "egress");
            denyIn = Bool(dd, "ingress", Join(path, "enableDefaultDeny.ingress"), c);
            denyOut = Bool(dd, "egress", Join(path, "enableDefaultDeny.egress"), c);
        }
        return new PolicyRule(origin, InNamespace(subject, ns),
            Section(spec, "ingress", path, ns, deny: false, egress: false, l7, c),
            Section(spec, "ingressDeny", path, ns, deny: true, egress: false, l7, c),
            Section(spec, "egress", path, ns, deny: false, egress: true, l7, c),
            Section(spec, "egressDeny", path, ns, deny: true, egress: true, l7, c),
            denyIn ?? (spec.ContainsKey("ingress") || spec.ContainsKey("ingressDeny") ? true : null),
            denyOut ?? (spec.ContainsKey("egress") || spec.ContainsKey("egressDeny") ? true : null),
            Str(spec, "description"))
        {
            UnenforcedL7 = l7,
        };
    }

    private static bool? Bool(Dictionary<object, object> map, string key, string path, Context c)
    {
        string? text = Str(map, key);
        if (text is null)
            return null;
        if (bool.TryParse(text, out bool value))
            return value;
        c.Error(path, $"'{text}' is not true or false");
        return null;
    }

    private static List<PeerRule> Section(Dictionary<object, object> spec, string key, string path, string? ns, bool deny, bool egress, List<string> l7, Context c)
    {
        var result = new List<PeerRule>();
        string dir = egress ? "to" : "from";
        foreach (var (item, p) in Items(spec, key, Join(path, key), c))
        {
            var known = new List<string> { $"{dir}Endpoints", $"{dir}CIDR", $"{dir}CIDRSet", $"{dir}Entities", $"{dir}Requires", "toPorts", "icmps" };
            if (!deny)
                known.Add("authentication");
            if (egress)
                known.AddRange(["toFQDNs", "toServices", "toGroups", "toNodes"]);
            else
                known.AddRange(["fromGroups", "fromNodes"]);
            c.Known(item, p, known.ToArray());
            foreach (var unsupported in new[] { "toFQDNs", "toServices", "toGroups", "toNodes", "fromGroups", "fromNodes", $"{dir}Requires" })
            {
                if (item.ContainsKey(unsupported))
                    c.Error(Join(p, unsupported), "is not supported yet");
            }
            var endpoints = Items(item, $"{dir}Endpoints", Join(p, $"{dir}Endpoints"), c)
                .Select(e => Selector(e.Item, e.Path, c)).Where(s => s is not null).Select(s => InNamespace(s!, ns)).ToList();
            var entities = Strings(item, $"{dir}Entities", Join(p, $"{dir}Entities"), c);
            for (int i = 0; i < entities.Count; i++)
            {
                if (!EntityNames.Contains(entities[i]))
                    c.Error($"{Join(p, $"{dir}Entities")}[{i}]", $"unknown entity '{entities[i]}'; expected one of: {string.Join(", ", EntityNames)}");
            }
            var cidrs = Strings(item, $"{dir}CIDR", Join(p, $"{dir}CIDR"), c)
                .Select((text, i) => Cidr(text, [], $"{Join(p, $"{dir}CIDR")}[{i}]", c)).Where(x => x is not null).Select(x => x!).ToList();
            foreach (var (set, sp) in Items(item, $"{dir}CIDRSet", Join(p, $"{dir}CIDRSet"), c))
            {
                c.Known(set, sp, "cidr", "except", "cidrGroupRef", "cidrGroupSelector");
                if (Cidr(Str(set, "cidr"), Strings(set, "except", Join(sp, "except"), c), Join(sp, "cidr"), c) is { } cidr)
                    cidrs.Add(cidr);
            }
            var ports = PortRules(item, p, deny, l7, c);
            ports.AddRange(IcmpRules(item, p, c));
            bool anyPeer = entities.Contains("all");
            result.Add(new PeerRule(endpoints, entities, cidrs, ports, anyPeer));
        }
        return result;
    }

    private static List<PortRule> PortRules(Dictionary<object, object> item, string path, bool deny, List<string> l7, Context c)
    {
        var result = new List<PortRule>();
        foreach (var (portRule, pp) in Items(item, "toPorts", Join(path, "toPorts"), c))
        {
            var knownPortFields = deny ? new[] { "ports" } : new[] { "ports", "rules", "terminatingTLS", "originatingTLS", "serverNames", "listener" };
            c.Known(portRule, pp, knownPortFields);
            if (Map(portRule, "rules", Join(pp, "rules"), c) is { } rules)
            {
                foreach (var kind in rules.Keys.Select(k => k.ToString()!))
                {
                    if (kind is "http" or "kafka" or "dns" or "l7" or "l7proto")
                        l7.Add($"{Join(pp, "rules")}.{kind}");
                    else
                        c.Error($"{Join(pp, "rules")}.{kind}", "unknown L7 rule kind; expected http, kafka, dns, l7proto/l7");
                }
            }
            var ports = Items(portRule, "ports", Join(pp, "ports"), c);
            if (ports.Count > 40)
                c.Error(Join(pp, "ports"), $"{ports.Count} ports; at most 40 per rule");
            foreach (var (port, p) in ports)
            {
                c.Known(port, p, "port", "endPort", "protocol");
                var range = Ports(port.GetValueOrDefault("port"), port.GetValueOrDefault("endPort"), p, c);
                var protocol = Protocol(Str(port, "protocol"), Join(p, "protocol"), c, fallback: 0);
                if (range is { } r && protocol is { } proto)
                    result.Add(new PortRule(proto, r.Port, r.EndPort));
            }
        }
        return result;
    }

    private static IEnumerable<PortRule> IcmpRules(Dictionary<object, object> item, string path, Context c)
    {
        foreach (var (icmp, ip) in Items(item, "icmps", Join(path, "icmps"), c))
        {
            c.Known(icmp, ip, "fields");
            foreach (var (field, fp) in Items(icmp, "fields", Join(ip, "fields"), c))
            {
                c.Known(field, fp, "type", "family");
                string family = Str(field, "family") ?? "IPv4";
                if (family != "IPv4")
                {
                    c.Error(Join(fp, "family"), $"'{family}': only IPv4 ICMP is supported yet");
                    continue;
                }
                string? type = Str(field, "type");
                if (byte.TryParse(type, out byte number) || (type is not null && IcmpTypes.TryGetValue(type, out number)))
                    yield return new PortRule(PortRule.Icmp, number, number, IcmpType: true);
                else
                    c.Error(Join(fp, "type"), $"'{type}' is not an ICMP type number (0-255) or name");
            }
        }
    }
}
