using System.Diagnostics;
using System.Runtime.InteropServices;
using Tendril.Ebpf;
using Tendril.Ebpf.RingBuffer;
using Tendril.Tests.Common.SelfTest;
using BpfProgram = Tendril.Ebpf.Program;

namespace Tendril.Bench;

/// <summary>Events per second a reader handled, and what the producer wrote and could not write meanwhile.</summary>
internal readonly record struct RingFigure(double EventsPerSecond, long Produced, long Lost)
{
    public double LostShare => Produced == 0 ? 0 : (double)Lost / Produced;
}

/// <summary>
/// The two ring-buffer figures through <see cref="RingBufferReader"/>, shaped like bench_ring and bench_concurrent in
/// bench/baseline/ebpf_baseline.c. selftest_tc writes one 32-byte event per run of BPF_PROG_TEST_RUN.
/// </summary>
internal static class RingBench
{
    /// <summary>Runs of the program per BPF_PROG_TEST_RUN call while producing concurrently (TESTRUN_REPEAT in C).</summary>
    private const int RepeatPerCall = 10_000;

    /// <summary>Consumer capacity: fill the empty ring, then time one Consume over all of it; median of the rounds.</summary>
    public static double Drain(EbpfSettings s, byte[] packet)
    {
        var spec = SelfTestObject.Spec();
        spec.Maps[SelfTestObject.EventsMap].MaxEntries = (uint)s.RingBytes;
        using var collection = spec.Load();
        using var reader = RingBufferReader.Open(collection.GetMap(SelfTestObject.EventsMap));
        var program = collection.GetProgram(SelfTestObject.TcProgram);
        var handler = new SeqSum();
        var rates = new List<double>();

        // Round -1 warms up: the first pass over freshly mapped ring pages costs page faults and runs
        // unoptimised code, and measured 5-6x slower than later rounds on both sides.
        for (int round = -1; round < s.Repetitions; round++)
        {
            program.TestRun(packet, repeat: s.RingEvents);
            long t = Stopwatch.GetTimestamp();
            int consumed = reader.Consume(ref handler);
            double seconds = Stopwatch.GetElapsedTime(t).TotalSeconds;
            if (consumed != s.RingEvents)
                throw new InvalidOperationException($"ring {SelfTestObject.EventsMap}: drained {consumed} of {s.RingEvents} events");
            if (round >= 0)
                rates.Add(consumed / seconds);
        }
        return Stats.Median(rates);
    }

    /// <summary>
    /// This thread produces with BPF_PROG_TEST_RUN for the configured duration while another waits (epoll) and
    /// consumes; the run with the median rate is reported, with its own loss.
    /// </summary>
    public static RingFigure Concurrent(EbpfSettings s, byte[] packet)
    {
        var spec = SelfTestObject.Spec();
        spec.Maps[SelfTestObject.EventsMap].MaxEntries = (uint)s.RingBytes;
        using var collection = spec.Load();
        using var reader = RingBufferReader.Open(collection.GetMap(SelfTestObject.EventsMap));
        var program = collection.GetProgram(SelfTestObject.TcProgram);
        var stats = collection.GetMap<uint, SelfTestStats>(SelfTestObject.StatsMap);

        Run(program, stats, reader, packet, s.ConcurrentDuration / 4);
        var runs = Enumerable.Range(0, s.ConcurrentRuns).Select(_ => Run(program, stats, reader, packet, s.ConcurrentDuration)).ToList();
        double median = Stats.Median(runs.Select(r => r.EventsPerSecond));
        return runs.First(r => r.EventsPerSecond == median);
    }

    private static RingFigure Run(BpfProgram program, Map<uint, SelfTestStats> stats, RingBufferReader reader, byte[] packet, TimeSpan duration)
    {
        var before = Totals(stats);
        var consumer = new Consumer(reader);
        var thread = new Thread(consumer.Loop) { Name = "ring consumer", IsBackground = true };
        thread.Start();

        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration)
            program.TestRun(packet, repeat: RepeatPerCall);
        double seconds = clock.Elapsed.TotalSeconds;
        consumer.Stop();
        thread.Join();

        var after = Totals(stats);
        return new RingFigure(consumer.Consumed / seconds, after.Seen - before.Seen, after.Lost - before.Lost);
    }

    /// <summary>selftest_stats summed over every CPU.</summary>
    private static (long Seen, long Lost) Totals(Map<uint, SelfTestStats> stats)
    {
        var perCpu = stats.LookupPerCpu(0);
        return (perCpu.Sum(v => (long)v.Seen), perCpu.Sum(v => (long)v.Lost));
    }

    /// <summary>The consuming thread: WaitForData, then Consume, until stopped; then one last Consume.</summary>
    private sealed class Consumer(RingBufferReader reader)
    {
        private volatile bool _stop;

        public long Consumed { get; private set; }

        public void Loop()
        {
            var handler = new SeqSum();
            long consumed = 0;
            while (!_stop)
            {
                if (reader.WaitForData(timeoutMs: 50))
                    consumed += reader.Consume(ref handler);
            }
            consumed += reader.Consume(ref handler);
            Consumed = consumed;
        }

        public void Stop()
        {
            _stop = true;
            reader.Wake();
        }
    }

    /// <summary>Touches each record as the C callback does, adding up its seq field, so the read is not optimised away.</summary>
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
