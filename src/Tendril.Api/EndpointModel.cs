using System.Text.Json.Serialization;

namespace Tendril.Api;

/// <summary>What the API and the state file say about an endpoint. Immutable.</summary>
public sealed record EndpointModel
{
    public required ushort Id { get; init; }

    /// <summary>Pod name.</summary>
    public required string Name { get; init; }

    /// <summary>Namespace (the policy scope), "default" when not given.</summary>
    public required string Namespace { get; init; }

    /// <summary>The pod's own labels, as given ("app=web").</summary>
    public required IReadOnlyDictionary<string, string> Labels { get; init; }

    /// <summary>Sorted source:key=value labels that decide the identity (namespace labels included).</summary>
    public required IReadOnlyList<string> IdentityLabels { get; init; }

    public required string Ipv4 { get; init; }

    public required uint Identity { get; init; }

    public required string NetnsPath { get; init; }

    public required string HostDevice { get; init; }

    public required int HostIfindex { get; init; }

    public required string Mac { get; init; }

    public required string HostMac { get; init; }

    [JsonConverter(typeof(JsonStringEnumConverter<EndpointState>))]
    public EndpointState State { get; init; } = EndpointState.Ready;

    public bool IngressEnforced { get; init; }

    public bool EgressEnforced { get; init; }

    /// <summary>
    /// The policy revision the endpoint's policy was last resolved at. A change that does not affect the endpoint
    /// (its rules and what their selectors select stay the same) leaves it, and its policy map, alone.
    /// </summary>
    public long PolicyRevision { get; init; }
}

/// <summary>Cilium's endpoint states that apply here.</summary>
public enum EndpointState
{
    WaitingForIdentity,
    Regenerating,
    Ready,
    Restoring,
    Disconnecting,
}

/// <summary>A request to create an endpoint (REST body and CNI plugin alike).</summary>
public sealed record EndpointCreateRequest
{
    /// <summary>The pod's network namespace file, e.g. /var/run/netns/web-1.</summary>
    public string? Netns { get; init; }

    public string? Name { get; init; }

    public string? Namespace { get; init; }

    public Dictionary<string, string>? Labels { get; init; }

    /// <summary>Device name inside the pod; eth0 by default.</summary>
    public string? Interface { get; init; }
}
