using System.Collections.Immutable;
using Tendril.ControlPlane.Identities;
using Tendril.ControlPlane.Labels;
using Tendril.ControlPlane.Net;
using Tendril.ControlPlane.Policy.Model;
using Tendril.ControlPlane.Selectors;

namespace Tendril.ControlPlane.Policy.Parsing;

/// <summary>
/// Decodes one Cilium rule (<c>spec</c> or an item of <c>specs</c>) and applies namespace scoping (§4.10): in a
/// CiliumNetworkPolicy the endpointSelector is limited to the policy's namespace and peer endpoint selectors get
/// <c>k8s:io.kubernetes.pod.namespace=&lt;ns&gt;</c> unless they constrain that key or select reserved labels; in a
/// CiliumClusterwideNetworkPolicy such peer selectors get <c>k8s:io.kubernetes.pod.namespace</c> Exists (cluster pods
/// only).
/// </summary>
internal sealed class CiliumRuleDecoder(DecodeContext ctx, RuleOrigin origin, LabelSet derivedLabels)
{
    private static readonly string[] RuleFields =
        ["endpointSelector", "ingress", "ingressDeny", "egress", "egressDeny", "labels", "enableDefaultDeny", "description", "log"];

    private static readonly Dictionary<string, string> UnsupportedRuleFields = new()
    {
        ["nodeSelector"] = "nodeSelector (host firewall) is not supported by Tendril yet; select endpoints with endpointSelector",
    };

    private static readonly string[] DefaultDenyFields = ["ingress", "egress"];
    private static readonly string[] LogFields = ["value"];
    private static readonly string[] LabelFields = ["key", "value", "source"];
    private static readonly string[] CidrSetFields = ["cidr", "except"];
    private static readonly SelectorKey PodNamespaceKey = new(LabelSources.K8s, WellKnownLabels.PodNamespace);

    private readonly List<string> _notEnforced = [];
    private bool _matchesInit;

    public Rule? Decode(PNode node, string path)
    {
        int errorsBefore = ctx.ErrorCount;
        PMap? map = ctx.Map(node, path);
        if (map is null)
        {
            ctx.Error(path, node, "a rule must be an object with an endpointSelector");
            return null;
        }

        ctx.CheckFields(map, path, RuleFields, UnsupportedRuleFields);
        LabelSelector? subject = DecodeSubject(map, path);

        var rule = new Rule
        {
            Origin = origin,
            EndpointSelector = subject ?? LabelSelector.All,
            Ingress = DecodeSection(map, path, "ingress", TrafficDirection.Ingress, deny: false),
            IngressDeny = DecodeSection(map, path, "ingressDeny", TrafficDirection.Ingress, deny: true),
            Egress = DecodeSection(map, path, "egress", TrafficDirection.Egress, deny: false),
            EgressDeny = DecodeSection(map, path, "egressDeny", TrafficDirection.Egress, deny: true),
            EnableDefaultDeny = DecodeDefaultDeny(map.Get("enableDefaultDeny"), FieldPath.Field(path, "enableDefaultDeny")),
            Labels = DecodeLabels(map.Get("labels"), FieldPath.Field(path, "labels")),
            Description = ctx.String(map.Get("description"), FieldPath.Field(path, "description")),
            Log = DecodeLog(map.Get("log"), FieldPath.Field(path, "log")),
        };
        return ctx.ErrorCount == errorsBefore ? rule with { NotEnforced = [.. _notEnforced] } : null;
    }

    private LabelSelector? DecodeSubject(PMap map, string path)
    {
        string subjectPath = FieldPath.Field(path, "endpointSelector");
        if (!map.Has("endpointSelector"))
        {
            if (!map.Has("nodeSelector"))
                ctx.Error(subjectPath, map, "missing required field \"endpointSelector\" (write endpointSelector: {} to select every endpoint)");
            return null;
        }

        LabelSelector? subject = SelectorDecoder.Decode(ctx, map.Get("endpointSelector"), subjectPath, SelectorDecoder.CiliumKey);
        if (subject is null)
            return null;
        _matchesInit = subject.Requirements.Any(r => r.Key.Source == LabelSources.Reserved && r.Key.Key == "init");
        if (origin.Namespace is not { } ns || _matchesInit)
            return subject;

        // A namespaced policy only ever applies to its own namespace.
        var own = LabelSet.Of(Label.K8s(WellKnownLabels.PodNamespace, ns));
        foreach (SelectorRequirement r in subject.Requirements.Where(r => r.Key.Key == WellKnownLabels.PodNamespace))
        {
            if (!r.Matches(own))
            {
                ctx.Error(subjectPath, map.Get("endpointSelector"),
                    $"a CiliumNetworkPolicy in namespace \"{ns}\" can only select endpoints in \"{ns}\", but the selector requires {r}; use a CiliumClusterwideNetworkPolicy to select other namespaces");
                return null;
            }
        }

        return subject.And(new SelectorRequirement(PodNamespaceKey, SelectorOperator.In, [ns]));
    }

    private ImmutableArray<PeerRule> DecodeSection(PMap map, string path, string field, TrafficDirection direction, bool deny)
    {
        string sectionPath = FieldPath.Field(path, field);
        List<PNode>? items = ctx.Seq(map.Get(field), sectionPath);
        if (items is null)
            return [];
        var rules = ImmutableArray.CreateBuilder<PeerRule>(items.Count);
        for (int i = 0; i < items.Count; i++)
        {
            string itemPath = FieldPath.Index(sectionPath, i);
            if (items[i] is PScalar { IsNull: true })
            {
                // "- {}" and a bare "-" both mean an empty rule: it selects nothing but turns default deny on.
                rules.Add(PeerRule.Empty);
                continue;
            }

            if (DecodePeer(items[i], itemPath, direction, deny) is { } peer)
                rules.Add(peer);
        }

        return rules.ToImmutable();
    }

    private PeerRule? DecodePeer(PNode node, string path, TrafficDirection direction, bool deny)
    {
        PMap? map = ctx.Map(node, path);
        if (map is null)
            return null;
        bool egress = direction == TrafficDirection.Egress;
        string p = egress ? "to" : "from";
        var known = new List<string> { p + "Endpoints", p + "CIDR", p + "CIDRSet", p + "Entities", "toPorts", "icmps" };
        if (egress && !deny)
            known.Add("toFQDNs");
        var unsupported = new Dictionary<string, string>
        {
            [p + "Requires"] = $"{p}Requires is deprecated in Cilium and not supported by Tendril; add the requirement to each {p}Endpoints selector",
            [p + "Groups"] = $"cloud provider groups ({p}Groups) are not supported by Tendril; list the group's CIDRs in {p}CIDRSet",
            [p + "Nodes"] = $"node selectors ({p}Nodes) are not supported by Tendril yet; use {p}Entities: [host, remote-node]",
        };
        if (egress)
            unsupported["toServices"] = "toServices is not supported by Tendril yet; use toEndpoints with the service's pod labels, or toCIDRSet for an external service";
        if (!deny)
            unsupported["authentication"] = "mutual authentication is not supported by Tendril; remove \"authentication\"";
        ctx.CheckFields(map, path, known, unsupported);

        var peer = new PeerRule
        {
            Endpoints = DecodeEndpoints(map.Get(p + "Endpoints"), FieldPath.Field(path, p + "Endpoints")),
            Cidrs = DecodeCidrs(map, path, p),
            Entities = DecodeEntities(map.Get(p + "Entities"), FieldPath.Field(path, p + "Entities")),
            Fqdns = DecodeFqdns(map, path, egress && !deny),
            Ports = PortDecoder.DecodePortRules(ctx, map.Get("toPorts"), FieldPath.Field(path, "toPorts"), deny, _notEnforced),
            Icmps = PortDecoder.DecodeIcmps(ctx, map.Get("icmps"), FieldPath.Field(path, "icmps")),
        };

        if (map.Has("icmps") && map.Has("toPorts"))
            ctx.Error(FieldPath.Field(path, "icmps"), map.Get("icmps"), "icmps and toPorts cannot be combined in one rule; write them as two rules");
        return peer;
    }

    private ImmutableArray<LabelSelector>? DecodeEndpoints(PNode? node, string path)
    {
        List<PNode>? items = ctx.Seq(node, path);
        if (items is null)
            return null;
        var selectors = ImmutableArray.CreateBuilder<LabelSelector>(items.Count);
        for (int i = 0; i < items.Count; i++)
        {
            if (SelectorDecoder.Decode(ctx, items[i], FieldPath.Index(path, i), SelectorDecoder.CiliumKey) is { } selector)
                selectors.Add(ScopePeer(selector));
        }

        return selectors.ToImmutable();
    }

    private LabelSelector ScopePeer(LabelSelector selector)
    {
        if (_matchesInit || selector.HasKeyFromSource(LabelSources.Reserved) || selector.ConstrainsKey(WellKnownLabels.PodNamespace))
            return selector;
        return origin.Namespace is { } ns
            ? selector.And(new SelectorRequirement(PodNamespaceKey, SelectorOperator.In, [ns]))
            : selector.And(new SelectorRequirement(PodNamespaceKey, SelectorOperator.Exists));
    }

    private ImmutableArray<CidrRule>? DecodeCidrs(PMap map, string path, string p)
    {
        string cidrPath = FieldPath.Field(path, p + "CIDR");
        string setPath = FieldPath.Field(path, p + "CIDRSet");
        List<string>? plain = ctx.Strings(map.Get(p + "CIDR"), cidrPath);
        List<PNode>? sets = ctx.Seq(map.Get(p + "CIDRSet"), setPath);
        if (plain is null && sets is null)
            return null;

        var rules = ImmutableArray.CreateBuilder<CidrRule>();
        for (int i = 0; plain is not null && i < plain.Count; i++)
        {
            if (CidrSets.Parse(ctx, plain[i], FieldPath.Index(cidrPath, i), map.Get(p + "CIDR")) is { } prefix)
                rules.Add(new CidrRule(prefix));
        }

        for (int i = 0; sets is not null && i < sets.Count; i++)
        {
            if (DecodeCidrSet(sets[i], FieldPath.Index(setPath, i)) is { } rule)
                rules.Add(rule);
        }

        return rules.ToImmutable();
    }

    private CidrRule? DecodeCidrSet(PNode node, string path)
    {
        PMap? map = ctx.Map(node, path);
        if (map is null)
            return null;
        ctx.CheckFields(map, path, CidrSetFields, new Dictionary<string, string>
        {
            ["cidrGroupRef"] = "CiliumCIDRGroup references are not supported by Tendril yet; write the CIDRs in \"cidr\"",
            ["cidrGroupSelector"] = "CiliumCIDRGroup selectors are not supported by Tendril yet; write the CIDRs in \"cidr\"",
        });
        string cidrPath = FieldPath.Field(path, "cidr");
        string? text = ctx.String(map.Get("cidr"), cidrPath);
        if (text is null)
        {
            if (!map.Has("cidrGroupRef") && !map.Has("cidrGroupSelector"))
                ctx.Error(cidrPath, map, "missing required field \"cidr\"");
            return null;
        }

        return CidrSets.Decode(ctx, text, cidrPath, map, FieldPath.Field(path, "except"));
    }

    private ImmutableArray<Entity>? DecodeEntities(PNode? node, string path)
    {
        List<string>? names = ctx.Strings(node, path);
        if (names is null)
            return null;
        var entities = ImmutableArray.CreateBuilder<Entity>(names.Count);
        for (int i = 0; i < names.Count; i++)
        {
            if (Entities.TryParse(names[i], out Entity entity))
                entities.Add(entity);
            else
                ctx.Error(FieldPath.Index(path, i), node, $"unknown entity \"{names[i]}\": use one of {string.Join(", ", Entities.Names)}");
        }

        return entities.ToImmutable();
    }

    private ImmutableArray<FqdnSelector>? DecodeFqdns(PMap map, string path, bool allowed)
    {
        if (!allowed || !map.Has("toFQDNs"))
            return null;
        string fqdnPath = FieldPath.Field(path, "toFQDNs");
        string[] others = ["toEndpoints", "toCIDR", "toCIDRSet", "toEntities", "toServices", "toGroups", "toNodes"];
        foreach (string other in others.Where(map.Has))
            ctx.Error(fqdnPath, map.Get("toFQDNs"), $"toFQDNs cannot be combined with {other} in the same rule; write them as two egress rules");
        ImmutableArray<FqdnSelector> fqdns = L7Decoder.DecodeList(ctx, map.Get("toFQDNs"), fqdnPath, L7Decoder.DecodeFqdn);
        _notEnforced.Add($"{fqdnPath}: toFQDNs is kept but not enforced yet (no DNS proxy); it selects no peer, so this rule allows nothing");
        return fqdns;
    }

    private DefaultDenyConfig DecodeDefaultDeny(PNode? node, string path)
    {
        PMap? map = ctx.Map(node, path);
        if (map is null)
            return DefaultDenyConfig.Unset;
        ctx.CheckFields(map, path, DefaultDenyFields);
        return new DefaultDenyConfig(
            ctx.Bool(map.Get("ingress"), FieldPath.Field(path, "ingress")),
            ctx.Bool(map.Get("egress"), FieldPath.Field(path, "egress")));
    }

    private string? DecodeLog(PNode? node, string path)
    {
        PMap? map = ctx.Map(node, path);
        if (map is null)
            return null;
        ctx.CheckFields(map, path, LogFields);
        string? value = ctx.String(map.Get("value"), FieldPath.Field(path, "value"));
        if (value is { Length: > 32 } || (value is not null && value.Any(char.IsControl)))
        {
            ctx.Error(FieldPath.Field(path, "value"), map.Get("value"), "log.value must be at most 32 printable characters");
            return null;
        }

        return value;
    }

    private LabelSet DecodeLabels(PNode? node, string path)
    {
        List<PNode>? items = ctx.Seq(node, path);
        var labels = new List<Label>(derivedLabels);
        for (int i = 0; items is not null && i < items.Count; i++)
        {
            string itemPath = FieldPath.Index(path, i);
            if (items[i] is PScalar { IsNull: false } s)
            {
                if (Label.TryParse(s.Value, out Label? label, out string? error, LabelSources.Unspec))
                    labels.Add(label);
                else
                    ctx.Error(itemPath, s, error);
            }
            else if (ctx.Map(items[i], itemPath) is { } map)
            {
                ctx.CheckFields(map, itemPath, LabelFields);
                string? key = ctx.String(map.Get("key"), FieldPath.Field(itemPath, "key"));
                string value = ctx.String(map.Get("value"), FieldPath.Field(itemPath, "value")) ?? "";
                string source = ctx.String(map.Get("source"), FieldPath.Field(itemPath, "source")) is { Length: > 0 } src ? src : LabelSources.Unspec;
                if (string.IsNullOrEmpty(key) || source.Contains(':', StringComparison.Ordinal))
                    ctx.Error(itemPath, map, "a rule label needs a non-empty \"key\" (and a source without ':')");
                else
                    labels.Add(new Label(source, key, value));
            }
        }

        try
        {
            return LabelSet.Of(labels);
        }
        catch (ArgumentException e)
        {
            ctx.Error(path, node, e.Message);
            return LabelSet.Empty;
        }
    }
}

/// <summary>CIDR parsing shared by CNP CIDR sets and NetworkPolicy ipBlocks.</summary>
internal static class CidrSets
{
    public static CidrPrefix? Parse(DecodeContext ctx, string text, string path, PNode? node)
    {
        if (CidrPrefix.TryParse(text, out CidrPrefix prefix, out string? error))
            return prefix;
        ctx.Error(path, node, error);
        return null;
    }

    /// <summary>A CIDR with <c>except</c> prefixes, each required to lie inside it.</summary>
    public static CidrRule? Decode(DecodeContext ctx, string text, string cidrPath, PMap map, string exceptPath)
    {
        int errorsBefore = ctx.ErrorCount;
        CidrPrefix? cidr = Parse(ctx, text, cidrPath, map.Get("cidr"));
        var excepts = new List<CidrPrefix>();
        List<string>? exceptTexts = ctx.Strings(map.Get("except"), exceptPath);
        for (int i = 0; exceptTexts is not null && i < exceptTexts.Count; i++)
        {
            string itemPath = FieldPath.Index(exceptPath, i);
            if (Parse(ctx, exceptTexts[i], itemPath, map.Get("except")) is not { } except)
                continue;
            if (cidr is { } c && !c.Contains(except))
                ctx.Error(itemPath, map.Get("except"), $"except {except} is not inside cidr {c}; an exception must be a sub-range of its CIDR");
            else
                excepts.Add(except);
        }

        return cidr is { } result && ctx.ErrorCount == errorsBefore ? new CidrRule(result, [.. excepts]) : null;
    }
}
