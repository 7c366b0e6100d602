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
        // The baseline first: a missing compiler or libbpf-dev is the likeliest failure, and it is found in a second.
        using var baseline = CBaseline.Start(s, ReadObject(), packet);
        using var tendril = TendrilSide.Load(s, packet);
        IEbpfSide[] sides = [tendril, baseline];

        // Each figure: untimed warm-up steps on both sides, then timed steps alternating between them.
        foreach (var side in sides)
            side.Maps();
        var maps = Alternate(sides, s.Repetitions, side => side.Maps());

        // Two warm-up drains: the first pass over a freshly mapped ring takes page faults and measured about 10x
        // slower (20-35 M events/s), the second about 1.5x, on both sides; from the third on the rate is steady.
        foreach (var side in sides)
        {
            side.Drain(s.RingEvents);
            side.Drain(s.RingEvents);
        }
        var drains = Alternate(sides, s.Repetitions, side => side.Drain(s.RingEvents));

        foreach (var side in sides)
            side.Concurrent(s.ConcurrentDuration / 4);
        var concurrent = Alternate(sides, s.ConcurrentRuns, side => side.Concurrent(s.ConcurrentDuration));

        var table = new Table().AddColumns("Figure", "C#", "C (libbpf)", "C#/C", "Expectation", "Met");
        for (int f = 0; f < MapFigures.Names.Length; f++)
        {
            double cs = Stats.Median(maps[0].Select(pass => pass[f])), c = Stats.Median(maps[1].Select(pass => pass[f]));
            // Judged on the ratio as printed, so a line never reads "0.90 … no".
            double ratio = Math.Round(cs / c, 2);
            table.AddRow(MapFigures.Names[f], Rate(cs, "ops/s"), Rate(c, "ops/s"), $"{ratio:F2}",
                $"within 10 % of C (≥ {MapRatioExpected:F2})", Met(ratio >= MapRatioExpected));
        }
        double csDrain = Stats.Median(drains[0]), cDrain = Stats.Median(drains[1]);
        table.AddRow("ring_drain", Rate(csDrain, "events/s"), Rate(cDrain, "events/s"), $"{csDrain / cDrain:F2}",
            "reader ≥ 5 M events/s", Met(csDrain >= ReaderRateExpected));
        RingFigure csRun = MedianRun(concurrent[0]), cRun = MedianRun(concurrent[1]);
        table.AddRow("ring_concurrent", Concurrent(csRun), Concurrent(cRun), $"{csRun.EventsPerSecond / cRun.EventsPerSecond:F2}",
            "none: producer-bound", "n/a");
        AnsiConsole.Write(table);

        if (s.IsSmoke)
            Console.WriteLine("smoke run: sizes too small for the figures to mean anything");
        Console.WriteLine($"maps: {s.Keys:N0} keys (u32 -> 16 bytes), batches of {s.Batch:N0}; " +
            $"drain: {s.RingEvents:N0} events of 32 bytes in a {s.RingBytes >> 20} MiB ring; " +
            $"medians of {Plural(s.Repetitions, "alternating C#/C step")} after warm-up");
        Console.WriteLine($"concurrent: median of {Plural(s.ConcurrentRuns, "run")} of {s.ConcurrentDuration.TotalSeconds:F1} s, " +
            $"{TendrilSide.RepeatPerCall:N0} runs per BPF_PROG_TEST_RUN; " +
            $"{Environment.ProcessorCount} CPUs; {wall.Elapsed.TotalSeconds:F1} s in all");
    }

    /// <summary>
    /// Runs <paramref name="step"/> <paramref name="rounds"/> times on each side, C# then C, then C then C#, and so
    /// on, so a change in the machine's load during the figure weighs on both sides alike. Index 0 is C#, 1 is C.
    /// </summary>
    private static List<T>[] Alternate<T>(IEbpfSide[] sides, int rounds, Func<IEbpfSide, T> step)
    {
        List<T>[] results = [[], []];
        for (int r = 0; r < rounds; r++)
        {
            for (int i = 0; i < sides.Length; i++)
            {
                int side = r % 2 == 0 ? i : sides.Length - 1 - i;
                results[side].Add(step(sides[side]));
            }
        }
        return results;
    }

    /// <summary>The run with the median rate, so its loss is reported with it.</summary>
    private static RingFigure MedianRun(List<RingFigure> runs)
    {
        double median = Stats.Median(runs.Select(r => r.EventsPerSecond));
        return runs.First(r => r.EventsPerSecond == median);
    }

    private static string Plural(int count, string noun) => count == 1 ? $"{count} {noun}" : $"{count} {noun}s";

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
