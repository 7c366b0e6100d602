using Tendril.Tests.Common;

namespace Tendril.Bench;

/// <summary>Finds the published (Native AOT) tendril-cni the benchmark runs, publishing it when there is none.</summary>
internal static class CniPluginBinary
{
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(5);

    /// <summary>
    /// $TENDRIL_CNI_PLUGIN (build/test.sh sets it after publishing), else artifacts/cni/tendril-cni of this checkout;
    /// when that is missing it is published there first, as the CNI tests do.
    /// </summary>
    public static async Task<string> LocateAsync(CancellationToken cancellationToken)
    {
        string? given = Environment.GetEnvironmentVariable("TENDRIL_CNI_PLUGIN");
        if (!string.IsNullOrEmpty(given))
            return File.Exists(given) ? given : throw new BenchmarkException($"TENDRIL_CNI_PLUGIN={given} does not exist");

        string root = CBaseline.RepoRoot();
        string output = Path.Combine(root, "artifacts", "cni");
        string path = Path.Combine(output, "tendril-cni");
        if (File.Exists(path))
            return path;

        Console.WriteLine($"publishing tendril-cni (Native AOT) into {output} …");
        cancellationToken.ThrowIfCancellationRequested();
        var (exitCode, stdout, stderr) = await ChildProcess.RunAsync("dotnet",
            ["publish", Path.Combine(root, "src", "Tendril.Cni"), "-c", "Release", "-r", "linux-x64", "-o", output, "-nologo"],
            timeout: PublishTimeout);
        if (exitCode != 0 || !File.Exists(path))
            throw new BenchmarkException($"publishing src/Tendril.Cni failed (exit code {exitCode}); fix the build or set TENDRIL_CNI_PLUGIN:\n" +
                $"{stdout.Trim()}\n{stderr.Trim()}");
        return path;
    }
}
