using System.Collections.Immutable;
using System.Net;
using Tendril.Agent.Metrics;
using Tendril.Agent.State;
using Tendril.ControlPlane.Identities;
using Tendril.ControlPlane.Labels;
using Tendril.ControlPlane.Net;
using Tendril.ControlPlane.Policy;
using Tendril.ControlPlane.Policy.Model;
using Tendril.ControlPlane.Policy.Parsing;
using Tendril.Datapath.Maps;

namespace Tendril.Agent.Policy;

/// <summary>One change to the policy repository, as kept in the state directory and replayed on start.</summary>
public sealed record PolicyOperation(string Op, string? Text, string? Kind, string? Namespace, string? Name);

/// <summary>The outcome of an import: the new revision, how many rules it brought, and L7 sections kept but not enforced.</summary>
public sealed record ImportResult(long Revision, int Rules, IReadOnlyList<string> NotEnforced);

/// <summary>An import that was rejected as a whole: every error with its document, field path and reason.</summary>
public sealed class PolicyImportException(IReadOnlyList<PolicyError> errors)
    : Exception($"invalid policy, nothing was applied: {string.Join("; ", errors)}")
{
    public IReadOnlyList<PolicyError> Errors { get; } = errors;
}

/// <summary>
/// The agent's side of the control plane's policy engine: the repository (imports and deletions persisted as an
/// operation log), the selector cache fed by the node's identity allocator, the CIDR identities rules mention (kept
/// in the ipcache), and the incremental resolver. <see cref="Changed"/> tells which rules and selections changed so
/// that only the affected endpoints are resolved again. Thread-safe.
/// </summary>
public sealed class AgentPolicy
{
    private readonly object _gate = new();
    private readonly SelectorCache _selectors;
    private readonly CidrIdentityAllocator _cidrs = new();
    private readonly PolicyRepository _repository;
    private readonly PolicyResolver _resolver;
    private readonly IpCacheMap _ipcache;
    private readonly StateDocument<List<PolicyOperation>> _log;
    private readonly List<PolicyOperation> _operations;

    public AgentPolicy(EnforcementMode mode, IIdentitySource identities, IpCacheMap ipcache, AgentState state)
    {
        _selectors = new SelectorCache(identities.All);
        _cidrs.Changed += (_, change) => WriteCidrIdentities(change);      // before the selectors see them
        _repository = new PolicyRepository(_selectors, _cidrs);
        _resolver = new PolicyResolver(_repository, _selectors, new PolicyResolverOptions { Mode = mode });
        identities.Changed += (_, change) => _repository.UpdateIdentities(change);
        _ipcache = ipcache;
        _log = state.Document<List<PolicyOperation>>("policies");
        _operations = _log.Load() ?? [];
    }

    /// <summary>Raised after every change of rules or of what selectors select, outside the repository's lock.</summary>
    public event EventHandler<PolicyChange>? Changed
    {
        add => _repository.Changed += value;
        remove => _repository.Changed -= value;
    }

    public PolicySnapshot Snapshot => _repository.Snapshot;

    /// <summary>Imports and deletions through the API, by outcome (an invalid import is a failure).</summary>
    public OutcomeCounter Changes { get; } = new();

    /// <summary>How many CIDR identities the rules need now.</summary>
    public int CidrIdentityCount => _cidrs.All.Count;

    /// <summary>Every selector in use and the identities it selects now.</summary>
    public IReadOnlyList<(string Selector, IReadOnlyList<uint> Identities)> Selections() =>
        _selectors.Selectors.OrderBy(s => s.Key, StringComparer.Ordinal)
            .Select(s => (s.Key, (IReadOnlyList<uint>)_selectors.GetSelections(s).Select(i => i.Value).Order().ToList()))
            .ToList();

    /// <summary>
    /// Replays the saved operations (the rules of the last run) and removes ipcache entries of CIDR identities that
    /// no rule needs any more. Returns how many saved imports no longer parse (they are skipped).
    /// </summary>
    public int Restore()
    {
        int skipped = 0;
        lock (_gate)
        {
            foreach (var op in _operations)
            {
                if (op.Op == "import")
                {
                    var parsed = PolicyDocumentParser.Parse(op.Text!);
                    if (parsed.Succeeded)
                        _repository.Apply(parsed);
                    else
                        skipped++;
                }
                else if (Enum.TryParse<PolicyKind>(op.Kind, out var kind))
                {
                    _repository.Delete(new RuleOrigin(kind, op.Namespace, op.Name!));
                }
            }
            var wanted = _cidrs.All.Select(i => i.Id.Value).ToHashSet();
            foreach (var (prefix, identity) in _ipcache.List())
            {
                if (new NumericIdentity(identity).IsLocal && !wanted.Contains(identity))
                    _ipcache.Delete(prefix);
            }
        }
        return skipped;
    }

    /// <summary>Parses and applies a document set; throws <see cref="PolicyImportException"/> and changes nothing if any of it is invalid.</summary>
    public ImportResult Import(string text)
    {
        var parsed = PolicyDocumentParser.Parse(text);
        if (!parsed.Succeeded)
        {
            Changes.Failure();
            throw new PolicyImportException(parsed.Errors);
        }
        lock (_gate)
        {
            _operations.Add(new PolicyOperation("import", text, null, null, null));
            _log.Save(_operations);
            var change = _repository.Apply(parsed);
            Changes.Success();
            return new ImportResult(change.Revision, parsed.Rules.Count(), parsed.NotEnforced.ToList());
        }
    }

    /// <summary>Removes one policy; false when there is none of that kind, namespace and name.</summary>
    public bool Delete(RuleOrigin origin)
    {
        lock (_gate)
        {
            if (!_repository.Snapshot.Policies.Any(p => p.Origin == origin))
                return false;
            _operations.Add(new PolicyOperation("delete", null, origin.Kind.ToString(), origin.Namespace, origin.Name));
            _log.Save(_operations);
            _repository.Delete(origin);
            Changes.Success();
            return true;
        }
    }

    /// <summary>A CIDR identity some rule needs, or null.</summary>
    public Identity? LookupIdentity(NumericIdentity id) => _cidrs.Lookup(id);

    /// <summary>The endpoint's policy map content from the current rules and selections.</summary>
    public ControlPlane.Policy.EndpointPolicy Resolve(EndpointInfo endpoint) => _resolver.Resolve(endpoint);

    /// <summary>The endpoints among <paramref name="endpoints"/> whose policy <paramref name="change"/> may alter.</summary>
    public ImmutableArray<EndpointInfo> Affected(PolicyChange change, IEnumerable<EndpointInfo> endpoints) =>
        _resolver.AffectedEndpoints(change, endpoints);

    /// <summary>CIDR identities go into the ipcache as they appear, and leave it as no rule needs them.</summary>
    private void WriteCidrIdentities(IdentityChange change)
    {
        foreach (var identity in change.Removed)
        {
            if (PrefixOf(identity) is { } prefix)
                _ipcache.Delete(prefix);
        }
        foreach (var identity in change.Added)
        {
            if (PrefixOf(identity) is { } prefix)
                _ipcache.Upsert(prefix, identity.Id.Value);
        }
    }

    private static IPNetwork? PrefixOf(Identity identity)
    {
        foreach (var label in identity.Labels)
        {
            if (label.Source == LabelSources.Cidr && CidrPrefix.TryParseLabelKey(label.Key, out var prefix) && !prefix.IsIPv6)
                return new IPNetwork(prefix.Address, prefix.PrefixLength);
        }
        return null;
    }
}
