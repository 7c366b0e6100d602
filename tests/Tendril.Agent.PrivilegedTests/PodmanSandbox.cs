using Tendril.Tests.Common;

namespace Tendril.Agent.PrivilegedTests;

/// <summary>
/// podman with a configuration, storage, CNI directories and a busybox image of its own under one temporary
/// directory (machine reference §7: runc, cgroupfs, explicit ulimits, the CNI backend). Every container in it is the
/// test's; Dispose removes them (their CNI DEL runs then, so dispose this before the agent), the image and the directory.
/// </summary>
internal sealed class PodmanSandbox : IAsyncDisposable
{
    public const string Image = "localhost/tt-busybox:latest";

    private PodmanSandbox(string root)
    {
        Root = root;
        BinDirectory = Path.Combine(root, "cni-bin");
        ConfDirectory = Path.Combine(root, "cni-conf");
        Environment = new Dictionary<string, string?>
        {
            ["CONTAINERS_CONF"] = Path.Combine(root, "containers.conf"),
            ["CONTAINERS_STORAGE_CONF"] = Path.Combine(root, "storage.conf"),
        };
    }

    public string Root { get; }

    /// <summary>Where podman looks for CNI plugins (tendril cni install --bin-dir).</summary>
    public string BinDirectory { get; }

    /// <summary>Where podman reads networks (tendril cni install --conf-dir).</summary>
    public string ConfDirectory { get; }

    public IReadOnlyDictionary<string, string?> Environment { get; }

    public static async Task<PodmanSandbox> CreateAsync()
    {
        var sandbox = new PodmanSandbox(Path.Combine(Path.GetTempPath(), TestNames.Unique("podman")));
        try
        {
            Directory.CreateDirectory(sandbox.BinDirectory);
            Directory.CreateDirectory(sandbox.ConfDirectory);
            File.WriteAllText(sandbox.Environment["CONTAINERS_CONF"]!, $"""
                [containers]
                default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
                [engine]
                cgroup_manager = "cgroupfs"
                events_logger = "file"
                runtime = "runc"
                tmp_dir = "{sandbox.Root}/tmp"
                [network]
                network_backend = "cni"
                cni_plugin_dirs = ["{sandbox.BinDirectory}"]
                network_config_dir = "{sandbox.ConfDirectory}"
                """);
            File.WriteAllText(sandbox.Environment["CONTAINERS_STORAGE_CONF"]!, $"""
                [storage]
                driver = "vfs"
                graphroot = "{sandbox.Root}/storage"
                runroot = "{sandbox.Root}/run"
                """);
            await sandbox.ImportBusyboxAsync();
            return sandbox;
        }
        catch
        {
            await sandbox.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs podman with the sandbox's configuration; fails the test when it fails unless <paramref name="check"/> is false.</summary>
    public async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(IEnumerable<string> args, bool check = true, TimeSpan? timeout = null)
    {
        var list = args.ToList();
        var outcome = await ChildProcess.RunAsync("podman", list, environment: Environment, timeout: timeout ?? TimeSpan.FromSeconds(60));
        if (check && outcome.ExitCode != 0)
            throw new InvalidOperationException($"podman {string.Join(' ', list)} exited with {outcome.ExitCode}: {outcome.Stdout} {outcome.Stderr}");
        return outcome;
    }

    /// <summary>
    /// Runs a command in a container; false when it did not finish within <paramref name="timeout"/> (the podman exec
    /// process is killed) or failed.
    /// </summary>
    public async Task<(bool Finished, string Stdout)> ExecAsync(string container, TimeSpan timeout, params string[] command)
    {
        try
        {
            var (exit, stdout, _) = await RunAsync(["exec", container, .. command], check: false, timeout: timeout);
            return (exit == 0, stdout);
        }
        catch (OperationCanceledException)
        {
            return (false, "");
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (Directory.Exists(Path.Combine(Root, "storage")))
            {
                await RunAsync(["rm", "--all", "--force", "--time", "0"], check: false, timeout: TimeSpan.FromSeconds(120));
                await RunAsync(["rmi", "--all", "--force"], check: false);
            }
        }
        finally
        {
            // Nothing of the sandbox may stay mounted when its directory goes.
            foreach (var mount in File.ReadAllLines("/proc/self/mounts").Select(l => l.Split(' ')[1]).Where(m => m.StartsWith(Root, StringComparison.Ordinal)).Reverse())
                await ChildProcess.RunAsync("umount", ["-l", mount]);
            if (Directory.Exists(Root))
                Directory.Delete(Root, recursive: true);
        }
    }

    private async Task ImportBusyboxAsync()
    {
        string rootfs = Path.Combine(Root, "rootfs");
        foreach (var dir in new[] { "bin", "proc", "sys", "dev", "etc", "tmp" })
            Directory.CreateDirectory(Path.Combine(rootfs, dir));
        File.Copy("/bin/busybox", Path.Combine(rootfs, "bin", "busybox"));
        foreach (var applet in new[] { "sh", "ls", "cat", "ip", "wget", "echo", "sleep", "mkdir", "httpd", "hostname" })
            File.CreateSymbolicLink(Path.Combine(rootfs, "bin", applet), "busybox");
        string tar = Path.Combine(Root, "rootfs.tar");
        var (exit, _, stderr) = await ChildProcess.RunAsync("tar", ["-C", rootfs, "-cf", tar, "."]);
        if (exit != 0)
            throw new InvalidOperationException($"tar: {stderr}");
        await RunAsync(["import", "--quiet", tar, Image]);
    }
}
