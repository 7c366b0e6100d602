namespace Tendril.Store.Embedded;

/// <summary>
/// The events of the last <c>capacity</c> revisions, for watchers to replay and to follow live. Every revision after
/// <see cref="CompactedRevision"/> has an entry, because a revision exists only when a write changed a key.
/// Not thread-safe: the store serialises access.
/// </summary>
internal sealed class WatchHistory
{
    private readonly (long Revision, WatchEvent[] Events)[] _ring;
    private int _start;
    private int _count;

    public WatchHistory(int capacity, long compactedRevision)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _ring = new (long, WatchEvent[])[capacity];
        CompactedRevision = compactedRevision;
    }

    /// <summary>Events of this revision and earlier are gone; a watch may start here or later.</summary>
    public long CompactedRevision { get; private set; }

    public long LastRevision => CompactedRevision + _count;

    public void Add(long revision, WatchEvent[] events)
    {
        if (revision != LastRevision + 1)
            throw new InvalidOperationException($"history at revision {LastRevision} cannot take revision {revision}");
        if (_count == _ring.Length)
        {
            CompactedRevision = _ring[_start].Revision;
            _ring[_start] = default;
            _start = (_start + 1) % _ring.Length;
            _count--;
        }
        _ring[(_start + _count) % _ring.Length] = (revision, events);
        _count++;
    }

    /// <summary>
    /// Copies the events under <paramref name="prefix"/> of up to <paramref name="maxRevisions"/> revisions after
    /// <paramref name="after"/>; returns the last revision looked at (the new position of the caller).
    /// </summary>
    public long CopyAfter(long after, string prefix, List<WatchEvent> into, int maxRevisions)
    {
        if (after < CompactedRevision)
            throw new StoreCompactedException(after, CompactedRevision);
        long last = Math.Min(LastRevision, after + maxRevisions);
        for (long revision = after + 1; revision <= last; revision++)
        {
            var entry = _ring[(_start + (int)(revision - CompactedRevision - 1)) % _ring.Length];
            foreach (var e in entry.Events)
            {
                if (e.Key.StartsWith(prefix, StringComparison.Ordinal))
                    into.Add(e);
            }
        }
        return Math.Max(after, last);
    }
}
