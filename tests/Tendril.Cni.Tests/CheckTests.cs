namespace Tendril.Cni.Tests;

public sealed class CheckTests : IClassFixture<CniFixture>
{
    private readonly CniFixture _fixture;
    private readonly FakeHost _host = new();

    public CheckTests(CniFixture fixture)
    {
        _fixture = fixture;
        _host.Agent.Endpoint = FakeAgent.NewEndpoint(netns: fixture.Netns);
    }

    /// <summary>What ADD printed for the fake endpoint, after a first plugin that made one interface.</summary>
    private string PrevResult(string podMac = FakeAgent.PodMacInResult, string address = "10.200.0.5/32", string ifname = "eth0", string? sandbox = null) => $$"""
         "prevResult": {
          "interfaces": [
            {"name": "dummy0"},
            {"name": "lxc0a000005", "mac": "{{FakeAgent.HostMacInResult}}"},
            {"name": "{{ifname}}", "mac": "{{podMac}}", "sandbox": "{{sandbox ?? _fixture.Netns}}"}
          ],
          "ips": [{"address": "{{address}}", "gateway": "10.200.0.1", "interface": 2}],
          "routes": [{"dst": "0.0.0.0/0", "gw": "10.200.0.1"}]
        }
        """;

    private PluginRun Check(string stdin, Dictionary<string, string>? env = null) =>
        PluginRun.Of(_host, env ?? _fixture.Env("CHECK"), stdin);

    [Theory]
    [InlineData("0.4.0")]
    [InlineData("1.0.0")]
    [InlineData("1.1.0")]
    public void Check_AttachmentAsAdded_SucceedsAndPrintsNothing(string version)
    {
        Check(CniFixture.Config(version, PrevResult())).AssertSilentSuccess();

        Assert.Equal([(CniFixture.ContainerId, "eth0")], _host.Agent.FindCalls);
        Assert.Equal([5], _host.Agent.CheckCalls);
    }

    [Fact]
    public void Check_OnTheResultAddPrinted_Succeeds()
    {
        var add = PluginRun.Of(_host, _fixture.Env("ADD"), CniFixture.Config("1.0.0"));

        Check(CniFixture.Config("1.0.0", $"\"prevResult\": {add.Stdout}")).AssertSilentSuccess();
    }

    [Theory]
    [InlineData("0.3.0")]
    [InlineData("0.3.1")]
    public void Check_Before040_FailsWithCode1(string version)
    {
        var error = Check(CniFixture.Config(version, PrevResult())).AssertError(1);

        Assert.Contains("0.4.0 or later", error.GetProperty("msg").GetString());
        Assert.Equal(version, error.GetProperty("cniVersion").GetString());
    }

    [Fact]
    public void Check_WithoutPrevResult_FailsWithCode7()
    {
        Assert.Contains("prevResult", Check(CniFixture.Config("1.0.0")).AssertError(7).GetProperty("msg").GetString());
    }

    [Fact]
    public void Check_NetnsMissing_FailsWithCode3()
    {
        Check(CniFixture.Config("1.0.0", PrevResult()), _fixture.Env("CHECK", _fixture.VanishedNetns)).AssertError(3);

        Assert.Empty(_host.Agent.FindCalls);
    }

    [Fact]
    public void Check_NoEndpointForTheAttachment_FailsWithCode101NamingIt()
    {
        _host.Agent.Found = [];

        string msg = Check(CniFixture.Config("1.0.0", PrevResult())).AssertError(101).GetProperty("msg").GetString()!;

        Assert.Contains(CniFixture.ContainerId, msg);
        Assert.Contains("eth0", msg);
    }

    [Fact]
    public void Check_PrevResultWithoutThePodInterface_FailsWithCode101()
    {
        string msg = Check(CniFixture.Config("1.0.0", PrevResult(ifname: "net1"))).AssertError(101).GetProperty("msg").GetString()!;

        Assert.Contains("no interface eth0", msg);
    }

    [Fact]
    public void Check_PodInterfaceInAnotherSandbox_FailsWithCode101()
    {
        string msg = Check(CniFixture.Config("1.0.0", PrevResult(sandbox: "/var/run/netns/other"))).AssertError(101).GetProperty("msg").GetString()!;

        Assert.Contains($"sandbox {_fixture.Netns}", msg);
    }

    [Fact]
    public void Check_AddressDiffers_FailsWithCode101SayingBoth()
    {
        string msg = Check(CniFixture.Config("1.0.0", PrevResult(address: "10.200.0.9/32"))).AssertError(101).GetProperty("msg").GetString()!;

        Assert.Contains("10.200.0.5", msg);
        Assert.Contains("10.200.0.9/32", msg);
    }

    [Fact]
    public void Check_MacDiffers_FailsWithCode101()
    {
        string msg = Check(CniFixture.Config("1.0.0", PrevResult(podMac: "02:00:00:00:00:01"))).AssertError(101).GetProperty("msg").GetString()!;

        Assert.Contains("02:00:00:00:00:01", msg);
        Assert.Contains(FakeAgent.PodMacInResult, msg);
    }

    [Theory]
    [InlineData("0A:58:0A:C8:00:05")]
    [InlineData("0a580ac80005")]
    public void Check_MacInAnotherNotation_IsTheSame(string mac)
    {
        Check(CniFixture.Config("1.0.0", PrevResult(podMac: mac))).AssertSilentSuccess();
    }

    [Fact]
    public void Check_AgentFindsProblems_FailsWithCode101ListingThem()
    {
        _host.Agent.Problems.AddRange(["host device lxc0a000005 is missing", "no tcx program on lxc0a000005"]);

        string msg = Check(CniFixture.Config("1.0.0", PrevResult())).AssertError(101).GetProperty("msg").GetString()!;

        Assert.Contains("host device lxc0a000005 is missing", msg);
        Assert.Contains("no tcx program on lxc0a000005", msg);
    }

    [Fact]
    public void Check_AgentDown_FailsWithCode50()
    {
        _host.Agent.Failure = FakeAgent.Down("/var/run/tendril/tendril.sock");

        Check(CniFixture.Config("1.0.0", PrevResult())).AssertError(50);
    }
}
