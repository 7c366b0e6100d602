namespace Tendril.Tests.Common;

/// <summary>The published (Native AOT) tendril-cni that the CNI tests and the cni benchmark run.</summary>
public static class PublishedCniPlugin
{
    private static readonly SemaphoreSlim PublishLock = new(1, 1);
    private static string? _path;

    /// <summary>
    /// $TENDRIL_CNI_PLUGIN (build/test.sh sets it after publishing), else artifacts/cni/tendril-cni of this checkout,
    /// published there first (once per process) when missing.
    /// </summary>
    public static async Task<string> LocateAsync(CancellationToken cancellationToken = default)
    {
        if (_path is not null)
            return _path;
        await PublishLock.WaitAsync(cancellationToken);
        try
        {
            if (_path is not null)
                return _path;
            string? given = Environment.GetEnvironmentVariable("TENDRIL_CNI_PLUGIN");
            if (!string.IsNullOrEmpty(given))
                return _path = File.Exists(given) ? given : throw new FileNotFoundException($"TENDRIL_CNI_PLUGIN={given} does not exist");
            string root = RepositoryRoot();
            string output = Path.Combine(root, "artifacts", "cni");
            string path = Path.Combine(output, "tendril-cni");
            if (!File.Exists(path))
            {
                Console.Error.WriteLine($"publishing tendril-cni (Native AOT) into {output} …");
                var (exit, stdout, stderr) = await ChildProcess.RunAsync("dotnet",
                    ["publish", Path.Combine(root, "src", "Tendril.Cni"), "-c", "Release", "-r", "linux-x64", "-o", output, "-nologo"],
                    timeout: TimeSpan.FromMinutes(5));
                if (exit != 0 || !File.Exists(path))
                    throw new InvalidOperationException($"publishing src/Tendril.Cni failed (exit code {exit}); fix the build or set TENDRIL_CNI_PLUGIN:\n" +
                        $"{stdout.Trim()}\n{stderr.Trim()}");
            }
            return _path = path;
        }
        finally
        {
            PublishLock.Release();
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Tendril.slnx")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"no Tendril.slnx above {AppContext.BaseDirectory}: run from a Tendril checkout");
    }
}
