using Tendril.Api;
using System.Net;
using System.Net.NetworkInformation;
using System.Text.Json;
using Tendril.Agent.Ipam;
using Tendril.Agent.State;
using Tendril.Datapath.Devices;
using Tendril.Datapath.Loader;
using Tendril.Datapath.Maps;
using Tendril.Interop.Namespaces;
using Tendril.Netlink;

namespace Tendril.Agent.Endpoints;

/// <summary>
/// Creates, deletes, restores and regenerates endpoints: address (IPAM), devices (netlink), identity, datapath maps
/// and links, and the saved state. Thread-safe: one lock serialises changes.
/// </summary>
public sealed class EndpointManager : IDisposable
{
    private readonly object _gate = new();
    private readonly AgentOptions _options;
    private readonly NodeDatapath _datapath;
    private readonly IRtNetlink _node;
    private readonly NetNsThread _nodeThread;
    private readonly IIdentitySource _identities;
    private readonly IEndpointPolicySource _policy;
    private readonly HostScopeIpam _ipam;
    private readonly StateFile<List<EndpointModel>> _state;
    private readonly Dictionary<ushort, EndpointModel> _endpoints = new();
    private readonly Dictionary<ushort, EndpointPolicyMap> _policyMaps = new();

    public EndpointManager(AgentOptions options, NodeDatapath datapath, IRtNetlink node, NetNsThread nodeThread,
        IIdentitySource identities, IEndpointPolicySource policy, JsonSerializerOptions json)
    {
        _options = options;
        _datapath = datapath;
        _node = node;
        _nodeThread = nodeThread;
        _identities = identities;
        _policy = policy;
        _ipam = new HostScopeIpam(options.PodCidr);
        _state = new StateFile<List<EndpointModel>>(Path.Combine(options.ResolvedStateDirectory, "endpoints.json"), json);
    }

    public IReadOnlyList<EndpointModel> List()
    {
        lock (_gate)
            return _endpoints.Values.OrderBy(e => e.Id).ToList();
    }

    public EndpointModel? Get(ushort id)
    {
        lock (_gate)
            return _endpoints.GetValueOrDefault(id);
    }

    /// <summary>
    /// Brings back the endpoints of the saved state: their addresses, identities and policy maps are re-established
    /// and reconciled; pinned maps and links kept forwarding meanwhile and are not flushed.
    /// </summary>
    public int Restore()
    {
        lock (_gate)
        {
            foreach (var saved in _state.Load() ?? [])
            {
                if (_node.Links.Find(saved.HostDevice) is null)
                    continue; // the pod went away while the agent was down
                _ipam.Reserve(IPAddress.Parse(saved.Ipv4));
                uint identity = _identities.Acquire(saved.IdentityLabels);
                var endpoint = saved with { Identity = identity, State = EndpointState.Ready };
                _datapath.Endpoints.Upsert(RecordOf(endpoint));
                _policyMaps[endpoint.Id] = _datapath.Policies.Open(endpoint.Id);
                _datapath.AttachEndpoint(endpoint.Id, endpoint.HostIfindex, _nodeThread);
                _endpoints[endpoint.Id] = endpoint;
            }
            foreach (var id in _endpoints.Keys.ToList())
                RegenerateLocked(id);
            Save();
            return _endpoints.Count;
        }
    }

    public EndpointModel Create(EndpointCreateRequest request, IReadOnlyList<string> identityLabels)
    {
        string netns = request.Netns ?? throw new ArgumentException("netns is required: the pod's network namespace file");
        if (!File.Exists(netns))
            throw new ArgumentException($"netns {netns} does not exist");
        lock (_gate)
        {
            if (_endpoints.Values.Any(e => e.NetnsPath == netns))
                throw new InvalidOperationException($"netns {netns} already has an endpoint");
            ushort id = NextId();
            var address = _ipam.Allocate();
            string device = $"{_options.DevicePrefix}{id:x8}"[..Math.Min(15, _options.DevicePrefix.Length + 8)];
            uint identity = _identities.Acquire(identityLabels);
            EndpointNetwork? network = null;
            try
            {
                network = EndpointDevices.Create(_node, _nodeThread, new EndpointNetworkSpec(device, netns, address, _options.Gateway, _options.Mtu, request.Interface ?? "eth0"));
                var endpoint = new EndpointModel
                {
                    Id = id,
                    Name = request.Name ?? $"endpoint-{id}",
                    Namespace = request.Namespace ?? "default",
                    Labels = request.Labels ?? new Dictionary<string, string>(),
                    IdentityLabels = identityLabels,
                    Ipv4 = address.ToString(),
                    Identity = identity,
                    NetnsPath = netns,
                    HostDevice = device,
                    HostIfindex = network.HostIfindex,
                    Mac = network.PodMac.ToString(),
                    HostMac = network.HostMac.ToString(),
                    State = EndpointState.Regenerating,
                };
                _datapath.Endpoints.Upsert(RecordOf(endpoint));
                _policyMaps[id] = _datapath.Policies.Open(id);
                _endpoints[id] = endpoint;
                // A new identity may be selected by other endpoints' rules: everyone is recomputed (only changes are written).
                foreach (var other in _endpoints.Keys.ToList())
                    RegenerateLocked(other);
                _datapath.AttachEndpoint(id, network.HostIfindex, _nodeThread);
                Save();
                return _endpoints[id];
            }
            catch
            {
                RemoveLocked(id, device, address, identity, network is not null);
                throw;
            }
        }
    }

    public bool Delete(ushort id)
    {
        lock (_gate)
        {
            if (!_endpoints.TryGetValue(id, out var endpoint))
                return false;
            RemoveLocked(id, endpoint.HostDevice, IPAddress.Parse(endpoint.Ipv4), endpoint.Identity, devicesCreated: true);
            Save();
            return true;
        }
    }

    /// <summary>
    /// Gives the endpoints <paramref name="which"/> selects the identities of their new label sets, then recomputes
    /// every endpoint's policy (identities changed, so any selector may now select differently).
    /// </summary>
    public void Relabel(Func<EndpointModel, bool> which, Func<EndpointModel, IReadOnlyList<string>> labels)
    {
        lock (_gate)
        {
            foreach (var endpoint in _endpoints.Values.Where(which).ToList())
            {
                var identityLabels = labels(endpoint);
                uint identity = _identities.Acquire(identityLabels);
                _identities.Release(endpoint.Identity);
                var changed = endpoint with { IdentityLabels = identityLabels, Identity = identity };
                _endpoints[endpoint.Id] = changed;
                _datapath.Endpoints.Upsert(RecordOf(changed));
            }
            foreach (var id in _endpoints.Keys.ToList())
                RegenerateLocked(id);
            Save();
        }
    }

    /// <summary>Recomputes the policy of <paramref name="ids"/> (all when null) and writes only what changed.</summary>
    public void Regenerate(IEnumerable<ushort>? ids = null)
    {
        lock (_gate)
        {
            foreach (var id in (ids ?? _endpoints.Keys).ToList())
                RegenerateLocked(id);
            Save();
        }
    }

    /// <summary>What the endpoint's policy map holds now (read back from the kernel).</summary>
    public IReadOnlyDictionary<PolicyMapKey, PolicyMapEntry>? ReadPolicy(ushort id)
    {
        lock (_gate)
            return _policyMaps.TryGetValue(id, out var map) ? map.Read() : null;
    }

    public void Dispose()
    {
        foreach (var map in _policyMaps.Values)
            map.Dispose();
    }

    private void RegenerateLocked(ushort id)
    {
        if (!_endpoints.TryGetValue(id, out var endpoint))
            return;
        var policy = _policy.Compute(endpoint);
        _policyMaps[id].Sync(policy.Entries);
        _endpoints[id] = endpoint with { State = EndpointState.Ready, IngressEnforced = policy.IngressEnforced, EgressEnforced = policy.EgressEnforced };
    }

    private void RemoveLocked(ushort id, string device, IPAddress address, uint identity, bool devicesCreated)
    {
        _datapath.DetachEndpoint(id);
        if (_endpoints.TryGetValue(id, out var endpoint))
            _datapath.Endpoints.Delete(RecordOf(endpoint));
        if (_policyMaps.Remove(id, out var map))
            map.Dispose();
        _datapath.Policies.Remove(id);
        if (devicesCreated)
            EndpointDevices.Delete(_node, device);
        _ipam.Release(address);
        _identities.Release(identity);
        _endpoints.Remove(id);
    }

    private ushort NextId()
    {
        for (ushort id = 1; id < ushort.MaxValue; id++)
        {
            if (!_endpoints.ContainsKey(id))
                return id;
        }
        throw new InvalidOperationException("no free endpoint ID");
    }

    private void Save() => _state.Save(_endpoints.Values.OrderBy(e => e.Id).ToList());

    private static EndpointRecord RecordOf(EndpointModel e) => new(e.Id, e.HostIfindex, e.Identity, IPAddress.Parse(e.Ipv4),
        PhysicalAddress.Parse(e.Mac), PhysicalAddress.Parse(e.HostMac));
}
