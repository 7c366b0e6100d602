using Tendril.ControlPlane.Labels;

namespace Tendril.ControlPlane.Identities;

/// <summary>
/// Deterministic in-memory allocator: a new label set gets the lowest free number from 256 (the numbers of
/// restored identities are kept). The default until the store-backed allocator exists, and the fake for tests.
/// Thread-safe; <see cref="Changed"/> is raised outside the lock.
/// </summary>
public sealed class InMemoryIdentityAllocator : IIdentityAllocator
{
    private readonly object _gate = new();
    private readonly Dictionary<LabelSet, Entry> _byLabels = [];
    private readonly SortedDictionary<uint, Entry> _byId = [];
    private readonly uint _min;
    private readonly uint _max;

    /// <summary>Creates an allocator, optionally restoring identities (each restored with one reference).</summary>
    public InMemoryIdentityAllocator(IEnumerable<Identity>? restored = null,
        uint minimum = NumericIdentity.MinimalCluster, uint maximum = NumericIdentity.MaximalCluster)
    {
        if (minimum < NumericIdentity.MinimalCluster || maximum < minimum || maximum >= NumericIdentity.LocalScope)
            throw new ArgumentOutOfRangeException(nameof(minimum), $"identity range {minimum}..{maximum} is not inside the cluster range");
        _min = minimum;
        _max = maximum;
        foreach (Identity identity in restored ?? [])
        {
            if (identity.Id.Value < minimum || identity.Id.Value > maximum)
                throw new ArgumentException($"restored identity {identity} is outside {minimum}..{maximum}", nameof(restored));
            if (_byId.ContainsKey(identity.Id.Value) || _byLabels.ContainsKey(identity.Labels))
                throw new ArgumentException($"restored identity {identity} is a duplicate", nameof(restored));
            var entry = new Entry(identity) { References = 1 };
            _byId.Add(identity.Id.Value, entry);
            _byLabels.Add(identity.Labels, entry);
        }
    }

    /// <inheritdoc/>
    public event EventHandler<IdentityChange>? Changed;

    /// <inheritdoc/>
    public IReadOnlyCollection<Identity> All
    {
        get
        {
            lock (_gate)
                return [.. ReservedIdentities.All, .. _byId.Values.Select(e => e.Identity)];
        }
    }

    /// <inheritdoc/>
    public Identity Allocate(LabelSet labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Count == 0)
            throw new ArgumentException("an identity needs at least one label", nameof(labels));
        if (ReservedIdentities.Lookup(labels) is { } reserved)
            return reserved;

        Identity created;
        lock (_gate)
        {
            if (_byLabels.TryGetValue(labels, out Entry? existing))
            {
                existing.References++;
                return existing.Identity;
            }

            created = new Identity(new NumericIdentity(FreeNumber()), labels);
            var entry = new Entry(created) { References = 1 };
            _byId.Add(created.Id.Value, entry);
            _byLabels.Add(labels, entry);
        }

        Changed?.Invoke(this, new IdentityChange([created], []));
        return created;
    }

    /// <inheritdoc/>
    public ValueTask<Identity> AllocateAsync(LabelSet labels, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Allocate(labels));
    }

    /// <inheritdoc/>
    public bool Release(NumericIdentity id)
    {
        Identity removed;
        lock (_gate)
        {
            if (!_byId.TryGetValue(id.Value, out Entry? entry))
                return false;
            if (--entry.References > 0)
                return false;
            _byId.Remove(id.Value);
            _byLabels.Remove(entry.Identity.Labels);
            removed = entry.Identity;
        }

        Changed?.Invoke(this, new IdentityChange([], [removed]));
        return true;
    }

    /// <inheritdoc/>
    public Identity? Lookup(NumericIdentity id)
    {
        if (ReservedIdentities.Lookup(id) is { } reserved)
            return reserved;
        lock (_gate)
            return _byId.TryGetValue(id.Value, out Entry? entry) ? entry.Identity : null;
    }

    /// <inheritdoc/>
    public Identity? Lookup(LabelSet labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (ReservedIdentities.Lookup(labels) is { } reserved)
            return reserved;
        lock (_gate)
            return _byLabels.TryGetValue(labels, out Entry? entry) ? entry.Identity : null;
    }

    private uint FreeNumber()
    {
        uint candidate = _min;
        foreach (uint used in _byId.Keys)
        {
            if (used > candidate)
                break;
            if (used == candidate)
                candidate++;
        }

        if (candidate > _max)
            throw new InvalidOperationException($"the identity range {_min}..{_max} is exhausted: release unused identities or widen the range");
        return candidate;
    }

    private sealed class Entry(Identity identity)
    {
        public Identity Identity { get; } = identity;

        public int References { get; set; }
    }
}
