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

    /// <summary>Device name inside the pod.</summary>
    public string Interface { get; init; } = "eth0";

    /// <summary>The pod's default gateway (the node's router address).</summary>
    public string? Gateway { get; init; }

    /// <summary>MTU of both ends of the veth.</summary>
    public int Mtu { get; init; }

    /// <summary>The container runtime's ID of the container, for endpoints made through CNI; null otherwise.</summary>
    public string? ContainerId { get; init; }

    /// <summary>The CNI network (conflist name) the endpoint was added through; null when not made through CNI.</summary>
    public string? Network { get; init; }
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

    /// <summary>
    /// The container runtime's container ID (CNI_CONTAINERID). With it, (container ID, interface) names the attachment:
    /// creating it again for the same netns returns the endpoint that exists.
    /// </summary>
    public string? ContainerId { get; init; }

    /// <summary>The CNI network name, which scopes garbage collection.</summary>
    public string? Network { get; init; }
}

/// <summary>A CNI attachment: a container's interface.</summary>
public sealed record EndpointAttachment(string ContainerId, string Interface);

/// <summary>
/// CNI GC: every endpoint of <see cref="Network"/> made through CNI whose attachment is not in <see cref="Valid"/> is
/// deleted.
/// </summary>
public sealed record EndpointGcRequest
{
    public required string Network { get; init; }

    public required List<EndpointAttachment> Valid { get; init; }
}

/// <summary>What GC deleted.</summary>
public sealed record EndpointGcResponse(List<ushort> Deleted);

/// <summary>What deleting an attachment deleted: 0 when nothing had it (deleting is idempotent).</summary>
public sealed record EndpointDeleteResponse(int Deleted);

/// <summary>The agent's check of an endpoint's devices and datapath state: empty when all is as created.</summary>
public sealed record EndpointCheckResponse(List<string> Problems);
