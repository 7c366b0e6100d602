using System.Diagnostics;
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

    /// <summary>
    /// One iperf3 TCP run from <paramref name="client"/> to <paramref name="server"/>, in Gbit/s received.
    /// Cancelling kills both iperf3 processes and throws <see cref="OperationCanceledException"/>.
    /// </summary>
    internal static async Task<double> IperfAsync(NodeWithPods.Pod client, NodeWithPods.Pod server, int streams, int seconds,
        CancellationToken cancellationToken = default)
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
                string json;
                // Cancelling kills the client, which ends the read; the token is not passed on so both waits see it exit.
                using (cancellationToken.Register(() => KillQuietly(iperfClient)))
                {
                    json = await iperfClient.StandardOutput.ReadToEndAsync(CancellationToken.None);
                    await iperfClient.WaitForExitAsync(CancellationToken.None);
                }
                cancellationToken.ThrowIfCancellationRequested();
                using var doc = JsonDocument.Parse(json);
                if (!doc.RootElement.TryGetProperty("error", out var error))
                    return doc.RootElement.GetProperty("end").GetProperty("sum_received").GetProperty("bits_per_second").GetDouble() / 1e9;
                if (attempt >= 50)
                    throw new InvalidOperationException($"iperf3: {error.GetString()}");
                await Task.Delay(100, cancellationToken);
            }
        }
        finally
        {
            KillQuietly(iperfServer);
            await iperfServer.WaitForExitAsync(CancellationToken.None);
        }
    }

    /// <summary>
    /// One TCP connection, 1-byte ping-pong with TCP_NODELAY, between two small Python processes in the pods' namespaces
    /// (an in-process .NET client measured mostly its own async scheduling: about a third of this rate).
    /// </summary>
    private static async Task<double> RequestResponseAsync(NodeWithPods.Pod client, NodeWithPods.Pod server, TimeSpan duration)
    {
        string script = Path.Combine(Path.GetTempPath(), $"tendril-rr-{Environment.ProcessId}.py");
        await File.WriteAllTextAsync(script, PingPong);
        try
        {
            using var echo = Start("nsenter", $"--net={server.NamespacePath}", "python3", script, "server", server.Address.ToString());
            for (int attempt = 0; ; attempt++)
            {
                using var run = Start("nsenter", $"--net={client.NamespacePath}", "python3", script, "client", server.Address.ToString(),
                    duration.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
                string output = await run.StandardOutput.ReadToEndAsync();
                await run.WaitForExitAsync();
                if (run.ExitCode == 0)
                {
                    await echo.WaitForExitAsync();
                    return double.Parse(output.Trim(), System.Globalization.CultureInfo.InvariantCulture);
                }
                if (attempt >= 50)
                    throw new InvalidOperationException($"request/response client failed: {await run.StandardError.ReadToEndAsync()}");
                await Task.Delay(100);
            }
        }
        finally
        {
            File.Delete(script);
        }
    }

    private const string PingPong = """
        import socket, sys, time
        if sys.argv[1] == "server":
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((sys.argv[2], 7007))
            s.listen(1)
            c, _ = s.accept()
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            while True:
                d = c.recv(1)
                if not d:
                    break
                c.send(d)
        else:
            c = socket.create_connection((sys.argv[2], 7007))
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            n, start, seconds = 0, time.time(), float(sys.argv[3])
            while time.time() - start < seconds:
                c.send(b"x")
                c.recv(1)
                n += 1
            print(n / (time.time() - start))
        """;

    private static void KillQuietly(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It exited meanwhile.
        }
    }

    private static Process Start(string program, params string[] args)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        return Process.Start(psi) ?? throw new InvalidOperationException($"could not start {program}");
    }
}
