namespace Tendril.ControlPlane.Services.Allocation;

/// <summary>
/// Assigns numeric IDs (service IDs = rev-NAT indexes, backend IDs) to keys so that a key keeps its ID for as long as
/// it exists. A new key never gets an ID the previous assignment used, even one that is being freed in the same step:
/// the datapath applies a diff in several writes, and reusing an ID at once would let a stale reference (a service
/// slot, a conntrack entry's rev-NAT index) reach the new owner. New IDs are the lowest free ones. Pure and
/// thread-safe (no state).
/// </summary>
public static class StableIdAllocator
{
    /// <summary>
    /// IDs for <paramref name="keys"/> within [<paramref name="min"/>, <paramref name="max"/>], keeping those of
    /// <paramref name="previous"/>. Throws <see cref="InvalidOperationException"/> when the range is exhausted.
    /// </summary>
    public static Dictionary<TKey, uint> Assign<TKey>(IEnumerable<TKey> keys, IReadOnlyDictionary<TKey, uint> previous,
        uint min, uint max, string what)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(previous);
        if (min == 0 || min > max)
            throw new ArgumentOutOfRangeException(nameof(min), "IDs start at 1 (0 means none in the datapath)");

        var result = new Dictionary<TKey, uint>();
        var fresh = new List<TKey>();
        foreach (TKey key in keys)
        {
            if (result.ContainsKey(key))
                continue;
            if (previous.TryGetValue(key, out uint id) && id >= min && id <= max)
                result[key] = id;
            else
                fresh.Add(key);
        }

        if (fresh.Count == 0)
            return result;
        var used = new HashSet<uint>(previous.Values);
        used.UnionWith(result.Values);
        long next = min;
        foreach (TKey key in fresh)
        {
            while (next <= max && used.Contains((uint)next))
                next++;
            if (next > max)
            {
                // Only IDs freed in this very step are left: reuse them rather than fail (a short window beats none).
                used = [.. result.Values];
                next = min;
                while (next <= max && used.Contains((uint)next))
                    next++;
                if (next > max)
                    throw new InvalidOperationException($"no free {what} ID left in {min}-{max}: {result.Count + 1} or more are needed");
            }

            result[key] = (uint)next;
            used.Add((uint)next);
            next++;
        }

        return result;
    }
}
