using System.Collections.Frozen;
using System.Net;
using Microsoft.Extensions.Logging;
using Tendril.Agent.State;
using Tendril.Api;
using Tendril.ControlPlane.Services;
using Tendril.ControlPlane.Services.LoadBalancing;
using Tendril.ControlPlane.Services.Model;
using Tendril.ControlPlane.Services.Parsing;
using Tendril.Datapath.Maps;

namespace Tendril.Agent.Services;

/// <summary>One change to the services, as kept in the state store and replayed on start.</summary>
public sealed record ServiceOperation(string Op, string? Text, string? Namespace, string? Name);

/// <summary>An import that was rejected as a whole: every error with its document, field path, line and reason.</summary>
public sealed class ServiceImportException(IReadOnlyList<ServiceError> errors)
    : Exception($"invalid service definition, nothing was applied: {string.Join("; ", errors)}")
{
    public IReadOnlyList<ServiceError> Errors { get; } = errors;
}

/// <summary>What a restore found: saved imports that no longer apply, and allocations that could not be honoured.</summary>
public sealed record ServiceRestoreResult(int Services, int SkippedImports, IReadOnlyList<string> RejectedAllocations);

/// <summary>
/// The agent's side of service load balancing: owns the control plane's <see cref="ServiceRepository"/> (imports and
/// deletions persisted as an operation log, cluster IP and node port allocations persisted after every change), feeds
/// it this node's pods, and after every change computes the load-balancer state and writes only the difference to the
/// datapath's maps, in <see cref="LoadBalancerDiff"/>'s order. Thread-safe: one lock serialises changes; it is taken
/// inside <see cref="Endpoints.EndpointManager"/>'s lock (endpoint changes), never the other way round.
/// </summary>
public sealed partial class ServiceManager
{
    private readonly object _gate = new();
    private readonly ServiceParserOptions _parserOptions;
    private readonly LoadBalancerOptions _lbOptions;
    private readonly LoadBalancerMaps _maps;
    private readonly IReadOnlyList<IPAddress> _nodeAddresses;
    private readonly StateDocument<List<ServiceOperation>> _log;
    private readonly StateDocument<SavedAllocations> _allocations;
    private readonly List<ServiceOperation> _operations;
    private readonly ServiceRepository _repository;
    private readonly ILogger _logger;
    private LoadBalancerState _written = LoadBalancerState.Empty;
    private ServiceIdIndex _serviceIds = new(LoadBalancerState.Empty, FrozenDictionary<ushort, ServiceKey>.Empty);
    private bool _restored;

    /// <param name="nodeAddresses">This node's IPv4 addresses: NodePort frontends open on each.</param>
    public ServiceManager(ServiceParserOptions parserOptions, LoadBalancerOptions lbOptions, string nodeName,
        IReadOnlyList<IPAddress> nodeAddresses, LoadBalancerMaps maps, AgentState state, ILogger logger)
    {
        _logger = logger;
        _parserOptions = parserOptions;
        _lbOptions = lbOptions;
        _maps = maps;
        _nodeAddresses = nodeAddresses;
        _log = state.Document<List<ServiceOperation>>("services");
        _allocations = state.Document<SavedAllocations>("service-allocations");
        _operations = _log.Load() ?? [];
        _repository = new ServiceRepository(parserOptions, nodeName, (_allocations.Load() ?? SavedAllocations.Empty).ToAllocations());
    }

    /// <summary>The services, their allocations and resolved backends.</summary>
    public ServiceSnapshot Snapshot => _repository.Snapshot;

    /// <summary>
    /// The service a service ID (rev-NAT index) belongs to in what the maps hold now, or null. Lock-free: an index
    /// built once per written state (the flow decoder asks for every translated packet).
    /// </summary>
    public ServiceKey? ServiceOf(ushort serviceId)
    {
        var written = Volatile.Read(ref _written);
        var index = Volatile.Read(ref _serviceIds);
        if (!ReferenceEquals(index.State, written))
        {
            var byId = new Dictionary<ushort, ServiceKey>();
            foreach (var frontend in written.Frontends.Values)
                byId.TryAdd(frontend.ServiceId, frontend.Service);
            index = new ServiceIdIndex(written, byId.ToFrozenDictionary());
            Volatile.Write(ref _serviceIds, index);
        }
        return index.ById.TryGetValue(serviceId, out var key) ? key : null;
    }

    private sealed record ServiceIdIndex(LoadBalancerState State, FrozenDictionary<ushort, ServiceKey> ById);

    /// <summary>What the maps were last written with (service IDs, backend IDs, slots).</summary>
    public LoadBalancerState LoadBalancer
    {
        get
        {
            lock (_gate)
                return _written;
        }
    }

    /// <summary>
    /// Replays the saved operations with the saved allocations, takes the current pods, and reconciles the maps with
    /// what they hold (read back, not flushed): service and backend IDs stay, connections keep working, entries of
    /// services gone while the agent was away are removed.
    /// </summary>
    public ServiceRestoreResult Restore(IReadOnlyList<EndpointModel> endpoints)
    {
        lock (_gate)
        {
            int skipped = 0;
            foreach (var op in _operations)
            {
                if (op.Op == "apply")
                {
                    var parsed = ServiceDocumentParser.Parse(op.Text!, _parserOptions);
                    if (!parsed.Succeeded || !_repository.Apply(parsed).Succeeded)
                        skipped++;
                }
                else
                {
                    _repository.DeleteService(new ServiceKey(op.Namespace!, op.Name!));
                }
            }
            _repository.PruneAllocations();
            _repository.UpdatePods(PodsOf(endpoints));
            _written = ReadMaps();
            WriteLocked();
            SaveAllocations();
            _restored = true;
            return new ServiceRestoreResult(_repository.Snapshot.Services.Count, skipped, _repository.RejectedRestores);
        }
    }

    /// <summary>Parses and applies Services and EndpointSlices; throws <see cref="ServiceImportException"/> and changes nothing if any of it is invalid.</summary>
    public ServiceApplyResult Apply(string text)
    {
        var parsed = ServiceDocumentParser.Parse(text, _parserOptions);
        if (!parsed.Succeeded)
            throw new ServiceImportException(parsed.Errors);
        lock (_gate)
        {
            var result = _repository.Apply(parsed);
            if (!result.Succeeded)
                throw new ServiceImportException(result.Errors);
            _operations.Add(new ServiceOperation("apply", text, null, null));
            _log.Save(_operations);
            SaveAllocations();
            WriteLocked();
            return result;
        }
    }

    /// <summary>Deletes a service (its frontends leave the maps, its cluster IP and node ports are freed); false when there is none.</summary>
    public bool Delete(ServiceKey key)
    {
        lock (_gate)
        {
            if (!_repository.Snapshot.Services.ContainsKey(key))
                return false;
            _operations.Add(new ServiceOperation("delete", null, key.Namespace, key.Name));
            _log.Save(_operations);
            _repository.DeleteService(key);
            SaveAllocations();
            WriteLocked();
            return true;
        }
    }

    /// <summary>The node's endpoints changed: selector services follow their pods. Called inside the endpoint manager's lock.</summary>
    public void OnEndpointsChanged(object? sender, IReadOnlyList<EndpointModel> endpoints)
    {
        lock (_gate)
        {
            if (!_restored)
                return;
            try
            {
                if (!_repository.UpdatePods(PodsOf(endpoints)).IsEmpty)
                    WriteLocked();
            }
            catch (Exception e) when (e is InvalidOperationException or IOException or ArgumentException or NotSupportedException)
            {
                // The endpoint change itself succeeded; the maps catch up with the next change.
                Log.WriteFailed(_logger, e);
            }
        }
    }

    private static IEnumerable<PodInfo> PodsOf(IEnumerable<EndpointModel> endpoints) =>
        endpoints.Select(e => PodInfo.Create(e.Namespace, e.Name, IPAddress.Parse(e.Ipv4), e.Labels))
            .GroupBy(p => p.Key).Select(g => g.First());

    private void SaveAllocations() => _allocations.Save(SavedAllocations.From(_repository.Allocations));

    /// <summary>Computes the state of the current services and writes what differs from what the maps hold.</summary>
    private void WriteLocked()
    {
        var next = LoadBalancerState.Compute(_repository.Snapshot, _nodeAddresses, _lbOptions, _written);
        try
        {
            LoadBalancerWriter.Write(_maps, _written, next);
            _written = next;
        }
        catch
        {
            // Some writes made it: what the maps hold now is the base of the next attempt.
            _written = ReadMaps();
            throw;
        }
    }

    /// <summary>
    /// The state the maps hold, as far as the next computation needs it: frontends with their service IDs and slots,
    /// backends with their IDs, reverse NAT. Maglev tables are not read back (they are rewritten whole).
    /// </summary>
    private LoadBalancerState ReadMaps() => LoadBalancerWriter.Read(_maps, _lbOptions);

    private static partial class Log
    {
        [LoggerMessage(20, LogLevel.Error, "writing the load-balancer maps after an endpoint change failed")]
        public static partial void WriteFailed(ILogger logger, Exception e);
    }
}
