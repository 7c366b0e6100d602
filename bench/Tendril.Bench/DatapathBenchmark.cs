using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Spectre.Console;
using Tendril.Datapath.Maps;
using Tendril.Tests.Common.Topology;

namespace Tendril.Bench;

/// <summary>
/// Pod-to-pod throughput (iperf3) and request/response rate (one TCP connection, 1-byte ping-pong) through the
/// Tendril datapath with policy enforced, next to the same pods joined by plain veth + /32 routing in the node's
/// stack, all in one run; then again with 10,000 policy entries for 1,000 identities in the receiver's map.
/// </summary>
internal static class DatapathBenchmark
{
    private sealed record Scenario(string Name, bool Datapath, int ExtraRules);

    private sealed record Figures(double Gbps1, double Gbps2, double RoundTrips);

    public static async Task<int> RunAsync(bool smoke)
    {
        var wall = Stopwatch.StartNew();
        int iperfSeconds = smoke ? 1 : 5;
        var rrDuration = TimeSpan.FromSeconds(smoke ? 0.5 : 3);
        var scenarios = new[]
        {
            new Scenario("veth + /32 routing (baseline)", false, 0),
            new Scenario("Tendril datapath, policy on", true, 0),
            new Scenario("Tendril, 10,000 rules / 1,000 identities", true, 10_000),
        };
        var results = new List<(Scenario Scenario, Figures Figures)>();
        foreach (var scenario in scenarios)
            results.Add((scenario, await MeasureAsync(scenario, iperfSeconds, rrDuration)));

        var baseline = results[0].Figures;
        var table = new Table().AddColumns("Path", "TCP 1 stream", "TCP 2 streams", "Request/response", "vs baseline (1 / 2 / RR)", "≥ 95 %");
        foreach (var (scenario, f) in results)
        {
            double r1 = f.Gbps1 / baseline.Gbps1, r2 = f.Gbps2 / baseline.Gbps2, rr = f.RoundTrips / baseline.RoundTrips;
            bool met = !scenario.Datapath || (r1 >= 0.95 && r2 >= 0.95 && rr >= 0.95);
            table.AddRow(scenario.Name, $"{f.Gbps1:F2} Gbit/s", $"{f.Gbps2:F2} Gbit/s", $"{f.RoundTrips / 1000:F1} k/s",
                scenario.Datapath ? $"{r1:F2} / {r2:F2} / {rr:F2}" : "—", scenario.Datapath ? (met ? "[green]yes[/]" : "[yellow]no[/]") : "");
        }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"[grey]{(smoke ? "smoke run: figures are not meaningful; " : "")}iperf3 {iperfSeconds} s per figure, " +
            $"request/response {rrDuration.TotalSeconds:F1} s on one connection; {Environment.ProcessorCount} CPUs; {wall.Elapsed.TotalSeconds:F1} s[/]");
        return 0;
    }

    private static async Task<Figures> MeasureAsync(Scenario scenario, int iperfSeconds, TimeSpan rrDuration)
    {
        using var node = NodeWithPods.Create(2, scenario.Datapath);
        var (client, server) = (node.Pods[0], node.Pods[1]);
        if (scenario.ExtraRules > 0)
            server.Policy!.Sync(ManyRules(scenario.ExtraRules, client.Identity));
        double gbps1 = await IperfAsync(client, server, 1, iperfSeconds);
        double gbps2 = await IperfAsync(client, server, 2, iperfSeconds);
        double rr = await RequestResponseAsync(client, server, rrDuration);
        return new Figures(gbps1, gbps2, rr);
    }

    /// <summary>Ingress entries for identities 5000..5999, ten ports each, plus the one that admits the client.</summary>
    private static Dictionary<PolicyMapKey, PolicyMapEntry> ManyRules(int count, uint clientIdentity)
    {
        var rules = NodeWithPods.AllowAll();
        rules.Remove(new PolicyMapKey(0, false, 0, 0, 0));
        for (int i = 0; i < count - 1; i++)
            rules[new PolicyMapKey((uint)(5000 + i / 10), false, 6, (ushort)(10000 + i % 10), 16)] = new(false);
        rules[new PolicyMapKey(clientIdentity, false, 0, 0, 0)] = new(false);
        return rules;
    }

    private static async Task<double> IperfAsync(NodeWithPods.Pod client, NodeWithPods.Pod server, int streams, int seconds)
    {
        // iperf3 block-buffers its output into a pipe, so readiness is learnt by the client retrying, not by reading.
        using var iperfServer = Start("nsenter", $"--net={server.NamespacePath}", "iperf3", "-s", "-B", server.Address.ToString(), "-p", "5201");
        try
        {
            for (int attempt = 0; ; attempt++)
            {
                using var iperfClient = Start("nsenter", $"--net={client.NamespacePath}", "iperf3", "-c", server.Address.ToString(), "-p", "5201",
                    "-t", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    "-P", streams.ToString(System.Globalization.CultureInfo.InvariantCulture), "-J");
                string json = await iperfClient.StandardOutput.ReadToEndAsync();
                await iperfClient.WaitForExitAsync();
                using var doc = JsonDocument.Parse(json);
                if (!doc.RootElement.TryGetProperty("error", out var error))
                    return doc.RootElement.GetProperty("end").GetProperty("sum_received").GetProperty("bits_per_second").GetDouble() / 1e9;
                if (attempt >= 50)
                    throw new InvalidOperationException($"iperf3: {error.GetString()}");
                await Task.Delay(100);
            }
        }
        finally
        {
            iperfServer.Kill(entireProcessTree: true);
            await iperfServer.WaitForExitAsync();
        }
    }

    private static async Task<double> RequestResponseAsync(NodeWithPods.Pod client, NodeWithPods.Pod server, TimeSpan duration)
    {
        using var listener = server.Thread.Invoke(() =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            s.Bind(new IPEndPoint(server.Address, 7007));
            s.Listen(1);
            return s;
        });
        var echo = Task.Run(async () =>
        {
            using var connection = await listener.AcceptAsync();
            connection.NoDelay = true;
            var buffer = new byte[1];
            while (await connection.ReceiveAsync(buffer, SocketFlags.None) == 1)
                await connection.SendAsync(buffer, SocketFlags.None);
        });
        using var socket = client.Thread.Invoke(() => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true });
        await socket.ConnectAsync(new IPEndPoint(server.Address, 7007));
        var one = new byte[1];
        long count = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration)
        {
            await socket.SendAsync(one, SocketFlags.None);
            await socket.ReceiveAsync(one, SocketFlags.None);
            count++;
        }
        double rate = count / clock.Elapsed.TotalSeconds;
        socket.Shutdown(SocketShutdown.Both);
        await echo;
        return rate;
    }

    private static Process Start(string program, params string[] args)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        return Process.Start(psi) ?? throw new InvalidOperationException($"could not start {program}");
    }
}
