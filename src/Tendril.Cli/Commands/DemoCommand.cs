using System.CommandLine;
using System.Diagnostics;
using Spectre.Console;
using Tendril.Api;
using Tendril.Interop;
using Tendril.Netlink.Namespaces;

namespace Tendril.Cli.Commands;

/// <summary>
/// <c>tendril demo</c>: Cilium's Star Wars demo on embedded defaults. A node namespace with its own agent, three pods,
/// real HTTP with curl, an L3/L4 policy, and everything removed on exit. Nothing routes out of the node namespace.
/// </summary>
internal static class DemoCommand
{
    private const string Node = "tendril-demo";
    private const string Socket = "/var/run/tendril/demo.sock";
    private const string HubbleSocket = "/var/run/tendril/demo-hubble.sock";
    private const string State = "/var/lib/tendril/demo";
    private const string Bpf = "/sys/fs/bpf/tendril/demo";

    public const string EmpireOnlyPolicy = """
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata:
          name: rule1
          namespace: default
        spec:
          description: "L3-L4 policy to restrict deathstar access to empire ships only"
          endpointSelector:
            matchLabels:
              org: empire
              class: deathstar
          ingress:
          - fromEndpoints:
            - matchLabels:
                org: empire
            toPorts:
            - ports:
              - port: "80"
                protocol: TCP
        """;

    public static Command Create()
    {
        var command = new Command("demo", "Run the Star Wars demo: pods, HTTP, an L3/L4 policy, endpoints (needs root)");
        command.SetAction(async (parse, token) =>
        {
            if (!LinuxSystem.IsRoot)
            {
                AnsiConsole.MarkupLine("[red]Error:[/] the demo creates namespaces and loads BPF programs: run it as root");
                return 1;
            }
            await using var demo = new DemoRun();
            try
            {
                return await demo.RunAsync(token);
            }
            catch (Exception e) when (e is AgentException or AgentUnavailableException or InvalidOperationException or IOException)
            {
                AnsiConsole.MarkupLine($"[red]Error:[/] {Markup.Escape(e.Message)}");
                return 1;
            }
        });
        return command;
    }

    private sealed class DemoRun : IAsyncDisposable
    {
        private readonly List<string> _namespaces = new();
        private readonly List<Process> _processes = new();
        private readonly string _site = Directory.CreateTempSubdirectory("tendril-demo-").FullName;
        private readonly int _metricsPort = FreeLoopbackPort();
        private Process? _agent;
        private AgentClient? _client;

        public async Task<int> RunAsync(CancellationToken token)
        {
            Step("Starting a node (network namespace tendril-demo) and its agent");
            if (NetworkNamespaces.Exists(Node))
                throw new InvalidOperationException($"namespace {Node} exists: is another demo running? (remove it with: ip netns delete {Node})");
            CreateNamespace(Node);
            _agent = StartAgent();
            _client = new AgentClient(Socket);
            await WaitForAgentAsync(token);

            Step("Running the pods");
            var deathstar = await PodAsync("deathstar", new() { ["org"] = "empire", ["class"] = "deathstar" }, token);
            var tiefighter = await PodAsync("tiefighter", new() { ["org"] = "empire", ["class"] = "tiefighter" }, token);
            var xwing = await PodAsync("xwing", new() { ["org"] = "alliance", ["class"] = "xwing" }, token);
            StartHttpServer(deathstar);
            await WaitForHttpAsync(tiefighter, deathstar, token);

            Step("Both ships request landing (no policy yet)");
            await LandAsync(tiefighter, deathstar, token);
            await LandAsync(xwing, deathstar, token);

            Step("Applying an L3/L4 policy: only org=empire may reach the deathstar on port 80/TCP");
            AnsiConsole.Write(new Panel(Markup.Escape(EmpireOnlyPolicy)).Header("rule1").BorderColor(Color.Grey));
            await ApplyPolicyAsync(token);

            Step("Both ships request landing again");
            bool tieLanded = await LandAsync(tiefighter, deathstar, token);
            bool xwingLanded = await LandAsync(xwing, deathstar, token);

            Step("The xwing's denied request, as Hubble sees it: tendril observe --verdict DROPPED --from-pod default/xwing");
            await ObserveAsync(token);

            Step("The datapath's drop counters (Prometheus: tendril_drop_count_total)");
            await DropMetricsAsync(token);

            Step("Endpoints");
            Table(await _client.ListEndpointsAsync(token));
            bool ok = tieLanded && !xwingLanded;
            AnsiConsole.MarkupLine(ok
                ? "[green]Demo complete:[/] the tiefighter landed and the xwing was denied by policy."
                : "[red]Demo did not behave as expected.[/]");
            return ok ? 0 : 1;
        }

        /// <summary>Runs `tendril observe` against the demo agent's Hubble socket; its output goes straight to the console.</summary>
        private static async Task ObserveAsync(CancellationToken token)
        {
            var psi = new ProcessStartInfo("dotnet");
            foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "tendril.dll"), "observe", "--server", $"unix://{HubbleSocket}",
                         "--verdict", "DROPPED", "--from-pod", "default/xwing", "--last", "4", "--color", "never" })
                psi.ArgumentList.Add(arg);
            using var observe = Process.Start(psi)!;
            await observe.WaitForExitAsync(token);
        }

        private async Task DropMetricsAsync(CancellationToken token)
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            string text = await http.GetStringAsync($"http://127.0.0.1:{_metricsPort}/metrics", token);
            foreach (string line in text.Split('\n').Where(l => l.StartsWith("tendril_drop_count_total{", StringComparison.Ordinal)))
                AnsiConsole.MarkupLine($"  {Markup.Escape(line)}");
        }

        private async Task ApplyPolicyAsync(CancellationToken token)
        {
            var result = await _client!.SendJsonAsync(HttpMethod.Post, "policies", new StringContent(EmpireOnlyPolicy), token);
            AnsiConsole.MarkupLine($"  policy imported, revision {result.GetProperty("revision")}");
        }

        private async Task<EndpointModel> PodAsync(string name, Dictionary<string, string> labels, CancellationToken token)
        {
            string netns = $"demo-{name}";
            CreateNamespace(netns);
            var endpoint = await _client!.CreateEndpointAsync(new EndpointCreateRequest
            {
                Netns = NetworkNamespaces.PathOf(netns), Name = name, Namespace = "default", Labels = labels,
            }, token);
            AnsiConsole.MarkupLine($"  [bold]{name}[/] {string.Join(", ", labels.Select(l => $"{l.Key}={l.Value}"))} → {endpoint.Ipv4} (endpoint {endpoint.Id}, identity {endpoint.Identity})");
            return endpoint;
        }

        private void StartHttpServer(EndpointModel deathstar)
        {
            Directory.CreateDirectory(Path.Combine(_site, "v1"));
            File.WriteAllText(Path.Combine(_site, "v1", "request-landing"), "Ship landed\n");
            var psi = new ProcessStartInfo("nsenter") { WorkingDirectory = _site, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in new[] { $"--net={deathstar.NetnsPath}", "--", "python3", "-m", "http.server", "80", "--bind", deathstar.Ipv4 })
                psi.ArgumentList.Add(arg);
            _processes.Add(Process.Start(psi)!);
        }

        private async Task WaitForHttpAsync(EndpointModel from, EndpointModel to, CancellationToken token)
        {
            for (int i = 0; i < 50; i++)
            {
                if ((await CurlAsync(from, to, token)).ExitCode == 0)
                    return;
                await Task.Delay(100, token);
            }
            throw new InvalidOperationException("the deathstar's HTTP server did not come up");
        }

        private static async Task<bool> LandAsync(EndpointModel ship, EndpointModel deathstar, CancellationToken token)
        {
            var (exit, output) = await CurlAsync(ship, deathstar, token);
            AnsiConsole.MarkupLine(exit == 0
                ? $"  {ship.Name}$ curl http://{deathstar.Ipv4}/v1/request-landing → [green]{Markup.Escape(output.Trim())}[/]"
                : $"  {ship.Name}$ curl http://{deathstar.Ipv4}/v1/request-landing → [red]no answer (curl exit {exit}: the request was dropped)[/]");
            return exit == 0;
        }

        private static async Task<(int ExitCode, string Output)> CurlAsync(EndpointModel from, EndpointModel to, CancellationToken token)
        {
            var psi = new ProcessStartInfo("nsenter") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in new[] { $"--net={from.NetnsPath}", "--", "curl", "-s", "-m", "3", $"http://{to.Ipv4}/v1/request-landing" })
                psi.ArgumentList.Add(arg);
            using var curl = Process.Start(psi)!;
            string output = await curl.StandardOutput.ReadToEndAsync(token);
            await curl.WaitForExitAsync(token);
            return (curl.ExitCode, output);
        }

        private Process StartAgent()
        {
            if (Directory.Exists(State))
                Directory.Delete(State, recursive: true);
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "tendril-agent.dll"), "--node", "demo", "--netns", NetworkNamespaces.PathOf(Node),
                         "--socket", Socket, "--state-dir", State, "--bpf-dir", Bpf, "--pod-cidr", "10.220.0.0/24",
                         "--hubble-socket", HubbleSocket, "--prometheus-serve-addr", $"127.0.0.1:{_metricsPort}", "--hubble-metrics-server", "" })
                psi.ArgumentList.Add(arg);
            var agent = Process.Start(psi)!;
            agent.OutputDataReceived += (_, _) => { };
            agent.ErrorDataReceived += (_, _) => { };
            agent.BeginOutputReadLine();
            agent.BeginErrorReadLine();
            return agent;
        }

        /// <summary>A free loopback port for the demo agent's metrics, so a real agent's 9962 is left alone.</summary>
        private static int FreeLoopbackPort()
        {
            using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            listener.Start();
            return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        }

        private async Task WaitForAgentAsync(CancellationToken token)
        {
            for (int i = 0; i < 300; i++)
            {
                if (_agent!.HasExited)
                    throw new InvalidOperationException($"tendril-agent exited with code {_agent.ExitCode}");
                try
                {
                    var health = await _client!.HealthAsync(token);
                    AnsiConsole.MarkupLine($"  agent ready: node {health.GetProperty("node")}, pod CIDR {health.GetProperty("podCidr")}");
                    return;
                }
                catch (AgentUnavailableException)
                {
                    await Task.Delay(100, token);
                }
            }
            throw new InvalidOperationException("tendril-agent did not answer within 30 s");
        }

        private void CreateNamespace(string name)
        {
            NetworkNamespaces.Create(name);
            _namespaces.Add(name);
        }

        private static void Table(IReadOnlyList<EndpointModel> endpoints)
        {
            var table = new Table().Border(TableBorder.Simple).AddColumns("ENDPOINT", "NAME", "IDENTITY", "LABELS", "IPv4", "POLICY (ingress)", "STATUS");
            foreach (var e in endpoints)
                table.AddRow(e.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Name, e.Identity.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    Markup.Escape(string.Join(", ", e.Labels.Select(l => $"{l.Key}={l.Value}"))), e.Ipv4,
                    e.IngressEnforced ? "Enabled" : "Disabled", e.State.ToString());
            AnsiConsole.Write(table);
        }

        private static void Step(string text) => AnsiConsole.Write(new Rule($"[bold]{Markup.Escape(text)}[/]").LeftJustified());

        public async ValueTask DisposeAsync()
        {
            Step("Cleaning up");
            foreach (var process in _processes)
            {
                if (!process.HasExited)
                    process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
                process.Dispose();
            }
            _client?.Dispose();
            if (_agent is { HasExited: false })
            {
                _agent.Kill();
                await _agent.WaitForExitAsync();
            }
            _agent?.Dispose();
            foreach (var name in _namespaces.AsEnumerable().Reverse())
            {
                if (NetworkNamespaces.Exists(name))
                    NetworkNamespaces.Delete(name);
            }
            if (Directory.Exists(Bpf))
                Directory.Delete(Bpf, recursive: true);
            string bpfParent = Path.GetDirectoryName(Bpf)!;
            if (Directory.Exists(bpfParent) && !Directory.EnumerateFileSystemEntries(bpfParent).Any())
                Directory.Delete(bpfParent);
            if (Directory.Exists(State))
                Directory.Delete(State, recursive: true);
            File.Delete(Socket);
            File.Delete(HubbleSocket);
            Directory.Delete(_site, recursive: true);
            AnsiConsole.MarkupLine("  removed the pods, their namespaces, the agent, its state and its BPF pins");
        }
    }
}
