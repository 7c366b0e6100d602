namespace Tendril.Hubble.Decoding;

/// <summary>
/// What the decoder needs to know about a flow's peer: the local endpoint, the pod behind an address, or the labels
/// of a security identity. The agent implements it over its endpoint manager, ipcache and identity allocator.
/// </summary>
/// <remarks>
/// Called on the event-reading thread once or twice per event, so implementations must be fast, must not block,
/// and should return cached <see cref="FlowEndpointInfo"/> instances rather than building new ones. They may be
/// called concurrently with updates from the control plane and must be safe for that.
/// </remarks>
public interface IFlowEndpointResolver
{
    /// <summary>The local endpoint with this ID, or null.</summary>
    FlowEndpointInfo? ResolveEndpoint(ushort endpointId);

    /// <summary>The endpoint owning this address (4 bytes for IPv4, 16 for IPv6, network order), or null.</summary>
    FlowEndpointInfo? ResolveAddress(ReadOnlySpan<byte> address);

    /// <summary>A description of a security identity (labels only; no pod), or null when unknown.</summary>
    FlowEndpointInfo? ResolveIdentity(uint identity);

    /// <summary>The name of the network interface with this index, or null.</summary>
    string? InterfaceName(uint ifindex) => null;

    /// <summary>The service a load-balanced packet was translated for (its rev-NAT index, the service ID), or null.</summary>
    FlowServiceInfo? ResolveService(ushort serviceId) => null;
}

/// <summary>A service as flows name it. Instances are shared between flows.</summary>
public sealed record FlowServiceInfo(string Namespace, string Name);

/// <summary>
/// An immutable description of one side of a flow. <see cref="Labels"/> are "source:key=value" strings such as
/// "k8s:app=web" or "reserved:world". Instances are shared between flows; do not mutate the list.
/// </summary>
public sealed record FlowEndpointInfo(
    uint EndpointId,
    uint Identity,
    string Namespace,
    string PodName,
    IReadOnlyList<string> Labels)
{
    /// <summary>Cluster name; empty means the local cluster.</summary>
    public string ClusterName { get; init; } = "";
}

/// <summary>A resolver that knows nothing beyond the reserved identities. Thread-safe.</summary>
public sealed class ReservedOnlyEndpointResolver : IFlowEndpointResolver
{
    /// <summary>The shared instance.</summary>
    public static readonly ReservedOnlyEndpointResolver Instance = new();

    public FlowEndpointInfo? ResolveEndpoint(ushort endpointId) => null;

    public FlowEndpointInfo? ResolveAddress(ReadOnlySpan<byte> address) => null;

    public FlowEndpointInfo? ResolveIdentity(uint identity) => ReservedIdentities.Describe(identity);
}
