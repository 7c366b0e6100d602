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
    /// <summary>The published binary (see <see cref="PublishedCniPlugin"/>).</summary>
    public static Task<string> PathAsync() => PublishedCniPlugin.LocateAsync();

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
