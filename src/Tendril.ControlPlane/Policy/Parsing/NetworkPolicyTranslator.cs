using System.Collections.Immutable;
using Tendril.ControlPlane.Identities;
using Tendril.ControlPlane.Labels;
using Tendril.ControlPlane.Policy.Model;
using Tendril.ControlPlane.Selectors;

namespace Tendril.ControlPlane.Policy.Parsing;

/// <summary>
/// Translates a Kubernetes NetworkPolicy <c>spec</c> into one Cilium rule (§4.11): podSelector → endpointSelector in
/// the policy's namespace; each from/to peer → an endpoint selector (podSelector in the namespace,
/// namespaceSelector over <c>io.cilium.k8s.namespace.labels.*</c>, both ANDed) or a CIDR set (ipBlock); no peers →
/// every peer; <c>policyTypes</c> decides the restricted directions, a listed direction without rules becomes an
/// empty rule (default deny).
/// </summary>
internal sealed class NetworkPolicyTranslator(DecodeContext ctx, RuleOrigin origin, LabelSet derivedLabels)
{
    private static readonly string[] SpecFields = ["podSelector", "policyTypes", "ingress", "egress"];
    private static readonly string[] IngressFields = ["from", "ports"];
    private static readonly string[] EgressFields = ["to", "ports"];
    private static readonly string[] PeerFields = ["podSelector", "namespaceSelector", "ipBlock"];
    private static readonly string[] IpBlockFields = ["cidr", "except"];
    private static readonly SelectorKey PodNamespaceKey = new(LabelSources.K8s, WellKnownLabels.PodNamespace);

    private string Namespace => origin.Namespace ?? "default";

    public Rule? Translate(PNode? node, string path)
    {
        int errorsBefore = ctx.ErrorCount;
        PMap? spec = ctx.Map(node, path);
        if (spec is null)
        {
            ctx.Error(path, node, "missing required field \"spec\"");
            return null;
        }

        ctx.CheckFields(spec, path, SpecFields);
        string selectorPath = FieldPath.Field(path, "podSelector");
        LabelSelector? podSelector = spec.Get("podSelector") is null
            ? Missing(selectorPath, spec)
            : SelectorDecoder.Decode(ctx, spec.Get("podSelector"), selectorPath, SelectorDecoder.K8sKey());

        (bool ingress, bool egress) = PolicyTypes(spec, FieldPath.Field(path, "policyTypes"));
        ImmutableArray<PeerRule> ingressRules = ingress ? Section(spec, path, "ingress", "from", IngressFields) : [];
        ImmutableArray<PeerRule> egressRules = egress ? Section(spec, path, "egress", "to", EgressFields) : [];

        if (ctx.ErrorCount != errorsBefore || podSelector is null)
            return null;
        return new Rule
        {
            Origin = origin,
            EndpointSelector = podSelector.And(new SelectorRequirement(PodNamespaceKey, SelectorOperator.In, [Namespace])),
            Ingress = ingressRules,
            Egress = egressRules,
            Labels = derivedLabels,
        };
    }

    private LabelSelector? Missing(string path, PMap spec)
    {
        ctx.Error(path, spec, "missing required field \"podSelector\" (write podSelector: {} to select every pod in the namespace)");
        return null;
    }

    private (bool Ingress, bool Egress) PolicyTypes(PMap spec, string path)
    {
        List<string>? types = ctx.Strings(spec.Get("policyTypes"), path);
        if (types is null || types.Count == 0)
            return (true, spec.Has("egress")); // Kubernetes' default: Ingress, plus Egress when egress rules exist.
        bool ingress = false, egress = false;
        for (int i = 0; i < types.Count; i++)
        {
            switch (types[i])
            {
                case "Ingress": ingress = true; break;
                case "Egress": egress = true; break;
                default:
                    ctx.Error(FieldPath.Index(path, i), spec.Get("policyTypes"), $"policy type \"{types[i]}\" is not valid: use Ingress or Egress");
                    break;
            }
        }

        return (ingress, egress);
    }

    private ImmutableArray<PeerRule> Section(PMap spec, string path, string field, string peersField, string[] fields)
    {
        string sectionPath = FieldPath.Field(path, field);
        List<PNode>? items = ctx.Seq(spec.Get(field), sectionPath);
        if (items is null || items.Count == 0)
            return [PeerRule.Empty]; // The direction is restricted and nothing is allowed.

        var rules = ImmutableArray.CreateBuilder<PeerRule>(items.Count);
        for (int i = 0; i < items.Count; i++)
        {
            string itemPath = FieldPath.Index(sectionPath, i);
            PMap rule = ctx.Map(items[i], itemPath) ?? new PMap();
            ctx.CheckFields(rule, itemPath, fields);
            string portsPath = FieldPath.Field(itemPath, "ports");
            ImmutableArray<PortProtocol> ports = rule.Has("ports")
                ? PortDecoder.DecodePorts(ctx, rule.Get("ports"), portsPath, rule, cilium: false)
                : [];
            PeerRule peer = Peers(rule.Get(peersField), FieldPath.Field(itemPath, peersField));
            rules.Add(peer with { Ports = ports.IsEmpty ? [] : [new PortRule(ports)] });
        }

        return rules.ToImmutable();
    }

    private PeerRule Peers(PNode? node, string path)
    {
        List<PNode>? items = ctx.Seq(node, path);
        if (items is null || items.Count == 0)
            return new PeerRule { Entities = [Entity.All] }; // No from/to: every source or destination.

        var endpoints = ImmutableArray.CreateBuilder<LabelSelector>();
        var cidrs = ImmutableArray.CreateBuilder<CidrRule>();
        for (int i = 0; i < items.Count; i++)
        {
            string itemPath = FieldPath.Index(path, i);
            PMap? peer = ctx.Map(items[i], itemPath);
            if (peer is null)
                continue;
            ctx.CheckFields(peer, itemPath, PeerFields);
            bool hasPod = peer.Has("podSelector"), hasNs = peer.Has("namespaceSelector"), hasIp = peer.Has("ipBlock");
            if (!hasPod && !hasNs && !hasIp)
            {
                ctx.Error(itemPath, peer, "a peer needs podSelector, namespaceSelector or ipBlock");
                continue;
            }

            if (hasIp && (hasPod || hasNs))
            {
                ctx.Error(itemPath, peer, "ipBlock must be the only field of its peer; put podSelector/namespaceSelector in a separate peer");
                continue;
            }

            if (hasIp)
            {
                if (IpBlock(peer.Get("ipBlock"), FieldPath.Field(itemPath, "ipBlock")) is { } cidr)
                    cidrs.Add(cidr);
                continue;
            }

            LabelSelector? pods = hasPod
                ? SelectorDecoder.Decode(ctx, peer.Get("podSelector"), FieldPath.Field(itemPath, "podSelector"), SelectorDecoder.K8sKey())
                : LabelSelector.All;
            LabelSelector? namespaces = hasNs
                ? SelectorDecoder.Decode(ctx, peer.Get("namespaceSelector"), FieldPath.Field(itemPath, "namespaceSelector"),
                    SelectorDecoder.K8sKey(WellKnownLabels.NamespaceLabelPrefix))
                : null;
            if (pods is null || (hasNs && namespaces is null))
                continue;

            // podSelector alone: the policy's namespace. With a namespaceSelector: pods of the selected namespaces
            // ({} = every namespace, but only pods — never reserved identities or the world).
            endpoints.Add(namespaces is null
                ? pods.And(new SelectorRequirement(PodNamespaceKey, SelectorOperator.In, [Namespace]))
                : pods.And(namespaces).And(new SelectorRequirement(PodNamespaceKey, SelectorOperator.Exists)));
        }

        return new PeerRule
        {
            Endpoints = endpoints.Count > 0 ? endpoints.ToImmutable() : null,
            Cidrs = cidrs.Count > 0 ? cidrs.ToImmutable() : null,
        };
    }

    private CidrRule? IpBlock(PNode? node, string path)
    {
        PMap? map = ctx.Map(node, path);
        if (map is null)
            return null;
        ctx.CheckFields(map, path, IpBlockFields);
        string cidrPath = FieldPath.Field(path, "cidr");
        string? text = ctx.String(map.Get("cidr"), cidrPath);
        if (text is null)
        {
            ctx.Error(cidrPath, map, "missing required field \"cidr\"");
            return null;
        }

        return CidrSets.Decode(ctx, text, cidrPath, map, FieldPath.Field(path, "except"));
    }
}
