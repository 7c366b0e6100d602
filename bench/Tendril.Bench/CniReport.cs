using System.ComponentModel;
using Spectre.Console;
using Tendril.Tests.Common;
using static Tendril.Bench.CniBenchmark;

namespace Tendril.Bench;

/// <summary>Prints the `cni` benchmark's table and the lines that say how it was measured.</summary>
internal static class CniReport
{
    private const double AddP50TargetMs = 20;
    private const double AddP99TargetMs = 50;

    /// <summary>One side's rounds pooled: every latency of every round, and pods ÷ the ADD sequences' total wall time.</summary>
    private sealed record Pooled(List<double> AddMs, List<double> DelMs, double PodsPerSecond)
    {
        public static Pooled Of(List<SideRound> rounds) => new(rounds.SelectMany(r => r.AddMs).ToList(), rounds.SelectMany(r => r.DelMs).ToList(),
            rounds.Sum(r => r.AddMs.Count) / rounds.Sum(r => r.AddSeconds));

        public double AddP50 => Stats.Median(AddMs);

        public double AddP99 => Percentile(AddMs, 0.99);

        public double DelP50 => Stats.Median(DelMs);

        public double DelP99 => Percentile(DelMs, 0.99);
    }

    public static void Write(CniSettings s, List<SideRound> tendrilRounds, List<SideRound> referenceRounds, Floor floor, CniCheckResult checks,
        string nodeNamespace, AgentProcess agent, string plugin, string referencePackage, TimeSpan wall)
    {
        var tendril = Pooled.Of(tendrilRounds);
        var reference = Pooled.Of(referenceRounds);
        var table = new Table().AddColumns("Plugin", "ADD p50", "ADD p99", "DEL p50", "DEL p99", "Pods/s (ADD)",
            "Tendril ÷ bridge (ADD p50 / p99 / DEL p50 / p99 / pods/s)");
        table.AddRow(agent.ExtraArgs.Count == 0 ? "tendril-cni + tendril-agent" : $"tendril-cni + tendril-agent {string.Join(' ', agent.ExtraArgs)}", Ms(tendril.AddP50), Ms(tendril.AddP99), Ms(tendril.DelP50), Ms(tendril.DelP99),
            Rate(tendril.PodsPerSecond), $"{tendril.AddP50 / reference.AddP50:F2} / {tendril.AddP99 / reference.AddP99:F2} / " +
            $"{tendril.DelP50 / reference.DelP50:F2} / {tendril.DelP99 / reference.DelP99:F2} / {tendril.PodsPerSecond / reference.PodsPerSecond:F2}");
        table.AddRow("bridge + host-local (reference)", Ms(reference.AddP50), Ms(reference.AddP99), Ms(reference.DelP50), Ms(reference.DelP99),
            Rate(reference.PodsPerSecond), "—");
        AnsiConsole.Write(table);

        if (s.IsSmoke)
            Console.WriteLine("smoke run: sizes too small for the figures to mean anything");
        Console.WriteLine($"target (issue): tendril-cni ADD p50 ≤ {AddP50TargetMs:F0} ms: {tendril.AddP50:F1} ms, {Met(tendril.AddP50 <= AddP50TargetMs)}; " +
            $"ADD p99 ≤ {AddP99TargetMs:F0} ms: {tendril.AddP99:F1} ms, {Met(tendril.AddP99 <= AddP99TargetMs)}");
        Console.WriteLine($"process start floor, p50 of {floor.TrueMs.Count} runs started the same way: /bin/true {Stats.Median(floor.TrueMs):F2} ms; " +
            $"VERSION (start-up and exit, no work): tendril-cni {Stats.Median(floor.TendrilVersionMs):F2} ms, " +
            $"bridge {Stats.Median(floor.ReferenceVersionMs):F2} ms; STATUS (start-up + one health request to the agent): tendril-cni " +
            $"{Stats.Median(floor.TendrilStatusMs):F2} ms");
        Console.WriteLine($"each figure: one plugin process from fork to exit, started from a thread in the node namespace with CNI_COMMAND, " +
            $"CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME=eth0, CNI_PATH and the configuration on stdin; {s.Pods} pods per side per round, ADD all " +
            $"then DEL all, one after the other; {s.Rounds} round{(s.Rounds == 1 ? "" : "s")} ({RoundOrder(s.Rounds)}), latencies pooled; " +
            "pods/s = pods ÷ the ADD sequence's wall time; one untimed ADD + DEL per side before");
        Console.WriteLine("per round, ADD p50 / p99 / pods/s: " + string.Join("; ", tendrilRounds.Zip(referenceRounds, (t, r) =>
            $"{t.Round + 1}: tendril-cni {Round(t)}, bridge {Round(r)}")));
        int tenth = Math.Max(1, s.Pods / 10);
        Console.WriteLine($"p50 of the first / last {tenth} calls of each sequence (does a call cost more with more pods on the node?): " +
            $"tendril-cni ADD {Ends(tendrilRounds, r => r.AddMs, tenth)}, DEL {Ends(tendrilRounds, r => r.DelMs, tenth)}; " +
            $"bridge ADD {Ends(referenceRounds, r => r.AddMs, tenth)}, DEL {Ends(referenceRounds, r => r.DelMs, tenth)}");
        Console.WriteLine($"first (untimed) ADD: tendril-cni {checks.WarmupAddMs.Tendril:F1} ms (pod got {checks.PodAddresses.Tendril}), " +
            $"bridge {checks.WarmupAddMs.Reference:F1} ms (creates the bridge; pod got {checks.PodAddresses.Reference})");
        string rootForwarding = CniChecks.RootForwarding();
        Console.WriteLine($"checked: plugin processes ran in the node namespace {nodeNamespace} ({checks.NodeNamespace}), not the root one " +
            $"({checks.RootNamespace}); the bridge is there and not in the root namespace; node ip_forward {checks.NodeForwarding}; root ip_forward " +
            $"{checks.RootForwarding} before, {rootForwarding} after{(rootForwarding == checks.RootForwarding ? " (unchanged)" : " (CHANGED)")}");
        Console.WriteLine($"tendril-agent answered {agent.StartupTime.TotalSeconds:F1} s after its start (pod CIDR {PodCidr}); plugin {plugin} " +
            $"({new FileInfo(plugin).Length / 1e6:F1} MB); reference {referencePackage}; {Environment.ProcessorCount} CPUs; " +
            $"{wall.TotalSeconds:F1} s in all");
    }

    /// <summary>Nearest rank: the smallest value with at least <paramref name="fraction"/> of the values at or below it.</summary>
    private static double Percentile(List<double> values, double fraction)
    {
        var sorted = values.Order().ToList();
        int rank = (int)Math.Ceiling(fraction * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }

    private static string RoundOrder(int rounds) =>
        string.Join(", ", Enumerable.Range(0, rounds).Select(r => r % 2 == 0 ? $"round {r + 1} Tendril first" : $"round {r + 1} bridge first"));

    private static string Round(SideRound r) =>
        $"{Stats.Median(r.AddMs):F1} / {Percentile(r.AddMs, 0.99):F1} ms / {r.PodsPerSecond:F1}";

    /// <summary>"first / last ms": the median of the first and of the last <paramref name="count"/> calls of every round.</summary>
    private static string Ends(List<SideRound> rounds, Func<SideRound, List<double>> calls, int count) =>
        $"{Stats.Median(rounds.SelectMany(r => calls(r).Take(count))):F1} / {Stats.Median(rounds.SelectMany(r => calls(r).TakeLast(count))):F1} ms";

    private static string Ms(double ms) => $"{ms:F1} ms";

    private static string Rate(double perSecond) => $"{perSecond:F1}";

    private static string Met(bool met) => met ? "met" : "not met";

    /// <summary>The Debian package the reference plugins come from, as dpkg knows it.</summary>
    public static async Task<string> ReferencePackageAsync()
    {
        try
        {
            var (exitCode, stdout, _) = await ChildProcess.RunAsync("dpkg-query", ["-W", "-f=${Version}", "containernetworking-plugins"],
                timeout: TimeSpan.FromSeconds(10));
            return exitCode == 0 ? $"containernetworking-plugins {stdout.Trim()}" : "containernetworking-plugins (version unknown)";
        }
        catch (Win32Exception)
        {
            return "containernetworking-plugins (no dpkg-query)";
        }
    }
}
