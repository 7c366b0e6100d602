using Tendril.Api;

namespace Tendril.Cni.Tests;

public sealed class GcTests
{
    private readonly FakeHost _host = new();

    private static readonly Dictionary<string, string> Env = new() { ["CNI_COMMAND"] = "GC", ["CNI_PATH"] = "/opt/cni/bin" };

    private PluginRun Gc(string extra, string version = "1.1.0") => PluginRun.Of(_host, Env, CniFixture.Config(version, extra));

    [Fact]
    public void Gc_ValidAttachments_AreSentWithTheNetworkName()
    {
        string extra = """ "cni.dev/valid-attachments": [{"containerID": "c1", "ifname": "eth0"}, {"containerID": "c2", "ifname": "net1"}]""";

        Gc(extra).AssertSilentSuccess();

        var request = Assert.Single(_host.Agent.GcCalls);
        Assert.Equal("tendril", request.Network);
        Assert.Equal([new EndpointAttachment("c1", "eth0"), new EndpointAttachment("c2", "net1")], request.Valid);
    }

    [Fact]
    public void Gc_OnlyTheOlderFieldName_IsRead()
    {
        Gc(""" "cni.dev/attachments": [{"containerID": "c1", "ifname": "eth0"}]""").AssertSilentSuccess();

        Assert.Equal([new EndpointAttachment("c1", "eth0")], Assert.Single(_host.Agent.GcCalls).Valid);
    }

    [Theory]
    [InlineData(""" "cni.dev/valid-attachments": null""")]
    [InlineData(""" "cni.dev/valid-attachments": []""")]
    public void Gc_NoValidAttachment_AsksToCollectEverythingOfTheNetwork(string extra)
    {
        Gc(extra).AssertSilentSuccess();

        Assert.Empty(Assert.Single(_host.Agent.GcCalls).Valid);
    }

    [Fact]
    public void Gc_DeletedEndpoints_AreNotedOnStderr()
    {
        _host.Agent.Collected.AddRange([(ushort)7, (ushort)9]);

        var run = Gc(""" "cni.dev/valid-attachments": []""");

        run.AssertSilentSuccess();
        Assert.Contains("7, 9", run.Stderr);
    }

    [Fact]
    public void Gc_WithoutTheAttachmentList_FailsWithCode7InsteadOfDeletingEverything()
    {
        Assert.Contains("cni.dev/valid-attachments", Gc("").AssertError(7).GetProperty("msg").GetString());
        Assert.Empty(_host.Agent.GcCalls);
    }

    [Theory]
    [InlineData(""" "cni.dev/valid-attachments": [{"containerID": "c1"}]""", "cni.dev/valid-attachments[0].ifname")]
    [InlineData(""" "cni.dev/valid-attachments": [{"containerID": "c1", "ifname": "eth0"}, "c2/eth0"]""", "cni.dev/valid-attachments[1]")]
    [InlineData(""" "cni.dev/valid-attachments": {"c1": "eth0"}""", "cni.dev/valid-attachments")]
    public void Gc_MalformedAttachment_FailsWithCode7NamingIt(string extra, string field)
    {
        Assert.Contains(field, Gc(extra).AssertError(7).GetProperty("msg").GetString());
        Assert.Empty(_host.Agent.GcCalls);
    }

    [Fact]
    public void Gc_Before110_FailsWithCode1()
    {
        Gc(""" "cni.dev/valid-attachments": []""", version: "1.0.0").AssertError(1);
    }

    [Fact]
    public void Gc_AgentDown_FailsWithCode50()
    {
        _host.Agent.Failure = FakeAgent.Down("/var/run/tendril/tendril.sock");

        Gc(""" "cni.dev/valid-attachments": []""").AssertError(50);
    }
}
