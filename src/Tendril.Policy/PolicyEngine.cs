using System.Net;

namespace Tendril.Policy;

/// <summary>The outcome of an import: the new revision, how many rules it brought, and L7 sections kept but not enforced.</summary>
public sealed record ImportResult(long Revision, int Rules, IReadOnlyList<string> NotEnforced);

/// <summary>
/// The policy repository: rules by origin, a revision bumped by every change, and the CIDR identities the rules
/// need. Imports are all-or-nothing and replace the rules of the same origin. Thread-safe.
/// </summary>
public sealed class PolicyEngine(EnforcementMode mode = EnforcementMode.Default)
{
    public const uint CidrIdentityBase = 1u << 24;

    private readonly object _gate = new();
    private readonly List<PolicyRule> _rules = new();
    private readonly Dictionary<IPNetwork, uint> _cidrIdentities = new();
    private long _revision = 1;

    public EnforcementMode Mode { get; } = mode;

    public long Revision
    {
        get
        {
            lock (_gate)
                return _revision;
        }
    }

    public IReadOnlyList<PolicyRule> Rules
    {
        get
        {
            lock (_gate)
                return _rules.ToList();
        }
    }

    /// <summary>Local-scope identities of the CIDRs rules mention (prefix → identity), for the ipcache.</summary>
    public IReadOnlyDictionary<IPNetwork, uint> CidrIdentities
    {
        get
        {
            lock (_gate)
                return new Dictionary<IPNetwork, uint>(_cidrIdentities);
        }
    }

    /// <summary>Parses and applies a document set; throws <see cref="PolicyValidationException"/> and changes nothing if any of it is invalid.</summary>
    public ImportResult Import(string text)
    {
        var parsed = PolicyParser.Parse(text);
        lock (_gate)
        {
            var origins = parsed.Select(r => r.Origin).ToHashSet();
            _rules.RemoveAll(r => origins.Contains(r.Origin));
            _rules.AddRange(parsed);
            RefreshCidrs();
            _revision++;
            return new ImportResult(_revision, parsed.Count, parsed.SelectMany(r => r.UnenforcedL7.Select(l => $"{r.Origin}: {l}")).ToList());
        }
    }

    /// <summary>Removes the rules of one policy; false when there were none.</summary>
    public bool Delete(PolicyOrigin origin)
    {
        lock (_gate)
        {
            if (_rules.RemoveAll(r => r.Origin == origin) == 0)
                return false;
            RefreshCidrs();
            _revision++;
            return true;
        }
    }

    public MapState Resolve(IReadOnlyCollection<string> endpointLabels, IReadOnlyCollection<IdentityLabels> identities)
    {
        List<PolicyRule> rules;
        Dictionary<IPNetwork, uint> cidrs;
        lock (_gate)
        {
            rules = _rules.ToList();
            cidrs = new Dictionary<IPNetwork, uint>(_cidrIdentities);
        }
        return PolicyResolver.Resolve(rules, endpointLabels, identities, cidrs, Mode);
    }

    /// <summary>Every selector in use and the identities it selects now.</summary>
    public IReadOnlyList<(string Selector, IReadOnlyList<uint> Identities)> Selectors(IReadOnlyCollection<IdentityLabels> identities)
    {
        var all = identities.Concat(PolicyResolver.Reserved).ToList();
        return Rules.SelectMany(r => new[] { r.Subject }.Concat(r.Ingress.Concat(r.IngressDeny).Concat(r.Egress).Concat(r.EgressDeny).SelectMany(p => p.Endpoints)))
            .DistinctBy(s => s.ToString())
            .Select(s => (s.ToString(), (IReadOnlyList<uint>)all.Where(i => s.Matches(i.Labels)).Select(i => i.Id).Order().ToList()))
            .ToList();
    }

    private void RefreshCidrs()
    {
        var wanted = _rules.SelectMany(r => r.Ingress.Concat(r.IngressDeny).Concat(r.Egress).Concat(r.EgressDeny))
            .SelectMany(p => p.Cidrs).SelectMany(c => c.Except.Prepend(c.Cidr)).Where(c => c.PrefixLength > 0).ToHashSet();
        foreach (var stale in _cidrIdentities.Keys.Where(k => !wanted.Contains(k)).ToList())
            _cidrIdentities.Remove(stale);
        uint next = _cidrIdentities.Count == 0 ? CidrIdentityBase + 1 : _cidrIdentities.Values.Max() + 1;
        foreach (var prefix in wanted.Where(w => !_cidrIdentities.ContainsKey(w)).OrderBy(w => w.ToString(), StringComparer.Ordinal))
            _cidrIdentities[prefix] = next++;
    }
}
