using Tendril.ControlPlane.Labels;

namespace Tendril.ControlPlane.Tests;

public class LabelTests
{
    [Fact]
    public void Canonical_UnsortedLabels_SortedByKeyWithTrailingSemicolons()
    {
        LabelSet set = LabelSet.Of(Label.K8s("io.kubernetes.pod.namespace", "default"), Label.K8s("app", "web"));

        Assert.Equal("k8s:app=web;k8s:io.kubernetes.pod.namespace=default;", set.Canonical);
    }

    [Fact]
    public void Canonical_ReservedLabel_WritesEqualsWithEmptyValue()
    {
        Assert.Equal("reserved:host=;", LabelSet.Of(Label.Reserved("host")).Canonical);
    }

    [Fact]
    public void Canonical_SameKeyTwoSources_OrderedBySource()
    {
        LabelSet set = LabelSet.Of(new Label("unspec", "a", "1"), new Label("k8s", "a", "2"));

        Assert.Equal("k8s:a=2;unspec:a=1;", set.Canonical);
    }

    [Theory]
    [InlineData("k8s:app=web", "k8s", "app", "web")]
    [InlineData("app=web", "k8s", "app", "web")]
    [InlineData("reserved:host", "reserved", "host", "")]
    [InlineData("$host", "reserved", "host", "")]
    [InlineData("app=a:b", "k8s", "app", "a:b")]
    [InlineData("k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name=ns1", "k8s", "io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name", "ns1")]
    public void Parse_Forms_SourceKeyValue(string text, string source, string key, string value)
    {
        Label label = Label.Parse(text);

        Assert.Equal((source, key, value), (label.Source, label.Key, label.Value));
    }

    [Theory]
    [InlineData("")]
    [InlineData(":app=web")]
    [InlineData("k8s:=web")]
    public void TryParse_Malformed_FailsWithReason(string text)
    {
        Assert.False(Label.TryParse(text, out _, out string? error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void Of_SameSourceAndKeyDifferentValues_Throws()
    {
        Assert.Throws<ArgumentException>(() => LabelSet.Of(Label.K8s("app", "a"), Label.K8s("app", "b")));
    }

    [Fact]
    public void Equals_SameLabelsDifferentOrder_EqualWithSameHash()
    {
        LabelSet a = LabelSet.Parse(["app=web", "tier=front"]);
        LabelSet b = LabelSet.Parse(["tier=front", "k8s:app=web"]);

        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
    }

    [Fact]
    public void ParseCanonical_RoundTrip_SameSet()
    {
        LabelSet set = LabelSet.Of(Label.K8s("app", "web"), Label.Reserved("host"), Label.K8s("x", "a=b"));

        Assert.Equal(set, LabelSet.ParseCanonical(set.Canonical));
    }

    [Fact]
    public void For_PodInNamespace_AddsCiliumIdentityLabels()
    {
        LabelSet set = PodIdentityLabels.For([KeyValuePair.Create("app", "web")], "prod", [KeyValuePair.Create("team", "a")]);

        Assert.Equal(
            "k8s:app=web;" +
            "k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name=prod;" +
            "k8s:io.cilium.k8s.namespace.labels.team=a;" +
            "k8s:io.cilium.k8s.policy.cluster=default;" +
            "k8s:io.cilium.k8s.policy.serviceaccount=default;" +
            "k8s:io.kubernetes.pod.namespace=prod;",
            set.Canonical);
    }

    [Fact]
    public void For_IrrelevantPodLabels_FilteredOut()
    {
        LabelSet set = PodIdentityLabels.For(
        [
            KeyValuePair.Create("app", "web"),
            KeyValuePair.Create("pod-template-hash", "abc"),
            KeyValuePair.Create("controller-revision-hash", "1"),
            KeyValuePair.Create("statefulset.kubernetes.io/pod-name", "web-0"),
            KeyValuePair.Create("kubernetes.io/os", "linux"),
            KeyValuePair.Create("failure-domain.beta.kubernetes.io/zone", "z"),
            KeyValuePair.Create("app.kubernetes.io/name", "web"),
            KeyValuePair.Create("annotation.foo", "x"),
        ], "default");

        Assert.True(set.Has("k8s", "app"));
        Assert.True(set.Has("k8s", "app.kubernetes.io/name"));
        Assert.False(set.Has("k8s", "pod-template-hash"));
        Assert.False(set.Has("k8s", "controller-revision-hash"));
        Assert.False(set.Has("k8s", "statefulset.kubernetes.io/pod-name"));
        Assert.False(set.Has("k8s", "kubernetes.io/os"));
        Assert.False(set.Has("k8s", "failure-domain.beta.kubernetes.io/zone"));
        Assert.False(set.Has("k8s", "annotation.foo"));
    }

    [Fact]
    public void For_PodLabelSpoofingNamespace_Ignored()
    {
        LabelSet set = PodIdentityLabels.For(
        [
            KeyValuePair.Create("io.kubernetes.pod.namespace", "kube-system"),
            KeyValuePair.Create("io.cilium.k8s.namespace.labels.team", "admins"),
        ], "default");

        Assert.Equal("default", set.ValueOf("k8s", "io.kubernetes.pod.namespace"));
        Assert.False(set.Has("k8s", "io.cilium.k8s.namespace.labels.team"));
    }

    [Fact]
    public void For_ServiceAccountAndCluster_Used()
    {
        LabelSet set = PodIdentityLabels.For([], "default", serviceAccount: "api", clusterName: "east");

        Assert.Equal("api", set.ValueOf("k8s", WellKnownLabels.PolicyServiceAccount));
        Assert.Equal("east", set.ValueOf("k8s", WellKnownLabels.PolicyCluster));
    }
}
