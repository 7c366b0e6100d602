using System.Collections.Immutable;
using Tendril.ControlPlane.Identities;
using Tendril.ControlPlane.Labels;
using Tendril.ControlPlane.Policy.Model;
using Tendril.ControlPlane.PolicyMap;

namespace Tendril.ControlPlane.Policy;

/// <summary>Policy enforcement mode (agent option <c>--enable-policy</c>), §4.9.</summary>
public enum EnforcementMode
{
    /// <summary>A direction is default-deny once a rule selecting the endpoint has rules for it.</summary>
    Default,

    /// <summary>Both directions are default-deny for every endpoint, with or without rules.</summary>
    Always,

    /// <summary>Nothing is enforced: everything is allowed, deny rules included.</summary>
    Never,
}

/// <summary>What the resolver needs to know about an endpoint. Immutable.</summary>
/// <param name="Id">The endpoint ID (node-local).</param>
/// <param name="Identity">Its security identity.</param>
/// <param name="Labels">Its identity labels (what endpoint selectors match).</param>
public sealed record EndpointInfo(int Id, NumericIdentity Identity, LabelSet Labels)
{
    /// <summary>The endpoint's named container ports (resolve named ports of ingress rules).</summary>
    public ImmutableArray<NamedPort> NamedPorts { get; init; } = [];
}

/// <summary>The resolver's result for one endpoint. Immutable.</summary>
/// <param name="EndpointId">The endpoint.</param>
/// <param name="Revision">The repository revision it was computed from.</param>
/// <param name="MapState">The policy map content and per-direction enforcement.</param>
/// <param name="SelectedBy">The policies with a rule selecting the endpoint.</param>
/// <param name="NotEnforced">What those rules keep but do not enforce (prefixed with the policy).</param>
public sealed record EndpointPolicy(
    int EndpointId,
    long Revision,
    MapState MapState,
    ImmutableArray<RuleOrigin> SelectedBy,
    ImmutableArray<string> NotEnforced);

/// <summary>Resolver options. Immutable; a change of mode means resolving every endpoint again.</summary>
public sealed record PolicyResolverOptions
{
    public EnforcementMode Mode { get; init; } = EnforcementMode.Default;

    /// <summary>
    /// Named ports of all endpoints in the cluster, by name: resolve named ports of egress rules (the port is the
    /// destination's). Null: egress named ports resolve to nothing.
    /// </summary>
    public IReadOnlyDictionary<string, ImmutableArray<NamedPort>>? ClusterNamedPorts { get; init; }
}
