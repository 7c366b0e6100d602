using Tendril.ControlPlane.Labels;
using Tendril.ControlPlane.Net;
using Tendril.ControlPlane.Selectors;

namespace Tendril.ControlPlane.Tests;

public class SelectorTests
{
    private static readonly LabelSet Web = LabelSet.Of(Label.K8s("app", "web"), Label.K8s("tier", "front"), new Label("container", "role", "x"));

    [Theory]
    [InlineData("k8s:app", "k8s", "app")]
    [InlineData("k8s.app", "k8s", "app")]
    [InlineData("app", "any", "app")]
    [InlineData("any:app", "any", "app")]
    [InlineData("any.app", "any", "app")]
    [InlineData("reserved:host", "reserved", "host")]
    [InlineData("reserved.host", "reserved", "host")]
    [InlineData("$host", "reserved", "host")]
    [InlineData("k8s:io.kubernetes.pod.namespace", "k8s", "io.kubernetes.pod.namespace")]
    [InlineData("io.kubernetes.pod.namespace", "any", "io.kubernetes.pod.namespace")]
    [InlineData("node.kubernetes.io/zone", "any", "node.kubernetes.io/zone")]
    [InlineData("k8s.io/name", "any", "k8s.io/name")]
    public void Parse_KeyForms_Normalized(string raw, string source, string key)
    {
        Assert.Equal(new SelectorKey(source, key), SelectorKey.Parse(raw));
    }

    [Fact]
    public void Matches_EmptySelector_MatchesEverything()
    {
        Assert.True(LabelSelector.All.Matches(Web));
        Assert.True(LabelSelector.All.Matches(LabelSet.Empty));
        Assert.True(LabelSelector.All.IsWildcard);
    }

    [Theory]
    [InlineData("app", SelectorOperator.In, new[] { "web", "db" }, true)]
    [InlineData("app", SelectorOperator.In, new[] { "db" }, false)]
    [InlineData("app", SelectorOperator.NotIn, new[] { "db" }, true)]
    [InlineData("app", SelectorOperator.NotIn, new[] { "web" }, false)]
    [InlineData("missing", SelectorOperator.NotIn, new[] { "web" }, true)]
    [InlineData("tier", SelectorOperator.Exists, new string[0], true)]
    [InlineData("missing", SelectorOperator.Exists, new string[0], false)]
    [InlineData("missing", SelectorOperator.DoesNotExist, new string[0], true)]
    [InlineData("tier", SelectorOperator.DoesNotExist, new string[0], false)]
    public void Matches_Operators_KubernetesSemantics(string key, SelectorOperator op, string[] values, bool expected)
    {
        var selector = LabelSelector.Create(matchExpressions: [(key, op, values)]);

        Assert.Equal(expected, selector.Matches(Web));
    }

    [Fact]
    public void Matches_AnySourceKey_MatchesAnySource()
    {
        Assert.True(LabelSelector.MatchLabels(("role", "x")).Matches(Web));
        Assert.False(LabelSelector.MatchLabels(("k8s:role", "x")).Matches(Web));
        Assert.True(LabelSelector.MatchLabels(("container:role", "x")).Matches(Web));
    }

    [Fact]
    public void Matches_ReservedKey_MatchesReservedLabelOnly()
    {
        LabelSelector host = LabelSelector.MatchLabels(("reserved:host", ""));

        Assert.True(host.Matches(LabelSet.Of(Label.Reserved("host"))));
        Assert.False(host.Matches(LabelSet.Of(Label.K8s("host", ""))));
    }

    [Fact]
    public void Matches_AllRequirements_AreAnded()
    {
        var selector = LabelSelector.Create(
            [KeyValuePair.Create("app", "web")],
            [("tier", SelectorOperator.In, ["back"])]);

        Assert.False(selector.Matches(Web));
    }

    [Fact]
    public void ToString_SameRequirementsAnyOrder_Stable()
    {
        var a = LabelSelector.Create([KeyValuePair.Create("b", "2"), KeyValuePair.Create("k8s:a", "1")],
            [("c", SelectorOperator.In, ["y", "x"]), ("d", SelectorOperator.DoesNotExist, null)]);
        var b = LabelSelector.Create(matchExpressions: [("d", SelectorOperator.DoesNotExist, null), ("k8s.a", SelectorOperator.In, ["1"]), ("c", SelectorOperator.In, ["x", "y"])],
            matchLabels: [KeyValuePair.Create("any:b", "2")]);

        Assert.Equal("{k8s:a=1,any:b=2,any:c in (x,y),!any:d}", a.ToString());
        Assert.Equal(a, b);
        Assert.Equal("{}", LabelSelector.All.ToString());
    }

    [Theory]
    [InlineData(SelectorOperator.In, new string[0])]
    [InlineData(SelectorOperator.NotIn, new string[0])]
    [InlineData(SelectorOperator.Exists, new[] { "x" })]
    [InlineData(SelectorOperator.DoesNotExist, new[] { "x" })]
    public void Requirement_WrongValueCount_Throws(SelectorOperator op, string[] values)
    {
        Assert.Throws<ArgumentException>(() => new SelectorRequirement(SelectorKey.Parse("app"), op, values));
    }

    [Fact]
    public void ConstrainsKey_NamespaceBySourceK8sOrAny_True()
    {
        Assert.True(LabelSelector.MatchLabels(("k8s:io.kubernetes.pod.namespace", "a")).ConstrainsKey(WellKnownLabels.PodNamespace));
        Assert.True(LabelSelector.MatchLabels(("io.kubernetes.pod.namespace", "a")).ConstrainsKey(WellKnownLabels.PodNamespace));
        Assert.False(LabelSelector.MatchLabels(("app", "a")).ConstrainsKey(WellKnownLabels.PodNamespace));
    }

    [Fact]
    public void CidrSelector_ContainedPrefixes_SelectedExceptCarvedOut()
    {
        var selector = new CidrSelector(CidrPrefix.Parse("10.0.0.0/8"), [CidrPrefix.Parse("10.96.0.0/12")]);

        Assert.True(selector.Matches(Cidr("10.0.0.0/8")));
        Assert.True(selector.Matches(Cidr("10.1.0.0/16")));
        Assert.False(selector.Matches(Cidr("10.96.0.0/12")));
        Assert.False(selector.Matches(Cidr("10.100.0.0/16")));
        Assert.False(selector.Matches(Cidr("11.0.0.0/8")));
        Assert.False(selector.Matches(Cidr("0.0.0.0/0")));
        Assert.False(selector.Matches(LabelSet.Of(Label.Reserved("world"))));
        Assert.False(selector.IsWildcard);
    }

    [Fact]
    public void CidrSelector_DefaultRoute_SelectsWorldOfItsFamily()
    {
        var v4 = new CidrSelector(CidrPrefix.Parse("0.0.0.0/0"), [CidrPrefix.Parse("10.0.0.0/8")]);

        Assert.True(v4.Matches(LabelSet.Of(Label.Reserved("world"))));
        Assert.True(v4.Matches(LabelSet.Of(Label.Reserved("world-ipv4"))));
        Assert.False(v4.Matches(LabelSet.Of(Label.Reserved("world-ipv6"))));
        Assert.False(v4.Matches(Cidr("10.1.0.0/16")));
        Assert.True(v4.Matches(Cidr("192.168.0.0/16")));
        Assert.False(v4.Matches(Cidr("fd00::/8")));
    }

    [Fact]
    public void CidrSelector_IPv6Labels_RoundTrip()
    {
        var selector = new CidrSelector(CidrPrefix.Parse("fd00::/8"));

        Assert.Equal("fd00--/8", CidrPrefix.Parse("fd00::/8").ToLabelKey());
        Assert.True(selector.Matches(Cidr("fd00:1::/32")));
    }

    [Theory]
    [InlineData("10.1.2.3/8", "10.0.0.0/8")]
    [InlineData("10.1.2.3", "10.1.2.3/32")]
    [InlineData("fd00::1/64", "fd00::/64")]
    public void CidrPrefix_Parse_MasksHostBits(string text, string expected)
    {
        Assert.Equal(expected, CidrPrefix.Parse(text).ToString());
    }

    [Theory]
    [InlineData("10.0.0.0/33")]
    [InlineData("10.0.0/8")]
    [InlineData("banana")]
    [InlineData("10.0.0.0/")]
    [InlineData("10.0.0.0/-1")]
    public void CidrPrefix_TryParse_Invalid_Fails(string text)
    {
        Assert.False(CidrPrefix.TryParse(text, out _, out string? error));
        Assert.Contains(text, error);
    }

    private static LabelSet Cidr(string prefix) =>
        LabelSet.Of(new Label("cidr", CidrPrefix.Parse(prefix).ToLabelKey(), ""), Label.Reserved("world"));
}
