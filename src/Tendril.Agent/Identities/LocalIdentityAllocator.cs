using System.Collections.Immutable;
using Tendril.Agent.State;
using Tendril.ControlPlane.Identities;
using Tendril.ControlPlane.Labels;

namespace Tendril.Agent.Identities;

/// <summary>
/// Node-local identity allocation: each distinct label set gets a number from 256 up (Cilium's cluster range), kept
/// in the agent's state so the same labels keep the same number across restarts; numbers are never reused for
/// other labels within a node's life. Reference-counted: an identity is "known" (in <see cref="All"/>, announced by
/// <see cref="Changed"/>) while at least one endpoint uses it. Reserved label sets get their fixed numbers.
/// Thread-safe; <see cref="Changed"/> is raised outside the lock, on the thread that made the change.
/// </summary>
public sealed class LocalIdentityAllocator : IIdentityAllocator
{
    private readonly object _gate = new();
    private readonly StateDocument<Dictionary<string, uint>> _file;
    private readonly Dictionary<string, uint> _byLabels;
    private readonly Dictionary<uint, (Identity Identity, int Users)> _inUse = new();

    public LocalIdentityAllocator(AgentState state)
    {
        _file = state.Document<Dictionary<string, uint>>("identities");
        _byLabels = _file.Load() ?? new Dictionary<string, uint>();
    }

    public event EventHandler<IdentityChange>? Changed;

    /// <summary>The identities endpoints use now.</summary>
    public IReadOnlyCollection<Identity> All
    {
        get
        {
            lock (_gate)
                return [.. _inUse.Values.Select(v => v.Identity)];
        }
    }

    public Identity Allocate(LabelSet labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (ReservedIdentities.Lookup(labels) is { } reserved)
            return reserved;
        Identity identity;
        bool first;
        lock (_gate)
        {
            if (!_byLabels.TryGetValue(labels.Canonical, out uint id))
            {
                id = _byLabels.Count == 0 ? NumericIdentity.MinimalCluster : _byLabels.Values.Max() + 1;
                if (id > NumericIdentity.MaximalCluster)
                    throw new InvalidOperationException($"no free identity in {NumericIdentity.MinimalCluster}..{NumericIdentity.MaximalCluster}");
                _byLabels[labels.Canonical] = id;
                _file.Save(_byLabels);
            }
            first = !_inUse.TryGetValue(id, out var entry);
            identity = first ? new Identity(new NumericIdentity(id), labels) : entry.Identity;
            _inUse[id] = (identity, entry.Users + 1);
        }
        if (first)
            Changed?.Invoke(this, new IdentityChange([identity], []));
        return identity;
    }

    public ValueTask<Identity> AllocateAsync(LabelSet labels, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Allocate(labels));

    public bool Release(NumericIdentity id)
    {
        Identity identity;
        lock (_gate)
        {
            if (!_inUse.TryGetValue(id.Value, out var entry))
                return false;
            if (entry.Users > 1)
            {
                _inUse[id.Value] = entry with { Users = entry.Users - 1 };
                return false;
            }
            _inUse.Remove(id.Value);
            identity = entry.Identity;
        }
        Changed?.Invoke(this, new IdentityChange([], [identity]));
        return true;
    }

    public Identity? Lookup(NumericIdentity id)
    {
        if (ReservedIdentities.Lookup(id) is { } reserved)
            return reserved;
        lock (_gate)
        {
            if (_inUse.TryGetValue(id.Value, out var entry))
                return entry.Identity;
            string? canonical = _byLabels.FirstOrDefault(kv => kv.Value == id.Value).Key;
            return canonical is null ? null : new Identity(id, LabelSet.ParseCanonical(canonical));
        }
    }

    public Identity? Lookup(LabelSet labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        lock (_gate)
            return _byLabels.TryGetValue(labels.Canonical, out uint id) ? new Identity(new NumericIdentity(id), labels) : null;
    }

    /// <summary>Every identity this node ever allocated, with how many endpoints use it now.</summary>
    public IReadOnlyList<(Identity Identity, int Users)> List()
    {
        lock (_gate)
        {
            return _byLabels.OrderBy(kv => kv.Value)
                .Select(kv => _inUse.TryGetValue(kv.Value, out var e) ? e : (new Identity(new NumericIdentity(kv.Value), LabelSet.ParseCanonical(kv.Key)), 0))
                .ToImmutableArray();
        }
    }
}
