using System.Collections.Concurrent;

namespace Tendril.Hubble.Storage;

/// <summary>
/// Remembers when each (cluster, namespace) last appeared in a flow, for <c>GetNamespaces</c> ("namespaces with
/// flows in the last hour"). <see cref="Observe"/> is called by the writer thread for every flow and does not
/// allocate for namespaces it has seen before; <see cref="Recent"/> may run concurrently from any thread.
/// </summary>
public sealed class NamespaceTracker
{
    private readonly ConcurrentDictionary<(string Cluster, string Namespace), long> _lastSeen = new();

    /// <summary>Records that <paramref name="ns"/> had a flow at <paramref name="unixNanoseconds"/>.</summary>
    public void Observe(string cluster, string ns, long unixNanoseconds)
    {
        if (ns.Length != 0)
            _lastSeen[(cluster, ns)] = unixNanoseconds;
    }

    /// <summary>Namespaces seen at or after <paramref name="since"/>, sorted by cluster then namespace; forgets older ones.</summary>
    public IReadOnlyList<(string Cluster, string Namespace)> Recent(DateTimeOffset since)
    {
        long horizon = (since - DateTimeOffset.UnixEpoch).Ticks * 100;
        var recent = new List<(string, string)>();
        foreach (var (key, seen) in _lastSeen)
        {
            if (seen >= horizon)
                recent.Add(key);
            else
                _lastSeen.TryRemove(new KeyValuePair<(string, string), long>(key, seen));
        }
        recent.Sort((a, b) =>
        {
            int c = string.CompareOrdinal(a.Item1, b.Item1);
            return c != 0 ? c : string.CompareOrdinal(a.Item2, b.Item2);
        });
        return recent;
    }
}
