using System.Collections.Immutable;
using Tendril.ControlPlane.Identities;
using Tendril.ControlPlane.Selectors;

namespace Tendril.ControlPlane.Policy;

/// <summary>
/// For every selector in use, the identities it currently selects; updated incrementally as identities appear and
/// disappear. Starts with the reserved identities. Thread-safe: writers take a lock, readers see immutable
/// snapshots.
/// </summary>
public sealed class SelectorCache
{
    private readonly object _gate = new();
    private ImmutableDictionary<uint, Identity> _identities;
    private ImmutableDictionary<string, Entry> _selectors = ImmutableDictionary<string, Entry>.Empty.WithComparers(StringComparer.Ordinal);

    /// <summary>Creates a cache knowing the reserved identities plus <paramref name="identities"/>.</summary>
    public SelectorCache(IEnumerable<Identity>? identities = null)
    {
        var builder = ImmutableDictionary.CreateBuilder<uint, Identity>();
        foreach (Identity identity in ReservedIdentities.All.Concat(identities ?? []))
            builder[identity.Id.Value] = identity;
        _identities = builder.ToImmutable();
    }

    /// <summary>Every identity the cache knows.</summary>
    public IReadOnlyCollection<Identity> Identities => [.. Volatile.Read(ref _identities).Values];

    /// <summary>The selectors in use.</summary>
    public IReadOnlyCollection<IIdentitySelector> Selectors => [.. Volatile.Read(ref _selectors).Values.Select(e => e.Selector)];

    /// <summary>The identity with this number, if known.</summary>
    public Identity? Lookup(NumericIdentity id) => Volatile.Read(ref _identities).GetValueOrDefault(id.Value);

    /// <summary>
    /// The identities <paramref name="selector"/> selects: from the cache when it is in use, computed otherwise.
    /// </summary>
    public ImmutableHashSet<NumericIdentity> GetSelections(IIdentitySelector selector)
    {
        ArgumentNullException.ThrowIfNull(selector);
        return Volatile.Read(ref _selectors).TryGetValue(selector.Key, out Entry? entry)
            ? entry.Selections
            : Compute(selector, Volatile.Read(ref _identities).Values);
    }

    /// <summary>Makes the selectors in use exactly <paramref name="selectors"/>; returns those added and removed.</summary>
    public (ImmutableArray<IIdentitySelector> Added, ImmutableArray<IIdentitySelector> Removed) SetSelectors(IEnumerable<IIdentitySelector> selectors)
    {
        ArgumentNullException.ThrowIfNull(selectors);
        lock (_gate)
        {
            var wanted = new Dictionary<string, IIdentitySelector>(StringComparer.Ordinal);
            foreach (IIdentitySelector s in selectors)
                wanted.TryAdd(s.Key, s);
            var builder = _selectors.ToBuilder();
            var removed = ImmutableArray.CreateBuilder<IIdentitySelector>();
            foreach ((string key, Entry entry) in _selectors.Where(e => !wanted.ContainsKey(e.Key)))
            {
                builder.Remove(key);
                removed.Add(entry.Selector);
            }

            var added = ImmutableArray.CreateBuilder<IIdentitySelector>();
            foreach ((string key, IIdentitySelector selector) in wanted.Where(w => !_selectors.ContainsKey(w.Key)))
            {
                builder[key] = new Entry(selector, Compute(selector, _identities.Values));
                added.Add(selector);
            }

            Volatile.Write(ref _selectors, builder.ToImmutable());
            return (added.ToImmutable(), removed.ToImmutable());
        }
    }

    /// <summary>
    /// Adds and removes identities (an added identity replaces one with the same number); returns the selectors
    /// whose selections changed.
    /// </summary>
    public ImmutableArray<IIdentitySelector> UpdateIdentities(IEnumerable<Identity> added, IEnumerable<Identity> removed)
    {
        ArgumentNullException.ThrowIfNull(added);
        ArgumentNullException.ThrowIfNull(removed);
        lock (_gate)
        {
            var identities = _identities.ToBuilder();
            var gone = new List<Identity>();
            var came = new List<Identity>();
            foreach (Identity identity in removed)
            {
                if (identities.Remove(identity.Id.Value, out Identity? old))
                    gone.Add(old);
            }

            foreach (Identity identity in added)
            {
                if (identity.Id.IsUnknown)
                    throw new ArgumentException("identity 0 cannot be selected: it means \"any peer\" in policy keys", nameof(added));
                if (identities.TryGetValue(identity.Id.Value, out Identity? old))
                {
                    if (old == identity)
                        continue;
                    gone.Add(old);
                }

                identities[identity.Id.Value] = identity;
                came.Add(identity);
            }

            var changed = ImmutableArray.CreateBuilder<IIdentitySelector>();
            var selectors = _selectors.ToBuilder();
            foreach ((string key, Entry entry) in _selectors)
            {
                ImmutableHashSet<NumericIdentity> selections = entry.Selections;
                foreach (Identity identity in gone)
                    selections = selections.Remove(identity.Id);
                foreach (Identity identity in came.Where(i => entry.Selector.Matches(i.Labels)))
                    selections = selections.Add(identity.Id);
                if (!selections.SetEquals(entry.Selections))
                {
                    selectors[key] = entry with { Selections = selections };
                    changed.Add(entry.Selector);
                }
            }

            Volatile.Write(ref _identities, identities.ToImmutable());
            Volatile.Write(ref _selectors, selectors.ToImmutable());
            return changed.ToImmutable();
        }
    }

    private static ImmutableHashSet<NumericIdentity> Compute(IIdentitySelector selector, IEnumerable<Identity> identities) =>
        [.. identities.Where(i => selector.Matches(i.Labels)).Select(i => i.Id)];

    private sealed record Entry(IIdentitySelector Selector, ImmutableHashSet<NumericIdentity> Selections);
}
