using Tendril.Api;
using Tendril.Datapath.Maps;

namespace Tendril.Agent.Endpoints;

/// <summary>Turns an endpoint's identity labels into its numeric security identity (same labels, same number).</summary>
public interface IIdentitySource
{
    uint Acquire(IReadOnlyList<string> identityLabels);

    void Release(uint identity);
}

/// <summary>Computes the policy map content of an endpoint from the current rules and identities.</summary>
public interface IEndpointPolicySource
{
    EndpointPolicy Compute(EndpointModel endpoint);
}

/// <summary>An endpoint's policy map entries and whether each direction is enforced (default deny).</summary>
public sealed record EndpointPolicy(IReadOnlyDictionary<PolicyMapKey, PolicyMapEntry> Entries, bool IngressEnforced, bool EgressEnforced);
