using System.Diagnostics;
using Tendril.Ebpf;
using Tendril.Tests.Common.SelfTest;

namespace Tendril.Bench;

/// <summary>
/// The four map figures through Tendril.Ebpf, shaped exactly like map_pass in bench/baseline/ebpf_baseline.c:
/// same map, keys 0..N-1, same value contents, same batch size, one warm-up pass, median of the timed passes.
/// </summary>
internal static class MapBench
{
    public static readonly string[] Figures = ["map_update_single", "map_lookup_single", "map_update_batch", "map_lookup_batch"];

    /// <summary>Operations per second of each figure, keyed by its name.</summary>
    public static Dictionary<string, double> Measure(EbpfSettings s)
    {
        var spec = SelfTestObject.Spec();
        spec.Maps[SelfTestObject.HashMap].MaxEntries = (uint)(s.Keys + s.Batch);
        using var collection = spec.Load();
        var map = collection.GetMap<uint, SelfTestValue>(SelfTestObject.HashMap);
        // Reused by every batch call of every pass, so the timed loops allocate nothing.
        var keys = new uint[s.Batch];
        var values = new SelfTestValue[s.Batch];
        var rates = new double[s.Repetitions][];

        // Warm-up: fills the map (the C side does the same) and lets the JIT optimise every loop below.
        Pass(map, s.Keys, keys, values);
        for (int r = 0; r < s.Repetitions; r++)
            rates[r] = Pass(map, s.Keys, keys, values);
        return Enumerable.Range(0, Figures.Length).ToDictionary(f => Figures[f], f => Stats.Median(rates.Select(r => r[f])));
    }

    private static double[] Pass(Map<uint, SelfTestValue> map, int n, uint[] keys, SelfTestValue[] values)
    {
        var rate = new double[Figures.Length];
        var value = default(SelfTestValue);

        long t = Stopwatch.GetTimestamp();
        for (uint k = 0; k < n; k++)
        {
            value.Counter = k;
            map.Update(k, value);
        }
        rate[0] = n / Stopwatch.GetElapsedTime(t).TotalSeconds;

        t = Stopwatch.GetTimestamp();
        for (uint k = 0; k < n; k++)
        {
            if (!map.TryLookup(k, out value))
                throw new InvalidOperationException($"map {map.Name}: key {k} is missing after it was written");
        }
        rate[1] = n / Stopwatch.GetElapsedTime(t).TotalSeconds;

        t = Stopwatch.GetTimestamp();
        for (int start = 0; start < n; start += keys.Length)
        {
            int count = Math.Min(keys.Length, n - start);
            for (int i = 0; i < count; i++)
            {
                keys[i] = (uint)(start + i);
                values[i].Counter = (ulong)(start + i);
            }
            map.UpdateBatch(keys.AsSpan(0, count), values.AsSpan(0, count));
        }
        rate[2] = n / Stopwatch.GetElapsedTime(t).TotalSeconds;

        t = Stopwatch.GetTimestamp();
        var cursor = new MapBatchCursor(sizeof(uint));
        long total = 0;
        while (!cursor.Done)
            total += map.LookupBatch(cursor, keys, values);
        rate[3] = total / Stopwatch.GetElapsedTime(t).TotalSeconds;
        if (total != n)
            throw new InvalidOperationException($"map {map.Name}: batched lookup returned {total} entries, {n} were written");
        return rate;
    }
}
