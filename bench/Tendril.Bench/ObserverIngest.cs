using System.Diagnostics;
using System.Runtime.InteropServices;
using Tendril.Agent.Metrics;
using Tendril.Datapath.Abi;
using Tendril.Hubble;
using Tendril.Hubble.Api.Flow;
using Tendril.Hubble.Decoding;
using Tendril.Hubble.Filtering;
using Tendril.Hubble.Hosting;
using Tendril.Hubble.Storage;

namespace Tendril.Bench;

/// <summary>One timed step: rate, bytes allocated and garbage collections (gen 0, 1, 2) per 100,000 events (or flows read).</summary>
internal sealed record DecodeFigure(double EventsPerSecond, double BytesPerEvent, double[] CollectionsPer100k)
{
    public double Nanoseconds => 1e9 / EventsPerSecond;

    public string Collections => string.Join('/', CollectionsPer100k.Select(c => c.ToString("0.#")));
}

/// <summary>The `observer` benchmark's one-core figures, each the median step.</summary>
/// <param name="Copy">A struct copy of each record: the floor.</param>
/// <param name="Uuid">One <c>Guid.NewGuid().ToString()</c>: what a flow UUID cost before the decoder stopped drawing them.</param>
/// <param name="Decode">Eager decoding into a <c>Flow</c> message (<c>FlowDecoder.TryDecode</c>).</param>
/// <param name="Store">Ingestion as the agent runs it with no flow subscriber: <c>HubbleObserver.OnRecord</c>.</param>
/// <param name="StoreWithMetrics">The same with the agent's flow metrics (every family) subscribed.</param>
/// <param name="Read">Reading the whole stored ring as GetFlows does (materialising each flow); per flow read.</param>
/// <param name="ReadDropped">GetFlows with a whitelist of dropped flows over the whole ring; per stored flow scanned.</param>
/// <param name="ReadDroppedFullFilter">The same without the compact first pass (every flow materialised and filtered).</param>
internal sealed record DecodeFigures(DecodeFigure Copy, DecodeFigure Uuid, DecodeFigure Decode, DecodeFigure Store, DecodeFigure StoreWithMetrics,
    DecodeFigure Read, DecodeFigure ReadDropped, DecodeFigure ReadDroppedFullFilter);

/// <summary>
/// The decoding half of `observer`: records decoded, ingested and read back on one thread, over the same records,
/// alternating step by step so that a change in the machine's load weighs on every figure alike.
/// </summary>
internal static class ObserverIngest
{
    /// <summary>Keeps the baseline loops' results alive so the JIT cannot drop them.</summary>
    private static ulong _sink;

    public static DecodeFigures Measure(ObserverWorkload workload, ObserverSettings s, HubbleOptions options)
    {
        if (!OperatingSystem.IsLinux())
            throw new BenchmarkException("the observer benchmark runs on Linux only (the agent's flow metrics are Linux-only)");
        var observer = new HubbleObserver(options, workload.Resolver);
        var metered = new HubbleObserver(options, workload.Resolver);
        var metrics = new FlowMetrics(string.Join(',', FlowMetrics.Known));
        metered.CompactFlowObserved += metrics.Observe;
        var decoder = new FlowDecoder(options.NodeName, workload.Resolver, new BootClock(TimeProvider.System), options.Version);
        FlowFilter[] dropped = [new FlowFilter { Verdict = { Verdict.Dropped } }];
        var droppedQuery = new FlowQuery { Predicate = FlowFilterCompiler.Compile(dropped, []), Prefilter = CompactFlowFilter.Compile(dropped) };
        byte[] records = workload.Records;
        int size = ObserverWorkload.RecordSize, count = workload.Count;

        // Each pass handles at least the events asked for and returns how many it handled.
        Func<int, long>[] passes =
        [
            events =>
            {
                ulong sum = 0;
                for (int i = 0; i < events; i++)
                {
                    var ev = MemoryMarshal.Read<FlowEvent>(records.AsSpan(i % count * size, size));
                    sum += ev.KtimeNs + ev.Len;
                }
                _sink = sum;
                return events;
            },
            events =>
            {
                ulong length = 0;
                for (int i = 0; i < events; i++)
                    length += (ulong)Guid.NewGuid().ToString().Length;
                _sink = length;
                return events;
            },
            events =>
            {
                for (int i = 0; i < events; i++)
                {
                    if (!decoder.TryDecode(records.AsSpan(i % count * size, size), out _, out var error))
                        throw new InvalidOperationException($"record {i % count}: {FlowDecoder.Describe(error, records.AsSpan(i % count * size, size))}");
                }
                return events;
            },
            events =>
            {
                for (int i = 0; i < events; i++)
                    observer.OnRecord(records.AsSpan(i % count * size, size));
                return events;
            },
            events =>
            {
                for (int i = 0; i < events; i++)
                    metered.OnRecord(records.AsSpan(i % count * size, size));
                return events;
            },
            events => ReadRing(observer.Store, new FlowQuery(), events),
            events => ReadRing(observer.Store, droppedQuery, events),
            events => ReadRing(observer.Store, droppedQuery with { Prefilter = null }, events),
        ];
        for (int warmUp = 0; warmUp < 2; warmUp++)
        {
            foreach (var pass in passes)
                Time(pass, s.EventsPerStep);
        }
        var figures = ObserverBenchmark.Alternate(passes.Length, s.DecodeSteps, p => Time(passes[p], s.EventsPerStep));
        if (observer.MalformedRecords != 0)
            throw new InvalidOperationException($"the observer rejected {observer.MalformedRecords} records of the workload as malformed");
        DecodeFigure Median(int p)
        {
            double rate = Stats.Median(figures[p].Select(f => f.EventsPerSecond));
            return figures[p].First(f => f.EventsPerSecond == rate);
        }
        return new DecodeFigures(Median(0), Median(1), Median(2), Median(3), Median(4), Median(5), Median(6), Median(7));
    }

    /// <summary>
    /// Scans at least <paramref name="flows"/> stored flows by running <paramref name="query"/> (no number, no
    /// follow: the whole ring, as GetFlows reads it) again and again; every flow returned is materialised from its
    /// compact form. Returns how many stored flows it scanned.
    /// </summary>
    private static long ReadRing(FlowStore store, FlowQuery query, int flows)
    {
        ulong length = 0;
        long scanned = 0;
        while (scanned < flows)
        {
            var reader = store.Query(query).GetAsyncEnumerator();
            while (Completed(reader.MoveNextAsync()))
                length += (ulong)reader.Current.Flow!.Uuid.Length;
            Completed(reader.DisposeAsync());
            scanned += store.Count;
        }
        _sink = length;
        return scanned;
    }

    // Without follow the store never waits: every step of a query completes synchronously.
    private static bool Completed(ValueTask<bool> step) =>
        step.IsCompleted ? step.Result : throw new InvalidOperationException("a store query without follow waited");

    private static void Completed(ValueTask step)
    {
        if (!step.IsCompleted)
            throw new InvalidOperationException("disposing a store query waited");
    }

    private static DecodeFigure Time(Func<int, long> pass, int atLeast)
    {
        int[] collections = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        long t = Stopwatch.GetTimestamp();
        long events = pass(atLeast);
        double seconds = Stopwatch.GetElapsedTime(t).TotalSeconds;
        double bytes = (double)(GC.GetAllocatedBytesForCurrentThread() - allocated) / events;
        return new DecodeFigure(events / seconds, bytes, collections.Select((c, gen) => (GC.CollectionCount(gen) - c) * 100_000.0 / events).ToArray());
    }
}
