using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Net;
using Tendril.Agent.Endpoints;
using Tendril.Agent.Identities;
using Tendril.Agent.Policy;
using Tendril.Agent.Services;
using Tendril.ControlPlane.Services.Model;
using Tendril.ControlPlane.Identities;
using Tendril.Hubble.Decoding;

namespace Tendril.Agent.Observability;

/// <summary>
/// Tells the flow decoder who is behind an endpoint ID, an address or an identity, from the agent's endpoints and
/// identities. Keeps an immutable snapshot of the endpoints, rebuilt on the reading thread when the endpoint manager's
/// version moves, so lookups take no lock. Thread-safe.
/// </summary>
public sealed class AgentFlowEndpoints(EndpointManager endpoints, LocalIdentityAllocator identities, AgentPolicy policy, ServiceManager services) : IFlowEndpointResolver
{
    private readonly ConcurrentDictionary<uint, FlowEndpointInfo> _identities = new();
    private readonly ConcurrentDictionary<ServiceKey, FlowServiceInfo> _services = new();
    private Snapshot _snapshot = new(-1, FrozenDictionary<ushort, FlowEndpointInfo>.Empty, FrozenDictionary<uint, FlowEndpointInfo>.Empty);

    public FlowEndpointInfo? ResolveEndpoint(ushort endpointId) => Current().ById.GetValueOrDefault(endpointId);

    public FlowEndpointInfo? ResolveAddress(ReadOnlySpan<byte> address) =>
        address.Length == 4 ? Current().ByAddress.GetValueOrDefault(BinaryPrimitives.ReadUInt32BigEndian(address)) : null;

    public FlowEndpointInfo? ResolveIdentity(uint identity)
    {
        if (Tendril.Hubble.Decoding.ReservedIdentities.Describe(identity) is { } reserved)
            return reserved;
        if (_identities.TryGetValue(identity, out var cached))
            return cached;
        if ((identities.Lookup(new NumericIdentity(identity)) ?? policy.LookupIdentity(new NumericIdentity(identity))) is not { } known)
            return null; // not cached: the identity may yet be allocated
        var info = new FlowEndpointInfo(0, identity, "", "", known.Labels.Select(l => l.ToString()).ToList());
        _identities[identity] = info;
        return info;
    }

    public FlowServiceInfo? ResolveService(ushort serviceId) =>
        services.ServiceOf(serviceId) is { } key ? _services.GetOrAdd(key, static k => new FlowServiceInfo(k.Namespace, k.Name)) : null;

    private Snapshot Current()
    {
        var snapshot = Volatile.Read(ref _snapshot);
        long version = endpoints.Version;
        if (snapshot.Version == version)
            return snapshot;
        var list = endpoints.List();
        var infos = list.Select(e => (Endpoint: e, Info: new FlowEndpointInfo(e.Id, e.Identity, e.Namespace, e.Name, e.IdentityLabels))).ToList();
        snapshot = new Snapshot(version,
            infos.ToFrozenDictionary(x => x.Endpoint.Id, x => x.Info),
            infos.ToFrozenDictionary(x => BinaryPrimitives.ReadUInt32BigEndian(IPAddress.Parse(x.Endpoint.Ipv4).GetAddressBytes()), x => x.Info));
        Volatile.Write(ref _snapshot, snapshot);
        return snapshot;
    }

    private sealed record Snapshot(long Version, FrozenDictionary<ushort, FlowEndpointInfo> ById, FrozenDictionary<uint, FlowEndpointInfo> ByAddress);
}
