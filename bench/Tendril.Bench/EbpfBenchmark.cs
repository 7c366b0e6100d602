using System.Diagnostics;
using Spectre.Console;
using Tendril.Tests.Common.Packets;
using Tendril.Tests.Common.SelfTest;

namespace Tendril.Bench;

/// <summary>
/// `ebpf`: Tendril.Ebpf's map operations and ring-buffer reader next to libbpf used from C, on the same object,
/// packet and sizes, in the same run. Reports performance and never asserts it: exit 0 whenever it measured,
/// 1 when it could not.
/// </summary>
internal static class EbpfBenchmark
{
    private const double MapRatioExpected = 0.90;
    private const double ReaderRateExpected = 5e6;

    public static int Run(EbpfSettings s)
    {
        try
        {
            Measure(s);
            return 0;
        }
        catch (BenchmarkException e)
        {
            Console.Error.WriteLine($"ebpf benchmark: {e.Message}");
            return 1;
        }
        catch (Exception e)
        {
            // Anything else (a load failure, a missing map, an errno) is a real error: keep its evidence.
            Console.Error.WriteLine($"ebpf benchmark: {e.Message}");
            Console.Error.WriteLine(e);
            return 1;
        }
    }

    private static void Measure(EbpfSettings s)
    {
        var wall = Stopwatch.StartNew();
        byte[] packet = PacketBuilder.TcpV4("10.0.0.1", 40000, "10.0.0.2", 80);
        using var baseline = CBaseline.Build(ReadObject(), packet);

        // Figure by figure, C# then C, so the two sides of each ratio are measured seconds apart, under the same load.
        var csMaps = MapBench.Measure(s);
        var cMaps = baseline.Maps(s);
        double csDrain = RingBench.Drain(s, packet);
        double cDrain = baseline.Drain(s);
        var csConcurrent = RingBench.Concurrent(s, packet);
        var cConcurrent = baseline.Concurrent(s);

        var table = new Table().AddColumns("Figure", "C#", "C (libbpf)", "C#/C", "Expectation", "Met");
        foreach (string name in MapBench.Figures)
        {
            double ratio = csMaps[name] / cMaps[name];
            table.AddRow(name, Rate(csMaps[name], "ops/s"), Rate(cMaps[name], "ops/s"), $"{ratio:F2}",
                $"map ops within 10 % of C (C#/C ≥ {MapRatioExpected:F2})", Met(ratio >= MapRatioExpected));
        }
        table.AddRow("ring_drain", Rate(csDrain, "events/s"), Rate(cDrain, "events/s"), $"{csDrain / cDrain:F2}",
            "reader ≥ 5 M events/s", Met(csDrain >= ReaderRateExpected));
        table.AddRow("ring_concurrent", Concurrent(csConcurrent), Concurrent(cConcurrent),
            $"{csConcurrent.EventsPerSecond / cConcurrent.EventsPerSecond:F2}", "none: the producer is the limit", "n/a");
        AnsiConsole.Write(table);

        AnsiConsole.MarkupLine(Markup.Escape(
            $"{(s.IsSmoke ? "smoke run: sizes too small for the figures to mean anything; " : "")}" +
            $"maps: {s.Keys:N0} keys, batches of {s.Batch:N0}, median of {s.Repetitions} after a warm-up; " +
            $"drain: {s.RingEvents:N0} events in a {s.RingBytes >> 20} MiB ring, median of {s.Repetitions}; " +
            $"concurrent: median of {s.ConcurrentRuns} × {s.ConcurrentDuration.TotalSeconds:F0} s; " +
            $"{Environment.ProcessorCount} CPUs; {wall.Elapsed.TotalSeconds:F1} s in all"));
    }

    private static string Met(bool met) => met ? "[green]yes[/]" : "[yellow]no[/]";

    private static string Rate(double value, string unit) =>
        value >= 1e6 ? $"{value / 1e6:F2} M {unit}" : $"{value / 1e3:F1} k {unit}";

    private static string Concurrent(RingFigure f) => $"{Rate(f.EventsPerSecond, "events/s")}, lost {f.LostShare:P2}";

    private static byte[] ReadObject()
    {
        using var stream = typeof(SelfTestObject).Assembly.GetManifestResourceStream("bpf/selftest.o")
            ?? throw new BenchmarkException("Tendril.Tests.Common has no embedded bpf/selftest.o: build it with the BPF toolchain (clang)");
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }
}
