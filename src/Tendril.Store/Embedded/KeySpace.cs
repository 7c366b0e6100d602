namespace Tendril.Store.Embedded;

/// <summary>A lease as the key space tracks it: its TTL, its deadline on the store's clock, and the keys attached to it.</summary>
internal sealed class LeaseState(long id, TimeSpan ttl, long deadline)
{
    public long Id { get; } = id;

    public TimeSpan Ttl { get; } = ttl;

    /// <summary>A <see cref="TimeProvider.GetTimestamp"/> value; at or after it the lease has expired.</summary>
    public long Deadline { get; set; } = deadline;

    public HashSet<string> Keys { get; } = new(StringComparer.Ordinal);
}

/// <summary>
/// The store's state machine: keys, revisions and leases, changed only by <see cref="Apply"/> so that a live commit and a
/// replay after restart produce the same state and the same watch events. Not thread-safe: the store serialises access.
/// Lease deadlines are not part of the replicated state — they restart from "now" when a lease is granted or restored.
/// </summary>
internal sealed class KeySpace(TimeProvider time)
{
    private readonly SortedSet<string> _order = new(KeyOrder.Instance);
    private readonly Dictionary<string, KeyValue> _entries = new(StringComparer.Ordinal);
    private readonly Dictionary<long, LeaseState> _leases = [];

    /// <summary>The revision of the last write that changed a key.</summary>
    public long Revision { get; private set; }

    /// <summary>The index of the last applied record.</summary>
    public long LastIndex { get; private set; }

    public long NextLeaseId { get; private set; } = 1;

    public int Count => _entries.Count;

    public IReadOnlyCollection<LeaseState> Leases => _leases.Values;

    public KeyValue? Get(string key) => _entries.GetValueOrDefault(key);

    public LeaseState? FindLease(long id) => _leases.GetValueOrDefault(id);

    /// <summary>The keys starting with <paramref name="prefix"/>, in key order.</summary>
    public IEnumerable<KeyValue> Range(string prefix)
    {
        if (_order.Count == 0)
            return [];
        if (prefix.Length == 0)
            return _order.Select(key => _entries[key]);
        string upper = KeyOrder.Successor(prefix) ?? _order.Max!;
        if (KeyOrder.Instance.Compare(prefix, upper) > 0)
            return [];
        return _order.GetViewBetween(prefix, upper)
            .TakeWhile(key => key.StartsWith(prefix, StringComparison.Ordinal))
            .Select(key => _entries[key]);
    }

    /// <summary>The deadline of a lease with <paramref name="ttl"/> that starts now.</summary>
    public long DeadlineFromNow(TimeSpan ttl) =>
        time.GetTimestamp() + (long)((Int128)ttl.Ticks * time.TimestampFrequency / TimeSpan.TicksPerSecond);

    /// <summary>Applies the next record; returns the watch events it produced (none when no key changed).</summary>
    /// <exception cref="InvalidDataException">The record does not follow the current state.</exception>
    public WatchEvent[] Apply(LogRecord record)
    {
        if (record.Index != LastIndex + 1)
            throw new InvalidDataException($"record {record.Index} does not follow record {LastIndex}");
        long revision = record.ChangesKeys ? Revision + 1 : Revision;
        if (record.Revision != revision)
            throw new InvalidDataException($"record {record.Index} claims revision {record.Revision}, but applying it gives {revision}");

        var events = new List<WatchEvent>();
        foreach (var op in record.Ops)
        {
            switch (op)
            {
                case LogOp.Put put:
                    events.Add(ApplyPut(put, revision));
                    break;
                case LogOp.Delete delete:
                    if (ApplyDelete(delete.Key, revision) is { } deleted)
                        events.Add(deleted);
                    break;
                case LogOp.GrantLease grant:
                    if (!_leases.TryAdd(grant.LeaseId, new LeaseState(grant.LeaseId, grant.Ttl, DeadlineFromNow(grant.Ttl))))
                        throw new InvalidDataException($"record {record.Index} grants lease {grant.LeaseId}, which already exists");
                    NextLeaseId = Math.Max(NextLeaseId, grant.LeaseId + 1);
                    break;
                case LogOp.RevokeLease revoke:
                    // The record deletes the lease's keys explicitly before this op, so its deletions have events and a revision.
                    if (_leases.Remove(revoke.LeaseId, out var lease) && lease.Keys.Count > 0)
                        throw new InvalidDataException($"record {record.Index} revokes lease {revoke.LeaseId} but leaves {lease.Keys.Count} key(s) attached");
                    break;
            }
        }
        LastIndex = record.Index;
        Revision = revision;
        return [.. events];
    }

    public Snapshot ToSnapshot() => new(LastIndex, Revision, NextLeaseId,
        [.. _leases.Values.OrderBy(l => l.Id).Select(l => new LogOp.GrantLease(l.Id, l.Ttl))],
        [.. _order.Select(key => _entries[key])]);

    /// <summary>Rebuilds a key space; every lease's countdown starts over now, as etcd's does after a restart.</summary>
    public static KeySpace FromSnapshot(Snapshot snapshot, TimeProvider time)
    {
        var space = new KeySpace(time) { LastIndex = snapshot.LastIndex, Revision = snapshot.Revision, NextLeaseId = snapshot.NextLeaseId };
        foreach (var lease in snapshot.Leases)
            space._leases.Add(lease.LeaseId, new LeaseState(lease.LeaseId, lease.Ttl, space.DeadlineFromNow(lease.Ttl)));
        foreach (var kv in snapshot.Entries)
        {
            if (!space._entries.TryAdd(kv.Key, kv))
                throw new InvalidDataException($"snapshot holds key {kv.Key} twice");
            space._order.Add(kv.Key);
            if (kv.LeaseId != 0)
            {
                if (!space._leases.TryGetValue(kv.LeaseId, out var lease))
                    throw new InvalidDataException($"snapshot attaches key {kv.Key} to lease {kv.LeaseId}, which it does not hold");
                lease.Keys.Add(kv.Key);
            }
        }
        return space;
    }

    private WatchEvent ApplyPut(LogOp.Put put, long revision)
    {
        var previous = Get(put.Key);
        if (previous is { LeaseId: not 0 } && previous.LeaseId != put.LeaseId)
            FindLease(previous.LeaseId)?.Keys.Remove(put.Key);
        if (put.LeaseId != 0)
        {
            var lease = FindLease(put.LeaseId) ?? throw new InvalidDataException($"put of {put.Key} names lease {put.LeaseId}, which does not exist");
            lease.Keys.Add(put.Key);
        }
        var kv = new KeyValue(put.Key, put.Value, previous?.CreateRevision ?? revision, revision, (previous?.Version ?? 0) + 1, put.LeaseId);
        _entries[put.Key] = kv;
        if (previous is null)
            _order.Add(put.Key);
        return new WatchEvent(WatchEventType.Put, kv.Key, kv.Value, revision, kv.CreateRevision, kv.Version, kv.LeaseId, previous?.Value);
    }

    private WatchEvent? ApplyDelete(string key, long revision)
    {
        if (!_entries.Remove(key, out var previous))
            return null;
        _order.Remove(key);
        if (previous.LeaseId != 0)
            FindLease(previous.LeaseId)?.Keys.Remove(key);
        return new WatchEvent(WatchEventType.Delete, key, null, revision, 0, 0, 0, previous.Value);
    }
}
