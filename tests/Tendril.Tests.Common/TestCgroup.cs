using System.Diagnostics;

namespace Tendril.Tests.Common;

/// <summary>
/// A fresh cgroup v2 directory for one test, and a way to run a command inside it (and inside a network
/// namespace). Dispose removes the directory; the processes run in it must have exited.
/// </summary>
public sealed class TestCgroup : IDisposable
{
    public TestCgroup(string role)
    {
        Path = System.IO.Path.Combine(Cgroup2Root(), TestNames.Unique(role));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>Where cgroup2 is mounted (/sys/fs/cgroup on unified hosts, /sys/fs/cgroup/unified on hybrid ones).</summary>
    public static string Cgroup2Root() =>
        File.ReadLines("/proc/self/mounts").Select(l => l.Split(' ')).Where(f => f.Length > 2 && f[2] == "cgroup2").Select(f => f[1]).FirstOrDefault()
        ?? throw new InvalidOperationException("no cgroup2 filesystem is mounted");

    /// <summary>
    /// Runs <paramref name="program"/> with <paramref name="args"/>: joins this cgroup when <paramref name="inCgroup"/>,
    /// then enters <paramref name="netnsPath"/> with nsenter (which, unlike "ip netns exec", keeps /sys intact).
    /// </summary>
    public async Task<(int ExitCode, string Output)> RunAsync(string netnsPath, bool inCgroup, string program, params string[] args)
    {
        var psi = new ProcessStartInfo("sh") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(inCgroup
            ? $"echo $$ > '{Path}/cgroup.procs' && exec nsenter --net='{netnsPath}' -- \"$@\""
            : $"exec nsenter --net='{netnsPath}' -- \"$@\"");
        psi.ArgumentList.Add("sh");
        psi.ArgumentList.Add(program);
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, (await stdout).Trim() + (await stderr).Trim());
    }

    public void Dispose()
    {
        if (Directory.Exists(Path))
            Directory.Delete(Path);
    }
}
