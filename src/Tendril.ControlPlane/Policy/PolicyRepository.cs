using System.Collections.Immutable;
using Tendril.ControlPlane.Identities;
using Tendril.ControlPlane.Labels;
using Tendril.ControlPlane.Net;
using Tendril.ControlPlane.Policy.Model;
using Tendril.ControlPlane.Policy.Parsing;
using Tendril.ControlPlane.Selectors;

namespace Tendril.ControlPlane.Policy;

/// <summary>An immutable view of the repository at one revision.</summary>
public sealed record PolicySnapshot(long Revision, ImmutableArray<ParsedPolicy> Policies)
{
    private ImmutableArray<Rule> _rules;

    /// <summary>The empty repository.</summary>
    public static PolicySnapshot Empty { get; } = new(0, []);

    /// <summary>Every rule, policies in (kind, namespace, name) order.</summary>
    public ImmutableArray<Rule> Rules => _rules.IsDefault ? _rules = [.. Policies.SelectMany(p => p.Rules)] : _rules;
}

/// <summary>
/// Holds the policies by (kind, namespace, name) and a revision that every change bumps. Keeps the selector cache's
/// selectors and the CIDR identities in step with the rules. Thread-safe: changes are serialized by a lock and
/// published as immutable snapshots; <see cref="Changed"/> is raised after the lock is released. The CIDR allocator's
/// own Changed event fires inside the lock.
/// </summary>
public sealed class PolicyRepository
{
    private readonly object _gate = new();
    private readonly SelectorCache _selectors;
    private readonly CidrIdentityAllocator? _cidrIdentities;
    private ImmutableSortedDictionary<RuleOrigin, ParsedPolicy> _policies =
        ImmutableSortedDictionary.Create<RuleOrigin, ParsedPolicy>(OriginComparer.Instance);
    private PolicySnapshot _snapshot = PolicySnapshot.Empty;

    /// <param name="selectors">The selector cache this repository keeps in step with its rules.</param>
    /// <param name="cidrIdentities">Allocator of the CIDR identities rules mention; null to not allocate any (tests).</param>
    /// <param name="clusterName">The local cluster's name (the <c>cluster</c> entity).</param>
    public PolicyRepository(SelectorCache selectors, CidrIdentityAllocator? cidrIdentities = null,
        string clusterName = WellKnownLabels.DefaultClusterName)
    {
        ArgumentNullException.ThrowIfNull(selectors);
        ArgumentException.ThrowIfNullOrEmpty(clusterName);
        _selectors = selectors;
        _cidrIdentities = cidrIdentities;
        ClusterName = clusterName;
    }

    /// <summary>Raised after every change (outside the lock).</summary>
    public event EventHandler<PolicyChange>? Changed;

    /// <summary>The local cluster's name.</summary>
    public string ClusterName { get; }

    /// <summary>The current state.</summary>
    public PolicySnapshot Snapshot => Volatile.Read(ref _snapshot);

    /// <summary>The current revision (0 before the first change).</summary>
    public long Revision => Snapshot.Revision;

    /// <summary>Applies a successful parse result; throws when it holds errors (nothing is applied).</summary>
    public PolicyChange Apply(PolicyParseResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (!result.Succeeded)
            throw new ArgumentException($"cannot apply an import with errors: {result.Errors[0]}", nameof(result));
        return Apply(result.Policies);
    }

    /// <summary>Adds the policies, replacing those with the same (kind, namespace, name), in one atomic step.</summary>
    public PolicyChange Apply(IEnumerable<ParsedPolicy> policies)
    {
        ArgumentNullException.ThrowIfNull(policies);
        List<ParsedPolicy> list = [.. policies];
        return Mutate(current =>
        {
            var removed = new List<Rule>();
            var builder = current.ToBuilder();
            foreach (ParsedPolicy policy in list)
            {
                if (builder.TryGetValue(policy.Origin, out ParsedPolicy? old))
                    removed.AddRange(old.Rules);
                builder[policy.Origin] = policy;
            }

            return (builder.ToImmutable(), list.SelectMany(p => p.Rules), removed);
        });
    }

    /// <summary>Deletes one policy; a no-op change when it does not exist.</summary>
    public PolicyChange Delete(PolicyKind kind, string? @namespace, string name) =>
        Delete(new RuleOrigin(kind, kind == PolicyKind.CiliumClusterwideNetworkPolicy ? null : @namespace ?? PolicyDocumentParser.DefaultNamespace, name));

    /// <summary>Deletes one policy; a no-op change when it does not exist.</summary>
    public PolicyChange Delete(RuleOrigin origin) => Mutate(current =>
        current.TryGetValue(origin, out ParsedPolicy? old)
            ? (current.Remove(origin), [], old.Rules)
            : (current, [], []));

    /// <summary>
    /// Deletes every rule whose labels include all of <paramref name="labels"/> (e.g.
    /// <c>k8s:io.cilium.k8s.policy.name=foo</c>); a policy left without rules disappears.
    /// </summary>
    public PolicyChange DeleteByLabels(LabelSet labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        return Mutate(current =>
        {
            var removed = new List<Rule>();
            var builder = current.ToBuilder();
            foreach ((RuleOrigin origin, ParsedPolicy policy) in current)
            {
                var gone = policy.Rules.Where(r => r.Labels.ContainsAll(labels)).ToList();
                if (gone.Count == 0)
                    continue;
                removed.AddRange(gone);
                ImmutableArray<Rule> kept = [.. policy.Rules.Except(gone)];
                if (kept.IsEmpty)
                    builder.Remove(origin);
                else
                    builder[origin] = policy with { Rules = kept };
            }

            return (builder.ToImmutable(), [], removed);
        });
    }

    /// <summary>
    /// Tells the selector cache about cluster identities that appeared or disappeared (wire the identity
    /// allocator's Changed event here); the change lists the selectors whose selections changed. The revision
    /// stays the same.
    /// </summary>
    public PolicyChange UpdateIdentities(IdentityChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        PolicyChange result;
        lock (_gate)
        {
            ImmutableArray<IIdentitySelector> changed = _selectors.UpdateIdentities(change.Added, change.Removed);
            result = new PolicyChange(Snapshot.Revision)
            {
                ChangedSelectors = changed,
                AddedIdentities = change.Added,
                RemovedIdentities = change.Removed,
            };
        }

        Changed?.Invoke(this, result);
        return result;
    }

    /// <summary>Every prefix the current rules mention (each has a CIDR identity when an allocator is set).</summary>
    public ImmutableSortedSet<CidrPrefix> CidrPrefixes() => PrefixesOf(Snapshot.Rules);

    /// <summary>Every selector the rules' peers use.</summary>
    public IEnumerable<IIdentitySelector> SelectorsOf(IEnumerable<Rule> rules) =>
        rules.SelectMany(r => r.PeerRules()).SelectMany(p => p.Peer.Selectors(ClusterName));

    private PolicyChange Mutate(
        Func<ImmutableSortedDictionary<RuleOrigin, ParsedPolicy>, (ImmutableSortedDictionary<RuleOrigin, ParsedPolicy> Next, IEnumerable<Rule> Added, IEnumerable<Rule> Removed)> step)
    {
        PolicyChange change;
        lock (_gate)
        {
            (ImmutableSortedDictionary<RuleOrigin, ParsedPolicy> next, IEnumerable<Rule> added, IEnumerable<Rule> removed) = step(_policies);
            ImmutableArray<Rule> addedRules = [.. added];
            ImmutableArray<Rule> removedRules = [.. removed];
            if (addedRules.IsEmpty && removedRules.IsEmpty)
                return new PolicyChange(Snapshot.Revision);

            var snapshot = new PolicySnapshot(Snapshot.Revision + 1, [.. next.Values]);

            // CIDR identities first, so that new selectors are computed against them and existing selectors
            // (e.g. the world entity) report the CIDR identities that came or went.
            IdentityChange cidrChange = _cidrIdentities?.Sync(PrefixesOf(snapshot.Rules)) ?? IdentityChange.None;
            ImmutableArray<IIdentitySelector> changed = cidrChange.IsEmpty
                ? []
                : _selectors.UpdateIdentities(cidrChange.Added, cidrChange.Removed);
            (ImmutableArray<IIdentitySelector> addedSelectors, ImmutableArray<IIdentitySelector> removedSelectors) =
                _selectors.SetSelectors(SelectorsOf(snapshot.Rules));

            _policies = next;
            Volatile.Write(ref _snapshot, snapshot);
            var addedKeys = addedSelectors.Select(s => s.Key).ToHashSet(StringComparer.Ordinal);
            change = new PolicyChange(snapshot.Revision)
            {
                AddedRules = addedRules,
                RemovedRules = removedRules,
                AddedSelectors = addedSelectors,
                RemovedSelectors = removedSelectors,
                ChangedSelectors = [.. changed.Where(s => !addedKeys.Contains(s.Key))],
                AddedIdentities = cidrChange.Added,
                RemovedIdentities = cidrChange.Removed,
            };
        }

        Changed?.Invoke(this, change);
        return change;
    }

    private static ImmutableSortedSet<CidrPrefix> PrefixesOf(IEnumerable<Rule> rules) =>
        [.. rules.SelectMany(r => r.PeerRules()).SelectMany(p => p.Peer.CidrPrefixes())];

    private sealed class OriginComparer : IComparer<RuleOrigin>
    {
        public static OriginComparer Instance { get; } = new();

        public int Compare(RuleOrigin x, RuleOrigin y)
        {
            int c = x.Kind.CompareTo(y.Kind);
            if (c == 0)
                c = string.CompareOrdinal(x.Namespace, y.Namespace);
            return c != 0 ? c : string.CompareOrdinal(x.Name, y.Name);
        }
    }
}
