using System.Net;

namespace Tendril.Cni.Tests;

public sealed class StatusTests
{
    private readonly FakeHost _host = new();

    private PluginRun Status(string version) =>
        PluginRun.Of(_host, new Dictionary<string, string> { ["CNI_COMMAND"] = "STATUS" }, CniFixture.Config(version));

    [Fact]
    public void Status_AgentAnswers_SucceedsAndPrintsNothing()
    {
        Status("1.1.0").AssertSilentSuccess();

        Assert.Equal(1, _host.Agent.HealthCalls);
    }

    [Theory]
    [InlineData("0.4.0")]
    [InlineData("1.0.0")]
    public void Status_Before110_FailsWithCode1(string version)
    {
        Assert.Contains("1.1.0 or later", Status(version).AssertError(1).GetProperty("msg").GetString());
        Assert.Equal(0, _host.Agent.HealthCalls);
    }

    [Fact]
    public void Status_AgentDown_FailsWithCode50()
    {
        _host.Agent.Failure = FakeAgent.Down("/var/run/tendril/tendril.sock");

        Assert.Contains("start tendril-agent", Status("1.1.0").AssertError(50).GetProperty("msg").GetString());
    }

    [Fact]
    public void Status_AgentNotReady_FailsWithCode50()
    {
        _host.Agent.Failure = FakeAgent.Refused(HttpStatusCode.ServiceUnavailable, "restoring");

        Assert.Contains("not ready", Status("1.1.0").AssertError(50).GetProperty("msg").GetString());
    }
}
