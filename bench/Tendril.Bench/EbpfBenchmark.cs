using System.Diagnostics;
using System.Runtime.InteropServices;
using Spectre.Console;
using Tendril.Ebpf;
using Tendril.Ebpf.RingBuffer;
using Tendril.Tests.Common.Packets;
using Tendril.Tests.Common.SelfTest;

namespace Tendril.Bench;

/// <summary>
/// Tendril.Ebpf's map operations and ring-buffer reader against libbpf used from C, same object, same sizes,
/// same run. Reports; never asserts.
/// </summary>
internal static class EbpfBenchmark
{
    private static readonly byte[] Packet = PacketBuilder.TcpV4("10.0.0.1", 40000, "10.0.0.2", 80);

    public static int Run(EbpfSettings s)
    {
        var wall = Stopwatch.StartNew();
        byte[] objectFile = ReadObject();
        using var baseline = CBaseline.Build(objectFile);

        var csMaps = MeasureMaps(s);
        var cMaps = baseline.Maps(s);
        double csDrain = MeasureDrain(s);
        var cRing = baseline.Ring(s);
        var (concurrentRate, concurrentLost, produced) = MeasureConcurrent(s);

        var table = new Table().AddColumns("Figure", "C#", "C (libbpf)", "C#/C", "Expectation", "Met");
        foreach (var name in new[] { "map_update_single", "map_lookup_single", "map_update_batch", "map_lookup_batch" })
            AddRow(table, name, "ops/s", csMaps[name], cMaps[name], "within 10% of C", csMaps[name] / cMaps[name] >= 0.90);
        AddRow(table, "ring_drain", "events/s", csDrain, cRing["ring_drain"], "≥ 5 M events/s", csDrain >= 5e6);
        table.AddRow("ring_concurrent (producer-bound)", $"{Format(concurrentRate)} events/s", "—", "—",
            $"lost {concurrentLost:N0} of {produced:N0}", "");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"[grey]{(s == EbpfSettings.Smoke ? "smoke run: figures are not meaningful; " : "")}" +
            $"{s.Keys:N0} keys, batches of {s.Batch:N0}, median of {s.Repetitions}; ring {s.RingBytes >> 20} MiB with {s.RingEvents:N0} events; " +
            $"{Environment.ProcessorCount} CPUs; {wall.Elapsed.TotalSeconds:F1} s[/]");
        return 0;
    }

    private static void AddRow(Table table, string name, string unit, double cs, double c, string expectation, bool met) =>
        table.AddRow(name, $"{Format(cs)} {unit}", $"{Format(c)} {unit}", $"{cs / c:F2}", expectation, met ? "[green]yes[/]" : "[yellow]no[/]");

    private static string Format(double value) => value >= 1e6 ? $"{value / 1e6:F2} M" : $"{value / 1e3:F1} k";

    private static byte[] ReadObject()
    {
        using var stream = typeof(SelfTestObject).Assembly.GetManifestResourceStream("bpf/selftest.o")!;
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }

    private static Dictionary<string, double> MeasureMaps(EbpfSettings s)
    {
        var spec = SelfTestObject.Spec();
        spec.Maps[SelfTestObject.HashMap].MaxEntries = (uint)(s.Keys + s.Batch);
        using var collection = spec.Load();
        var map = collection.GetMap<uint, SelfTestValue>(SelfTestObject.HashMap);
        var keys = new uint[s.Batch];
        var values = new SelfTestValue[s.Batch];

        // Warm-up: let the JIT reach its final tier for every loop below.
        MapPass(map, Math.Min(s.Keys, 20_000), keys, values);
        var runs = Enumerable.Range(0, s.Repetitions).Select(_ => MapPass(map, s.Keys, keys, values)).ToList();
        return runs[0].Keys.ToDictionary(k => k, k => Median(runs.Select(r => r[k])));
    }

    private static Dictionary<string, double> MapPass(Map<uint, SelfTestValue> map, int n, uint[] keys, SelfTestValue[] values)
    {
        var result = new Dictionary<string, double>();
        var value = default(SelfTestValue);

        long t = Stopwatch.GetTimestamp();
        for (uint k = 0; k < n; k++)
        {
            value.Counter = k;
            map.Update(k, value);
        }
        result["map_update_single"] = n / Stopwatch.GetElapsedTime(t).TotalSeconds;

        t = Stopwatch.GetTimestamp();
        for (uint k = 0; k < n; k++)
        {
            if (!map.TryLookup(k, out value))
                throw new InvalidOperationException($"key {k} missing");
        }
        result["map_lookup_single"] = n / Stopwatch.GetElapsedTime(t).TotalSeconds;

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
        result["map_update_batch"] = n / Stopwatch.GetElapsedTime(t).TotalSeconds;

        t = Stopwatch.GetTimestamp();
        var cursor = new MapBatchCursor(sizeof(uint));
        long total = 0;
        while (!cursor.Done)
            total += map.LookupBatch(cursor, keys, values);
        result["map_lookup_batch"] = total / Stopwatch.GetElapsedTime(t).TotalSeconds;
        return result;
    }

    private static double MeasureDrain(EbpfSettings s)
    {
        var rates = new List<double>();
        // The first round warms the reader up; the median of the others is reported.
        for (int round = 0; round < Math.Max(2, s.Repetitions); round++)
        {
            var spec = SelfTestObject.Spec();
            spec.Maps[SelfTestObject.EventsMap].MaxEntries = (uint)s.RingBytes;
            using var collection = spec.Load();
            using var reader = RingBufferReader.Open(collection.GetMap(SelfTestObject.EventsMap));
            collection.GetProgram(SelfTestObject.TcProgram).TestRun(Packet, repeat: s.RingEvents);

            var handler = new SeqSum();
            long t = Stopwatch.GetTimestamp();
            int consumed = reader.Consume(ref handler);
            double seconds = Stopwatch.GetElapsedTime(t).TotalSeconds;
            if (consumed != s.RingEvents)
                throw new InvalidOperationException($"drained {consumed} of {s.RingEvents} events");
            if (round > 0)
                rates.Add(consumed / seconds);
        }
        return Median(rates);
    }

    private static (double Rate, long Lost, long Produced) MeasureConcurrent(EbpfSettings s)
    {
        var spec = SelfTestObject.Spec();
        spec.Maps[SelfTestObject.EventsMap].MaxEntries = (uint)s.RingBytes;
        using var collection = spec.Load();
        var program = collection.GetProgram(SelfTestObject.TcProgram);
        var stats = collection.GetMap<uint, SelfTestStats>(SelfTestObject.StatsMap);
        using var reader = RingBufferReader.Open(collection.GetMap(SelfTestObject.EventsMap));

        using var stop = new CancellationTokenSource();
        long consumed = 0;
        var consumer = new Thread(() =>
        {
            var handler = new SeqSum();
            while (!stop.IsCancellationRequested)
                consumed += reader.Poll(ref handler, timeoutMs: 50);
            consumed += reader.Consume(ref handler);
        }) { Name = "ring consumer" };
        consumer.Start();

        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < s.ConcurrentDuration)
            program.TestRun(Packet, repeat: 10_000);
        double seconds = clock.Elapsed.TotalSeconds;
        stop.Cancel();
        reader.Wake();
        consumer.Join();

        var perCpu = stats.LookupPerCpu(0);
        long lost = perCpu.Sum(v => (long)v.Lost);
        long produced = perCpu.Sum(v => (long)v.Seen);
        return (consumed / seconds, lost, produced);
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    /// <summary>Touches each record the way the C callback does: adds up the seq field.</summary>
    private struct SeqSum : IRingBufferHandler
    {
        public ulong Sum;

        public bool OnRecord(ReadOnlySpan<byte> record)
        {
            Sum += MemoryMarshal.Read<SelfTestEvent>(record).Seq;
            return true;
        }
    }
}
