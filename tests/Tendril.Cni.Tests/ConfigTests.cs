namespace Tendril.Cni.Tests;

public sealed class ConfigTests(CniFixture fixture) : IClassFixture<CniFixture>
{
    private readonly FakeHost _host = new();

    private PluginRun Add(string stdin) => PluginRun.Of(_host, fixture.Env("ADD"), stdin);

    [Theory]
    [InlineData("")]
    [InlineData("   \n")]
    [InlineData("{\"cniVersion\": \"1.0.0\", \"name\": ")]
    [InlineData("cniVersion=1.0.0")]
    public void Config_NotJson_FailsWithCode6(string stdin)
    {
        Add(stdin).AssertError(6);
        Assert.Empty(_host.Agent.Created);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("\"1.0.0\"")]
    [InlineData("null")]
    public void Config_NotAnObject_FailsWithCode6(string stdin)
    {
        Assert.Contains("object", Add(stdin).AssertError(6).GetProperty("msg").GetString());
    }

    [Theory]
    [InlineData("""{"cniVersion": "1.0.0"}""")]
    [InlineData("""{"cniVersion": "1.0.0", "name": ""}""")]
    [InlineData("""{"cniVersion": "1.0.0", "name": null}""")]
    public void Config_NameMissingOrEmpty_FailsWithCode7(string stdin)
    {
        var error = Add(stdin).AssertError(7);

        Assert.Contains("name", error.GetProperty("msg").GetString());
        Assert.Equal("1.0.0", error.GetProperty("cniVersion").GetString());
    }

    [Fact]
    public void Config_NameNotAString_FailsWithCode7()
    {
        Assert.Contains("name must be a string", Add("""{"cniVersion": "1.0.0", "name": 5}""").AssertError(7).GetProperty("msg").GetString());
    }

    [Theory]
    [InlineData("""{"name": "tendril"}""")]
    [InlineData("""{"cniVersion": "", "name": "tendril"}""")]
    [InlineData("""{"cniVersions": [], "name": "tendril"}""")]
    public void Config_VersionMissing_FailsWithCode7(string stdin)
    {
        Assert.Contains("cniVersion", Add(stdin).AssertError(7).GetProperty("msg").GetString());
    }

    [Theory]
    [InlineData("0.2.0")]
    [InlineData("0.1.0")]
    [InlineData("2.0.0")]
    [InlineData("1.0")]
    [InlineData("v1.0.0")]
    public void Config_UnsupportedVersion_FailsWithCode1ListingTheSupportedOnes(string version)
    {
        var error = Add(CniFixture.Config(version)).AssertError(1);

        Assert.Equal("1.1.0", error.GetProperty("cniVersion").GetString());
        string msg = error.GetProperty("msg").GetString()!;
        Assert.Contains(version, msg);
        Assert.Contains("0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0", msg);
        Assert.Empty(_host.Agent.Created);
    }

    [Fact]
    public void Config_CniVersionsWithoutCniVersion_UsesTheHighestSupported()
    {
        var run = Add("""{"cniVersions": ["0.3.1", "1.0.0", "0.4.0", "9.0.0"], "name": "tendril"}""");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("1.0.0", run.Json().GetProperty("cniVersion").GetString());
    }

    [Fact]
    public void Config_CniVersionsWithNoneSupported_FailsWithCode1()
    {
        Add("""{"cniVersions": ["0.1.0", "9.0.0"], "name": "tendril"}""").AssertError(1);
    }

    [Fact]
    public void Config_CniVersionWinsOverCniVersions()
    {
        var run = Add("""{"cniVersion": "0.4.0", "cniVersions": ["1.1.0"], "name": "tendril"}""");

        Assert.Equal("0.4.0", run.Json().GetProperty("cniVersion").GetString());
    }

    [Theory]
    [InlineData(""" "dns": {"nameservers": "10.0.0.1"}""", "dns.nameservers")]
    [InlineData(""" "dns": {"search": ["a", 1]}""", "dns.search[1]")]
    [InlineData(""" "dns": []""", "dns")]
    [InlineData(""" "agentSocket": 7""", "agentSocket")]
    public void Config_MistypedField_FailsWithCode7NamingIt(string extra, string field)
    {
        Assert.Contains(field, Add(CniFixture.Config("1.0.0", extra)).AssertError(7).GetProperty("msg").GetString());
    }

    [Fact]
    public void Config_EmptyDns_LeavesTheResultDnsEmpty()
    {
        var run = Add(CniFixture.Config("1.0.0", """ "dns": {"nameservers": [], "search": []}"""));

        Assert.Empty(run.Json().GetProperty("dns").EnumerateObject());
    }
}
