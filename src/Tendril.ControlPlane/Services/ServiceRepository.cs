using System.Collections.Immutable;
using System.Net;
using Tendril.ControlPlane.Services.Allocation;
using Tendril.ControlPlane.Services.Model;
using Tendril.ControlPlane.Services.Parsing;

namespace Tendril.ControlPlane.Services;

/// <summary>The allocator state the agent persists and hands back at start (plain lists). Immutable.</summary>
public sealed record ServiceAllocations(ImmutableArray<ClusterIpAllocation> ClusterIPs, ImmutableArray<NodePortAllocation> NodePorts)
{
    public static ServiceAllocations None { get; } = new([], []);
}

/// <summary>
/// Holds the services, EndpointSlices and this node's pods, allocates cluster IPs and node ports, and resolves every
/// service's backends (selector services follow the pods whose labels match, in the same namespace; the others take
/// the endpoints of the slices labelled with their name). Applying an import is all or nothing: cross-object
/// conflicts (an address or node port taken by another service, a full range) reject it with errors naming the
/// document and field, and nothing changes. Thread-safe: changes are serialized by a lock and published as immutable
/// <see cref="ServiceSnapshot"/>s; <see cref="Changed"/> is raised after the lock is released. No I/O.
/// </summary>
public sealed class ServiceRepository
{
    private readonly object _gate = new();
    private readonly ServiceParserOptions _options;
    private readonly string? _nodeName;
    private ClusterIpAllocator _clusterIps;
    private NodePortAllocator _nodePorts;
    private ImmutableSortedDictionary<ServiceKey, Service> _services = ImmutableSortedDictionary<ServiceKey, Service>.Empty;
    private ServiceSnapshot _snapshot = ServiceSnapshot.Empty;

    /// <param name="options">Service CIDR and node port range (validated here).</param>
    /// <param name="nodeName">This node's name: slice endpoints with this <c>nodeName</c> are local.</param>
    /// <param name="restored">Persisted allocations; a service applied again gets back its cluster IP and node ports.</param>
    public ServiceRepository(ServiceParserOptions? options = null, string? nodeName = null, ServiceAllocations? restored = null)
    {
        _options = options ?? ServiceParserOptions.Default;
        _options.Validate();
        _nodeName = nodeName;
        _clusterIps = new ClusterIpAllocator(_options.ServiceCidr);
        _nodePorts = new NodePortAllocator(_options.NodePortMin, _options.NodePortMax);
        if (restored is not null)
        {
            RejectedRestores = [.. _clusterIps.Restore(restored.ClusterIPs).Select(a => $"cluster IP {a.Address} of {a.Service}"),
                .. _nodePorts.Restore(restored.NodePorts).Select(a => $"node port {a.NodePort} of {a.Owner.Service} port {a.Owner.Port}/{a.Owner.Protocol}")];
        }
    }

    /// <summary>Raised after every change that affects a service (outside the lock).</summary>
    public event EventHandler<ServiceChange>? Changed;

    /// <summary>The current state.</summary>
    public ServiceSnapshot Snapshot => Volatile.Read(ref _snapshot);

    public long Revision => Snapshot.Revision;

    /// <summary>Restored allocations that could not be honoured (for the agent's log).</summary>
    public ImmutableArray<string> RejectedRestores { get; } = [];

    /// <summary>The allocations to persist (after every successful change).</summary>
    public ServiceAllocations Allocations
    {
        get
        {
            lock (_gate)
                return new ServiceAllocations(_clusterIps.Allocations, _nodePorts.Allocations);
        }
    }

    /// <summary>Applies a successful parse result (a failed one is returned as is: nothing is applied).</summary>
    public ServiceApplyResult Apply(ServiceParseResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (!result.Succeeded)
            return new ServiceApplyResult(new ServiceChange(Revision), result.Errors);
        return Apply(result.Services, result.Slices, result.ServiceDocuments);
    }

    /// <summary>
    /// Adds or replaces services and slices in one atomic step. <paramref name="documents"/> gives the document index
    /// of each service for error messages (default: its position).
    /// </summary>
    public ServiceApplyResult Apply(IEnumerable<Service> services, IEnumerable<EndpointSlice> slices, IReadOnlyList<int>? documents = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(slices);
        List<Service> list = [.. services];
        List<EndpointSlice> sliceList = [.. slices];
        ServiceChange change;
        lock (_gate)
        {
            ClusterIpAllocator ips = _clusterIps.Clone();
            NodePortAllocator nodePorts = _nodePorts.Clone();
            var errors = new List<ServiceError>();
            var next = _services.ToBuilder();
            var documentOf = new Dictionary<ServiceKey, int>();
            for (int i = 0; i < list.Count; i++)
            {
                int document = documents is not null && i < documents.Count ? documents[i] : i;
                documentOf[list[i].Key] = document;
                next[list[i].Key] = Allocate(list[i], document, ips, nodePorts, errors);
            }

            FrontendConflicts.Check(next.ToImmutable(), documentOf, errors);
            if (errors.Count > 0)
                return new ServiceApplyResult(new ServiceChange(Snapshot.Revision), [.. errors]);

            _clusterIps = ips;
            _nodePorts = nodePorts;
            _services = next.ToImmutable();
            var slicesNext = Snapshot.Slices.SetItems(sliceList.Select(s => KeyValuePair.Create(s.Key, s)));
            change = Commit(slicesNext, Snapshot.Pods, [.. list.Select(s => s.Key), .. sliceList.Select(s => s.Service)]);
        }

        Raise(change);
        return new ServiceApplyResult(change, []);
    }

    /// <summary>Deletes a service and frees its cluster IP and node ports; a no-op change when it does not exist.</summary>
    public ServiceChange DeleteService(ServiceKey key) => Mutate(() =>
    {
        _services = _services.Remove(key);
        _clusterIps.Release(key);
        _nodePorts.ReleaseAll(key);
        return (Snapshot.Slices, Snapshot.Pods, [key]);
    });

    /// <summary>Deletes an EndpointSlice (by its own key); its service loses those backends.</summary>
    public ServiceChange DeleteSlice(ServiceKey sliceKey) => Mutate(() =>
        Snapshot.Slices.TryGetValue(sliceKey, out EndpointSlice? slice)
            ? (Snapshot.Slices.Remove(sliceKey), Snapshot.Pods, [slice.Service])
            : (Snapshot.Slices, Snapshot.Pods, []));

    /// <summary>Replaces this node's pods (the full list); services whose selectors match them follow.</summary>
    public ServiceChange UpdatePods(IEnumerable<PodInfo> pods)
    {
        ArgumentNullException.ThrowIfNull(pods);
        var next = ImmutableSortedDictionary.CreateRange(pods.Select(p => KeyValuePair.Create(p.Key, p)));
        return Mutate(() => (Snapshot.Slices, next, PodCandidates(Snapshot.Pods.Values.Concat(next.Values))));
    }

    /// <summary>Adds or replaces one pod.</summary>
    public ServiceChange UpsertPod(PodInfo pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        return Mutate(() => (Snapshot.Slices, Snapshot.Pods.SetItem(pod.Key, pod), PodCandidates([pod])));
    }

    /// <summary>Removes one pod (it stops being a backend at once; use <see cref="PodInfo.Terminating"/> to drain first).</summary>
    public ServiceChange RemovePod(ServiceKey pod) => Mutate(() =>
        Snapshot.Pods.TryGetValue(pod, out PodInfo? old)
            ? (Snapshot.Slices, Snapshot.Pods.Remove(pod), PodCandidates([old]))
            : (Snapshot.Slices, Snapshot.Pods, []));

    /// <summary>Frees allocations held by services that are not in the repository (restored ones never applied again).</summary>
    public void PruneAllocations()
    {
        lock (_gate)
        {
            foreach (ClusterIpAllocation a in _clusterIps.Allocations.Where(a => !_services.ContainsKey(a.Service)))
                _clusterIps.Release(a.Service);
            foreach (NodePortAllocation a in _nodePorts.Allocations.Where(a => !_services.ContainsKey(a.Owner.Service)))
                _nodePorts.Release(a.Owner);
        }
    }

    private Service Allocate(Service service, int document, ClusterIpAllocator ips, NodePortAllocator nodePorts, List<ServiceError> errors)
    {
        IPAddress? clusterIP = null;
        if (service.IsHeadless)
            ips.Release(service.Key);
        else if (ips.TryAllocate(service.Key, service.ClusterIP, out IPAddress? ip, out string? error))
            clusterIP = ip;
        else
            errors.Add(new ServiceError(document, "spec.clusterIP", error));

        var ports = ImmutableArray.CreateBuilder<ServicePort>(service.Ports.Count);
        var keep = new HashSet<NodePortOwner>();
        for (int i = 0; i < service.Ports.Count; i++)
        {
            ServicePort port = service.Ports[i];
            if (!service.HasNodePorts && port.NodePort == 0)
            {
                ports.Add(port);
                continue;
            }

            var owner = new NodePortOwner(service.Key, port.Port, port.Protocol);
            if (nodePorts.TryAllocate(owner, port.NodePort, out ushort nodePort, out string? error))
            {
                keep.Add(owner);
                ports.Add(port with { NodePort = nodePort });
            }
            else
            {
                errors.Add(new ServiceError(document, $"spec.ports[{i}].nodePort", error));
                ports.Add(port);
            }
        }

        nodePorts.ReleaseAll(service.Key, keep);
        return service with { ClusterIP = clusterIP, Ports = ports.ToImmutable() };
    }

    // Pods matter to the selector services of their namespace, and (through locality) to slice-backed services.
    private IEnumerable<ServiceKey> PodCandidates(IEnumerable<PodInfo> pods)
    {
        var namespaces = pods.Select(p => p.Key.Namespace).ToHashSet(StringComparer.Ordinal);
        return _services.Values.Where(s => s.Selector is null || namespaces.Contains(s.Key.Namespace)).Select(s => s.Key);
    }

    private ServiceChange Mutate(Func<(ImmutableSortedDictionary<ServiceKey, EndpointSlice> Slices,
        ImmutableSortedDictionary<ServiceKey, PodInfo> Pods, IEnumerable<ServiceKey> Candidates)> step)
    {
        ServiceChange change;
        lock (_gate)
        {
            var (slices, pods, candidates) = step();
            change = Commit(slices, pods, candidates);
        }

        Raise(change);
        return change;
    }

    // Under the lock: re-resolve the candidate services and publish a snapshot when anything stored changed.
    private ServiceChange Commit(ImmutableSortedDictionary<ServiceKey, EndpointSlice> slices,
        ImmutableSortedDictionary<ServiceKey, PodInfo> pods, IEnumerable<ServiceKey> candidates)
    {
        ServiceSnapshot current = Snapshot;
        var resolved = current.Services.ToBuilder();
        var affected = new SortedSet<ServiceKey>();
        var localAddresses = pods.Values.Where(p => p.Address is not null).Select(p => p.Address!).ToHashSet();
        foreach (ServiceKey key in candidates.Distinct())
        {
            if (!_services.TryGetValue(key, out Service? service))
            {
                if (resolved.Remove(key))
                    affected.Add(key);
                continue;
            }

            var backends = BackendResolver.Resolve(service, pods.Values.Where(p => p.Key.Namespace == key.Namespace),
                slices.Values.Where(s => s.Service == key), _nodeName, localAddresses);
            var next = new ResolvedService(service, backends);
            if (!resolved.TryGetValue(key, out ResolvedService? old) || old != next)
            {
                resolved[key] = next;
                affected.Add(key);
            }
        }

        bool stored = affected.Count > 0 || !ReferenceEquals(slices, current.Slices) || !ReferenceEquals(pods, current.Pods);
        if (!stored)
            return new ServiceChange(current.Revision);
        var snapshot = new ServiceSnapshot(current.Revision + 1, resolved.ToImmutable(), slices, pods);
        Volatile.Write(ref _snapshot, snapshot);
        return new ServiceChange(snapshot.Revision) { Affected = [.. affected] };
    }

    private void Raise(ServiceChange change)
    {
        if (!change.IsEmpty)
            Changed?.Invoke(this, change);
    }
}
