using Tendril.ControlPlane.Identities;
using Tendril.ControlPlane.Labels;
using Tendril.ControlPlane.Policy.Model;
using Tendril.ControlPlane.Policy.Parsing;

namespace Tendril.ControlPlane.Tests;

public class ParserTests
{
    private static PolicyParseResult ParseOk(string text)
    {
        PolicyParseResult result = PolicyDocumentParser.Parse(text);
        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        return result;
    }

    [Fact]
    public void Parse_ReferenceExample_AllSectionsKept()
    {
        PolicyParseResult result = ParseOk("""
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: example, namespace: default}
            spec:
              endpointSelector: {matchLabels: {app: backend}}
              ingress:
              - fromEndpoints: [{matchLabels: {app: frontend}}]
                toPorts:
                - ports: [{port: "8080", endPort: 8090, protocol: TCP}]
                  rules:
                    http: [{method: GET, path: "/api/.*", headers: ["X-Token"]}]
              egress:
              - toEndpoints: [{matchLabels: {"k8s:io.kubernetes.pod.namespace": kube-system, "k8s:k8s-app": kube-dns}}]
                toPorts: [{ports: [{port: "53", protocol: ANY}], rules: {dns: [{matchPattern: "*"}]}}]
              - toFQDNs: [{matchName: api.example.com}, {matchPattern: "*.s3.amazonaws.com"}]
                toPorts: [{ports: [{port: "443", protocol: TCP}]}]
              egressDeny:
              - toCIDRSet: [{cidr: 10.0.0.0/8, except: [10.96.0.0/12]}]
              enableDefaultDeny: {ingress: true, egress: true}
            """);

        ParsedPolicy policy = Assert.Single(result.Policies);
        Rule rule = Assert.Single(policy.Rules);
        Assert.Equal(new RuleOrigin(PolicyKind.CiliumNetworkPolicy, "default", "example"), rule.Origin);
        Assert.Equal("{any:app=backend,k8s:io.kubernetes.pod.namespace=default}", rule.EndpointSelector.ToString());
        Assert.Equal("{any:app=frontend,k8s:io.kubernetes.pod.namespace=default}", rule.Ingress[0].Endpoints!.Value.Single().ToString());
        Assert.Equal(new PortProtocol(L4Protocol.TCP, 8080, 8090), rule.Ingress[0].Ports[0].Ports[0]);
        HttpRule http = rule.Ingress[0].Ports[0].Rules!.Http.Single();
        Assert.Equal(("GET", "/api/.*", "X-Token"), (http.Method, http.Path, http.Headers.Single()));
        Assert.Equal("{k8s:io.kubernetes.pod.namespace=kube-system,k8s:k8s-app=kube-dns}", rule.Egress[0].Endpoints!.Value.Single().ToString());
        Assert.Equal("*", rule.Egress[0].Ports[0].Rules!.Dns.Single().MatchPattern);
        Assert.Equal(2, rule.Egress[1].Fqdns!.Value.Length);
        Assert.Equal("10.96.0.0/12", rule.EgressDeny[0].Cidrs!.Value.Single().Except.Single().ToString());
        Assert.Equal(new DefaultDenyConfig(true, true), rule.EnableDefaultDeny);
        Assert.Contains(Label.K8s(WellKnownLabels.PolicyName, "example"), rule.Labels);
        Assert.Contains(Label.K8s(WellKnownLabels.PolicyDerivedFrom, "CiliumNetworkPolicy"), rule.Labels);
    }

    [Fact]
    public void Parse_L7Sections_KeptAndReportedNotEnforced()
    {
        PolicyParseResult result = ParseOk("""
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: l7}
            spec:
              endpointSelector: {}
              ingress:
              - toPorts:
                - ports: [{port: "80", protocol: TCP}]
                  rules: {http: [{method: GET}]}
                - ports: [{port: "9092", protocol: TCP}]
                  rules: {kafka: [{role: produce, topic: orders}]}
                - ports: [{port: "7000", protocol: TCP}]
                  rules: {l7proto: r2d2, l7: [{cmd: READ}]}
                - ports: [{port: "443", protocol: TCP}]
                  serverNames: [example.com]
              egress:
              - toPorts:
                - ports: [{port: "53", protocol: UDP}]
                  rules: {dns: [{matchName: example.com}]}
            """);

        Rule rule = result.Rules.Single();
        Assert.Equal("orders", rule.Ingress[0].Ports[1].Rules!.Kafka.Single().Topic);
        Assert.Equal("READ", rule.Ingress[0].Ports[2].Rules!.L7.Single()["cmd"]);
        Assert.Equal("r2d2", rule.Ingress[0].Ports[2].Rules!.L7Proto);
        Assert.Equal(5, rule.NotEnforced.Length);
        Assert.Contains(rule.NotEnforced, n => n.StartsWith("spec.ingress[0].toPorts[0].rules.http:", StringComparison.Ordinal) && n.Contains("not enforced"));
        Assert.Contains(rule.NotEnforced, n => n.StartsWith("spec.egress[0].toPorts[0].rules.dns:", StringComparison.Ordinal));
        Assert.Contains(result.NotEnforced, n => n.StartsWith("CiliumNetworkPolicy default/l7: spec.ingress[0].toPorts[1].rules.kafka", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_NoNamespace_DefaultNamespace()
    {
        Rule rule = ParseOk("""
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: a}
            spec: {endpointSelector: {}}
            """).Rules.Single();

        Assert.Equal("default", rule.Origin.Namespace);
        Assert.Equal("{k8s:io.kubernetes.pod.namespace=default}", rule.EndpointSelector.ToString());
    }

    [Fact]
    public void Parse_SpecAndSpecs_AllRulesOneOrigin()
    {
        ParsedPolicy policy = ParseOk("""
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: multi, namespace: prod}
            spec: {endpointSelector: {matchLabels: {app: a}}}
            specs:
            - endpointSelector: {matchLabels: {app: b}}
            - endpointSelector: {matchLabels: {app: c}}
            """).Policies.Single();

        Assert.Equal(3, policy.Rules.Length);
        Assert.All(policy.Rules, r => Assert.Equal("prod", r.Origin.Namespace));
    }

    [Fact]
    public void Parse_MultiDocumentYaml_AllKinds()
    {
        PolicyParseResult result = ParseOk("""
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: a, namespace: ns1}
            spec: {endpointSelector: {}}
            ---
            apiVersion: cilium.io/v2
            kind: CiliumClusterwideNetworkPolicy
            metadata: {name: b}
            spec: {endpointSelector: {}}
            ---
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: c, namespace: ns2}
            spec: {podSelector: {}}
            """);

        Assert.Equal(
            [new RuleOrigin(PolicyKind.CiliumNetworkPolicy, "ns1", "a"), new RuleOrigin(PolicyKind.CiliumClusterwideNetworkPolicy, null, "b"), new RuleOrigin(PolicyKind.NetworkPolicy, "ns2", "c")],
            result.Policies.Select(p => p.Origin));
        Assert.Equal([0, 1, 2], result.Policies.Select(p => p.DocumentIndex));
    }

    [Fact]
    public void Parse_JsonObjectListAndArray_Accepted()
    {
        const string one = """{"apiVersion":"cilium.io/v2","kind":"CiliumNetworkPolicy","metadata":{"name":"a"},"spec":{"endpointSelector":{}}}""";
        const string two = """{"apiVersion":"cilium.io/v2","kind":"CiliumClusterwideNetworkPolicy","metadata":{"name":"b"},"spec":{"endpointSelector":{}}}""";

        Assert.Single(ParseOk(one).Policies);
        Assert.Equal(2, ParseOk($$"""{"apiVersion":"v1","kind":"List","items":[{{one}},{{two}}]}""").Policies.Length);
        PolicyParseResult array = ParseOk($"[{one},{two}]");
        Assert.Equal([0, 1], array.Policies.Select(p => p.DocumentIndex));
    }

    [Fact]
    public void Parse_YamlList_ItemsExpanded()
    {
        PolicyParseResult result = ParseOk("""
            apiVersion: v1
            kind: List
            items:
            - apiVersion: cilium.io/v2
              kind: CiliumNetworkPolicy
              metadata: {name: a}
              spec: {endpointSelector: {}}
            - apiVersion: networking.k8s.io/v1
              kind: NetworkPolicy
              metadata: {name: b}
              spec: {podSelector: {}}
            """);

        Assert.Equal(2, result.Policies.Length);
    }

    [Fact]
    public void Parse_KubectlExportedMetadataAndStatus_Accepted()
    {
        ParseOk("""
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata:
              name: a
              namespace: default
              uid: 6b1c
              resourceVersion: "123"
              generation: 2
              creationTimestamp: "2024-01-01T00:00:00Z"
              annotations: {kubectl.kubernetes.io/last-applied-configuration: "{}"}
              labels: {team: a}
            spec: {endpointSelector: {}}
            status: {conditions: []}
            """);
    }

    [Fact]
    public void Parse_Uid_DerivedLabel()
    {
        Rule rule = ParseOk("""
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: a, uid: abc-1}
            spec:
              endpointSelector: {}
              labels: [{key: owner, value: me}, "k8s:env=prod"]
            """).Rules.Single();

        Assert.Equal("abc-1", rule.Labels.ValueOf("k8s", WellKnownLabels.PolicyUid));
        Assert.Equal("me", rule.Labels.ValueOf("unspec", "owner"));
        Assert.Equal("prod", rule.Labels.ValueOf("k8s", "env"));
    }

    [Fact]
    public void Parse_CnpPeerSelectors_NamespaceScoping()
    {
        Rule rule = ParseOk("""
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: a, namespace: prod}
            spec:
              endpointSelector: {}
              ingress:
              - fromEndpoints:
                - {}
                - matchLabels: {app: web}
                - matchLabels: {io.kubernetes.pod.namespace: other}
                - matchExpressions: [{key: k8s:io.kubernetes.pod.namespace, operator: In, values: [a, b]}]
                - matchLabels: {"reserved:host": ""}
            """).Rules.Single();

        Assert.Equal(
        [
            "{k8s:io.kubernetes.pod.namespace=prod}",
            "{any:app=web,k8s:io.kubernetes.pod.namespace=prod}",
            "{any:io.kubernetes.pod.namespace=other}",
            "{k8s:io.kubernetes.pod.namespace in (a,b)}",
            "{reserved:host=}",
        ], rule.Ingress[0].Endpoints!.Value.Select(s => s.ToString()));
    }

    [Fact]
    public void Parse_CcnpPeerSelectors_ClusterPodsOnly()
    {
        Rule rule = ParseOk("""
            apiVersion: cilium.io/v2
            kind: CiliumClusterwideNetworkPolicy
            metadata: {name: a}
            spec:
              endpointSelector: {}
              ingress:
              - fromEndpoints: [{}, {matchLabels: {app: web}}, {matchLabels: {"k8s:io.kubernetes.pod.namespace": kube-system}}]
            """).Rules.Single();

        Assert.True(rule.EndpointSelector.IsWildcard);
        Assert.Equal(
        [
            "{k8s:io.kubernetes.pod.namespace}",
            "{any:app=web,k8s:io.kubernetes.pod.namespace}",
            "{k8s:io.kubernetes.pod.namespace=kube-system}",
        ], rule.Ingress[0].Endpoints!.Value.Select(s => s.ToString()));
        Assert.Null(rule.Origin.Namespace);
    }

    [Fact]
    public void Parse_PeersAndPorts_Decoded()
    {
        Rule rule = ParseOk("""
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: a}
            spec:
              endpointSelector: {}
              ingress:
              - fromEntities: [host, world, cluster]
                fromCIDR: [192.168.1.0/24]
                fromCIDRSet: [{cidr: 10.0.0.0/8, except: [10.1.0.0/16]}]
                toPorts: [{ports: [{port: "80"}, {port: http, protocol: tcp}, {port: 0, protocol: UDP}]}]
              - icmps: [{fields: [{type: 8}, {family: IPv6, type: EchoRequest}, {type: EchoReply}]}]
              - {}
            """).Rules.Single();

        PeerRule first = rule.Ingress[0];
        Assert.Equal([Entity.Host, Entity.World, Entity.Cluster], first.Entities!.Value.ToArray());
        Assert.Equal(["192.168.1.0/24", "10.0.0.0/8"], first.Cidrs!.Value.Select(c => c.Cidr.ToString()));
        Assert.Equal(
            [new PortProtocol(L4Protocol.Any, 80), new PortProtocol(L4Protocol.TCP, 0, 0, "http"), new PortProtocol(L4Protocol.UDP)],
            first.Ports[0].Ports.ToArray());
        Assert.Equal([new IcmpField(IcmpFamily.IPv4, 8), new IcmpField(IcmpFamily.IPv6, 128), new IcmpField(IcmpFamily.IPv4, 0)], rule.Ingress[1].Icmps.ToArray());
        Assert.False(rule.Ingress[2].HasPeers);
        Assert.False(rule.Ingress[2].HasL4);
    }

    [Fact]
    public void Parse_DefaultDenyFalse_Kept()
    {
        Rule rule = ParseOk("""
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: a}
            spec:
              endpointSelector: {}
              ingress: [{fromEntities: [world]}]
              enableDefaultDeny: {ingress: false}
            """).Rules.Single();

        Assert.Equal(new DefaultDenyConfig(false, null), rule.EnableDefaultDeny);
        Assert.False(rule.EnablesDefaultDeny(TrafficDirection.Ingress));
    }

    [Fact]
    public async Task ParseAsync_Stream_SameAsString()
    {
        using var stream = new MemoryStream("""
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: a}
            spec: {endpointSelector: {}}
            """u8.ToArray());

        PolicyParseResult result = await PolicyDocumentParser.ParseAsync(stream);

        Assert.True(result.Succeeded);
    }

    [Fact]
    public void Parse_EndPortEqualsPort_SinglePort()
    {
        Rule rule = ParseOk("""
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: a}
            spec:
              endpointSelector: {}
              ingress: [{toPorts: [{ports: [{port: "80", endPort: 80, protocol: TCP}]}]}]
            """).Rules.Single();

        Assert.Equal(new PortProtocol(L4Protocol.TCP, 80), rule.Ingress[0].Ports[0].Ports[0]);
    }
}
