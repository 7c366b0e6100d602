using System.Net;

namespace Tendril.Policy;

/// <summary>Where a rule came from: the resource kind, namespace and name it was imported as.</summary>
public sealed record PolicyOrigin(string Kind, string? Namespace, string Name)
{
    public override string ToString() => Namespace is null ? $"{Kind}/{Name}" : $"{Kind}/{Namespace}/{Name}";
}

/// <summary>One rule: whom it selects, and its allow and deny sections per direction. Immutable.</summary>
public sealed record PolicyRule(
    PolicyOrigin Origin,
    LabelSelector Subject,
    IReadOnlyList<PeerRule> Ingress,
    IReadOnlyList<PeerRule> IngressDeny,
    IReadOnlyList<PeerRule> Egress,
    IReadOnlyList<PeerRule> EgressDeny,
    bool? DefaultDenyIngress,
    bool? DefaultDenyEgress,
    string? Description)
{
    public bool HasIngress => Ingress.Count > 0 || IngressDeny.Count > 0;

    public bool HasEgress => Egress.Count > 0 || EgressDeny.Count > 0;

    /// <summary>L7 sections found in the rule; kept, reported, not enforced yet.</summary>
    public IReadOnlyList<string> UnenforcedL7 { get; init; } = [];
}

/// <summary>
/// One ingress or egress entry: the peers (ORed) and the ports (ANDed with the peers). No peer fields at all means
/// any peer (an L4-only rule); <see cref="AllPeers"/> is set for fromEntities: all, or an empty selector in a CCNP.
/// </summary>
public sealed record PeerRule(
    IReadOnlyList<LabelSelector> Endpoints,
    IReadOnlyList<string> Entities,
    IReadOnlyList<CidrRule> Cidrs,
    IReadOnlyList<PortRule> Ports,
    bool AnyPeer)
{
    public bool HasPeerFields => Endpoints.Count > 0 || Entities.Count > 0 || Cidrs.Count > 0;
}

/// <summary>A CIDR with the prefixes carved out of it.</summary>
public sealed record CidrRule(IPNetwork Cidr, IReadOnlyList<IPNetwork> Except);

/// <summary>A destination port or range and protocol (0 = any of TCP/UDP/SCTP); ICMP types use Protocol 1 and Port = type.</summary>
public sealed record PortRule(byte Protocol, ushort Port, ushort EndPort, bool IcmpType = false)
{
    public const byte Tcp = 6, Udp = 17, Sctp = 132, Icmp = 1;
}

/// <summary>A policy map entry key as the datapath matches it (see bpf/shared/policy.h).</summary>
public readonly record struct MapStateKey(uint Identity, bool Egress, byte Protocol, ushort Port, byte PortPrefix)
{
    public int L4Prefix => Protocol == 0 ? 0 : 8 + PortPrefix;

    public override string ToString() =>
        $"{(Egress ? "Egress" : "Ingress")}: {(Identity == 0 ? "ANY" : Identity.ToString(System.Globalization.CultureInfo.InvariantCulture))} " +
        (Protocol == 0 ? "ANY" : PortPrefix == 0 ? $"ANY/{Protocol}" : PortPrefix == 16 ? $"{Port}/{Protocol}" : $"{Port}/{PortPrefix}/{Protocol}");
}

/// <summary>An endpoint's computed policy: map entries (true = deny) and which directions are enforced.</summary>
public sealed record MapState(IReadOnlyDictionary<MapStateKey, bool> Entries, bool IngressEnforced, bool EgressEnforced);
