using System.Net;
using System.Text.Json;
using Tendril.Agent.Endpoints;
using Tendril.Agent.Identity;
using Tendril.Agent.State;
using Tendril.Api;
using Tendril.Datapath.Loader;
using Tendril.Datapath.Maps;
using Tendril.Policy;

namespace Tendril.Agent.Policy;

/// <summary>One change to the policy repository, as kept in the state directory and replayed on start.</summary>
public sealed record PolicyOperation(string Op, string? Text, string? Kind, string? Namespace, string? Name);

/// <summary>
/// The agent's side of the policy engine: imports and deletions (persisted as an operation log), CIDR identities
/// kept in the ipcache, and each endpoint's policy computed from the rules and the identities the node knows.
/// Thread-safe.
/// </summary>
public sealed class AgentPolicy : IEndpointPolicySource
{
    private readonly object _gate = new();
    private readonly PolicyEngine _engine;
    private readonly LocalIdentitySource _identities;
    private readonly NodeDatapath _datapath;
    private readonly StateFile<List<PolicyOperation>> _log;
    private readonly List<PolicyOperation> _operations;
    private IReadOnlyDictionary<IPNetwork, uint> _cidrsInIpcache = new Dictionary<IPNetwork, uint>();

    public AgentPolicy(EnforcementMode mode, LocalIdentitySource identities, NodeDatapath datapath, string stateDirectory, JsonSerializerOptions json)
    {
        _engine = new PolicyEngine(mode);
        _identities = identities;
        _datapath = datapath;
        _log = new StateFile<List<PolicyOperation>>(Path.Combine(stateDirectory, "policies.json"), json);
        _operations = _log.Load() ?? [];
    }

    public PolicyEngine Engine => _engine;

    /// <summary>Replays the saved operations (the rules of the last run).</summary>
    public void Restore()
    {
        lock (_gate)
        {
            foreach (var op in _operations)
            {
                if (op.Op == "import")
                    _engine.Import(op.Text!);
                else
                    _engine.Delete(new PolicyOrigin(op.Kind!, op.Namespace, op.Name!));
            }
            SyncIpcache();
        }
    }

    public ImportResult Import(string text)
    {
        lock (_gate)
        {
            var result = _engine.Import(text);
            _operations.Add(new PolicyOperation("import", text, null, null, null));
            _log.Save(_operations);
            SyncIpcache();
            return result;
        }
    }

    public bool Delete(PolicyOrigin origin)
    {
        lock (_gate)
        {
            if (!_engine.Delete(origin))
                return false;
            _operations.Add(new PolicyOperation("delete", null, origin.Kind, origin.Namespace, origin.Name));
            _log.Save(_operations);
            SyncIpcache();
            return true;
        }
    }

    public IReadOnlyList<IdentityLabels> KnownIdentities() =>
        _identities.List().Select(i => new IdentityLabels(i.Id, i.Labels.TrimEnd(';').Split(';'))).ToList();

    public EndpointPolicy Compute(EndpointModel endpoint)
    {
        var state = _engine.Resolve(endpoint.IdentityLabels, KnownIdentities());
        var entries = state.Entries.ToDictionary(
            e => new PolicyMapKey(e.Key.Identity, e.Key.Egress, e.Key.Protocol, e.Key.Port, e.Key.PortPrefix),
            e => new PolicyMapEntry(e.Value));
        return new EndpointPolicy(entries, state.IngressEnforced, state.EgressEnforced);
    }

    /// <summary>Puts the CIDR identities the rules need into the ipcache and removes the ones no rule needs any more.</summary>
    private void SyncIpcache()
    {
        var wanted = _engine.CidrIdentities;
        foreach (var (prefix, _) in _cidrsInIpcache.Where(c => !wanted.ContainsKey(c.Key)))
            _datapath.IpCache.Delete(prefix);
        foreach (var (prefix, id) in wanted)
            _datapath.IpCache.Upsert(prefix, id);
        _cidrsInIpcache = wanted;
    }
}
