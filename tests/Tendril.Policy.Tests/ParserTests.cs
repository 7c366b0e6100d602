using Xunit;

namespace Tendril.Policy.Tests;

public class ParserTests
{
    [Fact]
    public void Parse_Cnp_AddsThePolicyNamespaceToSelectorsUnlessTheyNameOne()
    {
        var rule = Assert.Single(PolicyParser.Parse("""
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: p, namespace: shop}
            spec:
              endpointSelector: {matchLabels: {app: web}}
              ingress:
              - fromEndpoints:
                - matchLabels: {app: lb}
                - matchLabels: {"k8s:io.kubernetes.pod.namespace": infra, app: probe}
            """));

        Assert.True(rule.Subject.Matches(ResolverTests.Pod("shop", "app=web")));
        Assert.False(rule.Subject.Matches(ResolverTests.Pod("other", "app=web")));
        var peers = rule.Ingress[0].Endpoints;
        Assert.True(peers[0].Matches(ResolverTests.Pod("shop", "app=lb")));
        Assert.False(peers[0].Matches(ResolverTests.Pod("infra", "app=lb")));
        Assert.True(peers[1].Matches(ResolverTests.Pod("infra", "app=probe")));
    }

    [Fact]
    public void Parse_Ccnp_AddsNoNamespace()
    {
        var rule = Assert.Single(PolicyParser.Parse("""
            apiVersion: cilium.io/v2
            kind: CiliumClusterwideNetworkPolicy
            metadata: {name: p}
            spec: {endpointSelector: {matchLabels: {app: web}}, ingress: [{fromEntities: [cluster]}]}
            """));

        Assert.True(rule.Subject.Matches(ResolverTests.Pod("any-ns", "app=web")));
        Assert.Null(rule.Origin.Namespace);
    }

    [Fact]
    public void Parse_MatchExpressions_AllOperators()
    {
        var rule = Assert.Single(PolicyParser.Parse("""
            apiVersion: cilium.io/v2
            kind: CiliumClusterwideNetworkPolicy
            metadata: {name: p}
            spec:
              endpointSelector:
                matchExpressions:
                - {key: tier, operator: In, values: [a, b]}
                - {key: env, operator: NotIn, values: [prod]}
                - {key: app, operator: Exists}
                - {key: legacy, operator: DoesNotExist}
            """));

        Assert.True(rule.Subject.Matches(["k8s:tier=a", "k8s:env=dev", "k8s:app=x"]));
        Assert.False(rule.Subject.Matches(["k8s:tier=c", "k8s:env=dev", "k8s:app=x"]));
        Assert.False(rule.Subject.Matches(["k8s:tier=a", "k8s:env=prod", "k8s:app=x"]));
        Assert.False(rule.Subject.Matches(["k8s:tier=a", "k8s:app=x", "k8s:legacy=1"]));
        Assert.False(rule.Subject.Matches(["k8s:tier=a"]));
    }

    [Fact]
    public void Parse_NetworkPolicy_NamespaceSelectorAndPodSelectorAreAndedIpBlockKept()
    {
        var rule = Assert.Single(PolicyParser.Parse("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: np, namespace: shop}
            spec:
              podSelector: {matchLabels: {app: db}}
              policyTypes: [Ingress]
              ingress:
              - from:
                - namespaceSelector: {matchLabels: {team: blue}}
                  podSelector: {matchLabels: {app: api}}
                - ipBlock: {cidr: 192.168.0.0/16, except: [192.168.1.0/24]}
                ports: [{port: 5432}]
            """));

        var peer = rule.Ingress[0];
        string[] blueApi = [.. ResolverTests.Pod("payments", "app=api"), "k8s:io.cilium.k8s.namespace.labels.team=blue"];
        Assert.True(peer.Endpoints[0].Matches(blueApi));
        Assert.False(peer.Endpoints[0].Matches(ResolverTests.Pod("payments", "app=api")));
        Assert.Equal("192.168.0.0/16", peer.Cidrs[0].Cidr.ToString());
        Assert.Equal(new PortRule(PortRule.Tcp, 5432, 5432), Assert.Single(peer.Ports));
        Assert.True(rule.DefaultDenyIngress);
        Assert.Null(rule.DefaultDenyEgress);
    }

    [Fact]
    public void Parse_L7Rules_AreKeptAndReportedAsNotEnforced()
    {
        var engine = new PolicyEngine();

        var result = engine.Import("""
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: l7}
            spec:
              endpointSelector: {}
              ingress: [{toPorts: [{ports: [{port: "80", protocol: TCP}], rules: {http: [{method: GET, path: /v1/.*}]}}]}]
            """);

        Assert.Equal("CiliumNetworkPolicy/default/l7: spec.ingress[0].toPorts[0].rules.http", Assert.Single(result.NotEnforced));
    }

    [Theory]
    [InlineData("port: \"99999\"", "spec.ingress[0].toPorts[0].ports[0].port", "99999 is not a port")]
    [InlineData("port: \"80\", endPort: 70", "spec.ingress[0].toPorts[0].ports[0].endPort", "70 is below port 80")]
    [InlineData("port: \"80\", protocol: ICMP", "spec.ingress[0].toPorts[0].ports[0].protocol", "not one of TCP, UDP, SCTP, ANY")]
    [InlineData("port: http", "spec.ingress[0].toPorts[0].ports[0].port", "named port")]
    [InlineData("port: \"80\", colour: red", "spec.ingress[0].toPorts[0].ports[0].colour", "unknown field")]
    public void Parse_BadPort_ErrorNamesDocumentPathAndReason(string port, string path, string reason)
    {
        var e = Assert.Throws<PolicyValidationException>(() => PolicyParser.Parse($$"""
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: p}
            spec:
              endpointSelector: {}
              ingress: [{toPorts: [{ports: [{ {{port}} }]}]}]
            """));

        var error = Assert.Single(e.Errors);
        Assert.Equal((0, path), (error.Document, error.Path));
        Assert.Contains(reason, error.Reason);
    }

    [Fact]
    public void Import_SecondDocumentInvalid_NothingIsApplied()
    {
        var engine = new PolicyEngine();
        long revision = engine.Revision;

        var e = Assert.Throws<PolicyValidationException>(() => engine.Import("""
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: good}
            spec: {endpointSelector: {}, ingress: [{fromEntities: [host]}]}
            ---
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: bad}
            spec: {endpointSelector: {}, egress: [{toEntities: [galaxy]}, {toCIDR: [10.0.0.300/8]}]}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: nope}
            """));

        Assert.Empty(engine.Rules);
        Assert.Equal(revision, engine.Revision);
        Assert.Contains(e.Errors, x => x.Document == 1 && x.Path == "spec.egress[0].toEntities[0]" && x.Reason.Contains("unknown entity 'galaxy'"));
        Assert.Contains(e.Errors, x => x.Document == 1 && x.Path == "spec.egress[1].toCIDR[0]" && x.Reason.Contains("not an IPv4 CIDR"));
        Assert.Contains(e.Errors, x => x.Document == 2 && x.Path == "apiVersion" && x.Reason.Contains("unsupported kind 'Pod'"));
    }

    [Fact]
    public void Parse_BrokenYaml_ReportsTheLine()
    {
        var e = Assert.Throws<PolicyValidationException>(() => PolicyParser.Parse("apiVersion: cilium.io/v2\nkind: [unclosed\n"));

        Assert.Contains("line", Assert.Single(e.Errors).Path);
    }

    [Fact]
    public void Import_SameNameAgain_ReplacesTheRuleAndDeleteRemovesIt()
    {
        var engine = new PolicyEngine();
        const string template = """
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: p}
            spec: {endpointSelector: {matchLabels: {app: X}}}
            """;

        engine.Import(template.Replace("X", "a", StringComparison.Ordinal));
        engine.Import(template.Replace("X", "b", StringComparison.Ordinal));

        var rule = Assert.Single(engine.Rules);
        Assert.True(rule.Subject.Matches(ResolverTests.Pod("default", "app=b")));
        Assert.True(engine.Delete(new PolicyOrigin("CiliumNetworkPolicy", "default", "p")));
        Assert.Empty(engine.Rules);
        Assert.False(engine.Delete(new PolicyOrigin("CiliumNetworkPolicy", "default", "p")));
    }
}
