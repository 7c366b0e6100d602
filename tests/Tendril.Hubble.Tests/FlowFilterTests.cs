using Tendril.Hubble.Api.Flow;
using Tendril.Hubble.Filtering;

namespace Tendril.Hubble.Tests;

public class FlowFilterTests
{
    private static bool Matches(FlowFilter filter, Flow flow) => FlowFilterCompiler.Compile(filter)(flow);

    [Fact]
    public void Compile_TwoFieldsSet_BothMustMatch()
    {
        var filter = new FlowFilter { SourcePod = { "default/client" }, Verdict = { Verdict.Dropped } };

        Assert.True(Matches(filter, TestFlows.Tcp(verdict: Verdict.Dropped)));
        Assert.False(Matches(filter, TestFlows.Tcp(verdict: Verdict.Forwarded)));
        Assert.False(Matches(filter, TestFlows.Tcp(srcPod: "other", verdict: Verdict.Dropped)));
    }

    [Fact]
    public void Compile_TwoValuesInOneField_EitherMatches()
    {
        var filter = new FlowFilter { DestinationPort = { "80", "443" } };

        Assert.True(Matches(filter, TestFlows.Tcp(dport: 80)));
        Assert.True(Matches(filter, TestFlows.Tcp(dport: 443)));
        Assert.False(Matches(filter, TestFlows.Tcp(dport: 8080)));
    }

    [Fact]
    public void CompileAny_TwoFilters_EitherMatches()
    {
        var any = FlowFilterCompiler.CompileAny([
            new FlowFilter { SourcePod = { "default/client" } },
            new FlowFilter { DestinationPod = { "default/client" } },
        ])!;

        Assert.True(any(TestFlows.Tcp(srcPod: "client-1", dstPod: "web")));
        Assert.True(any(TestFlows.Tcp(srcPod: "web", dstPod: "client-2")));
        Assert.False(any(TestFlows.Tcp(srcPod: "web", dstPod: "db")));
    }

    [Fact]
    public void Compile_WhitelistAndBlacklist_AllowMinusDeny()
    {
        var predicate = FlowFilterCompiler.Compile(
            [new FlowFilter { SourcePod = { "default/" } }],
            [new FlowFilter { Verdict = { Verdict.Dropped } }])!;

        Assert.True(predicate(TestFlows.Tcp()));
        Assert.False(predicate(TestFlows.Tcp(verdict: Verdict.Dropped)));
        Assert.False(predicate(TestFlows.Tcp(srcNs: "kube-system")));
    }

    [Fact]
    public void Compile_OnlyBlacklist_KeepsEverythingElse()
    {
        var predicate = FlowFilterCompiler.Compile([], [new FlowFilter { Verdict = { Verdict.Dropped } }])!;

        Assert.True(predicate(TestFlows.Tcp()));
        Assert.False(predicate(TestFlows.Tcp(verdict: Verdict.Dropped)));
        Assert.Null(FlowFilterCompiler.Compile([], []));
    }

    [Theory]
    [InlineData("default/client", true)]
    [InlineData("default/", true)]
    [InlineData("client", true)]
    [InlineData("/client-1", true)]
    [InlineData("kube-system/client", false)]
    [InlineData("kube-system/", false)]
    [InlineData("default/web", false)]
    public void Compile_SourcePodForms_MatchNamespaceAndPrefix(string selector, bool expected)
    {
        Assert.Equal(expected, Matches(new FlowFilter { SourcePod = { selector } }, TestFlows.Tcp()));
    }

    [Fact]
    public void Compile_BarePodNameInOtherNamespace_DoesNotMatch()
    {
        Assert.False(Matches(new FlowFilter { SourcePod = { "client" } }, TestFlows.Tcp(srcNs: "prod")));
        Assert.True(Matches(new FlowFilter { SourcePod = { "/client" } }, TestFlows.Tcp(srcNs: "prod")));
    }

    [Theory]
    [InlineData("10.0.0.30", true)]
    [InlineData("10.0.0.0/24", true)]
    [InlineData("10.0.1.0/24", false)]
    [InlineData("10.0.0.31", false)]
    public void Compile_SourceIp_MatchesAddressOrCidr(string ip, bool expected)
    {
        Assert.Equal(expected, Matches(new FlowFilter { SourceIp = { ip } }, TestFlows.Tcp()));
    }

    [Theory]
    [InlineData("k8s:app=client", true)]
    [InlineData("app=client", true)]
    [InlineData("app", true)]
    [InlineData("k8s:app=web", false)]
    [InlineData("!app", false)]
    [InlineData("!tier", true)]
    [InlineData("app in (web, client)", true)]
    [InlineData("app notin (client)", false)]
    [InlineData("app!=web", true)]
    [InlineData("app=client,k8s:io.kubernetes.pod.namespace=default", true)]
    [InlineData("app=client,k8s:io.kubernetes.pod.namespace=prod", false)]
    [InlineData("reserved:world", false)]
    public void Compile_SourceLabel_FollowsSelectorSyntax(string selector, bool expected)
    {
        Assert.Equal(expected, Matches(new FlowFilter { SourceLabel = { selector } }, TestFlows.Tcp()));
    }

    [Fact]
    public void Compile_ReservedWorldLabel_MatchesWorldEndpoint()
    {
        var world = TestFlows.Tcp(srcLabels: ["reserved:world"], srcIdentity: 2);

        Assert.True(Matches(new FlowFilter { SourceLabel = { "reserved:world" } }, world));
        Assert.True(Matches(new FlowFilter { SourceIdentity = { 2 } }, world));
        Assert.False(Matches(new FlowFilter { SourceLabel = { "k8s:world" } }, world));
    }

    [Fact]
    public void Compile_TcpFlags_RequiresAllSetFlags()
    {
        var synAck = new FlowFilter { TcpFlags = { new TCPFlags { SYN = true, ACK = true } } };
        var syn = new FlowFilter { TcpFlags = { new TCPFlags { SYN = true } } };

        Assert.True(Matches(synAck, TestFlows.Tcp(syn: true, ack: true)));
        Assert.False(Matches(synAck, TestFlows.Tcp(syn: true, ack: false)));
        Assert.True(Matches(syn, TestFlows.Tcp(syn: true, ack: true)));
    }

    [Fact]
    public void Compile_EventTypeWithSubType_MatchesOnlyThatSubType()
    {
        var flow = TestFlows.Tcp(); // trace, to-endpoint (0)

        Assert.True(Matches(new FlowFilter { EventType = { new EventTypeFilter { Type = 4 } } }, flow));
        Assert.True(Matches(new FlowFilter { EventType = { new EventTypeFilter { Type = 4, MatchSubType = true, SubType = 0 } } }, flow));
        Assert.False(Matches(new FlowFilter { EventType = { new EventTypeFilter { Type = 4, MatchSubType = true, SubType = 5 } } }, flow));
        Assert.False(Matches(new FlowFilter { EventType = { new EventTypeFilter { Type = 1 } } }, flow));
    }

    [Fact]
    public void Compile_ProtocolPortReplyDirectionAndVersion_Match()
    {
        var flow = TestFlows.Tcp(reply: true);

        Assert.True(Matches(new FlowFilter { Protocol = { "TCP" } }, flow));
        Assert.False(Matches(new FlowFilter { Protocol = { "udp", "icmp" } }, flow));
        Assert.True(Matches(new FlowFilter { SourcePort = { "40000" } }, flow));
        Assert.True(Matches(new FlowFilter { Reply = { true } }, flow));
        Assert.False(Matches(new FlowFilter { Reply = { false } }, flow));
        Assert.True(Matches(new FlowFilter { TrafficDirection = { TrafficDirection.Ingress } }, flow));
        Assert.True(Matches(new FlowFilter { IpVersion = { IPVersion.Ipv4 } }, flow));
        Assert.True(Matches(new FlowFilter { DropReasonDesc = { DropReason.PolicyDenied } }, TestFlows.Tcp(verdict: Verdict.Dropped)));
        Assert.True(Matches(new FlowFilter { Uuid = { flow.Uuid } }, flow));
    }

    [Theory]
    [InlineData("node-*", true)]
    [InlineData("node-a", true)]
    [InlineData("default/node-a", true)]
    [InlineData("default/", true)]
    [InlineData("other/", false)]
    [InlineData("k8s*", false)]
    public void Compile_NodeName_MatchesGlob(string pattern, bool expected)
    {
        Assert.Equal(expected, Matches(new FlowFilter { NodeName = { pattern } }, TestFlows.Tcp()));
    }

    [Theory]
    [InlineData("http_method")]
    [InlineData("source_fqdn")]
    [InlineData("dns_query")]
    [InlineData("experimental.cel_expression")]
    public void Compile_UnsupportedField_ThrowsNamingField(string field)
    {
        var filter = new FlowFilter();
        switch (field)
        {
            case "http_method": filter.HttpMethod.Add("GET"); break;
            case "source_fqdn": filter.SourceFqdn.Add("*.example.com"); break;
            case "dns_query": filter.DnsQuery.Add(".*"); break;
            default: filter.Experimental = new FlowFilter.Types.Experimental { CelExpression = { "true" } }; break;
        }

        var e = Assert.Throws<FlowFilterException>(() => FlowFilterCompiler.Compile(filter));
        Assert.Equal(field, e.Field);
        Assert.Contains(field, e.Message);
    }

    [Fact]
    public void Compile_MalformedValues_ThrowNamingField()
    {
        Assert.Equal("source_ip", Assert.Throws<FlowFilterException>(() => FlowFilterCompiler.Compile(new FlowFilter { SourceIp = { "nope" } })).Field);
        Assert.Equal("destination_port", Assert.Throws<FlowFilterException>(() => FlowFilterCompiler.Compile(new FlowFilter { DestinationPort = { "http" } })).Field);
        Assert.Equal("protocol", Assert.Throws<FlowFilterException>(() => FlowFilterCompiler.Compile(new FlowFilter { Protocol = { "quic" } })).Field);
        Assert.Equal("source_label", Assert.Throws<FlowFilterException>(() => FlowFilterCompiler.Compile(new FlowFilter { SourceLabel = { "app in web" } })).Field);
    }
}
