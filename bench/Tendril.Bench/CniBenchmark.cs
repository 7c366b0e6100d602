using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Tendril.Tests.Common;

namespace Tendril.Bench;

/// <summary>Sizes of one `cni` benchmark run.</summary>
/// <param name="Pods">Pods each side adds (then deletes) in one round, one after the other.</param>
/// <param name="Rounds">Rounds; odd rounds run the reference first, so drift in the machine's load weighs on both sides.</param>
/// <param name="FloorRuns">Runs of /bin/true, of each plugin's VERSION and of tendril-cni's STATUS per round (the start-up floor).</param>
/// <param name="IsSmoke">Sizes too small to mean anything; the run only proves the benchmark works.</param>
internal sealed record CniSettings(int Pods, int Rounds, int FloorRuns, bool IsSmoke)
{
    public static CniSettings Full { get; } = new(200, 2, 100, IsSmoke: false);

    public static CniSettings Smoke { get; } = new(10, 1, 10, IsSmoke: true);
}

/// <summary>
/// `cni`: ADD and DEL latency of tendril-cni (talking to a real tendril-agent) and pods created per second, next to
/// the reference bridge + host-local plugins in the same run, every call a new process started as a runtime starts
/// it. Everything happens in network namespaces it creates ("tt…", <see cref="CniNode"/>), and both plugins run in
/// the node namespace, so the reference's bridge and forwarding setting land there, never in the root namespace.
/// Reports and never asserts: exit 0 whenever it measured, 1 with a one-line reason when it could not.
/// </summary>
internal static class CniBenchmark
{
    internal const string PodCidr = "10.220.0.0/23";
    private const string ReferenceSubnet = "10.221.0.0/23";
    private const string CniPath = "/usr/lib/cni";
    private const string ReferencePlugin = CniPath + "/bridge";

    /// <summary>One plugin under test: what runs, its configuration (stdin) and the pod namespaces it is handed.</summary>
    /// <param name="Diagnostics">More evidence for a failure message (the agent's last lines).</param>
    internal sealed record Side(string Name, string Plugin, string Config, IReadOnlyList<string> Pods, Func<string>? Diagnostics = null);

    /// <summary>One side's sequence in one round: each ADD's and DEL's milliseconds, and the ADD sequence's wall time.</summary>
    internal sealed record SideRound(int Round, List<double> AddMs, List<double> DelMs, double AddSeconds)
    {
        public double PodsPerSecond => AddMs.Count / AddSeconds;
    }

    /// <summary>
    /// Milliseconds of /bin/true and of each plugin's VERSION, started the way the plugins are, and of tendril-cni's
    /// STATUS (start-up plus one health request to the agent), which splits an ADD into start-up, agent round trip and work.
    /// </summary>
    internal sealed record Floor(List<double> TrueMs, List<double> TendrilVersionMs, List<double> ReferenceVersionMs, List<double> TendrilStatusMs);

    /// <param name="endpointAttach">The agent's --endpoint-attach (tcx, its default, or tc); null leaves the default.</param>
    public static Task<int> RunAsync(bool smoke, string? endpointAttach = null) =>
        BenchmarkRun.RunAsync("cni", token => MeasureAsync(smoke ? CniSettings.Smoke : CniSettings.Full, endpointAttach, token));

    private static async Task MeasureAsync(CniSettings s, string? endpointAttach, CancellationToken cancellationToken)
    {
        var wall = Stopwatch.StartNew();
        foreach (string program in new[] { ReferencePlugin, CniPath + "/host-local" })
        {
            if (!File.Exists(program))
                throw new BenchmarkException($"{program} is missing: apt-get install containernetworking-plugins");
        }
        string plugin = await PublishedCniPlugin.LocateAsync(cancellationToken);
        string referencePackage = await CniReport.ReferencePackageAsync();
        string hostLocalData = Directory.CreateTempSubdirectory("tendril-bench-cni-").FullName;
        CniNode? node = null;
        AgentProcess? agent = null;
        try
        {
            node = CniNode.Create();
            // Every namespace exists before anything is timed; each side gets its own, reused across rounds.
            var tendrilPods = node.AddPods(s.Pods, cancellationToken);
            var referencePods = node.AddPods(s.Pods, cancellationToken);
            // dpkg-query and the agent were started from this thread, outside the node namespace: the runtime's one-time
            // set-up for child processes is done before the first fork on the namespace thread.
            agent = await AgentProcess.StartAsync(node.NamespacePath, PodCidr, endpointAttach is null ? [] : ["--endpoint-attach", endpointAttach]);
            var exec = new CniExec(node.Thread);
            var running = agent;
            var tendril = new Side("tendril-cni (agent)", plugin, TendrilConfig(agent.Socket, "1.0.0"), tendrilPods, () => running.OutputTail);
            // STATUS exists from CNI 1.1.0 on; the reference (plugins 1.1.1) has none.
            var tendrilStatus = tendril with { Config = TendrilConfig(agent.Socket, "1.1.0") };
            string bridge = TestNames.Link("br");
            var reference = new Side("bridge + host-local", ReferencePlugin, ReferenceConfig(TestNames.Unique("net"), bridge, hostLocalData),
                referencePods);

            var checks = CniChecks.Run(exec, node, tendril, reference, bridge, cancellationToken);
            var rounds = new List<SideRound>[] { [], [] };
            var floor = new Floor([], [], [], []);
            for (int round = 0; round < s.Rounds; round++)
            {
                MeasureFloor(exec, s.FloorRuns, tendril, tendrilStatus, reference, floor, cancellationToken);
                var order = round % 2 == 0 ? new[] { 0, 1 } : [1, 0];
                foreach (int i in order)
                    rounds[i].Add(MeasureSide(exec, i == 0 ? tendril : reference, round, cancellationToken));
            }
            CniReport.Write(s, rounds[0], rounds[1], floor, checks, node.Name, agent, plugin, referencePackage, wall.Elapsed);
        }
        finally
        {
            if (agent is not null)
                await agent.DisposeAsync();
            node?.Dispose();
            Directory.Delete(hostLocalData, recursive: true);
        }
    }

    /// <summary>ADD for every pod one after the other, then DEL for every pod, each a new container ID.</summary>
    private static SideRound MeasureSide(CniExec exec, Side side, int round, CancellationToken cancellationToken)
    {
        var ids = side.Pods.Select(_ => ContainerId()).ToList();
        var add = new List<double>(side.Pods.Count);
        var del = new List<double>(side.Pods.Count);
        var sequence = Stopwatch.StartNew();
        for (int i = 0; i < side.Pods.Count; i++)
            add.Add(Call(exec, side, "ADD", ids[i], side.Pods[i], cancellationToken).Milliseconds);
        double addSeconds = sequence.Elapsed.TotalSeconds;
        for (int i = 0; i < side.Pods.Count; i++)
            del.Add(Call(exec, side, "DEL", ids[i], side.Pods[i], cancellationToken).Milliseconds);
        return new SideRound(round, add, del, addSeconds);
    }

    /// <summary>
    /// /bin/true with an ADD's environment and stdin, each plugin's VERSION (start-up and exit, no work) and tendril-cni's
    /// STATUS, interleaved.
    /// </summary>
    private static void MeasureFloor(CniExec exec, int runs, Side tendril, Side tendrilStatus, Side reference, Floor floor,
        CancellationToken cancellationToken)
    {
        for (int i = 0; i < runs; i++)
        {
            floor.TrueMs.Add(exec.Run("/bin/true", [], CallEnvironment("ADD", ContainerId(), tendril.Pods[0]), tendril.Config, cancellationToken).Milliseconds);
            floor.TendrilVersionMs.Add(Version(exec, tendril, cancellationToken));
            floor.ReferenceVersionMs.Add(Version(exec, reference, cancellationToken));
            floor.TendrilStatusMs.Add(Call(exec, tendrilStatus, "STATUS", ContainerId(), tendril.Pods[0], cancellationToken).Milliseconds);
        }
    }

    private static double Version(CniExec exec, Side side, CancellationToken cancellationToken)
    {
        var result = exec.Run(side.Plugin, [], [new("CNI_COMMAND", "VERSION"), new("CNI_PATH", CniPath)], """{"cniVersion":"1.0.0"}""", cancellationToken);
        if (result.ExitCode != 0)
            throw new BenchmarkException($"{side.Name}: VERSION failed with exit code {result.ExitCode}: {result.Stdout.Trim()} {result.Stderr.Trim()}");
        return result.Milliseconds;
    }

    /// <summary>One plugin call; a non-zero exit ends the benchmark with what the plugin printed.</summary>
    internal static CniExecResult Call(CniExec exec, Side side, string command, string containerId, string pod, CancellationToken cancellationToken)
    {
        var result = exec.Run(side.Plugin, [], CallEnvironment(command, containerId, pod), side.Config, cancellationToken);
        if (result.ExitCode != 0)
        {
            string stdout = result.Stdout.Trim() is { Length: > 0 } printed ? printed : "(nothing on stdout)";
            string stderr = result.Stderr.Trim().Length > 0 ? $"; stderr: {result.Stderr.Trim()}" : "";
            string more = side.Diagnostics is { } diagnostics ? $"\nagent's last lines:\n{diagnostics()}" : "";
            throw new BenchmarkException($"{side.Name}: {command} for pod namespace {pod} (container {containerId[..12]}) failed with exit code " +
                $"{result.ExitCode}: {stdout}{stderr}{more}");
        }
        return result;
    }

    /// <summary>The variables a runtime sets for ADD and DEL (no CNI_ARGS: host-local rejects unknown keys without IgnoreUnknown).</summary>
    private static KeyValuePair<string, string>[] CallEnvironment(string command, string containerId, string pod) =>
    [
        new("CNI_COMMAND", command),
        new("CNI_CONTAINERID", containerId),
        new("CNI_NETNS", CniNode.PodPath(pod)),
        new("CNI_IFNAME", "eth0"),
        new("CNI_PATH", CniPath),
    ];

    /// <summary>A container ID as runtimes make them: 64 hex characters.</summary>
    internal static string ContainerId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    private static string TendrilConfig(string agentSocket, string cniVersion) => new JsonObject
    {
        ["cniVersion"] = cniVersion,
        ["name"] = "tbnet",
        ["type"] = "tendril-cni",
        ["agentSocket"] = agentSocket,
        ["args"] = new JsonObject
        {
            ["cni"] = new JsonObject { ["labels"] = new JsonArray(new JsonObject { ["key"] = "app", ["value"] = "bench" }) },
        },
    }.ToJsonString();

    private static string ReferenceConfig(string network, string bridge, string dataDir) => new JsonObject
    {
        ["cniVersion"] = "1.0.0",
        ["name"] = network,
        ["type"] = "bridge",
        ["bridge"] = bridge,
        ["isGateway"] = true,
        ["ipMasq"] = false,
        ["ipam"] = new JsonObject { ["type"] = "host-local", ["subnet"] = ReferenceSubnet, ["dataDir"] = dataDir },
    }.ToJsonString();
}
