using static Tendril.Policy.PolicyParser;

namespace Tendril.Policy;

/// <summary>networking.k8s.io/v1 NetworkPolicy translated the way Cilium enforces it.</summary>
internal static class NetworkPolicyRules
{
    public static PolicyRule Parse(Dictionary<object, object> spec, PolicyOrigin origin, string ns, Context c)
    {
        c.Known(spec, "spec", "podSelector", "policyTypes", "ingress", "egress");
        var subject = Selector(Map(spec, "podSelector", "spec.podSelector", c), "spec.podSelector", c);
        if (subject is null)
            c.Error("spec.podSelector", "is required ({} selects every pod of the namespace)");
        var types = Strings(spec, "policyTypes", "spec.policyTypes", c);
        foreach (var t in types.Where(t => t is not ("Ingress" or "Egress")))
            c.Error("spec.policyTypes", $"'{t}' is not Ingress or Egress");
        bool ingressType = types.Count == 0 || types.Contains("Ingress");
        bool egressType = types.Contains("Egress") || (types.Count == 0 && spec.ContainsKey("egress"));
        var ingress = ingressType ? Peers(spec, "ingress", "from", ns, c) : [];
        var egress = egressType ? Peers(spec, "egress", "to", ns, c) : [];
        return new PolicyRule(origin, InNamespace(subject ?? LabelSelector.All, ns), ingress, [], egress, [],
            ingressType ? true : null, egressType ? true : null, null);
    }

    private static List<PeerRule> Peers(Dictionary<object, object> spec, string key, string dir, string ns, Context c)
    {
        var result = new List<PeerRule>();
        foreach (var (item, p) in Items(spec, key, $"spec.{key}", c))
        {
            c.Known(item, p, dir, "ports");
            var ports = new List<PortRule>();
            foreach (var (port, pp) in Items(item, "ports", Join(p, "ports"), c))
            {
                c.Known(port, pp, "port", "endPort", "protocol");
                var range = Ports(port.GetValueOrDefault("port"), port.GetValueOrDefault("endPort"), pp, c);
                var protocol = Protocol(Str(port, "protocol"), Join(pp, "protocol"), c, fallback: PortRule.Tcp);
                if (range is { } r && protocol is { } proto and > 0)
                    ports.Add(new PortRule(proto, r.Port, r.EndPort));
                else if (protocol == 0)
                    c.Error(Join(pp, "protocol"), "NetworkPolicy protocols are TCP, UDP or SCTP");
            }
            var selectors = new List<LabelSelector>();
            var cidrs = new List<CidrRule>();
            bool hasPeers = item.ContainsKey(dir);
            foreach (var (peer, pp) in Items(item, dir, Join(p, dir), c))
            {
                c.Known(peer, pp, "podSelector", "namespaceSelector", "ipBlock");
                if (Map(peer, "ipBlock", Join(pp, "ipBlock"), c) is { } block)
                {
                    c.Known(block, Join(pp, "ipBlock"), "cidr", "except");
                    if (Cidr(Str(block, "cidr"), Strings(block, "except", Join(pp, "ipBlock.except"), c), Join(pp, "ipBlock.cidr"), c) is { } cidr)
                        cidrs.Add(cidr);
                    continue;
                }
                var pods = Selector(Map(peer, "podSelector", Join(pp, "podSelector"), c), Join(pp, "podSelector"), c);
                var namespaces = Selector(Map(peer, "namespaceSelector", Join(pp, "namespaceSelector"), c), Join(pp, "namespaceSelector"), c);
                if (namespaces is null)
                {
                    selectors.Add(InNamespace(pods ?? LabelSelector.All, ns));
                    continue;
                }
                // namespaceSelector matches the namespace labels every pod identity carries; pods only (never reserved identities).
                var combined = new LabelSelector([.. (pods ?? LabelSelector.All).Requirements,
                    .. namespaces.Requirements.Select(r => r with { Source = "k8s", Key = NamespaceLabelPrefix + r.Key }),
                    new SelectorRequirement("k8s", PodNamespaceLabel, SelectorOperator.Exists, [])]);
                selectors.Add(combined);
            }
            // "from" absent or empty: every peer.
            bool any = !hasPeers || (selectors.Count == 0 && cidrs.Count == 0);
            result.Add(new PeerRule(selectors, [], cidrs, ports, any));
        }
        return result;
    }
}
