using System.Diagnostics;
using Tendril.Interop.Namespaces;

namespace Tendril.Bench;

/// <summary>What one process did: its exit code, its output, and how long it ran.</summary>
/// <param name="Milliseconds">From just before the fork until its exit was seen: exec, start-up, the work and exit.</param>
internal readonly record struct CniExecResult(int ExitCode, string Stdout, string Stderr, double Milliseconds);

/// <summary>
/// Runs programs as a container runtime runs CNI plugins, one new process per call, but inside the node's network
/// namespace: the fork happens on a <see cref="NetNsThread"/> that is in that namespace,
/// and a child inherits the namespace of the thread that forked it (checked by <c>CniBenchmark</c> before it measures).
/// The environment is <see cref="BaseEnvironment"/> plus the call's variables, not this process's, so every side sees
/// the same one. Used from one thread at a time.
/// </summary>
internal sealed class CniExec(NetNsThread node)
{
    /// <summary>A plugin that takes longer than this is stuck, not slow.</summary>
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(60);

    private static readonly KeyValuePair<string, string>[] BaseEnvironment = [new("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")];

    /// <summary>
    /// Runs <paramref name="program"/> with <paramref name="args"/>, <paramref name="environment"/> and <paramref name="stdin"/>, waiting for it
    /// synchronously (an await between the exit and the clock would time the thread pool too). Cancelling kills it.
    /// </summary>
    public CniExecResult Run(string program, IReadOnlyList<string> args, IEnumerable<KeyValuePair<string, string>> environment, string stdin,
        CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in args)
            psi.ArgumentList.Add(arg);
        psi.Environment.Clear();
        foreach (var (key, value) in BaseEnvironment.Concat(environment))
            psi.Environment[key] = value;

        cancellationToken.ThrowIfCancellationRequested();
        // Only the fork runs on the namespace thread: nothing there may start threads (see NetNsThread).
        var (process, started) = node.Invoke(() =>
        {
            long before = Stopwatch.GetTimestamp();
            return (Process.Start(psi) ?? throw new BenchmarkException($"could not start {program}"), before);
        });
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
            var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
            try
            {
                // A configuration is far smaller than a pipe's buffer: this never blocks on the child.
                process.StandardInput.Write(stdin);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // It exited without reading its input; its output says why.
            }
            bool exited;
            using (cancellationToken.Register(() => KillQuietly(process)))
                exited = process.WaitForExit(CallTimeout);
            long ended = Stopwatch.GetTimestamp();
            if (!exited)
            {
                KillQuietly(process);
                process.WaitForExit();
                throw new BenchmarkException($"{program} {string.Join(' ', args)} did not exit within {CallTimeout.TotalSeconds:F0} s; killed it");
            }
            cancellationToken.ThrowIfCancellationRequested();
            return new CniExecResult(process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult(),
                Stopwatch.GetElapsedTime(started, ended).TotalMilliseconds);
        }
    }

    private static void KillQuietly(Process process)
    {
        try
        {
            process.Kill();
        }
        catch (InvalidOperationException)
        {
            // It exited meanwhile.
        }
    }
}
