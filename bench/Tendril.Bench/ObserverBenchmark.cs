using System.Diagnostics;
using System.Net;
using System.Net.NetworkInformation;
using Spectre.Console;
using Tendril.Datapath;
using Tendril.Datapath.Loader;
using Tendril.Datapath.Maps;
using Tendril.Ebpf;
using Tendril.Ebpf.RingBuffer;
using Tendril.Hubble;
using Tendril.Hubble.Hosting;
using Tendril.Tests.Common.Packets;
using Tendril.Tests.Common.Topology;

namespace Tendril.Bench;

/// <summary>Sizes of one `observer` benchmark run.</summary>
/// <param name="Records">Distinct records in the array the decoding figures cycle through.</param>
/// <param name="EventsPerStep">Records decoded in one timed step of a decoding figure.</param>
/// <param name="DecodeSteps">Timed steps per decoding figure, after two untimed ones; the median is reported.</param>
/// <param name="RingStep">How long the kernel produces in one step of the ring figure.</param>
/// <param name="RingSteps">Timed steps per consumer, after one a quarter as long.</param>
/// <param name="IperfSeconds">Length of one iperf3 round.</param>
/// <param name="IperfRounds">Rounds with the observer off, and as many with it on, per event policy.</param>
/// <param name="IsSmoke">Sizes too small to mean anything; the run only proves the benchmark works.</param>
internal sealed record ObserverSettings(
    int Records, int EventsPerStep, int DecodeSteps, TimeSpan RingStep, int RingSteps, int IperfSeconds, int IperfRounds, bool IsSmoke)
{
    public static ObserverSettings Full { get; } = new(4096, 500_000, 7, TimeSpan.FromSeconds(2), 3, 5, 3, IsSmoke: false);

    public static ObserverSettings Smoke { get; } = new(4096, 20_000, 1, TimeSpan.FromSeconds(0.3), 1, 1, 1, IsSmoke: true);
}

/// <summary>
/// `observer`: what the Hubble observer costs. Records ingested (resolved and stored) per second on one core, with
/// and without flow metrics (against eager decoding into flow messages and a plain struct copy), stored flows read
/// back as GetFlows reads them, the endpoint program's events drained from the kernel ring into the observer
/// (against a consumer that only counts), and pod-to-pod iperf3 with the observer reading the ring or not.
/// Reports and never asserts: exit 0 whenever it measured, 1 with a one-line reason when it could not.
/// </summary>
internal static class ObserverBenchmark
{
    private const double DecodeRateExpected = 1e6;
    private const double ThroughputRatioExpected = 0.97;

    /// <summary>Runs of the program per BPF_PROG_TEST_RUN call while producing.</summary>
    private const int RepeatPerCall = 10_000;

    private static readonly HubbleOptions Options = new() { NodeName = "bench-node", BufferCapacity = 4095 };

    /// <summary>Gbit/s of each round (round r's off and on figures ran back to back), events and losses.</summary>
    private sealed record PodFigures(List<double> Off, List<double> On, double EventsPerSecondOn, double LostShareOn, double LostShareOff)
    {
        /// <summary>On/off of each round: neighbours in time, so slow drift in the machine's load cancels out.</summary>
        public List<double> Ratios => On.Zip(Off, (on, off) => on / off).ToList();

        /// <summary>The median of the per-round ratios, rounded as printed.</summary>
        public double Ratio => Math.Round(Stats.Median(Ratios), 2);

        public string Rounds => string.Join(", ", Off.Zip(On, (off, on) => $"{off:F2}/{on:F2}"));
    }

    public static Task<int> RunAsync(bool smoke) =>
        BenchmarkRun.RunAsync("observer", token => MeasureAsync(smoke ? ObserverSettings.Smoke : ObserverSettings.Full, token));

    private static async Task MeasureAsync(ObserverSettings s, CancellationToken cancellationToken)
    {
        var wall = Stopwatch.StartNew();
        RequireOnPath("iperf3");
        var workload = ObserverWorkload.Create(s.Records);
        var (copy, uuid, decode, store, metered, read, readDropped, readDroppedFull) = ObserverIngest.Measure(workload, s, Options);
        cancellationToken.ThrowIfCancellationRequested();
        var (noop, observed) = MeasureRing(s, cancellationToken);
        var aggregated = await MeasurePodsAsync(s, traceEveryPacket: false, cancellationToken);
        var everyPacket = await MeasurePodsAsync(s, traceEveryPacket: true, cancellationToken);

        var table = new Table().AddColumns("Figure", "Observer", "Baseline, same run", "Ratio", "Expectation", "Met");
        table.AddRow("decode_store", Decoding(store), "decode only " + Decoding(decode), Ratio(store.EventsPerSecond / decode.EventsPerSecond),
            "≥ 1 M events/s, 1 core", Met(store.EventsPerSecond >= DecodeRateExpected));
        table.AddRow("decode_store_metrics", Decoding(metered), "no subscriber " + Decoding(store), Ratio(metered.EventsPerSecond / store.EventsPerSecond),
            "≥ 1 M events/s, 1 core", Met(metered.EventsPerSecond >= DecodeRateExpected));
        table.AddRow("decode_only", Decoding(decode), "struct copy " + Decoding(copy), Ratio(decode.EventsPerSecond / copy.EventsPerSecond),
            "none", "n/a");
        table.AddRow("read_ring", Reading(read), "decode only " + Decoding(decode), Ratio(read.EventsPerSecond / decode.EventsPerSecond),
            "none", "n/a");
        table.AddRow("ring_to_observer", Ring(observed), "count only " + Ring(noop), Ratio(observed.EventsPerSecond / noop.EventsPerSecond),
            "none", "n/a");
        table.AddRow("pod_to_pod", Pods(aggregated, on: true), Pods(aggregated, on: false), RoundRatios(aggregated),
            $"≤ 3 % cost (≥ {ThroughputRatioExpected:F2})", Met(aggregated.Ratio >= ThroughputRatioExpected));
        table.AddRow("pod_to_pod_traced", Pods(everyPacket, on: true), Pods(everyPacket, on: false),
            RoundRatios(everyPacket), "none (debugging)", "n/a");
        AnsiConsole.Write(table);

        if (s.IsSmoke)
            Console.WriteLine("smoke run: sizes too small for the figures to mean anything");
        Console.WriteLine($"decoding: {s.Records:N0} distinct records ({workload.Mix}) cycled, {s.EventsPerStep:N0} per step, " +
            $"median of {s.DecodeSteps} alternating steps after 2 warm-up steps; one thread");
        Console.WriteLine($"where the time goes, per event: struct copy {copy.Nanoseconds:N0} ns; Guid.NewGuid().ToString() {uuid.Nanoseconds:N0} ns " +
            $"(what a flow UUID cost before they were derived); eager decode into a Flow {decode.Nanoseconds:N0} ns; ingest (resolve + store compact) " +
            $"{store.Nanoseconds:N0} ns, flow metrics {metered.Nanoseconds - store.Nanoseconds:N0} ns more; materialising a stored flow for a reader " +
            $"{read.Nanoseconds:N0} ns. GCs (gen 0/1/2) per 100,000: decode only {decode.Collections}, ingest {store.Collections}, " +
            $"ingest + metrics {metered.Collections}, flows read {read.Collections}");
        Console.WriteLine($"read_ring: GetFlows' store query over the full ring ({Options.BufferCapacity:N0} flows, no filter, no follow) " +
            $"repeated; per flow read. With a whitelist of dropped flows, per stored flow scanned: {readDropped.Nanoseconds:N0} ns, " +
            $"{readDropped.BytesPerEvent:N0} B with the compact first pass; {readDroppedFull.Nanoseconds:N0} ns, " +
            $"{readDroppedFull.BytesPerEvent:N0} B materialising every flow for the filter");
        Console.WriteLine($"ring: tendril_from_container with every packet traced (2 events per run), {RepeatPerCall:N0} runs per " +
            $"BPF_PROG_TEST_RUN, {s.RingStep.TotalSeconds:F1} s × {s.RingSteps} per consumer, alternating; 4 MiB ring");
        Console.WriteLine($"pods: iperf3 1 stream, {s.IperfSeconds} s × {s.IperfRounds} rounds with the observer off (nobody reads the ring) " +
            "and on (HubbleObserver.RunAsync), alternating; pod_to_pod with the default event policy, pod_to_pod_traced with every packet traced; " +
            "Gbit/s are medians, the ratio the median (and range) of each round's on/off");
        Console.WriteLine($"rounds, off/on Gbit/s: pod_to_pod {aggregated.Rounds}; pod_to_pod_traced {everyPacket.Rounds}");
        Console.WriteLine($"{Environment.ProcessorCount} CPUs; {wall.Elapsed.TotalSeconds:F1} s in all");
    }

    /// <summary>
    /// The endpoint object loaded without pins as the packet tests load it (bpf/lxc.o, every packet traced), two
    /// endpoints allowed to talk, and an established TCP packet run in the kernel on this thread while another
    /// drains the ring into a consumer: the observer, or one that only counts.
    /// </summary>
    private static (RingFigure Noop, RingFigure Observer) MeasureRing(ObserverSettings s, CancellationToken cancellationToken)
    {
        var spec = DatapathObjects.Lxc();
        spec.SetGlobal<byte>("cfg_trace_every_packet", 1);
        using var collection = spec.Load();
        // BPF_PROG_TEST_RUN runs on the loopback device (ifindex 1): the endpoint registered last on it is the sender.
        EndpointRecord sender = new(10, 1, 1000, IPAddress.Parse("10.0.1.1"), PhysicalAddress.Parse("02-AA-00-00-00-01"),
            PhysicalAddress.Parse("02-AA-00-00-00-F1"));
        EndpointRecord receiver = sender with { EndpointId = 11, Identity = 2000, Address = IPAddress.Parse("10.0.1.2") };
        var endpoints = new EndpointMap(collection.GetMap(DatapathObjects.EndpointsMap), collection.GetMap(DatapathObjects.EndpointsByIfindexMap));
        endpoints.Upsert(receiver);
        endpoints.Upsert(sender);
        var policies = new PolicyMaps(collection.GetMap(DatapathObjects.PolicyMap), pinDirectory: null);
        using var senderPolicy = policies.Open(sender.EndpointId);
        using var receiverPolicy = policies.Open(receiver.EndpointId);
        senderPolicy.Sync(NodeWithPods.AllowAll());
        receiverPolicy.Sync(NodeWithPods.AllowAll());

        var lost = collection.GetMap(DatapathObjects.EventsLostMap);
        using var reader = RingBufferReader.Open(collection.GetMap(DatapathObjects.EventsMap), () => SumPerCpu(lost));
        var source = new RingBufferFlowSource(reader);
        var program = collection.GetProgram(DatapathObjects.FromContainer);
        byte[] packet = PacketBuilder.TcpV4("10.0.1.1", 40000, "10.0.1.2", 80, PacketBuilder.Ack, payload: 64);
        IFlowRecordSink[] sinks = [new CountingSink(), new HubbleObserver(Options, StaticFlowEndpoints.For([sender, receiver]))];

        RingFigure Step(IFlowRecordSink sink, TimeSpan duration)
        {
            var discard = default(Discard);
            reader.Consume(ref discard);
            long lostBefore = reader.KernelLost;
            var drainer = RingDrainer.Start(source, sink);
            var clock = Stopwatch.StartNew();
            long consumed;
            try
            {
                while (clock.Elapsed < duration && !cancellationToken.IsCancellationRequested)
                    program.TestRun(packet, repeat: RepeatPerCall);
            }
            finally
            {
                clock.Stop();
                consumed = drainer.Stop();
            }
            cancellationToken.ThrowIfCancellationRequested();
            long lostEvents = reader.KernelLost - lostBefore;
            return new RingFigure(consumed / clock.Elapsed.TotalSeconds, consumed + lostEvents, lostEvents);
        }

        foreach (var sink in sinks)
            Step(sink, s.RingStep / 4);
        var steps = Alternate(sinks.Length, s.RingSteps, i => Step(sinks[i], s.RingStep));
        return (MedianRun(steps[0]), MedianRun(steps[1]));
    }

    /// <summary>
    /// Two pods on a node with the Tendril datapath, iperf3 between them in rounds alternating between the observer
    /// reading the event ring (<see cref="HubbleObserver.RunAsync"/>, as the agent runs it) and nobody reading it.
    /// With <paramref name="traceEveryPacket"/>, the endpoints' links are first moved to a second load of the
    /// program with every packet traced (the agent's restart path: same pinned maps, BPF_LINK_UPDATE).
    /// </summary>
    private static async Task<PodFigures> MeasurePodsAsync(ObserverSettings s, bool traceEveryPacket, CancellationToken cancellationToken)
    {
        using var node = NodeWithPods.Create(2, withDatapath: true);
        cancellationToken.ThrowIfCancellationRequested();
        var datapath = node.Datapath!;
        using var traced = traceEveryPacket
            ? node.Node.Invoke(() => NodeDatapath.Load(new DatapathOptions(node.PinDirectory) { TraceEveryPacket = true }))
            : null;
        foreach (var pod in node.Pods)
            traced?.AttachEndpoint(pod.Endpoint.EndpointId, pod.Endpoint.Ifindex, node.Node);

        var (client, server) = (node.Pods[0], node.Pods[1]);
        using var reader = RingBufferReader.Open(datapath.Events, () => SumPerCpu(datapath.EventsLost));
        var source = new RingBufferFlowSource(reader);
        var observer = new HubbleObserver(Options, StaticFlowEndpoints.For(node.Pods.Select(p => p.Endpoint)));
        var gbps = new List<double>[] { [], [] };
        long events = 0, lostOn = 0, emittedOn = 0, lostOff = 0, emittedOff = 0;
        double secondsOn = 0;

        for (int r = 0; r < s.IperfRounds; r++)
        {
            foreach (bool on in r % 2 == 0 ? new[] { false, true } : [true, false])
            {
                var discard = default(Discard);
                reader.Consume(ref discard);
                long lostBefore = reader.KernelLost, decodedBefore = observer.Decoder.Decoded;
                using var stop = new CancellationTokenSource();
                var reading = on ? observer.RunAsync(source, stop.Token) : null;
                var clock = Stopwatch.StartNew();
                try
                {
                    gbps[on ? 1 : 0].Add(await DatapathBenchmark.IperfAsync(client, server, 1, s.IperfSeconds, cancellationToken));
                }
                finally
                {
                    stop.Cancel();
                    if (reading is not null)
                        await reading;
                }
                long decoded = observer.Decoder.Decoded - decodedBefore;
                long left = reader.Consume(ref discard), lost = reader.KernelLost - lostBefore;
                if (on)
                {
                    events += decoded;
                    secondsOn += clock.Elapsed.TotalSeconds;
                    (lostOn, emittedOn) = (lostOn + lost, emittedOn + decoded + left + lost);
                }
                else
                {
                    (lostOff, emittedOff) = (lostOff + lost, emittedOff + left + lost);
                }
            }
        }
        return new PodFigures(gbps[0], gbps[1], events / secondsOn, Share(lostOn, emittedOn), Share(lostOff, emittedOff));
    }

    /// <summary>
    /// Runs <paramref name="step"/> <paramref name="rounds"/> times for each of <paramref name="sides"/>, in order,
    /// then in reverse order, and so on, so a change in the machine's load weighs on every side alike.
    /// </summary>
    internal static List<T>[] Alternate<T>(int sides, int rounds, Func<int, T> step)
    {
        var results = new List<T>[sides];
        for (int i = 0; i < sides; i++)
            results[i] = [];
        for (int r = 0; r < rounds; r++)
        {
            for (int i = 0; i < sides; i++)
            {
                int side = r % 2 == 0 ? i : sides - 1 - i;
                results[side].Add(step(side));
            }
        }
        return results;
    }

    private static RingFigure MedianRun(List<RingFigure> runs)
    {
        double median = Stats.Median(runs.Select(r => r.EventsPerSecond));
        return runs.First(r => r.EventsPerSecond == median);
    }

    /// <summary>tendril_events_lost summed over every CPU.</summary>
    private static long SumPerCpu(Map lost)
    {
        long total = 0;
        foreach (ulong perCpu in lost.As<uint, ulong>().LookupPerCpu(0))
            total += (long)perCpu;
        return total;
    }

    private static double Share(long part, long whole) => whole == 0 ? 0 : (double)part / whole;

    internal static void RequireOnPath(string program)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        if (!path.Split(':').Any(dir => dir.Length > 0 && File.Exists(Path.Combine(dir, program))))
            throw new BenchmarkException($"{program} is not installed (apt-get install {program})");
    }

    private static string Decoding(DecodeFigure f) =>
        $"{Rate(f.EventsPerSecond, "events/s")}, {f.Nanoseconds:N0} ns, {f.BytesPerEvent:N0} B/event";

    private static string Reading(DecodeFigure f) =>
        $"{Rate(f.EventsPerSecond, "flows/s")}, {f.Nanoseconds:N0} ns, {f.BytesPerEvent:N0} B/flow";

    private static string Ring(RingFigure f) => $"{Rate(f.EventsPerSecond, "events/s")}, lost {f.LostShare:P1}";

    private static string Pods(PodFigures f, bool on) => on
        ? $"on: {Stats.Median(f.On):F2} Gbit/s, {Rate(f.EventsPerSecondOn, "events/s")}, lost {f.LostShareOn:P1}"
        : $"off: {Stats.Median(f.Off):F2} Gbit/s, lost {f.LostShareOff:P1}";

    private static string RoundRatios(PodFigures f) =>
        f.Ratios.Count == 1 ? $"{f.Ratio:F2}" : $"{f.Ratio:F2} ({f.Ratios.Min():F2}–{f.Ratios.Max():F2})";

    private static string Ratio(double ratio) => ratio < 0.1 ? $"{ratio:F3}" : $"{ratio:F2}";

    private static string Met(bool met) => met ? "[green]yes[/]" : "[yellow]no[/]";

    private static string Rate(double value, string unit) =>
        value >= 1e6 ? $"{value / 1e6:F2} M {unit}" : value >= 1e3 ? $"{value / 1e3:F1} k {unit}" : $"{value:F0} {unit}";

    /// <summary>Empties the ring before a step, so each starts from the same state.</summary>
    private struct Discard : IRingBufferHandler
    {
        public readonly bool OnRecord(ReadOnlySpan<byte> record) => true;
    }
}
