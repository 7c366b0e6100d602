using System.Text.Json.Nodes;
using Tendril.Cli.Commands;

namespace Tendril.Cli.Tests;

public sealed class CniCommandTests
{
    [Fact]
    public void Conflist_WithLabels_NamesTheNetworkAndCarriesThemAsCniArgsLabels()
    {
        string text = CniCommand.Conflist("web", CniCommand.ParseLabels(["app=web", "tier=front=end"]), "1.0.0", "/run/t.sock");

        var conflist = JsonNode.Parse(text)!;
        Assert.Equal(("1.0.0", "web"), ((string?)conflist["cniVersion"], (string?)conflist["name"]));
        var plugin = conflist["plugins"]!.AsArray().Single()!;
        Assert.Equal("tendril-cni", (string?)plugin["type"]);
        Assert.Equal("/run/t.sock", (string?)plugin["agentSocket"]);
        var labels = plugin["args"]!["cni"]!["labels"]!.AsArray();
        Assert.Equal([("app", "web"), ("tier", "front=end")], labels.Select(l => ((string?)l!["key"], (string?)l["value"])));
    }

    [Fact]
    public void Conflist_WithoutLabelsOrSocket_HasNeitherField()
    {
        var plugin = JsonNode.Parse(CniCommand.Conflist("tendril", [], "1.1.0", null))!["plugins"]![0]!.AsObject();

        Assert.False(plugin.ContainsKey("args"));
        Assert.False(plugin.ContainsKey("agentSocket"));
    }

    [Theory]
    [InlineData("-bad", "1.0.0", "network name")]
    [InlineData("has space", "1.0.0", "network name")]
    [InlineData("ok", "2.0.0", "cniVersion 2.0.0")]
    public void Conflist_InvalidNameOrVersion_IsRefusedNamingIt(string network, string version, string named)
    {
        var error = Assert.Throws<ArgumentException>(() => CniCommand.Conflist(network, [], version, null));

        Assert.Contains(named, error.Message);
    }

    [Fact]
    public void ParseLabels_WithoutEquals_IsRefusedNamingTheLabel()
    {
        var error = Assert.Throws<ArgumentException>(() => CniCommand.ParseLabels(["app"]));

        Assert.Contains("'app'", error.Message);
    }

    [Fact]
    public void InstallThenUninstall_CopiesAnExecutablePluginAndRemovesWhatItWrote()
    {
        string root = Path.Combine(Path.GetTempPath(), $"tendril-cni-install-{Guid.NewGuid():N}");
        try
        {
            string plugin = Path.Combine(root, "tendril-cni");
            Directory.CreateDirectory(root);
            File.WriteAllText(plugin, "#!/bin/sh\n");
            string bin = Path.Combine(root, "bin"), conf = Path.Combine(root, "net.d");

            int installed = Program.BuildRoot().Parse(["cni", "install", "--plugin", plugin, "--bin-dir", bin, "--conf-dir", conf, "--network", "shop", "-l", "app=web"]).Invoke();

            Assert.Equal(0, installed);
            Assert.True(OperatingSystem.IsLinux() && File.GetUnixFileMode(Path.Combine(bin, "tendril-cni")).HasFlag(UnixFileMode.UserExecute));
            Assert.Equal("shop", (string?)JsonNode.Parse(File.ReadAllText(Path.Combine(conf, "05-shop.conflist")))!["name"]);
            Assert.Empty(Directory.GetFiles(bin, "*.tmp"));

            int uninstalled = Program.BuildRoot().Parse(["cni", "uninstall", "--bin-dir", bin, "--conf-dir", conf, "--network", "shop"]).Invoke();

            Assert.Equal(0, uninstalled);
            Assert.Empty(Directory.GetFiles(bin));
            Assert.Empty(Directory.GetFiles(conf));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
