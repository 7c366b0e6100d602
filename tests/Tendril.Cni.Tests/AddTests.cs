using System.Net;
using System.Text.Json;

namespace Tendril.Cni.Tests;

public sealed class AddTests(CniFixture fixture) : IClassFixture<CniFixture>
{
    private readonly FakeHost _host = new();

    private PluginRun Add(string stdin, Dictionary<string, string>? env = null) => PluginRun.Of(_host, env ?? fixture.Env("ADD"), stdin);

    [Theory]
    [InlineData("0.3.0")]
    [InlineData("0.3.1")]
    [InlineData("0.4.0")]
    [InlineData("1.0.0")]
    [InlineData("1.1.0")]
    public void Add_EachSupportedVersion_PrintsResultInThatVersion(string version)
    {
        var run = Add(CniFixture.Config(version));

        Assert.Equal(0, run.ExitCode);
        var result = run.Json();
        Assert.Equal("cniVersion", result.EnumerateObject().First().Name);
        Assert.Equal(version, result.GetProperty("cniVersion").GetString());

        var interfaces = result.GetProperty("interfaces");
        Assert.Equal(2, interfaces.GetArrayLength());
        var host = interfaces[0];
        Assert.Equal("lxc0a000005", host.GetProperty("name").GetString());
        Assert.Equal(FakeAgent.HostMacInResult, host.GetProperty("mac").GetString());
        Assert.False(host.TryGetProperty("sandbox", out _));
        var pod = interfaces[1];
        Assert.Equal("eth0", pod.GetProperty("name").GetString());
        Assert.Equal(FakeAgent.PodMacInResult, pod.GetProperty("mac").GetString());
        Assert.Equal(fixture.Netns, pod.GetProperty("sandbox").GetString());

        var ip = Assert.Single(result.GetProperty("ips").EnumerateArray());
        Assert.Equal("10.200.0.5/32", ip.GetProperty("address").GetString());
        Assert.Equal("10.200.0.1", ip.GetProperty("gateway").GetString());
        Assert.Equal(1, ip.GetProperty("interface").GetInt32());

        var route = Assert.Single(result.GetProperty("routes").EnumerateArray());
        Assert.Equal("0.0.0.0/0", route.GetProperty("dst").GetString());
        Assert.Equal("10.200.0.1", route.GetProperty("gw").GetString());
        Assert.Empty(result.GetProperty("dns").EnumerateObject());
    }

    [Theory]
    [InlineData("0.3.0", true)]
    [InlineData("0.3.1", true)]
    [InlineData("0.4.0", true)]
    [InlineData("1.0.0", false)]
    [InlineData("1.1.0", false)]
    public void Add_IpVersionField_IsWrittenOnlyBefore100(string version, bool expected)
    {
        var ip = Add(CniFixture.Config(version)).Json().GetProperty("ips")[0];

        Assert.Equal(expected, ip.TryGetProperty("version", out var family));
        if (expected)
            Assert.Equal("4", family.GetString());
    }

    [Theory]
    [InlineData("0.4.0", false)]
    [InlineData("1.0.0", false)]
    [InlineData("1.1.0", true)]
    public void Add_InterfaceMtu_IsWrittenOnlyIn110(string version, bool expected)
    {
        var interfaces = Add(CniFixture.Config(version)).Json().GetProperty("interfaces");

        foreach (var item in interfaces.EnumerateArray())
        {
            Assert.Equal(expected, item.TryGetProperty("mtu", out var mtu));
            if (expected)
                Assert.Equal(1450, mtu.GetInt32());
        }
    }

    [Fact]
    public void Add_Request_CarriesTheAttachmentAndPodIdentity()
    {
        var env = fixture.Env("ADD");
        env["CNI_ARGS"] = "IgnoreUnknown=1;K8S_POD_NAMESPACE=shop;K8S_POD_NAME=cart-7;K8S_POD_INFRA_CONTAINER_ID=x";
        string labels = """ "args": {"cni": {"labels": [{"key": "app", "value": "cart"}, {"key": "tier", "value": "web"}]}, "other": 1}""";

        Assert.Equal(0, Add(CniFixture.Config("1.0.0", labels), env).ExitCode);

        var request = Assert.Single(_host.Agent.Created);
        Assert.Equal(fixture.Netns, request.Netns);
        Assert.Equal("eth0", request.Interface);
        Assert.Equal(CniFixture.ContainerId, request.ContainerId);
        Assert.Equal("tendril", request.Network);
        Assert.Equal("cart-7", request.Name);
        Assert.Equal("shop", request.Namespace);
        Assert.Equal(new Dictionary<string, string> { ["app"] = "cart", ["tier"] = "web" }, request.Labels);
    }

    [Fact]
    public void Add_WithoutPodArgs_NamesTheEndpointAfterTheShortContainerIdInDefault()
    {
        Assert.Equal(0, Add(CniFixture.Config("1.0.0")).ExitCode);

        var request = Assert.Single(_host.Agent.Created);
        Assert.Equal("abc123def456", request.Name);
        Assert.Equal("default", request.Namespace);
        Assert.Empty(request.Labels!);
    }

    [Fact]
    public void Add_ConfigDns_IsCopiedIntoTheResult()
    {
        string dns = """ "dns": {"nameservers": ["10.96.0.10"], "domain": "shop.svc", "search": ["svc.cluster.local"], "options": ["ndots:5"]}""";

        var result = Add(CniFixture.Config("1.0.0", dns)).Json().GetProperty("dns");

        Assert.Equal(["10.96.0.10"], result.GetProperty("nameservers").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("shop.svc", result.GetProperty("domain").GetString());
        Assert.Equal(["svc.cluster.local"], result.GetProperty("search").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["ndots:5"], result.GetProperty("options").EnumerateArray().Select(e => e.GetString()));
    }

    /// <summary>A bridge-style result before ours: bridge, host veth, pod interface, one address on it.</summary>
    private const string PrevResult040 = """
        "prevResult": {
          "cniVersion": "0.4.0",
          "interfaces": [
            {"name": "cni0", "mac": "00:11:22:33:44:55"},
            {"name": "veth1", "mac": "55:44:33:22:11:11"},
            {"name": "net1", "mac": "99:88:77:66:55:44", "sandbox": "/var/run/netns/blue"}
          ],
          "ips": [{"version": "4", "address": "10.1.0.5/16", "gateway": "10.1.0.1", "interface": 2}],
          "routes": [{"dst": "10.1.0.0/16"}],
          "dns": {"nameservers": ["10.1.0.1"]}
        }
        """;

    [Theory]
    [InlineData("0.4.0")]
    [InlineData("1.0.0")]
    public void Add_AfterAnotherPlugin_AppendsToPrevResultWithShiftedIndex(string version)
    {
        var result = Add(CniFixture.Config(version, PrevResult040)).Json();

        var names = result.GetProperty("interfaces").EnumerateArray().Select(i => i.GetProperty("name").GetString());
        Assert.Equal(["cni0", "veth1", "net1", "lxc0a000005", "eth0"], names);
        var ips = result.GetProperty("ips");
        Assert.Equal(2, ips.GetArrayLength());
        Assert.Equal("10.1.0.5/16", ips[0].GetProperty("address").GetString());
        Assert.Equal(2, ips[0].GetProperty("interface").GetInt32());
        Assert.Equal("10.200.0.5/32", ips[1].GetProperty("address").GetString());
        Assert.Equal(4, ips[1].GetProperty("interface").GetInt32());
        Assert.Equal(version == "0.4.0", ips[0].TryGetProperty("version", out _));
        var routes = result.GetProperty("routes").EnumerateArray().Select(r => r.GetProperty("dst").GetString());
        Assert.Equal(["10.1.0.0/16", "0.0.0.0/0"], routes);
        Assert.Equal("10.1.0.1", result.GetProperty("dns").GetProperty("nameservers")[0].GetString());
    }

    [Fact]
    public void Add_PrevResultOf100_IsWrittenWithVersionFieldsIn040()
    {
        string prev = """ "prevResult": {"cniVersion": "1.0.0", "interfaces": [{"name": "x"}], "ips": [{"address": "fd00::5/64", "interface": 0}]}""";

        var ips = Add(CniFixture.Config("0.4.0", prev)).Json().GetProperty("ips");

        Assert.Equal("6", ips[0].GetProperty("version").GetString());
        Assert.Equal("4", ips[1].GetProperty("version").GetString());
        Assert.Equal(2, ips[1].GetProperty("interface").GetInt32());
    }

    [Fact]
    public void Add_ConfigDns_WinsOverPrevResultDns()
    {
        string extra = PrevResult040 + """, "dns": {"nameservers": ["10.96.0.10"]}""";

        var dns = Add(CniFixture.Config("1.0.0", extra)).Json().GetProperty("dns");

        Assert.Equal(["10.96.0.10"], dns.GetProperty("nameservers").EnumerateArray().Select(e => e.GetString()));
    }

    [Theory]
    [InlineData("0a:58:0a:c8:00:05")]
    [InlineData("0A-58-0A-C8-00-05")]
    [InlineData("0A580AC80005")]
    public void Add_MacInAnyNotation_IsWrittenLowercaseWithColons(string agentMac)
    {
        _host.Agent.Endpoint = _host.Agent.Endpoint with { Mac = agentMac };

        var pod = Add(CniFixture.Config("1.0.0")).Json().GetProperty("interfaces")[1];

        Assert.Equal("0a:58:0a:c8:00:05", pod.GetProperty("mac").GetString());
    }

    [Fact]
    public void Add_EmptyConfigDns_KeepsPrevResultDns()
    {
        string extra = PrevResult040 + """, "dns": {"nameservers": []}""";

        var dns = Add(CniFixture.Config("1.0.0", extra)).Json().GetProperty("dns");

        Assert.Equal(["10.1.0.1"], dns.GetProperty("nameservers").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public void Add_OurOwnResult_IsAcceptedAsPrevResultByTheNextAdd()
    {
        string first = Add(CniFixture.Config("1.1.0")).Stdout;
        var second = new FakeHost();
        second.Agent.Endpoint = second.Agent.Endpoint with { HostDevice = "lxc2", Ipv4 = "10.200.0.6" };
        var env = fixture.Env("ADD");
        env["CNI_IFNAME"] = "net1";

        var result = PluginRun.Of(second, env, CniFixture.Config("1.1.0", $"\"prevResult\": {first}")).Json();

        Assert.Equal(4, result.GetProperty("interfaces").GetArrayLength());
        Assert.Equal(1450, result.GetProperty("interfaces")[1].GetProperty("mtu").GetInt32());
        Assert.Equal(3, result.GetProperty("ips")[1].GetProperty("interface").GetInt32());
        Assert.Equal("10.200.0.6/32", result.GetProperty("ips")[1].GetProperty("address").GetString());
    }

    [Fact]
    public void Add_AgentSocket_ComesFromConfigThenTendrilSockThenTheDefault()
    {
        var env = fixture.Env("ADD");
        env["TENDRIL_SOCK"] = "/run/env.sock";
        PluginRun.Of(_host, env, CniFixture.Config("1.0.0", """ "agentSocket": "/run/config.sock" """));
        PluginRun.Of(_host, env, CniFixture.Config("1.0.0"));
        PluginRun.Of(_host, fixture.Env("ADD"), CniFixture.Config("1.0.0"));

        Assert.Equal(["/run/config.sock", "/run/env.sock", "/var/run/tendril/tendril.sock"], _host.Sockets);
    }

    [Fact]
    public void Add_NetnsMissing_FailsWithCode3WithoutCallingTheAgent()
    {
        var run = Add(CniFixture.Config("1.0.0"), fixture.Env("ADD", fixture.VanishedNetns));

        var error = run.AssertError(3);
        Assert.Contains(fixture.VanishedNetns, error.GetProperty("msg").GetString());
        Assert.Empty(_host.Agent.Created);
    }

    [Fact]
    public void Add_AgentDown_FailsWithCode50NamingTheSocket()
    {
        _host.Agent.Failure = FakeAgent.Down("/run/t.sock");

        var run = Add(CniFixture.Config("0.4.0", """ "agentSocket": "/run/t.sock" """));

        var error = run.AssertError(50);
        Assert.Equal("0.4.0", error.GetProperty("cniVersion").GetString());
        Assert.Equal("cannot reach the Tendril agent at /run/t.sock: start tendril-agent", error.GetProperty("msg").GetString());
        Assert.Contains("/run/t.sock does not exist", error.GetProperty("details").GetString());
        Assert.Contains("error 50", run.Stderr);
    }

    [Fact]
    public void Add_AgentRejectsRequest_FailsWithCode7CarryingItsMessage()
    {
        _host.Agent.Failure = FakeAgent.Refused(HttpStatusCode.BadRequest, "label key 'a b' is invalid");

        Assert.Contains("label key 'a b' is invalid", Add(CniFixture.Config("1.0.0")).AssertError(7).GetProperty("msg").GetString());
    }

    [Fact]
    public void Add_AgentConflict_FailsWithCode100CarryingItsMessage()
    {
        _host.Agent.Failure = FakeAgent.Refused(HttpStatusCode.Conflict, "container abc interface eth0 already has endpoint 3");

        var msg = Add(CniFixture.Config("1.0.0")).AssertError(100).GetProperty("msg").GetString();

        Assert.Contains("409", msg);
        Assert.Contains("already has endpoint 3", msg);
    }

    [Fact]
    public void Add_AgentUnavailable503_FailsWithCode11()
    {
        _host.Agent.Failure = FakeAgent.Refused(HttpStatusCode.ServiceUnavailable, "restoring endpoints");

        var error = Add(CniFixture.Config("1.0.0")).AssertError(11);

        Assert.Equal("restoring endpoints", error.GetProperty("details").GetString());
    }

    [Fact]
    public void Add_AgentTimesOut_FailsWithCode11()
    {
        _host.Agent.Failure = new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout of 60 seconds elapsing.");

        Add(CniFixture.Config("1.0.0")).AssertError(11);
    }

    [Fact]
    public void Add_ConnectionDropsMidRequest_FailsWithCode11()
    {
        _host.Agent.Failure = new HttpRequestException("An error occurred while sending the request.");

        Add(CniFixture.Config("1.0.0")).AssertError(11);
    }

    [Fact]
    public void Add_AgentAnswerUnreadable_FailsWithCode100()
    {
        _host.Agent.Failure = new JsonException("'<' is an invalid start of a value.");

        Assert.Contains("cannot read", Add(CniFixture.Config("1.0.0")).AssertError(100).GetProperty("msg").GetString());
    }

    [Fact]
    public void Add_UnexpectedException_IsStillACniErrorWithCode999()
    {
        _host.Agent.Failure = new InvalidOperationException("boom");

        Assert.Contains("boom", Add(CniFixture.Config("1.0.0")).AssertError(999).GetProperty("msg").GetString());
    }

    [Theory]
    [InlineData("""[{"key": "app", "value": "web"}, "tier=db"]""", "args.cni.labels[1]")]
    [InlineData("""[{"value": "web"}]""", "args.cni.labels[0].key")]
    [InlineData("""[{"key": "app", "value": 3}]""", "args.cni.labels[0].value")]
    [InlineData("""{"app": "web"}""", "args.cni.labels")]
    public void Add_MalformedLabel_FailsWithCode7NamingIt(string labels, string field)
    {
        var run = Add(CniFixture.Config("1.0.0", "\"args\": {\"cni\": {\"labels\": " + labels + "}}"));

        Assert.Contains(field, run.AssertError(7).GetProperty("msg").GetString());
        Assert.Empty(_host.Agent.Created);
    }

    [Theory]
    [InlineData("""{"ips": [{"address": "10.1.0.5"}]}""", "prevResult.ips[0].address")]
    [InlineData("""{"ips": [{"version": "6", "address": "10.1.0.5/24"}]}""", "prevResult.ips[0].version")]
    [InlineData("""{"interfaces": [{"name": "a"}], "ips": [{"address": "10.1.0.5/24", "interface": 1}]}""", "prevResult.ips[0].interface")]
    [InlineData("""{"routes": [{"gw": "10.1.0.1"}]}""", "prevResult.routes[0].dst")]
    [InlineData("""[]""", "prevResult")]
    public void Add_MalformedPrevResult_FailsWithCode7NamingTheField(string prev, string field)
    {
        var run = Add(CniFixture.Config("1.0.0", $"\"prevResult\": {prev}"));

        Assert.Contains(field, run.AssertError(7).GetProperty("msg").GetString());
    }

    [Fact]
    public void Add_UnknownTopLevelFieldsAndOtherArgs_AreIgnored()
    {
        string extra = """
            "runtimeConfig": {"portMappings": []}, "capabilities": {"portMappings": true}, "ipam": {},
            "args": {"k8s": {"x": 1}, "cni": {"other": true}}, "disableCheck": true
            """;

        var run = Add(CniFixture.Config("1.0.0", extra));

        Assert.Equal(0, run.ExitCode);
        Assert.Empty(Assert.Single(_host.Agent.Created).Labels!);
    }

    [Fact]
    public void Add_Output_IsValidJsonEndingInANewline()
    {
        var run = Add(CniFixture.Config("1.0.0"));

        Assert.EndsWith("\n", run.Stdout);
        Assert.Equal(JsonValueKind.Object, run.Json().ValueKind);
        Assert.Equal("", run.Stderr);
    }
}
