namespace Tendril.Cni.Tests;

public sealed class EnvironmentTests(CniFixture fixture) : IClassFixture<CniFixture>
{
    private readonly FakeHost _host = new();

    private PluginRun Run(Dictionary<string, string> env, string? stdin = null) =>
        PluginRun.Of(_host, env, stdin ?? CniFixture.Config("1.1.0"));

    [Theory]
    [InlineData("ADD", "CNI_CONTAINERID")]
    [InlineData("ADD", "CNI_NETNS")]
    [InlineData("ADD", "CNI_IFNAME")]
    [InlineData("ADD", "CNI_PATH")]
    [InlineData("CHECK", "CNI_CONTAINERID")]
    [InlineData("CHECK", "CNI_NETNS")]
    [InlineData("CHECK", "CNI_IFNAME")]
    [InlineData("CHECK", "CNI_PATH")]
    [InlineData("DEL", "CNI_CONTAINERID")]
    [InlineData("DEL", "CNI_IFNAME")]
    [InlineData("DEL", "CNI_PATH")]
    [InlineData("GC", "CNI_PATH")]
    public void Command_RequiredVariableMissing_FailsWithCode4NamingIt(string command, string variable)
    {
        var env = fixture.Env(command);
        env.Remove(variable);

        var run = Run(env);

        Assert.Contains(variable, run.AssertError(4).GetProperty("msg").GetString());
        Assert.Empty(_host.Sockets);
    }

    [Fact]
    public void Command_RequiredVariableEmpty_CountsAsMissing()
    {
        var env = fixture.Env("ADD");
        env["CNI_IFNAME"] = "";

        Assert.Contains("CNI_IFNAME is not set", Run(env).AssertError(4).GetProperty("msg").GetString());
    }

    [Fact]
    public void Command_SeveralVariablesMissing_NamesEachOfThem()
    {
        var env = new Dictionary<string, string> { ["CNI_COMMAND"] = "ADD" };

        string msg = Run(env).AssertError(4).GetProperty("msg").GetString()!;

        foreach (string variable in new[] { "CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_PATH" })
            Assert.Contains(variable, msg);
    }

    [Theory]
    [InlineData("STATUS")]
    [InlineData("VERSION")]
    public void StatusAndVersion_NeedOnlyTheCommand(string command)
    {
        var env = new Dictionary<string, string> { ["CNI_COMMAND"] = command };

        Assert.Equal(0, Run(env, CniFixture.Config("1.1.0")).ExitCode);
    }

    [Fact]
    public void Gc_NeedsNoContainerVariables()
    {
        var env = new Dictionary<string, string> { ["CNI_COMMAND"] = "GC", ["CNI_PATH"] = "/opt/cni/bin" };

        Run(env, CniFixture.Config("1.1.0", """ "cni.dev/valid-attachments": []""")).AssertSilentSuccess();
    }

    [Fact]
    public void Del_WithoutNetns_Succeeds()
    {
        var env = fixture.Env("DEL");
        env.Remove("CNI_NETNS");

        Run(env).AssertSilentSuccess();
        Assert.Single(_host.Agent.DeleteCalls);
    }

    [Theory]
    [InlineData("add")]
    [InlineData("DELETE")]
    [InlineData("UP")]
    public void Command_Unknown_FailsWithCode4ListingTheCommands(string command)
    {
        string msg = Run(fixture.Env(command)).AssertError(4).GetProperty("msg").GetString()!;

        Assert.Contains("CNI_COMMAND", msg);
        Assert.Contains($"'{command}'", msg);
        Assert.Contains("ADD, DEL, CHECK, STATUS, GC, VERSION", msg);
    }

    [Fact]
    public void Command_Missing_FailsWithCode4WithoutReadingStdin()
    {
        var run = PluginRun.Of(_host, new Dictionary<string, string>(), stdin: "never read");

        var error = run.AssertError(4);
        Assert.Equal("1.1.0", error.GetProperty("cniVersion").GetString());
        Assert.Contains("CNI_COMMAND is not set", error.GetProperty("msg").GetString());
    }

    [Theory]
    [InlineData("-abc")]
    [InlineData("_abc")]
    [InlineData("abc/def")]
    [InlineData("abc def")]
    [InlineData("abc:1")]
    public void Command_InvalidContainerId_FailsWithCode4(string id)
    {
        var env = fixture.Env("ADD");
        env["CNI_CONTAINERID"] = id;

        Assert.Contains("CNI_CONTAINERID", Run(env).AssertError(4).GetProperty("msg").GetString());
        Assert.Empty(_host.Agent.Created);
    }

    [Theory]
    [InlineData("a")]
    [InlineData("9abc_d.e-f")]
    public void Command_ValidContainerId_IsAccepted(string id)
    {
        var env = fixture.Env("ADD");
        env["CNI_CONTAINERID"] = id;

        Assert.Equal(0, Run(env).ExitCode);
        Assert.Equal(id, Assert.Single(_host.Agent.Created).ContainerId);
    }

    [Theory]
    [InlineData("eth/0")]
    [InlineData("eth:0")]
    [InlineData("eth 0")]
    [InlineData("eth\t0")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("abcdefghijklmnop")]
    [InlineData("ééééééééé")]
    public void Command_InvalidInterfaceName_FailsWithCode4(string ifname)
    {
        var env = fixture.Env("ADD");
        env["CNI_IFNAME"] = ifname;

        Assert.Contains("CNI_IFNAME", Run(env).AssertError(4).GetProperty("msg").GetString());
        Assert.Empty(_host.Agent.Created);
    }

    [Fact]
    public void Command_InterfaceNameOf15Bytes_IsAccepted()
    {
        var env = fixture.Env("ADD");
        env["CNI_IFNAME"] = "abcdefghijklmno";

        Assert.Equal(0, Run(env).ExitCode);
    }

    [Theory]
    [InlineData("K8S_POD_NAME")]
    [InlineData("K8S_POD_NAME=web;garbage")]
    [InlineData("=value")]
    public void Command_MalformedCniArgs_FailsWithCode4(string args)
    {
        var env = fixture.Env("ADD");
        env["CNI_ARGS"] = args;

        Assert.Contains("CNI_ARGS", Run(env).AssertError(4).GetProperty("msg").GetString());
    }

    [Fact]
    public void Command_CniArgsWithTrailingSeparatorAndEqualsInValue_IsAccepted()
    {
        var env = fixture.Env("ADD");
        env["CNI_ARGS"] = "K8S_POD_NAME=web-1;FOO=a=b;";

        Assert.Equal(0, Run(env).ExitCode);
        Assert.Equal("web-1", Assert.Single(_host.Agent.Created).Name);
    }

    [Fact]
    public void Command_InvalidEnvironment_ErrorCarriesTheConfigVersion()
    {
        var env = fixture.Env("ADD");
        env.Remove("CNI_PATH");

        var error = Run(env, CniFixture.Config("0.3.1")).AssertError(4);

        Assert.Equal("0.3.1", error.GetProperty("cniVersion").GetString());
    }
}
