using System.Collections.Immutable;
using Tendril.ControlPlane.Services.Model;

namespace Tendril.ControlPlane.Services.LoadBalancing;

/// <summary>Upserts and deletes for one map, in the order they must be written. Immutable.</summary>
public sealed record MapDiff<TKey, TValue>(ImmutableArray<KeyValuePair<TKey, TValue>> Upserts, ImmutableArray<TKey> Deletes)
{
    public bool IsEmpty => Upserts.IsEmpty && Deletes.IsEmpty;

    public int Count => Upserts.Length + Deletes.Length;
}

/// <summary>
/// The writes that turn the maps from one <see cref="LoadBalancerState"/> into another: only entries that differ.
/// <para>
/// Apply in this order, so that no lookup ever finds a frontend pointing at a missing backend, a count larger than
/// the slots written, or a rev-NAT index without its entry:
/// 1. <see cref="Backends"/> upserts (new backends exist before anything refers to them; state changes such as
///    active → terminating take effect);
/// 2. <see cref="RevNat"/> upserts (replies of new frontends can be translated from their first packet);
/// 3. <see cref="Maglev"/> upserts (tables refer only to backends written in step 1);
/// 4. <see cref="Services"/> upserts, in list order: for each frontend its slots first, then its master entry —
///    a count grows only once its slots exist, and shrinks before the surplus slots go;
/// 5. <see cref="Services"/> deletes, in list order: surplus slots of shrunk frontends; master entries of removed
///    frontends before their slots, so lookups stop at the master;
/// 6. <see cref="Maglev"/> deletes; 7. <see cref="RevNat"/> deletes; 8. <see cref="Backends"/> deletes (nothing
///    refers to them any more).
/// New IDs never reuse an ID freed in the same diff (see <see cref="Allocation.StableIdAllocator"/>), so step 1
/// cannot redirect a slot still pointing at a backend that step 8 removes.
/// </para>
/// Immutable and thread-safe.
/// </summary>
public sealed record LoadBalancerDiff(
    MapDiff<uint, BackendEntry> Backends,
    MapDiff<ushort, RevNatEntry> RevNat,
    MapDiff<MaglevKey, ValueArray<uint>> Maglev,
    MapDiff<ServiceMapKey, ServiceMapValue> Services)
{
    public bool IsEmpty => Backends.IsEmpty && RevNat.IsEmpty && Maglev.IsEmpty && Services.IsEmpty;

    /// <summary>Number of map writes (upserts and deletes).</summary>
    public int Count => Backends.Count + RevNat.Count + Maglev.Count + Services.Count;

    /// <summary>The writes from <paramref name="from"/> (what the maps hold) to <paramref name="to"/>.</summary>
    public static LoadBalancerDiff Compute(LoadBalancerState from, LoadBalancerState to)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        return new LoadBalancerDiff(Simple(from.Backends, to.Backends), Simple(from.RevNat, to.RevNat),
            Simple(from.Maglev, to.Maglev), ServiceEntries(from, to));
    }

    private static MapDiff<TKey, TValue> Simple<TKey, TValue>(ImmutableSortedDictionary<TKey, TValue> from, ImmutableSortedDictionary<TKey, TValue> to)
        where TKey : notnull
    {
        var upserts = to.Where(kv => !from.TryGetValue(kv.Key, out TValue? old) || !EqualityComparer<TValue>.Default.Equals(old, kv.Value));
        var deletes = from.Keys.Where(k => !to.ContainsKey(k));
        return new MapDiff<TKey, TValue>([.. upserts], [.. deletes]);
    }

    private static MapDiff<ServiceMapKey, ServiceMapValue> ServiceEntries(LoadBalancerState from, LoadBalancerState to)
    {
        var upserts = ImmutableArray.CreateBuilder<KeyValuePair<ServiceMapKey, ServiceMapValue>>();
        var surplus = ImmutableArray.CreateBuilder<ServiceMapKey>();
        foreach (Frontend frontend in to.Frontends.Values)
        {
            Frontend? old = from.Frontends.GetValueOrDefault(frontend.Key);
            if (old == frontend)
                continue;
            var oldEntries = old is null ? [] : LoadBalancerState.EntriesOf(old).ToDictionary(e => e.Key, e => e.Value);
            var entries = LoadBalancerState.EntriesOf(frontend).ToList();

            // Slots before the master entry.
            foreach ((ServiceMapKey key, ServiceMapValue value) in entries.Skip(1).Append(entries[0]))
            {
                if (!oldEntries.TryGetValue(key, out ServiceMapValue? previous) || previous != value)
                    upserts.Add(KeyValuePair.Create(key, value));
            }

            for (int slot = frontend.ActiveBackends.Count + 1; old is not null && slot <= old.ActiveBackends.Count; slot++)
                surplus.Add(new ServiceMapKey(frontend.Key, (ushort)slot));
        }

        var deletes = ImmutableArray.CreateBuilder<ServiceMapKey>();
        deletes.AddRange(surplus);
        foreach (Frontend old in from.Frontends.Values.Where(f => !to.Frontends.ContainsKey(f.Key)))
        {
            deletes.Add(new ServiceMapKey(old.Key, 0));
            for (int slot = 1; slot <= old.ActiveBackends.Count; slot++)
                deletes.Add(new ServiceMapKey(old.Key, (ushort)slot));
        }

        return new MapDiff<ServiceMapKey, ServiceMapValue>(upserts.ToImmutable(), deletes.ToImmutable());
    }
}
