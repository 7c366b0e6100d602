using Tendril.ControlPlane.Policy;
using Tendril.ControlPlane.Policy.Parsing;

namespace Tendril.ControlPlane.Tests;

public class ValidationTests
{
    private const string Valid = """
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata: {name: ok}
        spec: {endpointSelector: {}}
        """;

    public static TheoryData<string, string, string> CiliumRuleErrors => new()
    {
        // rule body (under spec:), expected path, reason fragment
        { "{endpointSelector: {}, ingress: [{toPorts: [{ports: [{port: \"70000\"}]}]}]}", "spec.ingress[0].toPorts[0].ports[0].port", "out of range 0-65535" },
        { "{endpointSelector: {}, ingress: [{toPorts: [{ports: [{port: \"80\"}, {port: \"-1\"}]}]}]}", "spec.ingress[0].toPorts[0].ports[1].port", "neither a number" },
        { "{endpointSelector: {}, ingress: [{toPorts: [{ports: [{port: \"8080\", endPort: 80}]}]}]}", "spec.ingress[0].toPorts[0].ports[0].endPort", "below port 8080" },
        { "{endpointSelector: {}, ingress: [{toPorts: [{ports: [{port: http, endPort: 90}]}]}]}", "spec.ingress[0].toPorts[0].ports[0].endPort", "named port" },
        { "{endpointSelector: {}, ingress: [{toPorts: [{ports: [{port: \"0\", endPort: 90}]}]}]}", "spec.ingress[0].toPorts[0].ports[0].endPort", "non-zero port" },
        { "{endpointSelector: {}, ingress: [{toPorts: [{ports: [{port: \"80\", endPort: 70000}]}]}]}", "spec.ingress[0].toPorts[0].ports[0].endPort", "out of range" },
        { "{endpointSelector: {}, ingress: [{toPorts: [{ports: [{port: \"80\", endPort: \"90\"}]}]}]}", "spec.ingress[0].toPorts[0].ports[0].endPort", "must be an integer" },
        { "{endpointSelector: {}, ingress: [{toPorts: [{ports: [{port: \"80\", protocol: HTTP}]}]}]}", "spec.ingress[0].toPorts[0].ports[0].protocol", "unknown protocol \"HTTP\"" },
        { "{endpointSelector: {}, ingress: [{toPorts: [{ports: [{port: \"80\", protocol: ICMP}]}]}]}", "spec.ingress[0].toPorts[0].ports[0].protocol", "icmps" },
        { "{endpointSelector: {}, ingress: [{toPorts: [{ports: [{port: \"80\", protocol: VRRP}]}]}]}", "spec.ingress[0].toPorts[0].ports[0].protocol", "not supported" },
        { "{endpointSelector: {}, ingress: [{toPorts: [{ports: []}]}]}", "spec.ingress[0].toPorts[0].ports", "non-empty \"ports\"" },
        { "{endpointSelector: {}, ingress: [{toPorts: [{}]}]}", "spec.ingress[0].toPorts[0].ports", "non-empty \"ports\"" },
        { "{endpointSelector: {}, ingress: [{fromCIDR: [10.0.0.0/33]}]}", "spec.ingress[0].fromCIDR[0]", "prefix length" },
        { "{endpointSelector: {}, egress: [{toCIDRSet: [{cidr: banana}]}]}", "spec.egress[0].toCIDRSet[0].cidr", "not a valid CIDR" },
        { "{endpointSelector: {}, egress: [{toCIDRSet: [{cidr: 10.0.0.0/8, except: [11.0.0.0/16]}]}]}", "spec.egress[0].toCIDRSet[0].except[0]", "not inside cidr 10.0.0.0/8" },
        { "{endpointSelector: {}, egress: [{toCIDRSet: [{except: [10.0.0.0/16]}]}]}", "spec.egress[0].toCIDRSet[0].cidr", "missing required field \"cidr\"" },
        { "{endpointSelector: {}, egress: [{toEntities: [everything]}]}", "spec.egress[0].toEntities[0]", "unknown entity \"everything\"" },
        { "{endpointSelector: {matchExpressions: [{key: app, operator: in, values: [a]}]}}", "spec.endpointSelector.matchExpressions[0].operator", "operator \"in\" is not valid" },
        { "{endpointSelector: {matchExpressions: [{key: app, operator: In}]}}", "spec.endpointSelector.matchExpressions[0].values", "non-empty \"values\"" },
        { "{endpointSelector: {matchExpressions: [{key: app, operator: Exists, values: [a]}]}}", "spec.endpointSelector.matchExpressions[0].values", "takes no values" },
        { "{endpointSelector: {matchExpressions: [{operator: Exists}]}}", "spec.endpointSelector.matchExpressions[0].key", "missing required field \"key\"" },
        { "{endpointSelector: {matchLabel: {app: a}}}", "spec.endpointSelector.matchLabel", "unknown field \"matchLabel\" (did you mean \"matchLabels\"?)" },
        { "{ingress: []}", "spec.endpointSelector", "missing required field \"endpointSelector\"" },
        { "{endpointSelector: {}, ingres: []}", "spec.ingres", "unknown field \"ingres\"" },
        { "{endpointSelector: {}, nodeSelector: {}}", "spec.nodeSelector", "not supported" },
        { "{endpointSelector: {}, ingress: [{fromRequires: [{}]}]}", "spec.ingress[0].fromRequires", "not supported" },
        { "{endpointSelector: {}, egress: [{toServices: [{k8sService: {serviceName: a}}]}]}", "spec.egress[0].toServices", "not supported" },
        { "{endpointSelector: {}, egress: [{toFQDNs: [{matchName: a.com}], toEndpoints: [{}]}]}", "spec.egress[0].toFQDNs", "cannot be combined with toEndpoints" },
        { "{endpointSelector: {}, egress: [{toFQDNs: [{matchName: a.com, matchPattern: \"*\"}]}]}", "spec.egress[0].toFQDNs[0]", "exactly one of matchName or matchPattern" },
        { "{endpointSelector: {}, egressDeny: [{toFQDNs: [{matchName: a.com}]}]}", "spec.egressDeny[0].toFQDNs", "unknown field" },
        { "{endpointSelector: {}, ingressDeny: [{toPorts: [{ports: [{port: \"80\"}], rules: {http: [{}]}}]}]}", "spec.ingressDeny[0].toPorts[0].rules", "not allowed in deny rules" },
        { "{endpointSelector: {}, ingress: [{toPorts: [{ports: [{port: \"80\"}], rules: {http: [{}], dns: [{matchName: a.com}]}}]}]}", "spec.ingress[0].toPorts[0].rules", "only one kind" },
        { "{endpointSelector: {}, ingress: [{toPorts: [{ports: [{port: \"80\"}], rules: {http: [{verb: GET}]}}]}]}", "spec.ingress[0].toPorts[0].rules.http[0].verb", "unknown field \"verb\"" },
        { "{endpointSelector: {}, ingress: [{toPorts: [{ports: [{port: \"80\"}], rules: {kafka: [{role: admin}]}}]}]}", "spec.ingress[0].toPorts[0].rules.kafka[0].role", "produce or consume" },
        { "{endpointSelector: {}, ingress: [{icmps: [{fields: [{type: 300}]}]}]}", "spec.ingress[0].icmps[0].fields[0].type", "out of range 0-255" },
        { "{endpointSelector: {}, ingress: [{icmps: [{fields: [{type: Bogus}]}]}]}", "spec.ingress[0].icmps[0].fields[0].type", "unknown IPv4 ICMP type \"Bogus\"" },
        { "{endpointSelector: {}, ingress: [{icmps: [{fields: [{family: IPv5, type: 8}]}]}]}", "spec.ingress[0].icmps[0].fields[0].family", "IPv4 or IPv6" },
        { "{endpointSelector: {}, ingress: [{icmps: [{fields: [{type: 8}]}], toPorts: [{ports: [{port: \"80\"}]}]}]}", "spec.ingress[0].icmps", "cannot be combined" },
        { "{endpointSelector: {}, enableDefaultDeny: {ingress: maybe}}", "spec.enableDefaultDeny.ingress", "true or false" },
        { "{endpointSelector: {}, ingress: {fromEntities: [world]}}", "spec.ingress", "must be a list" },
        { "{endpointSelector: {}, log: {value: \"0123456789012345678901234567890123\"}}", "spec.log.value", "at most 32" },
        { "{endpointSelector: {matchLabels: {\"io.kubernetes.pod.namespace\": other}}}", "spec.endpointSelector", "can only select endpoints in \"default\"" },
    };

    [Theory]
    [MemberData(nameof(CiliumRuleErrors))]
    public void Parse_InvalidRule_ErrorWithPathAndReasonNothingReturned(string spec, string path, string reason)
    {
        string text = Valid + "\n---\n" + $"""
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {"{name: bad}"}
            spec: {spec}
            """;

        PolicyParseResult result = PolicyDocumentParser.Parse(text);

        Assert.False(result.Succeeded);
        Assert.Empty(result.Policies);
        PolicyError error = Assert.Single(result.Errors, e => e.Path == path);
        Assert.Equal(1, error.DocumentIndex);
        Assert.Contains(reason, error.Reason);
        Assert.NotNull(error.Line);
    }

    public static TheoryData<string, string, string> DocumentErrors => new()
    {
        { "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolice\nmetadata: {name: a}\nspec: {endpointSelector: {}}", "kind", "unknown kind \"CiliumNetworkPolice\"" },
        { "apiVersion: cilium.io/v1\nkind: CiliumNetworkPolicy\nmetadata: {name: a}\nspec: {endpointSelector: {}}", "apiVersion", "use cilium.io/v2" },
        { "apiVersion: cilium.io/v2\nkind: NetworkPolicy\nmetadata: {name: a}\nspec: {podSelector: {}}", "apiVersion", "use networking.k8s.io/v1" },
        { "kind: CiliumNetworkPolicy\nmetadata: {name: a}\nspec: {endpointSelector: {}}", "apiVersion", "missing required field \"apiVersion\"" },
        { "apiVersion: cilium.io/v2\nmetadata: {name: a}", "kind", "missing required field \"kind\"" },
        { "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {namespace: a}\nspec: {endpointSelector: {}}", "metadata.name", "missing required field \"metadata.name\"" },
        { "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nspec: {endpointSelector: {}}", "metadata", "missing required field \"metadata\"" },
        { "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: Bad_Name}\nspec: {endpointSelector: {}}", "metadata.name", "is not valid" },
        { "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: a, namespace: \"Bad NS\"}\nspec: {endpointSelector: {}}", "metadata.namespace", "is not valid" },
        { "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: a}", "spec", "needs \"spec\"" },
        { "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: a}\nspec: {endpointSelector: {}}\nextra: 1", "extra", "unknown field \"extra\"" },
        { "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: a, owner: me}\nspec: {endpointSelector: {}}", "metadata.owner", "unknown field" },
        { "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a}\nspec: {}", "spec.podSelector", "missing required field \"podSelector\"" },
        { "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a}\nspec: {podSelector: {}, policyTypes: [Inbound]}", "spec.policyTypes[0]", "Ingress or Egress" },
        { "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a}\nspec: {podSelector: {}, ingress: [{from: [{}]}]}", "spec.ingress[0].from[0]", "podSelector, namespaceSelector or ipBlock" },
        { "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a}\nspec: {podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8}, podSelector: {}}]}]}", "spec.ingress[0].from[0]", "ipBlock must be the only field" },
        { "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a}\nspec: {podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, except: [192.168.0.0/16]}}]}]}", "spec.ingress[0].from[0].ipBlock.except[0]", "not inside cidr" },
        { "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a}\nspec: {podSelector: {}, ingress: [{ports: [{protocol: tcp, port: 80}]}]}", "spec.ingress[0].ports[0].protocol", "TCP, UDP or SCTP (case-sensitive)" },
        { "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a}\nspec: {podSelector: {}, egress: [{ports: [{port: 90, endPort: 80}]}]}", "spec.egress[0].ports[0].endPort", "below port 90" },
        { "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a}\nspec: {podSelector: {}, ingress: [{from: [{namespaceSelector: {matchExpressions: [{key: team, operator: Equals, values: [a]}]}}]}]}", "spec.ingress[0].from[0].namespaceSelector.matchExpressions[0].operator", "not valid" },
        { "apiVersion: v1\nkind: List\nitems:\n- apiVersion: cilium.io/v2\n  kind: CiliumNetworkPolicy\n  metadata: {name: a}\n  spec: {endpointSelector: {}, ingress: [{fromEntities: [bogus]}]}", "items[0].spec.ingress[0].fromEntities[0]", "unknown entity" },
    };

    [Theory]
    [MemberData(nameof(DocumentErrors))]
    public void Parse_InvalidDocument_ErrorWithPathAndReason(string document, string path, string reason)
    {
        PolicyParseResult result = PolicyDocumentParser.Parse(Valid + "\n---\n" + document);

        Assert.False(result.Succeeded);
        Assert.Empty(result.Policies);
        PolicyError error = Assert.Single(result.Errors, e => e.Path == path);
        Assert.Equal(1, error.DocumentIndex);
        Assert.Contains(reason, error.Reason);
    }

    [Fact]
    public void Parse_BadYamlSyntax_ErrorWithLineAndDocument()
    {
        PolicyParseResult result = PolicyDocumentParser.Parse(Valid + "\n---\napiVersion: cilium.io/v2\nkind: [unclosed\nmetadata: {name: a}\n");

        PolicyError error = Assert.Single(result.Errors);
        Assert.StartsWith("invalid YAML", error.Reason);
        Assert.NotNull(error.Line);
        Assert.Equal(1, error.DocumentIndex);
        Assert.Empty(result.Policies);
    }

    [Fact]
    public void Parse_DuplicateYamlKey_Rejected()
    {
        PolicyParseResult result = PolicyDocumentParser.Parse("apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: a}\nmetadata: {name: b}\nspec: {endpointSelector: {}}");

        Assert.False(result.Succeeded);
    }

    [Fact]
    public void Parse_BadJson_ErrorWithLine()
    {
        PolicyParseResult result = PolicyDocumentParser.Parse("{\n  \"apiVersion\": \"cilium.io/v2\",\n  \"kind\": \n}");

        PolicyError error = Assert.Single(result.Errors);
        Assert.StartsWith("invalid JSON", error.Reason);
        Assert.Equal(4, error.Line);
    }

    [Fact]
    public void Parse_DuplicateJsonField_Rejected()
    {
        PolicyParseResult result = PolicyDocumentParser.Parse("""{"apiVersion":"cilium.io/v2","kind":"CiliumNetworkPolicy","metadata":{"name":"a","name":"b"},"spec":{"endpointSelector":{}}}""");

        PolicyError error = Assert.Single(result.Errors);
        Assert.Equal("metadata.name", error.Path);
        Assert.Contains("more than once", error.Reason);
    }

    [Fact]
    public void Parse_JsonArrayElementInvalid_ElementIndexReported()
    {
        PolicyParseResult result = PolicyDocumentParser.Parse("""
            [{"apiVersion":"cilium.io/v2","kind":"CiliumNetworkPolicy","metadata":{"name":"a"},"spec":{"endpointSelector":{}}},
             {"apiVersion":"cilium.io/v2","kind":"CiliumNetworkPolicy","metadata":{"name":"b"},"spec":{"endpointSelector":{},"ingress":[{"toPorts":[{"ports":[{"port":"99999"}]}]}]}}]
            """);

        PolicyError error = Assert.Single(result.Errors);
        Assert.Equal((1, "spec.ingress[0].toPorts[0].ports[0].port"), (error.DocumentIndex, error.Path));
        Assert.Empty(result.Policies);
    }

    [Fact]
    public void Parse_SamePolicyTwice_Rejected()
    {
        PolicyParseResult result = PolicyDocumentParser.Parse(Valid + "\n---\n" + Valid);

        PolicyError error = Assert.Single(result.Errors);
        Assert.Equal(1, error.DocumentIndex);
        Assert.Contains("also defined in document 0", error.Reason);
    }

    [Fact]
    public void Parse_SeveralErrors_AllReported()
    {
        PolicyParseResult result = PolicyDocumentParser.Parse("""
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: a}
            spec:
              endpointSelector: {}
              ingress:
              - toPorts: [{ports: [{port: "99999"}, {port: "80", protocol: FOO}]}]
                fromEntities: [nope]
            """);

        Assert.Equal(3, result.Errors.Length);
        Assert.Equal("document 0, spec.ingress[0].toPorts[0].ports[0].port (line 7): port 99999 is out of range 0-65535", result.Errors.Single(e => e.Path.EndsWith("ports[0].port", StringComparison.Ordinal)).ToString());
    }

    [Fact]
    public void Parse_EmptyInput_Error()
    {
        Assert.False(PolicyDocumentParser.Parse("  \n# nothing\n").Succeeded);
    }

    [Fact]
    public void Apply_FailedParse_NothingApplied()
    {
        var repository = new PolicyRepository(new SelectorCache());
        PolicyParseResult result = PolicyDocumentParser.Parse(Valid + "\n---\nkind: Nope\napiVersion: v1\n");

        Assert.Throws<ArgumentException>(() => repository.Apply(result));
        Assert.Empty(repository.Snapshot.Rules);
        Assert.Equal(0, repository.Revision);
    }
}
