namespace Tendril.Cni.Tests;

/// <summary>
/// A stand-in network namespace file (the plugin only checks it exists and passes its path on), a path that no
/// longer exists, and builders for environments and configurations. Disposing removes the file.
/// </summary>
public sealed class CniFixture : IDisposable
{
    public CniFixture()
    {
        Netns = Path.GetTempFileName();
        VanishedNetns = Path.GetTempFileName();
        File.Delete(VanishedNetns);
    }

    public string Netns { get; }

    public string VanishedNetns { get; }

    public const string ContainerId = "abc123def4567890";

    /// <summary>The variables a runtime sets for <paramref name="command"/>, with the fixture's netns.</summary>
    public Dictionary<string, string> Env(string command, string? netns = null) => new()
    {
        ["CNI_COMMAND"] = command,
        ["CNI_CONTAINERID"] = ContainerId,
        ["CNI_NETNS"] = netns ?? Netns,
        ["CNI_IFNAME"] = "eth0",
        ["CNI_PATH"] = "/opt/cni/bin",
    };

    /// <summary>A minimal configuration of this version, with extra top-level JSON members appended.</summary>
    public static string Config(string version, string extra = "") =>
        $$"""{"cniVersion": "{{version}}", "name": "tendril", "type": "tendril-cni"{{(extra.Length > 0 ? ", " + extra : "")}}}""";

    public void Dispose() => File.Delete(Netns);
}
