using System.Collections.Immutable;
using Tendril.ControlPlane.Labels;
using Tendril.ControlPlane.Selectors;

namespace Tendril.ControlPlane.Policy.Model;

/// <summary><c>enableDefaultDeny</c>: null = not set (default deny applies to a direction the rule has rules for).</summary>
public sealed record DefaultDenyConfig(bool? Ingress = null, bool? Egress = null)
{
    /// <summary>Neither direction set.</summary>
    public static DefaultDenyConfig Unset { get; } = new();

    /// <summary>The setting for <paramref name="direction"/>.</summary>
    public bool? For(TrafficDirection direction) => direction == TrafficDirection.Ingress ? Ingress : Egress;
}

/// <summary>
/// One policy rule (Cilium's <c>api.Rule</c>) after parsing and namespace normalization: the endpoints it applies to
/// and its allow and deny rules per direction. Immutable.
/// </summary>
public sealed record Rule
{
    /// <summary>The policy this rule belongs to.</summary>
    public required RuleOrigin Origin { get; init; }

    /// <summary>The endpoints the rule applies to (already constrained to the policy's namespace for CNP/NP).</summary>
    public required LabelSelector EndpointSelector { get; init; }

    /// <summary>Allowed incoming traffic.</summary>
    public ImmutableArray<PeerRule> Ingress { get; init; } = [];

    /// <summary>Denied incoming traffic (wins over any allow).</summary>
    public ImmutableArray<PeerRule> IngressDeny { get; init; } = [];

    /// <summary>Allowed outgoing traffic.</summary>
    public ImmutableArray<PeerRule> Egress { get; init; } = [];

    /// <summary>Denied outgoing traffic (wins over any allow).</summary>
    public ImmutableArray<PeerRule> EgressDeny { get; init; } = [];

    /// <summary><c>enableDefaultDeny</c>.</summary>
    public DefaultDenyConfig EnableDefaultDeny { get; init; } = DefaultDenyConfig.Unset;

    /// <summary>Rule labels: the document's <c>labels</c> plus <c>k8s:io.cilium.k8s.policy.*</c> derived labels.</summary>
    public LabelSet Labels { get; init; } = LabelSet.Empty;

    /// <summary><c>description</c>.</summary>
    public string? Description { get; init; }

    /// <summary><c>log.value</c> (kept for flow reports).</summary>
    public string? Log { get; init; }

    /// <summary>
    /// Parts of the rule that are kept but not yet enforced (L7 rules, toFQDNs, serverNames), each as
    /// "field path: what happens instead". Shown by the CLI; never silently dropped.
    /// </summary>
    public ImmutableArray<string> NotEnforced { get; init; } = [];

    /// <summary>The allow rules of one direction.</summary>
    public ImmutableArray<PeerRule> Allows(TrafficDirection direction) =>
        direction == TrafficDirection.Ingress ? Ingress : Egress;

    /// <summary>The deny rules of one direction.</summary>
    public ImmutableArray<PeerRule> Denies(TrafficDirection direction) =>
        direction == TrafficDirection.Ingress ? IngressDeny : EgressDeny;

    /// <summary>True when the rule has allow or deny rules for <paramref name="direction"/>.</summary>
    public bool HasRulesFor(TrafficDirection direction) =>
        !Allows(direction).IsEmpty || !Denies(direction).IsEmpty;

    /// <summary>True when the rule puts a selected endpoint into default deny for <paramref name="direction"/>.</summary>
    public bool EnablesDefaultDeny(TrafficDirection direction) =>
        HasRulesFor(direction) && (EnableDefaultDeny.For(direction) ?? true);

    /// <summary>Every peer rule of the rule, with its direction and whether it denies.</summary>
    public IEnumerable<(TrafficDirection Direction, bool Deny, PeerRule Peer)> PeerRules()
    {
        foreach (PeerRule p in Ingress)
            yield return (TrafficDirection.Ingress, false, p);
        foreach (PeerRule p in IngressDeny)
            yield return (TrafficDirection.Ingress, true, p);
        foreach (PeerRule p in Egress)
            yield return (TrafficDirection.Egress, false, p);
        foreach (PeerRule p in EgressDeny)
            yield return (TrafficDirection.Egress, true, p);
    }
}
