using System.Text.Json;
using System.Text.Json.Nodes;
using Tendril.Tests.Common;

namespace Tendril.Agent.PrivilegedTests;

/// <summary>
/// The published tendril-cni binary, invoked exactly as a container runtime invokes it: CNI_* variables in the
/// environment, the network configuration on standard input, the result or error on standard output.
/// </summary>
internal static class CniPlugin
{
    private static readonly SemaphoreSlim PublishLock = new(1, 1);
    private static string? _path;

    /// <summary>
    /// $TENDRIL_CNI_PLUGIN, else artifacts/cni/tendril-cni of this checkout (build/test.sh publishes it there; when it
    /// is missing it is published here, once).
    /// </summary>
    public static async Task<string> PathAsync()
    {
        if (_path is not null)
            return _path;
        await PublishLock.WaitAsync();
        try
        {
            if (_path is not null)
                return _path;
            string? given = Environment.GetEnvironmentVariable("TENDRIL_CNI_PLUGIN");
            if (given is not null)
                return _path = File.Exists(given) ? given : throw new FileNotFoundException($"TENDRIL_CNI_PLUGIN={given} does not exist");
            string root = RepositoryRoot();
            string path = Path.Combine(root, "artifacts", "cni", "tendril-cni");
            if (!File.Exists(path))
            {
                var (exit, stdout, stderr) = await ChildProcess.RunAsync("dotnet",
                    ["publish", Path.Combine(root, "src", "Tendril.Cni"), "-c", "Release", "-r", "linux-x64", "-o", Path.GetDirectoryName(path)!, "-nologo"],
                    timeout: TimeSpan.FromMinutes(5));
                if (exit != 0)
                    throw new InvalidOperationException($"publishing tendril-cni failed:\n{stdout}\n{stderr}");
            }
            return _path = path;
        }
        finally
        {
            PublishLock.Release();
        }
    }

    /// <summary>Runs one command; <paramref name="environment"/> overrides (a null value removes a variable).</summary>
    public static async Task<Outcome> RunAsync(string command, string config, string? containerId = null, string? netns = null,
        string ifname = "eth0", string? cniArgs = null, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var env = new Dictionary<string, string?>
        {
            ["CNI_COMMAND"] = command,
            ["CNI_CONTAINERID"] = containerId,
            ["CNI_NETNS"] = netns,
            ["CNI_IFNAME"] = ifname,
            ["CNI_ARGS"] = cniArgs,
            ["CNI_PATH"] = "/usr/lib/cni",
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
            env[key] = value;
        var (exit, stdout, stderr) = await ChildProcess.RunAsync(await PathAsync(), [], environment: env, stdin: config, timeout: TimeSpan.FromSeconds(90));
        return new Outcome(exit, stdout, stderr);
    }

    /// <summary>A single-plugin configuration as a runtime hands it over (name and cniVersion from the list).</summary>
    public static string Config(string agentSocket, string cniVersion = "1.0.0", string network = "ttnet",
        IReadOnlyDictionary<string, string>? labels = null, JsonObject? prevResult = null, JsonObject? extra = null)
    {
        var config = new JsonObject { ["cniVersion"] = cniVersion, ["name"] = network, ["type"] = "tendril-cni", ["agentSocket"] = agentSocket };
        if (labels is not null)
            config["args"] = new JsonObject
            {
                ["cni"] = new JsonObject
                {
                    ["labels"] = new JsonArray(labels.Select(l => (JsonNode)new JsonObject { ["key"] = l.Key, ["value"] = l.Value }).ToArray()),
                },
            };
        if (prevResult is not null)
            config["prevResult"] = prevResult;
        foreach (var (key, value) in extra ?? [])
            config[key] = value?.DeepClone();
        return config.ToJsonString();
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Tendril.slnx")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"no Tendril.slnx above {AppContext.BaseDirectory}");
    }

    /// <summary>What the plugin answered.</summary>
    internal sealed record Outcome(int ExitCode, string Stdout, string Stderr)
    {
        /// <summary>Standard output as JSON (the result, or the error).</summary>
        public JsonObject Json => JsonNode.Parse(Stdout) as JsonObject ?? throw new JsonException($"not a JSON object: {Stdout}");

        /// <summary>The CNI error code, when it failed.</summary>
        public int Code => (int)Json["code"]!;

        public override string ToString() => $"exit {ExitCode}, stdout: {Stdout}, stderr: {Stderr}";
    }
}
