using System.Collections.Immutable;
using Tendril.ControlPlane.Identities;
using Tendril.ControlPlane.Labels;
using Tendril.ControlPlane.Net;
using Tendril.ControlPlane.Selectors;

namespace Tendril.ControlPlane.Policy.Model;

/// <summary>
/// One ingress/egress (allow or deny) rule: peers and L4. Peer fields are ORed, then ANDed with
/// <see cref="Ports"/>/<see cref="Icmps"/>. A peer field that is null was absent; an empty one selects nothing. With no
/// peer field at all, L4 applies to every peer (identity 0); with neither peers nor L4 the rule selects nothing
/// (but still switches its direction into default deny). Immutable.
/// </summary>
public sealed record PeerRule
{
    /// <summary>An empty rule: selects nothing.</summary>
    public static PeerRule Empty { get; } = new();

    /// <summary><c>fromEndpoints</c>/<c>toEndpoints</c> (namespace already applied).</summary>
    public ImmutableArray<LabelSelector>? Endpoints { get; init; }

    /// <summary><c>fromCIDR</c>/<c>toCIDR</c> and <c>fromCIDRSet</c>/<c>toCIDRSet</c> together.</summary>
    public ImmutableArray<CidrRule>? Cidrs { get; init; }

    /// <summary><c>fromEntities</c>/<c>toEntities</c>.</summary>
    public ImmutableArray<Entity>? Entities { get; init; }

    /// <summary><c>toFQDNs</c>: kept, not enforced yet (selects no peer until a DNS proxy exists).</summary>
    public ImmutableArray<FqdnSelector>? Fqdns { get; init; }

    /// <summary><c>toPorts</c>.</summary>
    public ImmutableArray<PortRule> Ports { get; init; } = [];

    /// <summary><c>icmps[].fields</c>, flattened.</summary>
    public ImmutableArray<IcmpField> Icmps { get; init; } = [];

    /// <summary>True when some peer field is present.</summary>
    public bool HasPeers => Endpoints.HasValue || Cidrs.HasValue || Entities.HasValue || Fqdns.HasValue;

    /// <summary>True when the rule restricts L4 (ports or ICMP).</summary>
    public bool HasL4 => !Ports.IsEmpty || !Icmps.IsEmpty;

    /// <summary>
    /// True when the rule applies to every peer (identity 0): no peer field but L4, the <c>all</c> entity, or an empty
    /// endpoint selector.
    /// </summary>
    public bool SelectsAllPeers =>
        (!HasPeers && HasL4)
        || (Entities?.Contains(Entity.All) ?? false)
        || (Endpoints?.Any(s => s.IsWildcard) ?? false);

    /// <summary>The identity selectors the peer fields stand for (wildcards included).</summary>
    public IEnumerable<IIdentitySelector> Selectors(string clusterName = WellKnownLabels.DefaultClusterName)
    {
        foreach (LabelSelector s in Endpoints ?? [])
            yield return s;
        foreach (CidrRule c in Cidrs ?? [])
            yield return c.ToSelector();
        foreach (Entity e in Entities ?? [])
        {
            foreach (LabelSelector s in Identities.Entities.SelectorsFor(e, clusterName))
                yield return s;
        }
    }

    /// <summary>Every prefix the rule mentions (CIDRs and their exceptions): each needs a CIDR identity.</summary>
    public IEnumerable<CidrPrefix> CidrPrefixes() =>
        (Cidrs ?? []).SelectMany(c => c.Except.Prepend(c.Cidr));
}

/// <summary>A CIDR peer with carved-out exceptions (<c>fromCIDRSet</c>; <c>fromCIDR</c> has none).</summary>
public sealed record CidrRule(CidrPrefix Cidr, ImmutableArray<CidrPrefix> Except)
{
    /// <summary>A CIDR without exceptions.</summary>
    public CidrRule(CidrPrefix cidr)
        : this(cidr, [])
    {
    }

    /// <summary>The selector of the CIDR identities this rule selects.</summary>
    public CidrSelector ToSelector() => new(Cidr, Except);
}

/// <summary>A <c>toFQDNs</c> / DNS rule entry: <c>matchName</c> or <c>matchPattern</c>.</summary>
public sealed record FqdnSelector(string? MatchName, string? MatchPattern);
