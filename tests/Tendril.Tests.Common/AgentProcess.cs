using System.Diagnostics;
using System.Text;
using Tendril.Api;

namespace Tendril.Tests.Common;

/// <summary>
/// tendril-agent started as a real process for a node namespace, with every path (socket, state, bpffs) unique to
/// the test (or benchmark). tendril-agent.dll must be built beside the calling assembly (reference src/Tendril.Agent).
/// Kill() is SIGKILL; Dispose kills it (by PID) if running and removes its state, socket and pins.
/// </summary>
public sealed class AgentProcess : IAsyncDisposable
{
    private readonly string[] _args;
    private readonly StringBuilder _output = new();
    private Process? _process;

    private AgentProcess(string nodeNamespacePath, string podCidr, IReadOnlyList<string> extraArgs)
    {
        string name = TestNames.Unique("ag");
        NodeName = name;
        Socket = Path.Combine(Path.GetTempPath(), name + ".sock");
        HubbleSocket = Path.Combine(Path.GetTempPath(), name + "-hubble.sock");
        StateDirectory = Path.Combine(Path.GetTempPath(), name + "-state");
        BpfDirectory = Path.Combine("/sys/fs/bpf", name);
        // Metrics are off unless a test asks for them on a port of its own: agents of parallel tests share the machine.
        _args = ["--node", name, "--netns", nodeNamespacePath, "--pod-cidr", podCidr, "--socket", Socket, "--state-dir", StateDirectory,
            "--bpf-dir", BpfDirectory, "--hubble-socket", HubbleSocket, "--prometheus-serve-addr", "", "--hubble-metrics-server", "", .. extraArgs];
        ExtraArgs = extraArgs;
    }

    /// <summary>The flags given beyond the paths (e.g. --endpoint-attach tc).</summary>
    public IReadOnlyList<string> ExtraArgs { get; }

    /// <summary>From the last start until its API first answered.</summary>
    public TimeSpan StartupTime { get; private set; }

    /// <summary>The agent's last lines of output, for error messages.</summary>
    public string OutputTail => string.Join('\n', Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(15));

    public string NodeName { get; }

    public string Socket { get; }

    /// <summary>The Hubble API's unix socket.</summary>
    public string HubbleSocket { get; }

    public string StateDirectory { get; }

    public string BpfDirectory { get; }

    public string Output
    {
        get
        {
            lock (_output)
                return _output.ToString();
        }
    }

    public AgentClient Client() => new(Socket);

    public static async Task<AgentProcess> StartAsync(string nodeNamespacePath, string podCidr = "10.210.0.0/24", IReadOnlyList<string>? extraArgs = null)
    {
        var agent = new AgentProcess(nodeNamespacePath, podCidr, extraArgs ?? []);
        try
        {
            await agent.StartAgainAsync();
            return agent;
        }
        catch
        {
            await agent.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the agent (again) and waits until its API answers.</summary>
    public async Task StartAgainAsync()
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "tendril-agent.dll");
        if (!File.Exists(dll))
            throw new FileNotFoundException($"{dll} is missing: the calling project must reference src/Tendril.Agent");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(dll);
        foreach (var a in _args)
            psi.ArgumentList.Add(a);
        // It is killed at the end, which would leave its debugger pipes and diagnostics socket in /tmp.
        psi.Environment["DOTNET_EnableDiagnostics"] = "0";
        var started = Stopwatch.StartNew();
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        using var client = Client();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"tendril-agent exited with {_process.ExitCode}:\n{Output}");
            try
            {
                await client.HealthAsync();
                StartupTime = started.Elapsed;
                return;
            }
            catch (AgentUnavailableException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>SIGKILL: no clean-up of any kind, as a crash.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            _process.WaitForExit();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        _process?.Dispose();
        File.Delete(Socket);
        File.Delete(HubbleSocket);
        if (Directory.Exists(StateDirectory))
            Directory.Delete(StateDirectory, recursive: true);
        if (Directory.Exists(BpfDirectory))
            Directory.Delete(BpfDirectory, recursive: true);
        await Task.CompletedTask;
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_output)
            _output.AppendLine(line);
    }
}
