using System.Collections.Immutable;
using System.Globalization;
using Tendril.ControlPlane.Policy.Model;

namespace Tendril.ControlPlane.Policy.Parsing;

/// <summary>Decodes <c>toPorts</c> (ports, L7 rules, serverNames) and <c>icmps</c>.</summary>
internal static class PortDecoder
{
    public const int MaxPortsPerRule = 40;

    private static readonly string[] PortRuleFields = ["ports", "rules", "serverNames"];
    private static readonly string[] PortDenyRuleFields = ["ports"];
    private static readonly string[] PortFields = ["port", "endPort", "protocol"];
    private static readonly string[] IcmpRuleFields = ["fields"];
    private static readonly string[] IcmpFieldFields = ["family", "type"];

    private static readonly Dictionary<string, string> UnsupportedPortRuleFields = new()
    {
        ["terminatingTLS"] = "TLS interception (terminatingTLS) is not supported by Tendril yet; remove it",
        ["originatingTLS"] = "TLS interception (originatingTLS) is not supported by Tendril yet; remove it",
        ["listener"] = "custom Envoy listeners are not supported by Tendril yet; remove \"listener\"",
    };

    private static readonly Dictionary<string, string> DenyOnlyPorts = new()
    {
        ["rules"] = "L7 rules are not allowed in deny rules (ingressDeny/egressDeny take ports only)",
        ["serverNames"] = "serverNames is not allowed in deny rules (ingressDeny/egressDeny take ports only)",
    };

    /// <summary>Decodes a <c>toPorts</c> list; notes on kept-but-not-enforced parts go to <paramref name="notEnforced"/>.</summary>
    public static ImmutableArray<PortRule> DecodePortRules(DecodeContext ctx, PNode? node, string path, bool deny, List<string> notEnforced)
    {
        List<PNode>? items = ctx.Seq(node, path);
        if (items is null)
            return [];
        var rules = ImmutableArray.CreateBuilder<PortRule>(items.Count);
        for (int i = 0; i < items.Count; i++)
        {
            string itemPath = FieldPath.Index(path, i);
            PMap? map = ctx.Map(items[i], itemPath);
            if (map is null)
            {
                if (items[i] is PScalar { IsNull: true })
                    ctx.Error(itemPath, items[i], "a port rule must be an object {ports: [...]}");
                continue;
            }

            ctx.CheckFields(map, itemPath, deny ? PortDenyRuleFields : PortRuleFields, deny ? DenyOnlyPorts : UnsupportedPortRuleFields);
            ImmutableArray<PortProtocol> ports = DecodePorts(ctx, map.Get("ports"), FieldPath.Field(itemPath, "ports"), map, cilium: true);
            var rule = new PortRule(ports);
            if (!deny)
            {
                if (L7Decoder.Decode(ctx, map.Get("rules"), FieldPath.Field(itemPath, "rules")) is { } l7)
                {
                    rule = rule with { Rules = l7 };
                    notEnforced.Add($"{FieldPath.Field(FieldPath.Field(itemPath, "rules"), l7.Kind)}: {l7.Kind.ToUpperInvariant()} rules are kept but not enforced yet (no L7 proxy); the ports are allowed at L4");
                }

                string serverNamesPath = FieldPath.Field(itemPath, "serverNames");
                if (ctx.Strings(map.Get("serverNames"), serverNamesPath) is { Count: > 0 } names)
                {
                    rule = rule with { ServerNames = [.. names] };
                    notEnforced.Add($"{serverNamesPath}: TLS server names are kept but not enforced yet; the ports are allowed for every server name");
                }
            }

            rules.Add(rule);
        }

        return rules.ToImmutable();
    }

    /// <summary>
    /// Decodes a <c>ports</c> list. <paramref name="cilium"/> selects CNP rules (protocol default ANY, case-insensitive,
    /// list required) over NetworkPolicy rules (default TCP, exact TCP/UDP/SCTP).
    /// </summary>
    public static ImmutableArray<PortProtocol> DecodePorts(DecodeContext ctx, PNode? node, string path, PNode parent, bool cilium)
    {
        int errorsBefore = ctx.ErrorCount;
        List<PNode>? items = ctx.Seq(node, path);
        if (items is null || items.Count == 0)
        {
            if (cilium && ctx.ErrorCount == errorsBefore)
                ctx.Error(path, node ?? parent, "a port rule needs a non-empty \"ports\" list, e.g. ports: [{port: \"80\", protocol: TCP}]");
            return [];
        }

        if (cilium && items.Count > MaxPortsPerRule)
            ctx.Error(path, node, $"{items.Count} ports in one port rule; at most {MaxPortsPerRule} are allowed — split it into several port rules");

        var ports = ImmutableArray.CreateBuilder<PortProtocol>(items.Count);
        for (int i = 0; i < items.Count; i++)
        {
            if (DecodePort(ctx, items[i], FieldPath.Index(path, i), cilium) is { } port)
                ports.Add(port);
        }

        return ports.ToImmutable();
    }

    private static PortProtocol? DecodePort(DecodeContext ctx, PNode node, string path, bool cilium)
    {
        PMap? map = ctx.Map(node, path);
        if (map is null)
        {
            if (node is PScalar { IsNull: true })
                ctx.Error(path, node, "a port must be an object {port, protocol}");
            return null;
        }

        int errorsBefore = ctx.ErrorCount;
        ctx.CheckFields(map, path, PortFields);

        string protoPath = FieldPath.Field(path, "protocol");
        string? protoText = ctx.String(map.Get("protocol"), protoPath);
        L4Protocol protocol = cilium ? L4Protocol.Any : L4Protocol.TCP;
        if (protoText is not null && protoText.Length > 0)
        {
            string normalized = cilium ? protoText.ToUpperInvariant() : protoText;
            switch (normalized)
            {
                case "TCP": protocol = L4Protocol.TCP; break;
                case "UDP": protocol = L4Protocol.UDP; break;
                case "SCTP": protocol = L4Protocol.SCTP; break;
                case "ANY" when cilium: protocol = L4Protocol.Any; break;
                case "VRRP" or "IGMP" when cilium:
                    ctx.Error(protoPath, map.Get("protocol"), $"protocol {normalized} is not supported by Tendril yet; use TCP, UDP, SCTP or ANY");
                    break;
                case "ICMP" or "ICMPV6" when cilium:
                    ctx.Error(protoPath, map.Get("protocol"), "ICMP is not a toPorts protocol; use an \"icmps\" rule with fields [{family, type}]");
                    break;
                default:
                    ctx.Error(protoPath, map.Get("protocol"), cilium
                        ? $"unknown protocol \"{protoText}\": use TCP, UDP, SCTP or ANY"
                        : $"unknown protocol \"{protoText}\": use TCP, UDP or SCTP (case-sensitive)");
                    break;
            }
        }

        string portPath = FieldPath.Field(path, "port");
        string? portText = ctx.String(map.Get("port"), portPath);
        ushort port = 0;
        string? name = null;
        if (portText is not null && portText.Length > 0)
        {
            if (portText.All(char.IsAsciiDigit))
            {
                if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out int number) || number > 65535)
                    ctx.Error(portPath, map.Get("port"), $"port {portText} is out of range 0-65535");
                else
                    port = (ushort)number;
            }
            else if (IsValidPortName(portText))
            {
                name = portText;
            }
            else
            {
                ctx.Error(portPath, map.Get("port"), $"port \"{portText}\" is neither a number from 0 to 65535 nor a valid port name (at most 15 lowercase letters, digits and '-', with at least one letter)");
            }
        }

        string endPath = FieldPath.Field(path, "endPort");
        long? endPort = ctx.Integer(map.Get("endPort"), endPath);
        ushort end = 0;
        if (endPort is { } e)
        {
            if (e is < 0 or > 65535)
                ctx.Error(endPath, map.Get("endPort"), $"endPort {e} is out of range 1-65535");
            else if (name is not null)
                ctx.Error(endPath, map.Get("endPort"), $"endPort cannot be used with the named port \"{name}\"; give a numeric port");
            else if (port == 0 && e != 0)
                ctx.Error(endPath, map.Get("endPort"), "endPort needs a numeric, non-zero port to start the range");
            else if (e != 0 && e < port)
                ctx.Error(endPath, map.Get("endPort"), $"endPort {e} is below port {port}; endPort must be greater than or equal to port");
            else
                end = e == port ? (ushort)0 : (ushort)e;
        }

        return ctx.ErrorCount == errorsBefore ? new PortProtocol(protocol, port, end, name) : null;
    }

    /// <summary>IANA_SVC_NAME, as Kubernetes validates container port names.</summary>
    public static bool IsValidPortName(string name) =>
        name.Length is >= 1 and <= 15
        && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
        && name.Any(char.IsAsciiLetterLower)
        && !name.StartsWith('-') && !name.EndsWith('-') && !name.Contains("--", StringComparison.Ordinal);

    /// <summary>Decodes an <c>icmps</c> list into flat fields.</summary>
    public static ImmutableArray<IcmpField> DecodeIcmps(DecodeContext ctx, PNode? node, string path)
    {
        List<PNode>? items = ctx.Seq(node, path);
        if (items is null)
            return [];
        var fields = ImmutableArray.CreateBuilder<IcmpField>();
        for (int i = 0; i < items.Count; i++)
        {
            string itemPath = FieldPath.Index(path, i);
            PMap? map = ctx.Map(items[i], itemPath);
            if (map is null)
                continue;
            ctx.CheckFields(map, itemPath, IcmpRuleFields);
            string fieldsPath = FieldPath.Field(itemPath, "fields");
            List<PNode>? list = ctx.Seq(map.Get("fields"), fieldsPath);
            if (list is null || list.Count == 0)
            {
                ctx.Error(fieldsPath, map, "an ICMP rule needs a non-empty \"fields\" list, e.g. fields: [{family: IPv4, type: EchoRequest}]");
                continue;
            }

            if (list.Count > MaxPortsPerRule)
                ctx.Error(fieldsPath, map.Get("fields"), $"{list.Count} ICMP fields in one rule; at most {MaxPortsPerRule} are allowed");
            for (int j = 0; j < list.Count; j++)
            {
                if (DecodeIcmpField(ctx, list[j], FieldPath.Index(fieldsPath, j)) is { } field)
                    fields.Add(field);
            }
        }

        return fields.ToImmutable();
    }

    private static IcmpField? DecodeIcmpField(DecodeContext ctx, PNode node, string path)
    {
        PMap? map = ctx.Map(node, path);
        if (map is null)
            return null;
        ctx.CheckFields(map, path, IcmpFieldFields);
        string familyPath = FieldPath.Field(path, "family");
        string? familyText = ctx.String(map.Get("family"), familyPath);
        IcmpFamily family = IcmpFamily.IPv4;
        if (familyText is "IPv6")
        {
            family = IcmpFamily.IPv6;
        }
        else if (familyText is not (null or "" or "IPv4"))
        {
            ctx.Error(familyPath, map.Get("family"), $"ICMP family \"{familyText}\" is not valid: use IPv4 or IPv6");
            return null;
        }

        string typePath = FieldPath.Field(path, "type");
        string? typeText = ctx.String(map.Get("type"), typePath);
        if (typeText is null)
        {
            ctx.Error(typePath, map, "missing required field \"type\" (a number from 0 to 255 or a name such as EchoRequest)");
            return null;
        }

        if (typeText.All(char.IsAsciiDigit) && typeText.Length > 0)
        {
            if (int.TryParse(typeText, NumberStyles.None, CultureInfo.InvariantCulture, out int number) && number <= 255)
                return new IcmpField(family, (byte)number);
            ctx.Error(typePath, map.Get("type"), $"ICMP type {typeText} is out of range 0-255");
            return null;
        }

        if (IcmpTypes.TryResolve(family, typeText, out byte type))
            return new IcmpField(family, type);
        ctx.Error(typePath, map.Get("type"),
            $"unknown {family} ICMP type \"{typeText}\": use a number from 0 to 255 or one of {string.Join(", ", IcmpTypes.Names(family))}");
        return null;
    }
}
