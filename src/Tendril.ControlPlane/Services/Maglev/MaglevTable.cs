using System.IO.Hashing;
using System.Text;

namespace Tendril.ControlPlane.Services.Maglev;

/// <summary>A backend as Maglev sees it: a name that is the same on every node, and a weight (0 = takes no entry).</summary>
public readonly record struct MaglevBackend(string Name, uint Weight = 1);

/// <summary>
/// Maglev consistent hashing (Eisenbud et al., NSDI 2016): a lookup table of prime size M in which each backend
/// owns about M·weight/Σweight entries, filled so that removing or adding one backend moves few entries of the
/// others. Each backend's preference list is the permutation <c>(offset + j·skip) mod M</c>, with offset and skip
/// from two independent hashes of its name; backends take turns claiming their next preferred free entry until the
/// table is full. Weights: a backend with weight w claims an entry in w of every wmax turns (credit counting), so
/// equal weights are exactly the paper's algorithm.
/// Hash: XxHash3 (64-bit) of the UTF-8 name, keyed twice with the seed (the second time with the seed XOR a golden-
/// ratio constant) — fast, well distributed and stable across processes and releases, which a table that every node
/// must compute identically requires (string.GetHashCode is randomized per process). Pure and thread-safe.
/// </summary>
public static class MaglevTable
{
    /// <summary>Cilium's default table size (<c>--bpf-lb-maglev-table-size</c>).</summary>
    public const int DefaultSize = 16381;

    /// <summary>Cilium's default seed text (<c>--bpf-lb-maglev-hash-seed</c>); it must be the same on all nodes.</summary>
    public const string DefaultSeed = "JLfvgnHc2kaSUFaI";

    /// <summary>The table sizes Cilium allows (primes, each roughly double the previous).</summary>
    public static IReadOnlyList<int> RecommendedSizes { get; } = [251, 509, 1021, 2039, 4093, 8191, 16381, 32749, 65521, 131071];

    private const ulong SkipSeedMix = 0x9E3779B97F4A7C15;

    /// <summary>The numeric seed of a seed text (XxHash64 of its UTF-8 bytes).</summary>
    public static ulong SeedFrom(string seed)
    {
        ArgumentNullException.ThrowIfNull(seed);
        return XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(seed));
    }

    /// <summary>
    /// The table: for each of the <paramref name="tableSize"/> entries, the index in <paramref name="backends"/> of
    /// the backend that owns it. The result depends on the names, weights, size and seed only — not on the order of
    /// <paramref name="backends"/> beyond ties, so callers should pass them sorted by name to get identical tables on
    /// every node. Throws <see cref="ArgumentException"/> for a size that is not prime or is smaller than the number
    /// of weighted backends, for duplicate or empty names, and when no backend has a weight.
    /// </summary>
    public static int[] Build(IReadOnlyList<MaglevBackend> backends, int tableSize, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(backends);
        Validate(backends, tableSize);
        int n = backends.Count;
        var offset = new ulong[n];
        var skip = new ulong[n];
        uint maxWeight = 0;
        for (int i = 0; i < n; i++)
        {
            byte[] name = Encoding.UTF8.GetBytes(backends[i].Name);
            offset[i] = XxHash3.HashToUInt64(name, unchecked((long)seed)) % (ulong)tableSize;
            skip[i] = XxHash3.HashToUInt64(name, unchecked((long)(seed ^ SkipSeedMix))) % (ulong)(tableSize - 1) + 1;
            maxWeight = Math.Max(maxWeight, backends[i].Weight);
        }

        var table = new int[tableSize];
        Array.Fill(table, -1);
        var next = new ulong[n];
        var credit = new ulong[n];
        int filled = 0;
        while (true)
        {
            for (int i = 0; i < n; i++)
            {
                credit[i] += backends[i].Weight;
                if (credit[i] < maxWeight)
                    continue;
                credit[i] -= maxWeight;

                // skip < M and M prime: the preference list visits every entry, so a free one is always found.
                ulong entry;
                do
                {
                    entry = (offset[i] + next[i] % (ulong)tableSize * skip[i]) % (ulong)tableSize;
                    next[i]++;
                }
                while (table[entry] >= 0);

                table[entry] = i;
                if (++filled == tableSize)
                    return table;
            }
        }
    }

    /// <summary>True when <paramref name="n"/> is prime.</summary>
    public static bool IsPrime(int n)
    {
        if (n < 2)
            return false;
        if (n % 2 == 0)
            return n == 2;
        for (int d = 3; (long)d * d <= n; d += 2)
        {
            if (n % d == 0)
                return false;
        }

        return true;
    }

    private static void Validate(IReadOnlyList<MaglevBackend> backends, int tableSize)
    {
        if (tableSize < 3 || !IsPrime(tableSize))
            throw new ArgumentException($"Maglev table size {tableSize} must be a prime of at least 3 (e.g. {string.Join(", ", RecommendedSizes)})", nameof(tableSize));
        if (backends.Count == 0)
            throw new ArgumentException("a Maglev table needs at least one backend", nameof(backends));
        var names = new HashSet<string>(StringComparer.Ordinal);
        int weighted = 0;
        foreach (MaglevBackend b in backends)
        {
            if (string.IsNullOrEmpty(b.Name))
                throw new ArgumentException("a Maglev backend needs a non-empty name", nameof(backends));
            if (!names.Add(b.Name))
                throw new ArgumentException($"Maglev backend \"{b.Name}\" is listed twice", nameof(backends));
            if (b.Weight > 0)
                weighted++;
        }

        if (weighted == 0)
            throw new ArgumentException("every Maglev backend has weight 0: at least one must take traffic", nameof(backends));
        if (weighted > tableSize)
            throw new ArgumentException($"Maglev table size {tableSize} is smaller than the {weighted} backends it must hold; use a larger prime (at least 100 times the backends is recommended)", nameof(tableSize));
    }
}
