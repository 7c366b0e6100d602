using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace Tendril.Bench;

/// <summary>One client run: timed connections, their wall time and the per-connection latency percentiles.</summary>
internal sealed record ConnectFigure(int Connections, double Seconds, double MedianNs, double P10Ns, double P90Ns)
{
    public double PerSecond => Connections / Seconds;
}

/// <summary>
/// bench/baseline/connect_rr.c compiled with gcc into a temporary directory: TCP servers started in namespaces, and
/// clients that open one connection per 1-byte request, optionally from inside a cgroup (to meet the socket-LB hooks).
/// Dispose kills the servers and deletes the directory. Not thread-safe.
/// </summary>
internal sealed class ConnectRequest : IDisposable
{
    private readonly string _directory;
    private readonly string _binary;
    private readonly List<Process> _servers = [];

    private ConnectRequest(string directory)
    {
        _directory = directory;
        _binary = Path.Combine(directory, "connect_rr");
    }

    public static ConnectRequest Compile()
    {
        var tool = new ConnectRequest(Directory.CreateTempSubdirectory("tendril-bench-").FullName);
        try
        {
            string source = Path.Combine(CBaseline.RepoRoot(), "bench", "baseline", "connect_rr.c");
            var (exitCode, output) = Run("gcc", ["-O2", "-Wall", "-o", tool._binary, source]);
            if (exitCode != 0)
                throw new BenchmarkException($"compiling {source} failed: {output.Trim()}");
            return tool;
        }
        catch (Win32Exception e)
        {
            tool.Dispose();
            throw new BenchmarkException($"could not run gcc to compile the client ({e.Message}): apt-get install gcc");
        }
        catch
        {
            tool.Dispose();
            throw;
        }
    }

    /// <summary>Starts a server on <paramref name="address"/>:<paramref name="port"/> in the namespace; it runs until Dispose.</summary>
    public void StartServer(string netnsPath, IPAddress address, ushort port)
    {
        var psi = new ProcessStartInfo("nsenter") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in (string[])[$"--net={netnsPath}", "--", _binary, "server", address.ToString(), Str(port)])
            psi.ArgumentList.Add(a);
        _servers.Add(Process.Start(psi) ?? throw new BenchmarkException("could not start the server"));
    }

    /// <summary>
    /// Runs one client in the namespace (inside <paramref name="cgroupPath"/> when given): <paramref name="warmup"/>
    /// untimed connections, then up to <paramref name="connections"/> timed ones or <paramref name="millis"/>.
    /// </summary>
    public async Task<ConnectFigure> ClientAsync(string netnsPath, string? cgroupPath, IPAddress address, ushort port,
        int connections, int millis, int warmup, CancellationToken cancellationToken)
    {
        // The shell joins the cgroup before it execs nsenter, so the client's socket is created inside it.
        string script = cgroupPath is null
            ? "exec nsenter --net=\"$0\" -- \"$@\""
            : $"echo $$ > '{cgroupPath}/cgroup.procs' && exec nsenter --net=\"$0\" -- \"$@\"";
        var psi = new ProcessStartInfo("sh") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in (string[])["-c", script, netnsPath, _binary, "client", address.ToString(), Str(port), Str(connections), Str(millis), Str(warmup)])
            psi.ArgumentList.Add(a);
        using var process = Process.Start(psi) ?? throw new BenchmarkException("could not start the client");
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using (cancellationToken.Register(() => KillQuietly(process)))
            await process.WaitForExitAsync(CancellationToken.None);
        cancellationToken.ThrowIfCancellationRequested();
        string line = (await stdout).Trim();
        if (process.ExitCode != 0 || !line.StartsWith("client ", StringComparison.Ordinal))
            throw new BenchmarkException($"client to {address}:{port} failed (exit {process.ExitCode}): {(await stderr).Trim()}");
        var f = line.Split(' ').Skip(1).Select(kv => kv.Split('='))
            .ToDictionary(kv => kv[0], kv => double.Parse(kv[1], CultureInfo.InvariantCulture));
        return new ConnectFigure((int)f["connections"], f["seconds"], f["median_ns"], f["p10_ns"], f["p90_ns"]);
    }

    public void Dispose()
    {
        foreach (var server in _servers)
        {
            KillQuietly(server);
            server.WaitForExit(5000);
            server.Dispose();
        }
        _servers.Clear();
        if (Directory.Exists(_directory))
            Directory.Delete(_directory, recursive: true);
    }

    /// <summary>Runs a program to its end; exit code and stdout + stderr.</summary>
    internal static (int ExitCode, string Output) Run(string program, IEnumerable<string> args, string? stdin = null)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin is not null };
        foreach (string a in args)
            psi.ArgumentList.Add(a);
        using var process = Process.Start(psi) ?? throw new BenchmarkException($"could not start {program}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
            process.StandardInput.Close();
        }
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

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

    private static string Str(int value) => value.ToString(CultureInfo.InvariantCulture);
}
