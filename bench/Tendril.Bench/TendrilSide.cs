using System.Diagnostics;
using System.Runtime.InteropServices;
using Tendril.Ebpf;
using Tendril.Ebpf.RingBuffer;
using Tendril.Tests.Common.SelfTest;
using BpfProgram = Tendril.Ebpf.Program;

namespace Tendril.Bench;

/// <summary>
/// The C# side: Tendril.Ebpf's typed map, batch calls and <see cref="RingBufferReader"/>, in the same loops as
/// bench/baseline/ebpf_baseline.c. The timed loops allocate nothing: keys and values live in arrays reused by
/// every pass, and the ring handler is a struct.
/// </summary>
internal sealed class TendrilSide : IEbpfSide
{
    /// <summary>Runs of the program per BPF_PROG_TEST_RUN call while producing concurrently (TESTRUN_REPEAT in C).</summary>
    public const int RepeatPerCall = 10_000;

    private readonly Collection _collection;
    private readonly Map<uint, SelfTestValue> _map;
    private readonly Map<uint, SelfTestStats> _stats;
    private readonly BpfProgram _program;
    private readonly RingBufferReader _reader;
    private readonly byte[] _packet;
    private readonly int _keys;
    private readonly uint[] _keyBuffer;
    private readonly SelfTestValue[] _valueBuffer;
    private SeqSum _handler;

    private TendrilSide(Collection collection, RingBufferReader reader, byte[] packet, int keys, int batch)
    {
        _collection = collection;
        _reader = reader;
        _packet = packet;
        _keys = keys;
        _map = collection.GetMap<uint, SelfTestValue>(SelfTestObject.HashMap);
        _stats = collection.GetMap<uint, SelfTestStats>(SelfTestObject.StatsMap);
        _program = collection.GetProgram(SelfTestObject.TcProgram);
        _keyBuffer = new uint[batch];
        _valueBuffer = new SelfTestValue[batch];
    }

    /// <summary>Loads the embedded selftest object with the hash map and ring sized by <paramref name="s"/>.</summary>
    public static TendrilSide Load(EbpfSettings s, byte[] packet)
    {
        var spec = SelfTestObject.Spec();
        spec.Maps[SelfTestObject.HashMap].MaxEntries = (uint)(s.Keys + s.Batch);
        spec.Maps[SelfTestObject.EventsMap].MaxEntries = (uint)s.RingBytes;
        var collection = spec.Load();
        try
        {
            var reader = RingBufferReader.Open(collection.GetMap(SelfTestObject.EventsMap));
            return new TendrilSide(collection, reader, packet, s.Keys, s.Batch);
        }
        catch
        {
            collection.Dispose();
            throw;
        }
    }

    public double[] Maps()
    {
        var rate = new double[MapFigures.Names.Length];
        var value = default(SelfTestValue);
        int n = _keys;

        long t = Stopwatch.GetTimestamp();
        for (uint k = 0; k < n; k++)
        {
            value.Counter = k;
            _map.Update(k, value);
        }
        rate[0] = n / Stopwatch.GetElapsedTime(t).TotalSeconds;

        t = Stopwatch.GetTimestamp();
        for (uint k = 0; k < n; k++)
        {
            if (!_map.TryLookup(k, out value))
                throw new InvalidOperationException($"map {_map.Name}: key {k} is missing after it was written");
        }
        rate[1] = n / Stopwatch.GetElapsedTime(t).TotalSeconds;

        t = Stopwatch.GetTimestamp();
        for (int start = 0; start < n; start += _keyBuffer.Length)
        {
            int count = Math.Min(_keyBuffer.Length, n - start);
            for (int i = 0; i < count; i++)
            {
                _keyBuffer[i] = (uint)(start + i);
                _valueBuffer[i].Counter = (ulong)(start + i);
            }
            _map.UpdateBatch(_keyBuffer.AsSpan(0, count), _valueBuffer.AsSpan(0, count));
        }
        rate[2] = n / Stopwatch.GetElapsedTime(t).TotalSeconds;

        t = Stopwatch.GetTimestamp();
        var cursor = new MapBatchCursor(sizeof(uint));
        long total = 0;
        while (!cursor.Done)
            total += _map.LookupBatch(cursor, _keyBuffer, _valueBuffer);
        rate[3] = total / Stopwatch.GetElapsedTime(t).TotalSeconds;
        if (total != n)
            throw new InvalidOperationException($"map {_map.Name}: batched lookup returned {total} entries, {n} were written");
        return rate;
    }

    public double Drain(int events)
    {
        _program.TestRun(_packet, repeat: events);
        long t = Stopwatch.GetTimestamp();
        int consumed = _reader.Consume(ref _handler);
        double seconds = Stopwatch.GetElapsedTime(t).TotalSeconds;
        if (consumed != events)
            throw new InvalidOperationException($"ring {SelfTestObject.EventsMap}: drained {consumed} of {events} events");
        return consumed / seconds;
    }

    public RingFigure Concurrent(TimeSpan duration)
    {
        var before = StatsTotals();
        var consumer = new Consumer(_reader);
        var thread = new Thread(consumer.Loop) { Name = "ring consumer", IsBackground = true };
        thread.Start();

        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration)
            _program.TestRun(_packet, repeat: RepeatPerCall);
        double seconds = clock.Elapsed.TotalSeconds;
        consumer.Stop();
        thread.Join();

        var after = StatsTotals();
        return new RingFigure(consumer.Consumed / seconds, after.Seen - before.Seen, after.Lost - before.Lost);
    }

    public void Dispose()
    {
        _reader.Dispose();
        _collection.Dispose();
    }

    /// <summary>selftest_stats summed over every CPU.</summary>
    private (long Seen, long Lost) StatsTotals()
    {
        var perCpu = _stats.LookupPerCpu(0);
        return (perCpu.Sum(v => (long)v.Seen), perCpu.Sum(v => (long)v.Lost));
    }

    /// <summary>The consuming thread: WaitForData, then Consume, until stopped; then one last Consume.</summary>
    private sealed class Consumer(RingBufferReader reader)
    {
        private volatile bool _stop;

        /// <summary>Read only after the thread has been joined.</summary>
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
