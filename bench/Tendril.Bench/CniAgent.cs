using System.Diagnostics;
using System.Text;
using Tendril.Api;

namespace Tendril.Bench;

/// <summary>
/// tendril-agent (the dll built beside the benchmark) started as a child process for one node namespace, with its
/// socket, state and bpffs paths named after the node. Dispose kills it by PID and removes those paths; it is
/// tolerant of a half-started agent. Not thread-safe.
/// </summary>
internal sealed class CniAgent : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly StringBuilder _output = new();
    private readonly string _nodeNamespacePath;
    private readonly string _podCidr;
    private Process? _process;

    private readonly IReadOnlyList<string> _extraArgs;

    private CniAgent(string nodeName, string nodeNamespacePath, string podCidr, IReadOnlyList<string> extraArgs)
    {
        _extraArgs = extraArgs;
        NodeName = nodeName;
        _nodeNamespacePath = nodeNamespacePath;
        _podCidr = podCidr;
        Socket = Path.Combine(Path.GetTempPath(), nodeName + ".sock");
        HubbleSocket = Path.Combine(Path.GetTempPath(), nodeName + "-hubble.sock");
        StateDirectory = Path.Combine(Path.GetTempPath(), nodeName + "-state");
        BpfDirectory = Path.Combine("/sys/fs/bpf", nodeName);
    }

    public string NodeName { get; }

    /// <summary>The agent's API socket: what tendril-cni's configuration names.</summary>
    public string Socket { get; }

    public string HubbleSocket { get; }

    public string StateDirectory { get; }

    public string BpfDirectory { get; }

    /// <summary>From the process start until its API first answered.</summary>
    public TimeSpan StartupTime { get; private set; }

    /// <summary>The agent's last lines of output, for error messages.</summary>
    public string OutputTail
    {
        get
        {
            lock (_output)
            {
                var lines = _output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
                return string.Join('\n', lines.TakeLast(15));
            }
        }
    }

    /// <summary>Starts the agent and waits until <see cref="AgentClient.HealthAsync"/> answers.</summary>
    /// <summary>The agent's flags beyond the paths (e.g. --endpoint-attach tc).</summary>
    public IReadOnlyList<string> ExtraArgs => _extraArgs;

    public static async Task<CniAgent> StartAsync(string nodeName, string nodeNamespacePath, string podCidr, IReadOnlyList<string> extraArgs,
        CancellationToken cancellationToken)
    {
        var agent = new CniAgent(nodeName, nodeNamespacePath, podCidr, extraArgs);
        try
        {
            await agent.RunAsync(cancellationToken);
            return agent;
        }
        catch
        {
            agent.Dispose();
            throw;
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "tendril-agent.dll");
        if (!File.Exists(dll))
            throw new BenchmarkException($"{dll} is missing: build the benchmark (it references src/Tendril.Agent) without --no-build once");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        // Metrics servers off: TCP ports are shared with whatever else runs on this machine.
        foreach (string arg in (string[])[dll, "--node", NodeName, "--netns", _nodeNamespacePath, "--pod-cidr", _podCidr, "--socket", Socket,
            "--state-dir", StateDirectory, "--bpf-dir", BpfDirectory, "--hubble-socket", HubbleSocket, "--prometheus-serve-addr", "",
            "--hubble-metrics-server", "", .. _extraArgs])
            psi.ArgumentList.Add(arg);
        // It is killed at the end, which would leave its debugger pipes and diagnostics socket in /tmp.
        psi.Environment["DOTNET_EnableDiagnostics"] = "0";
        var started = Stopwatch.StartNew();
        _process = Process.Start(psi) ?? throw new BenchmarkException("could not start dotnet tendril-agent.dll");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var client = new AgentClient(Socket);
        while (true)
        {
            if (_process.HasExited)
                throw new BenchmarkException($"tendril-agent exited with {_process.ExitCode} before its API answered:\n{OutputTail}");
            try
            {
                await client.HealthAsync(cancellationToken);
                StartupTime = started.Elapsed;
                return;
            }
            catch (AgentUnavailableException) when (started.Elapsed < StartTimeout)
            {
                await Task.Delay(50, cancellationToken);
            }
            catch (AgentUnavailableException e)
            {
                throw new BenchmarkException($"tendril-agent's API at {Socket} did not answer within {StartTimeout.TotalSeconds:F0} s " +
                    $"({e.Message}):\n{OutputTail}");
            }
        }
    }

    /// <summary>Kills the agent (SIGKILL, by PID) and removes its socket, state directory and pins.</summary>
    public void Dispose()
    {
        if (_process is not null)
        {
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill();
                    _process.WaitForExit();
                }
            }
            catch (InvalidOperationException)
            {
                // It exited meanwhile.
            }
            _process.Dispose();
            _process = null;
        }
        File.Delete(Socket);
        File.Delete(HubbleSocket);
        if (Directory.Exists(StateDirectory))
            Directory.Delete(StateDirectory, recursive: true);
        if (Directory.Exists(BpfDirectory))
            Directory.Delete(BpfDirectory, recursive: true);
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_output)
            _output.AppendLine(line);
    }
}
