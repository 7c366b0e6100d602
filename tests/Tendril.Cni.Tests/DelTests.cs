using System.Net;

namespace Tendril.Cni.Tests;

public sealed class DelTests(CniFixture fixture) : IClassFixture<CniFixture>
{
    private readonly FakeHost _host = new();

    private PluginRun Del(Dictionary<string, string>? env = null, string? stdin = null) =>
        PluginRun.Of(_host, env ?? fixture.Env("DEL"), stdin ?? CniFixture.Config("1.0.0"));

    [Fact]
    public void Del_DeletesTheAttachmentAndPrintsNothing()
    {
        Del().AssertSilentSuccess();

        Assert.Equal([(CniFixture.ContainerId, "eth0")], _host.Agent.DeleteCalls);
        Assert.Empty(_host.VethRemovals);
    }

    [Fact]
    public void Del_AttachmentNeverSeen_SucceedsEveryTime()
    {
        _host.Agent.Deleted = 0;

        Del().AssertSilentSuccess();
        Del().AssertSilentSuccess();

        Assert.Equal(2, _host.Agent.DeleteCalls.Count);
    }

    [Fact]
    public void Del_WithPrevResultAndVanishedNetns_StillAsksTheAgent()
    {
        string prev = """ "prevResult": {"interfaces": [{"name": "eth0", "sandbox": "/gone"}], "ips": [{"address": "10.200.0.5/32", "interface": 0}]}""";

        Del(fixture.Env("DEL", fixture.VanishedNetns), CniFixture.Config("1.0.0", prev)).AssertSilentSuccess();

        Assert.Single(_host.Agent.DeleteCalls);
    }

    [Fact]
    public void Del_AgentDownAndNetnsExists_DeletesThePodVethItselfAndSucceeds()
    {
        _host.Agent.Failure = FakeAgent.Down(AgentSocket);

        var run = Del();

        run.AssertSilentSuccess();
        Assert.Equal([(fixture.Netns, "eth0")], _host.VethRemovals);
        Assert.Contains("deleted the veth eth0", run.Stderr);
        Assert.Contains("tendril-agent drops the endpoint when it starts", run.Stderr);
    }

    [Theory]
    [InlineData("NotFound", "has no eth0")]
    [InlineData("NotVeth", "not a veth")]
    public void Del_AgentDownAndNoVethToDelete_SaysSoAndSucceeds(string outcome, string note)
    {
        _host.Agent.Failure = FakeAgent.Down(AgentSocket);
        _host.RemovalOutcome = Enum.Parse<PodVethRemoval>(outcome);

        var run = Del();

        run.AssertSilentSuccess();
        Assert.Contains(note, run.Stderr);
    }

    [Fact]
    public void Del_AgentDownAndNetnsGone_SucceedsWithoutTouchingIt()
    {
        _host.Agent.Failure = FakeAgent.Down(AgentSocket);

        var run = Del(fixture.Env("DEL", fixture.VanishedNetns));

        run.AssertSilentSuccess();
        Assert.Empty(_host.VethRemovals);
        Assert.Contains("is gone", run.Stderr);
    }

    [Fact]
    public void Del_AgentDownAndNoNetnsGiven_Succeeds()
    {
        _host.Agent.Failure = FakeAgent.Down(AgentSocket);
        var env = fixture.Env("DEL");
        env.Remove("CNI_NETNS");

        var run = Del(env);

        run.AssertSilentSuccess();
        Assert.Empty(_host.VethRemovals);
        Assert.Contains("no CNI_NETNS", run.Stderr);
    }

    [Fact]
    public void Del_AgentDownAndVethDeleteFails_StillSucceeds()
    {
        _host.Agent.Failure = FakeAgent.Down(AgentSocket);
        _host.RemovalFailure = new IOException("setns: EINVAL (Invalid argument)");

        var run = Del();

        run.AssertSilentSuccess();
        Assert.Contains("EINVAL", run.Stderr);
    }

    [Fact]
    public void Del_AgentFails503_FailsWithCode11SoTheRuntimeRetries()
    {
        _host.Agent.Failure = FakeAgent.Refused(HttpStatusCode.ServiceUnavailable, "busy");

        Del().AssertError(11);
        Assert.Empty(_host.VethRemovals);
    }

    [Fact]
    public void Del_AfterAnAddRefusedForItsLabels_StillDeletes()
    {
        string labels = """ "args": {"cni": {"labels": [{"key": 5}]}}, "dns": {"nameservers": "bad"}""";

        Del(stdin: CniFixture.Config("1.0.0", labels)).AssertSilentSuccess();

        Assert.Single(_host.Agent.DeleteCalls);
    }

    [Fact]
    public void Del_WithoutName_FailsWithCode7()
    {
        Del(stdin: """{"cniVersion": "1.0.0"}""").AssertError(7);
    }

    [Fact]
    public void Del_UnsupportedVersion_FailsWithCode1()
    {
        Del(stdin: CniFixture.Config("0.2.0")).AssertError(1);

        Assert.Empty(_host.Agent.DeleteCalls);
    }

    private const string AgentSocket = "/var/run/tendril/tendril.sock";
}
