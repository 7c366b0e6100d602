using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Spectre.Console;
using Tendril.Datapath;
using Tendril.Datapath.Loader;
using Tendril.Ebpf;
using Tendril.Netlink.Namespaces;
using Tendril.Tests.Common;
using Tendril.Tests.Common.Topology;

namespace Tendril.Bench;

/// <summary>Sizes of one `services` benchmark run.</summary>
/// <param name="Counts">Services loaded for each row of the connection table (one is the target, the rest fillers).</param>
/// <param name="Connections">Most timed connections per client run.</param>
/// <param name="StepMillis">Longest a client run lasts (a slow path makes fewer connections, never a longer step).</param>
/// <param name="Warmup">Untimed connections before each client run.</param>
/// <param name="Rounds">Client runs per path and count, alternating the order of the paths; the median is reported.</param>
/// <param name="ProgramServices">Services written for the programming figure.</param>
/// <param name="ProgramRounds">Rounds of the programming figure, each into fresh maps and an empty nat table.</param>
/// <param name="IsSmoke">Sizes too small to mean anything; the run only proves the benchmark works.</param>
internal sealed record ServicesSettings(int[] Counts, int Connections, int StepMillis, int Warmup, int Rounds, int ProgramServices,
    int ProgramRounds, bool IsSmoke)
{
    public static ServicesSettings Full { get; } = new([1, 1_000, 10_000, 30_000], 3_000, 400, 30, 3, 10_000, 3, IsSmoke: false);

    public static ServicesSettings Smoke { get; } = new([1, 1_000], 300, 100, 10, 1, 1_000, 1, IsSmoke: true);
}

/// <summary>
/// `services`: a pod's connection + one request to a ClusterIP service with 1 … 30,000 services loaded, through
/// Tendril's per-packet DNAT (endpoint program) and socket-LB (cgroup connect hook), next to kube-proxy-style iptables
/// DNAT in a node namespace, plain routing to the backend and Tendril to the backend's own IP, all in one run; then the time to write 10,000 services
/// into Tendril's maps next to iptables-restore of the same services. Reports and never asserts: exit 0 whenever it
/// measured, 1 with a one-line reason when it could not. Everything it creates is "tt…" and removed at the end.
/// </summary>
internal static class ServicesBenchmark
{
    private const double SpeedupExpected = 2.0;
    private const int SpeedupAt = 10_000;
    private const double ProgramSecondsExpected = 1.0;

    private enum PathKind { Plain, Iptables, TendrilDirect, TendrilPacket, TendrilSocket }

    private static readonly PathKind[] Paths = [PathKind.Plain, PathKind.Iptables, PathKind.TendrilDirect, PathKind.TendrilPacket, PathKind.TendrilSocket];

    private sealed record Row(int Count, Dictionary<PathKind, List<ConnectFigure>> Runs, TimeSpan? TendrilWrite, TimeSpan IptablesRestore)
    {
        public double? MedianNs(PathKind path) => Runs.TryGetValue(path, out var runs) ? Stats.Median(runs.Select(r => r.MedianNs)) : null;

        public double? PerSecond(PathKind path) => Runs.TryGetValue(path, out var runs) ? Stats.Median(runs.Select(r => r.PerSecond)) : null;
    }

    public static Task<int> RunAsync(bool smoke) =>
        BenchmarkRun.RunAsync("services", token => MeasureAsync(smoke ? ServicesSettings.Smoke : ServicesSettings.Full, token));

    private static async Task MeasureAsync(ServicesSettings s, CancellationToken cancellationToken)
    {
        var wall = Stopwatch.StartNew();
        ObserverBenchmark.RequireOnPath("iptables-restore");
        string iptablesVersion = ConnectRequest.Run("iptables-restore", ["--version"]).Output.Trim();
        using var tool = ConnectRequest.Compile();

        // Three nodes side by side, each with a client pod and a backend pod (10.200.0.11 → 10.200.0.12): plain routing,
        // kube-proxy's rules in the node namespace, and Tendril (per-packet DNAT, or socket-LB for clients in the cgroup).
        using var plain = NodeWithPods.Create(2, withDatapath: false);
        using var iptables = NodeWithPods.Create(2, withDatapath: false);
        using var tendril = NodeWithPods.Create(2, withDatapath: true);
        using var cgroup = new TestCgroup("sk");
        using var sock = SocketLoadBalancer.Load(tendril.Datapath!.Options);
        sock.Attach(cgroup.Path);
        try
        {
            foreach (var node in new[] { plain, iptables, tendril })
                tool.StartServer(node.Pods[1].NamespacePath, node.Pods[1].Address, SyntheticServices.BackendPort);
            var rows = await MeasureConnectionsAsync(s, tool, plain, iptables, tendril, cgroup.Path, cancellationToken);
            var program = MeasureProgramming(s, cancellationToken);
            Report(s, rows, program, iptablesVersion, ServiceCapacity(tendril), wall.Elapsed);
        }
        finally
        {
            sock.Detach(cgroup.Path);
            tool.Dispose(); // the servers hold sockets in the namespaces the nodes remove
        }
    }

    /// <summary>One-backend services the compiled maps hold: each takes a master entry and a slot in tendril_lb4_services.</summary>
    private static int ServiceCapacity(NodeWithPods tendril)
    {
        using var services = Map.OpenPinned(Path.Combine(tendril.PinDirectory, "maps", DatapathObjects.LbServicesMap));
        using var backends = Map.OpenPinned(Path.Combine(tendril.PinDirectory, "maps", DatapathObjects.LbBackendsMap));
        return Math.Min(Math.Min(services.MaxEntries / 2, backends.MaxEntries), ushort.MaxValue);
    }

    private static async Task<List<Row>> MeasureConnectionsAsync(ServicesSettings s, ConnectRequest tool, NodeWithPods plain,
        NodeWithPods iptables, NodeWithPods tendril, string cgroupPath, CancellationToken cancellationToken)
    {
        int capacity = ServiceCapacity(tendril);
        var backend = tendril.Pods[1].Address;
        var services = SyntheticServices.Create(s.Counts.Max(), backend);
        string iptablesNode = NetworkNamespaces.PathOf(iptables.NodeName);
        var rows = new List<Row>();
        int programmed = 0;
        foreach (int count in s.Counts)
        {
            TimeSpan? write = null;
            if (count <= capacity)
            {
                write = SyntheticServices.Program(tendril.Datapath!.LoadBalancer, services, programmed, count).Elapsed;
                programmed = count;
            }
            var restore = SyntheticServices.Restore(iptablesNode, SyntheticServices.KubeProxyRuleset(services.Take(count).ToList()));
            var runs = new Dictionary<PathKind, List<ConnectFigure>>();
            for (int round = 0; round < s.Rounds; round++)
            {
                // Alternate the order so slow drift in the machine's load weighs on every path alike.
                foreach (var path in round % 2 == 0 ? Paths : Paths.Reverse())
                {
                    if (path is PathKind.TendrilDirect or PathKind.TendrilPacket or PathKind.TendrilSocket && count > capacity)
                        continue;
                    var (node, cgroup, address, port) = path switch
                    {
                        PathKind.Plain => (plain, null, backend, SyntheticServices.BackendPort),
                        PathKind.Iptables => (iptables, null, SyntheticServices.TargetVip, SyntheticServices.TargetPort),
                        PathKind.TendrilDirect => (tendril, null, backend, SyntheticServices.BackendPort),
                        PathKind.TendrilPacket => (tendril, null, SyntheticServices.TargetVip, SyntheticServices.TargetPort),
                        _ => (tendril, (string?)cgroupPath, SyntheticServices.TargetVip, SyntheticServices.TargetPort),
                    };
                    var figure = await tool.ClientAsync(node.Pods[0].NamespacePath, cgroup, address, port, s.Connections, s.StepMillis, s.Warmup,
                        cancellationToken);
                    (runs.TryGetValue(path, out var list) ? list : runs[path] = []).Add(figure);
                }
            }
            rows.Add(new Row(count, runs, write, restore));
        }
        return rows;
    }

    /// <summary>
    /// Tendril: <see cref="ServicesSettings.ProgramServices"/> services written into fresh maps (sock.o loaded without
    /// attaching, which creates the load balancer maps under a new pin directory each round). iptables: the same services
    /// restored into an empty nat table of a namespace of its own. Rounds alternate which goes first.
    /// </summary>
    private static (List<(TimeSpan Elapsed, int Entries)> Tendril, List<TimeSpan> Iptables) MeasureProgramming(ServicesSettings s,
        CancellationToken cancellationToken)
    {
        var services = SyntheticServices.Create(s.ProgramServices, NodeWithPods.Gateway);
        string ruleset = SyntheticServices.KubeProxyRuleset(services);
        var tendril = new List<(TimeSpan, int)>();
        var iptables = new List<TimeSpan>();
        string name = TestNames.Unique("ipt");
        string netns = NetworkNamespaces.Create(name);
        try
        {
            for (int round = 0; round < s.ProgramRounds; round++)
            {
                for (int side = 0; side < 2; side++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if ((side + round) % 2 == 0)
                    {
                        using var pins = new BpfFsDirectory("lbw");
                        using var maps = SocketLoadBalancer.Load(new DatapathOptions(pins.Path));
                        tendril.Add(SyntheticServices.Program(maps.Maps, services, 0, services.Count));
                    }
                    else
                    {
                        SyntheticServices.Restore(netns, SyntheticServices.EmptyNatTable);
                        iptables.Add(SyntheticServices.Restore(netns, ruleset));
                    }
                }
            }
        }
        finally
        {
            NetworkNamespaces.Delete(name);
        }
        return (tendril, iptables);
    }

    private static void Report(ServicesSettings s, List<Row> rows, (List<(TimeSpan Elapsed, int Entries)> Tendril, List<TimeSpan> Iptables) program,
        string iptablesVersion, int capacity, TimeSpan wall)
    {
        var table = new Table().AddColumns("Services", "Plain routing", "iptables DNAT (kube-proxy)", "Tendril, backend IP", "Tendril per-packet", "Tendril socket-LB",
            "iptables ÷ Tendril (packet / socket)", "vs plain (iptables / packet / socket)");
        foreach (var row in rows)
        {
            double plain = row.MedianNs(PathKind.Plain)!.Value, ipt = row.MedianNs(PathKind.Iptables)!.Value;
            double? packet = row.MedianNs(PathKind.TendrilPacket), socket = row.MedianNs(PathKind.TendrilSocket);
            table.AddRow(row.Count.ToString("N0", CultureInfo.InvariantCulture), Cell(row, PathKind.Plain), Cell(row, PathKind.Iptables),
                Cell(row, PathKind.TendrilDirect), Cell(row, PathKind.TendrilPacket), Cell(row, PathKind.TendrilSocket),
                packet is null ? "n/a" : $"{ipt / packet:F2} / {ipt / socket:F2}",
                $"{ipt / plain:F2} / {Ratio(packet, plain)} / {Ratio(socket, plain)}");
        }
        AnsiConsole.Write(table);

        double tendrilSeconds = Stats.Median(program.Tendril.Select(t => t.Elapsed.TotalSeconds));
        int entries = program.Tendril[0].Entries;
        double iptablesSeconds = Stats.Median(program.Iptables.Select(t => t.TotalSeconds));
        var programTable = new Table().AddColumns("Figure", "Tendril maps", "iptables-restore (kube-proxy ruleset)", "iptables ÷ Tendril",
            "Expectation", "Met");
        programTable.AddRow($"program {s.ProgramServices:N0} services", $"{tendrilSeconds:F3} s, {entries / tendrilSeconds / 1000:F0} k entries/s ({entries:N0} entries)",
            $"{iptablesSeconds:F3} s, {s.ProgramServices * 6 / iptablesSeconds / 1000:F0} k rules+chains/s", $"{iptablesSeconds / tendrilSeconds:F1}",
            $"< {ProgramSecondsExpected:F0} s", Met(tendrilSeconds < ProgramSecondsExpected));
        AnsiConsole.Write(programTable);

        if (s.IsSmoke)
            Console.WriteLine("smoke run: sizes too small for the figures to mean anything");
        Console.WriteLine($"each cell: median time of one connect + 1-byte request + reply + close (median over {s.Rounds} runs of up to " +
            $"{s.Connections:N0} connections or {s.StepMillis} ms each, after {s.Warmup} untimed), and the connections per second of those runs; " +
            $"{Environment.ProcessorCount} CPUs; {iptablesVersion}; {wall.TotalSeconds:F1} s");
        var first = rows[0];
        var last = rows.LastOrDefault(r => r.MedianNs(PathKind.TendrilPacket) is not null) ?? first;
        Console.WriteLine($"expectation, Tendril flat from 1 to {last.Count:N0} services (time at {last.Count:N0} ÷ time at {first.Count:N0}): " +
            $"per-packet {last.MedianNs(PathKind.TendrilPacket) / first.MedianNs(PathKind.TendrilPacket):F2}, " +
            $"socket-LB {last.MedianNs(PathKind.TendrilSocket) / first.MedianNs(PathKind.TendrilSocket):F2}; iptables " +
            $"{rows[^1].MedianNs(PathKind.Iptables) / first.MedianNs(PathKind.Iptables):F2} (1 → {rows[^1].Count:N0})");
        if (rows.FirstOrDefault(r => r.Count == SpeedupAt) is { } at && at.MedianNs(PathKind.TendrilPacket) is { } packetAt)
        {
            double ipt = at.MedianNs(PathKind.Iptables)!.Value;
            Console.WriteLine($"expectation, ≥ {SpeedupExpected:F0}× faster than iptables at {SpeedupAt:N0}: per-packet {ipt / packetAt:F2}× " +
                $"({Met(ipt / packetAt >= SpeedupExpected, markup: false)}), socket-LB {ipt / at.MedianNs(PathKind.TendrilSocket):F2}× " +
                $"({Met(ipt / at.MedianNs(PathKind.TendrilSocket)!.Value >= SpeedupExpected, markup: false)})");
        }
        Console.WriteLine("writing the services of each row (all at once before the row): Tendril " +
            string.Join(", ", rows.Where(r => r.TendrilWrite is not null).Select(r => $"+{r.Count:N0} in {r.TendrilWrite!.Value.TotalMilliseconds:F0} ms")) +
            "; iptables-restore of the whole table " + string.Join(", ", rows.Select(r => $"{r.Count:N0} in {r.IptablesRestore.TotalMilliseconds:F0} ms")));
        Console.WriteLine($"not measured: more than {capacity:N0} services on Tendril (tendril_lb4_services holds 65,536 entries, two per " +
            "one-backend service; service IDs are 16 bits), and 100,000 services on iptables (iptables-restore of them takes minutes here)");
        Console.WriteLine("p10/p90 per run (µs): " + string.Join("; ", rows.Select(r => $"{r.Count:N0}: " + string.Join(", ",
            r.Runs.Select(kv => $"{Short(kv.Key)} " + string.Join(" ", kv.Value.Select(f => $"{f.P10Ns / 1000:F0}/{f.P90Ns / 1000:F0}")))))));
    }

    private static string Cell(Row row, PathKind path) => row.MedianNs(path) is { } ns
        ? $"{ns / 1000:F1} µs ({row.PerSecond(path)!.Value / 1000:F1} k/s)"
        : "n/a";

    private static string Ratio(double? value, double baseline) => value is { } v ? (v / baseline).ToString("F2", CultureInfo.InvariantCulture) : "n/a";

    private static string Short(PathKind path) => path switch
    {
        PathKind.Plain => "plain",
        PathKind.Iptables => "iptables",
        PathKind.TendrilDirect => "direct",
        PathKind.TendrilPacket => "packet",
        _ => "socket",
    };

    private static string Met(bool met, bool markup = true) => markup ? (met ? "[green]yes[/]" : "[yellow]no[/]") : (met ? "met" : "not met");
}
