using Tendril.Cli.Commands;
using Tendril.Cli.Observe;
using Tendril.Hubble.Api.Flow;

namespace Tendril.Cli.Tests;

/// <summary>Filter flags → FlowFilters, checked against what hubble's filter builder produces for the same flags.</summary>
public sealed class ObserveFilterTests
{
    [Fact]
    public void Pod_Symmetric_SourceOrDestinationFilter()
    {
        var (white, black) = Filters("--pod", "default/xwing");
        Assert.Equal(["{\"source_pod\":[\"default/xwing\"]}", "{\"destination_pod\":[\"default/xwing\"]}"], white);
        Assert.Empty(black);
    }

    [Fact]
    public void FromPodAndToPod_OneSided_SingleFilter()
    {
        var (white, _) = Filters("--from-pod", "default/xwing", "--to-pod", "default/deathstar");
        Assert.Equal(["{\"source_pod\":[\"default/xwing\"],\"destination_pod\":[\"default/deathstar\"]}"], white);
    }

    [Fact]
    public void PodWithToPort_SymmetricAndOneSided_ToPortInBothFilters()
    {
        var (white, _) = Filters("--pod", "xwing", "--to-port", "80");
        Assert.Equal(
        [
            "{\"source_pod\":[\"xwing\"],\"destination_port\":[\"80\"]}",
            "{\"destination_pod\":[\"xwing\"],\"destination_port\":[\"80\"]}",
        ], white);
    }

    [Fact]
    public void SameFlagRepeated_ValuesInOneField_Or()
    {
        var (white, _) = Filters("--verdict", "DROPPED", "--verdict", "forwarded");
        Assert.Equal(["{\"verdict\":[\"DROPPED\",\"FORWARDED\"]}"], white);
    }

    [Fact]
    public void DifferentFlags_FieldsInOneFilter_And()
    {
        var (white, _) = Filters("--verdict", "DROPPED", "--from-ip", "10.0.0.30", "--protocol", "tcp", "-4");
        Assert.Equal(["{\"source_ip\":[\"10.0.0.30\"],\"verdict\":[\"DROPPED\"],\"protocol\":[\"tcp\"],\"ip_version\":[\"IPv4\"]}"], white);
    }

    [Fact]
    public void Not_NextFilterFlag_GoesToBlacklistOnly()
    {
        var (white, black) = Filters("--not", "--from-ip", "10.0.0.1", "--to-ip", "10.0.0.2", "--last", "5");
        Assert.Equal(["{\"destination_ip\":[\"10.0.0.2\"]}"], white);
        Assert.Equal(["{\"source_ip\":[\"10.0.0.1\"]}"], black);
    }

    [Fact]
    public void Not_BeforeSymmetricFlag_BlacklistGetsBothSides()
    {
        var (white, black) = Filters("--verdict", "DROPPED", "--not", "--namespace", "kube-system");
        Assert.Equal(["{\"verdict\":[\"DROPPED\"]}"], white);
        Assert.Equal(["{\"source_pod\":[\"kube-system/\"]}", "{\"destination_pod\":[\"kube-system/\"]}"], black);
    }

    [Fact]
    public void Not_Twice_ErrorNamesNot()
    {
        var e = Assert.Throws<FlagException>(() => Filters("--not", "--not", "--pod", "a"));
        Assert.Equal("not", e.Flag);
        Assert.Contains("consecutive --not", e.Message);
    }

    [Fact]
    public void Not_Trailing_ErrorSaysWhatIsMissing()
    {
        var e = Assert.Throws<FlagException>(() => Filters("--pod", "a", "--not"));
        Assert.StartsWith("--not:", e.Message);
    }

    [Fact]
    public void Namespace_Alone_WholeNamespaceEitherSide()
    {
        var (white, _) = Filters("-n", "kube-system");
        Assert.Equal(["{\"source_pod\":[\"kube-system/\"]}", "{\"destination_pod\":[\"kube-system/\"]}"], white);
    }

    [Fact]
    public void Namespace_WithPod_InjectedIntoPodNames()
    {
        var (white, _) = Filters("--pod", "xwing", "-n", "empire", "--pod", "empire/tiefighter");
        Assert.Equal(
        [
            "{\"source_pod\":[\"empire/xwing\",\"empire/tiefighter\"]}",
            "{\"destination_pod\":[\"empire/xwing\",\"empire/tiefighter\"]}",
        ], white);
    }

    [Fact]
    public void FromNamespace_WithToPod_SourceNamespaceDestinationPod()
    {
        var (white, _) = Filters("--from-namespace", "empire", "--to-pod", "deathstar");
        Assert.Equal(["{\"source_pod\":[\"empire/\"],\"destination_pod\":[\"deathstar\"]}"], white);
    }

    [Fact]
    public void AllNamespaces_AnyNamespace()
    {
        var (white, _) = Filters("-A");
        Assert.Equal(["{\"source_pod\":[\"/\"]}", "{\"destination_pod\":[\"/\"]}"], white);
    }

    [Fact]
    public void NamespaceAndPodInAnotherNamespace_Conflict()
    {
        var e = Assert.Throws<FlagException>(() => Filters("-n", "empire", "--pod", "rebels/xwing"));
        Assert.Contains("namespace conflict", e.Message);
    }

    [Fact]
    public void IpAndNamespace_CannotBeCombined()
    {
        var e = Assert.Throws<FlagException>(() => Filters("--ip", "10.0.0.1", "-n", "default"));
        Assert.Equal("--namespace: filters --ip and --namespace cannot be combined", e.Message);
    }

    [Fact]
    public void Type_WithSubtypeNames_EventTypeFilters()
    {
        var (white, _) = Filters("-t", "trace:from-endpoint", "-t", "trace:to-endpoint", "--type", "drop", "-t", "policy-verdict");
        Assert.Equal(
            ["{\"event_type\":[{\"type\":4,\"match_sub_type\":true,\"sub_type\":5},{\"type\":4,\"match_sub_type\":true},{\"type\":1},{\"type\":5}]}"],
            white);
    }

    [Fact]
    public void Identity_ReservedNamesAndNumbers_Resolved()
    {
        var (white, _) = Filters("--from-identity", "world", "--to-identity", "16530", "--from-identity", "remote-node");
        Assert.Equal(["{\"source_identity\":[2,6],\"destination_identity\":[16530]}"], white);
        var (symmetric, _) = Filters("--identity", "host");
        Assert.Equal(["{\"source_identity\":[1]}", "{\"destination_identity\":[1]}"], symmetric);
    }

    [Fact]
    public void TcpFlagsAndDirection_Parsed()
    {
        var (white, _) = Filters("--tcp-flags", "syn,ack", "--traffic-direction", "ingress", "--drop-reason-desc", "POLICY_DENIED");
        Assert.Equal(
            ["{\"tcp_flags\":[{\"SYN\":true,\"ACK\":true}],\"traffic_direction\":[\"INGRESS\"],\"drop_reason_desc\":[\"POLICY_DENIED\"]}"],
            white);
    }

    [Theory]
    [InlineData("--verdict", "NOPE", "--verdict: invalid verdict 'NOPE', expected one of FORWARDED")]
    [InlineData("--identity", "nobody", "--identity: invalid security identity 'nobody'")]
    [InlineData("--to-port", "http", "--to-port: 'http' is not a port number")]
    [InlineData("--tcp-flags", "syn,bogus", "--tcp-flags: unknown TCP flag 'bogus'")]
    [InlineData("--type", "nope", "--type: unknown event type 'nope'")]
    [InlineData("--type", "trace:sideways", "--type: unknown sub-type 'sideways' of 'trace'")]
    [InlineData("--from-ip", "10.0.0.300", "--from-ip: '10.0.0.300' is not an IP address or CIDR")]
    [InlineData("--traffic-direction", "up", "--traffic-direction: invalid traffic direction 'up'")]
    [InlineData("--drop-reason-desc", "TOO_LOUD", "--drop-reason-desc: invalid drop reason 'TOO_LOUD'")]
    public void BadValue_ErrorNamesFlag(string flag, string value, string expectedStart)
    {
        var e = Assert.Throws<FlagException>(() => Filters(flag, value));
        Assert.StartsWith(expectedStart, e.Message);
    }

    [Fact]
    public void NoFilterFlags_NoFilters()
    {
        var (white, black) = Filters("--last", "3", "-o", "json");
        Assert.Empty(white);
        Assert.Empty(black);
    }

    [Fact]
    public async Task PrintRawFilters_HubbleShape_NoConnection()
    {
        var output = new StringWriter();
        var parse = Program.BuildRoot().Parse(["observe", "--pod", "xwing", "--not", "--verdict", "DROPPED", "--print-raw-filters", "--server", "unix:///nonexistent.sock"]);
        int exit = await ObserveCommand.RunAsync(parse, new ObserveConsole(output, TextWriter.Null, false), TimeProvider.System, default);
        Assert.Equal(0, exit);
        Assert.Equal(
            """
            allowlist:
            - '{"source_pod":["xwing"]}'
            - '{"destination_pod":["xwing"]}'
            denylist:
            - '{"verdict":["DROPPED"]}'

            """.ReplaceLineEndings(), output.ToString());
    }

    internal static (List<string> White, List<string> Black) Filters(params string[] args)
    {
        var parse = Program.BuildRoot().Parse(["observe", .. args]);
        Assert.Empty(parse.Errors);
        var (white, black) = ObserveCommand.BuildFilters(parse);
        return (white.Select(f => ProtoJson.Format(f)).ToList(), black.Select(f => ProtoJson.Format(f)).ToList());
    }
}
