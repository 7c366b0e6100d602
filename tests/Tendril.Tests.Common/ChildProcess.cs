using System.Diagnostics;

namespace Tendril.Tests.Common;

/// <summary>Runs a program the test started, collecting its output; killed (with its children) if it overruns.</summary>
public static class ChildProcess
{
    /// <summary>
    /// Runs <paramref name="file"/> with <paramref name="args"/>, <paramref name="environment"/> added to (or, with a
    /// null value, removed from) this process's, and <paramref name="stdin"/> as its standard input (closed when null);
    /// its exit code, standard output and standard error.
    /// </summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string file, IEnumerable<string> args,
        string? workingDirectory = null, TimeSpan? timeout = null, IReadOnlyDictionary<string, string?>? environment = null, string? stdin = null)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        if (workingDirectory is not null)
            psi.WorkingDirectory = workingDirectory;
        foreach (var arg in args)
            psi.ArgumentList.Add(arg);
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
                psi.Environment.Remove(key);
            else
                psi.Environment[key] = value;
        }
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"{file} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            if (stdin is not null)
                await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // It exited without reading all of its input: its output says why.
        }
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs one of this build's .NET programs (a dll beside the test assembly) with `dotnet`.</summary>
    public static Task<(int ExitCode, string Stdout, string Stderr)> RunDotnetAsync(string dll, IEnumerable<string> args, TimeSpan? timeout = null) =>
        RunAsync("dotnet", args.Prepend(Path.Combine(AppContext.BaseDirectory, dll)), timeout: timeout);
}
