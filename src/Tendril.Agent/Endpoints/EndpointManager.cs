using Tendril.Api;
using System.Net;
using System.Net.NetworkInformation;
using Tendril.Agent.Ipam;
using Tendril.Agent.Metrics;
using Tendril.Agent.Policy;
using Tendril.Agent.State;
using Tendril.ControlPlane.Identities;
using Tendril.ControlPlane.Labels;
using Tendril.ControlPlane.Policy;
using Tendril.ControlPlane.PolicyMap;
using Tendril.Datapath.Devices;
using Tendril.Datapath.Loader;
using Tendril.Datapath.Maps;
using Tendril.Interop.Namespaces;
using Tendril.Netlink;

namespace Tendril.Agent.Endpoints;

/// <summary>
/// Creates, deletes, restores and regenerates endpoints: address (IPAM), devices (netlink), identity, datapath maps
/// and links, and the saved state. Policy is incremental: a change of rules or of what selectors select
/// (<see cref="OnPolicyChanged"/>) resolves only the endpoints it affects, and only changed map entries are written.
/// Thread-safe: one lock serialises changes; it is re-entered when allocating an identity announces a change.
/// </summary>
public sealed class EndpointManager : IDisposable
{
    private readonly object _gate = new();
    private readonly AgentOptions _options;
    private readonly NodeDatapath _datapath;
    private readonly IRtNetlink _node;
    private readonly NetNsThread _nodeThread;
    private readonly IIdentityAllocator _identities;
    private readonly AgentPolicy _policy;
    private readonly HostScopeIpam _ipam;
    private readonly StateDocument<List<EndpointModel>> _state;
    private readonly Dictionary<ushort, EndpointModel> _endpoints = new();
    private readonly Dictionary<ushort, EndpointPolicyMap> _policyMaps = new();
    private bool _restored;
    // The policy map of the endpoint ID the next Create will most likely take, registered ahead (see PreparePolicyLocked).
    private (ushort Id, Task<EndpointPolicyMap> Map)? _preparedPolicy;

    private long _version;

    /// <summary>Moves whenever an endpoint is added, removed or changed (readers rebuild their views when it does).</summary>
    public long Version => Interlocked.Read(ref _version);

    /// <summary>
    /// Raised after every save of the endpoints (added, removed, relabelled, regenerated), with all of them, inside the
    /// manager's lock so that handlers see changes in order. Handlers must not wait for another thread that takes it.
    /// </summary>
    public event EventHandler<IReadOnlyList<EndpointModel>>? Changed;

    /// <summary>Policy regenerations of endpoints, by outcome.</summary>
    public OutcomeCounter Regenerations { get; } = new();

    public EndpointManager(AgentOptions options, NodeDatapath datapath, IRtNetlink node, NetNsThread nodeThread,
        IIdentityAllocator identities, AgentPolicy policy, AgentState state)
    {
        _options = options;
        _datapath = datapath;
        _node = node;
        _nodeThread = nodeThread;
        _identities = identities;
        _policy = policy;
        _ipam = new HostScopeIpam(options.PodCidr);
        _state = state.Document<List<EndpointModel>>("endpoints");
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
                {
                    // The pod went away while the agent was down (or the CNI plugin deleted its interface because the
                    // agent was not there): what the datapath still holds for it goes too.
                    ForgetVanishedLocked(saved);
                    continue;
                }
                _ipam.Reserve(IPAddress.Parse(saved.Ipv4));
                var identity = _identities.Allocate(LabelSet.Parse(saved.IdentityLabels));
                var endpoint = saved with { Identity = identity.Id.Value, State = EndpointState.Ready };
                _datapath.Endpoints.Upsert(RecordOf(endpoint));
                _policyMaps[endpoint.Id] = _datapath.Policies.Open(endpoint.Id);
                _datapath.AttachEndpoint(endpoint.Id, endpoint.HostIfindex, _nodeThread);
                _endpoints[endpoint.Id] = endpoint;
            }
            foreach (var id in _endpoints.Keys.ToList())
                RegenerateLocked(id);
            _restored = true;
            Save();
            return _endpoints.Count;
        }
    }

    public EndpointModel Create(EndpointCreateRequest request, LabelSet identityLabels)
    {
        string netns = request.Netns ?? throw new ArgumentException("netns is required: the pod's network namespace file");
        if (!File.Exists(netns))
            throw new ArgumentException($"netns {netns} does not exist");
        string podDevice = request.Interface ?? "eth0";
        lock (_gate)
        {
            if (request.ContainerId is { } containerId
                && _endpoints.Values.FirstOrDefault(e => e.ContainerId == containerId && e.Interface == podDevice) is { } existing)
            {
                // A runtime retrying ADD for an attachment that exists gets it back; another netns is a conflict.
                if (existing.NetnsPath != netns)
                    throw new InvalidOperationException($"container {containerId} interface {podDevice} already has endpoint {existing.Id} in netns {existing.NetnsPath}");
                return existing;
            }
            if (_endpoints.Values.FirstOrDefault(e => e.NetnsPath == netns && e.Interface == podDevice) is { } taken)
                throw new InvalidOperationException($"netns {netns} already has an endpoint on {podDevice} (endpoint {taken.Id})");
            ushort id = NextId();
            var address = _ipam.Allocate();
            string device = $"{_options.DevicePrefix}{id:x8}"[..Math.Min(15, _options.DevicePrefix.Length + 8)];
            // A new identity is announced to the selector cache; endpoints whose rules select it are updated at once.
            uint identity = _identities.Allocate(identityLabels).Id.Value;
            EndpointNetwork? network = null;
            // Registering the policy map (a map-in-map update) and each tcx attach wait for an RCU grace period in the
            // kernel: the registration runs beside the devices and the attach beside the policy, not one after another.
            // Until both are done the program finds no policy map and drops, so nothing passes unpoliced meanwhile.
            var policyMap = TakePreparedPolicyLocked(id) ?? Task.Run(() => _datapath.Policies.Open(id));
            Task? attached = null;
            try
            {
                network = EndpointDevices.Create(_node, _nodeThread, new EndpointNetworkSpec(device, netns, address, _options.Gateway, _options.Mtu, podDevice));
                var endpoint = new EndpointModel
                {
                    Id = id,
                    Name = request.Name ?? $"endpoint-{id}",
                    Namespace = request.Namespace ?? "default",
                    Labels = request.Labels ?? new Dictionary<string, string>(),
                    IdentityLabels = identityLabels.Select(l => l.ToString()).ToList(),
                    Ipv4 = address.ToString(),
                    Identity = identity,
                    NetnsPath = netns,
                    HostDevice = device,
                    HostIfindex = network.HostIfindex,
                    Mac = MacText(network.PodMac),
                    HostMac = MacText(network.HostMac),
                    State = EndpointState.Regenerating,
                    Interface = podDevice,
                    Gateway = _options.Gateway.ToString(),
                    Mtu = _options.Mtu,
                    ContainerId = request.ContainerId,
                    Network = request.Network,
                };
                _datapath.Endpoints.Upsert(RecordOf(endpoint));
                int hostIfindex = network.HostIfindex;
                attached = Task.Run(() => _datapath.AttachEndpoint(id, hostIfindex, _nodeThread));
                _policyMaps[id] = policyMap.GetAwaiter().GetResult();
                _endpoints[id] = endpoint;
                RegenerateLocked(id);
                attached.GetAwaiter().GetResult();
                Save();
                PreparePolicyLocked();
                return _endpoints[id];
            }
            catch
            {
                // Both side tasks finish before anything is undone; a registered map is disposed by the removal.
                if (WaitQuietly(policyMap) && !_policyMaps.ContainsKey(id))
                    _policyMaps[id] = policyMap.Result;
                WaitQuietly(attached);
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

    /// <summary>The endpoints of a CNI attachment: the container's, or only its <paramref name="podDevice"/>.</summary>
    public IReadOnlyList<EndpointModel> FindAttachment(string containerId, string? podDevice)
    {
        lock (_gate)
            return _endpoints.Values.Where(e => e.ContainerId == containerId && (podDevice is null || e.Interface == podDevice)).OrderBy(e => e.Id).ToList();
    }

    /// <summary>Deletes the endpoint of a CNI attachment; deleting one that does not exist deletes nothing.</summary>
    public int DeleteAttachment(string containerId, string podDevice)
    {
        lock (_gate)
        {
            var ids = _endpoints.Values.Where(e => e.ContainerId == containerId && e.Interface == podDevice).Select(e => e.Id).ToList();
            foreach (var id in ids)
                Delete(id);
            return ids.Count;
        }
    }

    /// <summary>
    /// CNI GC: deletes the endpoints made through CNI for <paramref name="network"/> whose attachment is not in
    /// <paramref name="valid"/>. Endpoints made through the API, or for other networks, are not touched.
    /// </summary>
    public IReadOnlyList<ushort> CollectGarbage(string network, IReadOnlyCollection<EndpointAttachment> valid)
    {
        var keep = valid.Select(a => (a.ContainerId, a.Interface)).ToHashSet();
        lock (_gate)
        {
            var stale = _endpoints.Values
                .Where(e => e.ContainerId is not null && e.Network == network && !keep.Contains((e.ContainerId, e.Interface)))
                .Select(e => e.Id).OrderBy(id => id).ToList();
            foreach (var id in stale)
                Delete(id);
            return stale;
        }
    }

    /// <summary>
    /// What differs from what was created: the node-side device and its route, the pod's device, address and default
    /// route, and the endpoint's datapath entry. Empty when all is in place.
    /// </summary>
    public IReadOnlyList<string>? Check(ushort id)
    {
        EndpointModel? endpoint = Get(id);
        return endpoint is null ? null : EndpointCheck.Problems(endpoint, _node, _datapath);
    }

    /// <summary>
    /// Gives the endpoints <paramref name="which"/> selects the identities of their new label sets and resolves their
    /// policy again; identities that came or went update, through <see cref="OnPolicyChanged"/>, the endpoints
    /// whose rules select them.
    /// </summary>
    public void Relabel(Func<EndpointModel, bool> which, Func<EndpointModel, LabelSet> labels)
    {
        lock (_gate)
        {
            foreach (var endpoint in _endpoints.Values.Where(which).ToList())
            {
                var identityLabels = labels(endpoint);
                uint identity = _identities.Allocate(identityLabels).Id.Value;
                var changed = endpoint with { IdentityLabels = identityLabels.Select(l => l.ToString()).ToList(), Identity = identity };
                _endpoints[endpoint.Id] = changed;
                _datapath.Endpoints.Upsert(RecordOf(changed));
                _identities.Release(new NumericIdentity(endpoint.Identity));
                RegenerateLocked(endpoint.Id);
            }
            Save();
        }
    }

    /// <summary>
    /// Resolves again the endpoints a policy change affects (rules that select them changed, or a selector their
    /// rules use now selects other identities) and writes only the entries that changed. Called by the policy
    /// repository after every change; a no-op before <see cref="Restore"/> finished.
    /// </summary>
    public void OnPolicyChanged(object? sender, PolicyChange change)
    {
        lock (_gate)
        {
            if (!_restored)
                return;
            var affected = _policy.Affected(change, _endpoints.Values.Select(InfoOf));
            foreach (var endpoint in affected)
                RegenerateLocked((ushort)endpoint.Id);
            if (affected.Length > 0)
                Save();
        }
    }

    /// <summary>What the endpoint's policy map holds now (read back from the kernel).</summary>
    public IReadOnlyDictionary<PolicyMapKey, PolicyMapEntry>? ReadPolicy(ushort id)
    {
        lock (_gate)
            return _policyMaps.TryGetValue(id, out var map) ? map.Read() : null;
    }

    /// <summary>How full each endpoint's policy map is (entries ÷ capacity), named as Cilium names them.</summary>
    public IReadOnlyList<(string Map, double Pressure)> PolicyMapPressure()
    {
        lock (_gate)
            return _policyMaps.Select(m => ($"tendril_policy_{m.Key:D5}", (double)m.Value.Raw.CountKeys() / m.Value.Raw.MaxEntries)).ToList();
    }

    public void Dispose()
    {
        if (_preparedPolicy is { } prepared)
            DisposeWhenDone(prepared.Map);
        foreach (var map in _policyMaps.Values)
            map.Dispose();
    }

    private void RegenerateLocked(ushort id)
    {
        if (!_endpoints.TryGetValue(id, out var endpoint))
            return;
        var policy = _policy.Resolve(InfoOf(endpoint));
        var state = policy.MapState;
        try
        {
            _policyMaps[id].Sync(state.Entries.ToDictionary(e => KeyOf(e.Key), e => new PolicyMapEntry(e.Value.Deny, e.Value.ProxyPort)));
        }
        catch
        {
            Regenerations.Failure();
            throw;
        }
        Regenerations.Success();
        _endpoints[id] = endpoint with
        {
            State = EndpointState.Ready, IngressEnforced = state.IngressEnforced, EgressEnforced = state.EgressEnforced, PolicyRevision = policy.Revision,
        };
    }

    private void RemoveLocked(ushort id, string device, IPAddress address, uint identity, bool devicesCreated)
    {
        // Unregistering the policy map waits for an RCU grace period, as does each tcx detach: it runs beside them.
        // (Deleting the device first, with its programs still attached, measured slower: its unregistration then
        // waits for the detaches itself, on top of its own grace periods.)
        var unregistered = Task.Run(() => _datapath.Policies.Remove(id));
        _datapath.DetachEndpoint(id);
        if (_endpoints.TryGetValue(id, out var endpoint))
            _datapath.Endpoints.Delete(RecordOf(endpoint));
        if (_policyMaps.Remove(id, out var map))
            map.Dispose();
        if (devicesCreated)
            EndpointDevices.Delete(_node, device);
        unregistered.GetAwaiter().GetResult();
        _ipam.Release(address);
        _endpoints.Remove(id);
        _identities.Release(new NumericIdentity(identity));   // the last user gone: rules stop selecting it
    }

    /// <summary>
    /// Registers the policy map of the ID the next endpoint will get, off the request path: registering a map in the
    /// hash-of-maps waits for an RCU grace period (6-15 ms here), which the next Create then does not. A map registered
    /// for an ID no endpoint has is empty and reached by nothing (the datapath finds maps through endpoints); it stays
    /// pinned and is taken by whichever endpoint gets that ID.
    /// </summary>
    private void PreparePolicyLocked()
    {
        if (_preparedPolicy is { } stale)
            DisposeWhenDone(stale.Map);
        ushort next = NextId();
        _preparedPolicy = (next, Task.Run(() => _datapath.Policies.Open(next)));
    }

    private Task<EndpointPolicyMap>? TakePreparedPolicyLocked(ushort id)
    {
        if (_preparedPolicy is not { } prepared || prepared.Id != id)
            return null;
        _preparedPolicy = null;
        return prepared.Map;
    }

    private static void DisposeWhenDone(Task<EndpointPolicyMap> map) =>
        map.ContinueWith(t => t.Result.Dispose(), TaskContinuationOptions.OnlyOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously);

    private static bool WaitQuietly(Task? task)
    {
        if (task is null)
            return false;
        try
        {
            task.GetAwaiter().GetResult();
            return true;
        }
        catch (Exception)
        {
            return false;   // the caller is already handling the failure that matters
        }
    }

    private void ForgetVanishedLocked(EndpointModel saved)
    {
        _datapath.DetachEndpoint(saved.Id);
        _datapath.Endpoints.Delete(RecordOf(saved));
        _datapath.Policies.Remove(saved.Id);
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

    private void Save()
    {
        var endpoints = _endpoints.Values.OrderBy(e => e.Id).ToList();
        _state.Save(endpoints);
        Interlocked.Increment(ref _version);
        Changed?.Invoke(this, endpoints);
    }

    /// <summary>The notation people and CNI results use: lower-case hex pairs separated by colons.</summary>
    private static string MacText(PhysicalAddress mac) => string.Join(':', mac.GetAddressBytes().Select(b => b.ToString("x2")));

    private static EndpointInfo InfoOf(EndpointModel e) => new(e.Id, new NumericIdentity(e.Identity), LabelSet.Parse(e.IdentityLabels));

    private static PolicyMapKey KeyOf(PolicyKey key) =>
        new(key.Identity, key.Direction == ControlPlane.TrafficDirection.Egress, key.Protocol, key.Port, key.PortPrefixLength);

    private static EndpointRecord RecordOf(EndpointModel e) => new(e.Id, e.HostIfindex, e.Identity, IPAddress.Parse(e.Ipv4),
        PhysicalAddress.Parse(e.Mac), PhysicalAddress.Parse(e.HostMac));
}
