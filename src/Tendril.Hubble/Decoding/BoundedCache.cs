using System.Collections.Concurrent;

namespace Tendril.Hubble.Decoding;

/// <summary>
/// A concurrent cache of at most about <c>limit</c> entries, cleared when it fills: the decoder's shared messages and
/// address strings. Lookups of present keys take no lock and allocate nothing. Thread-safe.
/// </summary>
/// <remarks>
/// Counts its own entries: <see cref="ConcurrentDictionary{TKey,TValue}.Count"/> takes every one of the
/// dictionary's locks, which grow with the table to hundreds, and checking it on each miss cost 24 µs a miss (one
/// new address or peer per flow made ingesting 100× slower).
/// </remarks>
internal sealed class BoundedCache<TKey, TValue>(int limit, IEqualityComparer<TKey>? comparer = null)
    where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, TValue> _entries = new(comparer);
    private int _count;

    /// <summary>The cached value for <paramref name="key"/>, or one made by <paramref name="create"/> and cached.</summary>
    public TValue GetOrAdd<TArg>(TKey key, Func<TKey, TArg, TValue> create, TArg argument)
    {
        if (_entries.TryGetValue(key, out var value))
            return value;
        if (Volatile.Read(ref _count) >= limit)
        {
            _entries.Clear();
            Volatile.Write(ref _count, 0);
        }
        value = create(key, argument);
        if (_entries.TryAdd(key, value))
        {
            Interlocked.Increment(ref _count);
            return value;
        }
        // Another thread cached one first: hand out the same instance as it does.
        return _entries.TryGetValue(key, out var cached) ? cached : value;
    }
}
