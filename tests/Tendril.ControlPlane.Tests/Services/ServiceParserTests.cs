using System.Net;
using Tendril.ControlPlane.Labels;
using Tendril.ControlPlane.Policy.Model;
using Tendril.ControlPlane.Services.Model;
using Tendril.ControlPlane.Services.Parsing;

namespace Tendril.ControlPlane.Tests.Services;

public class ServiceParserTests
{
    internal static ServiceParseResult ParseOk(string text, ServiceParserOptions? options = null)
    {
        ServiceParseResult result = ServiceDocumentParser.Parse(text, options);
        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        return result;
    }

    private static ServiceError SingleError(string text, ServiceParserOptions? options = null)
    {
        ServiceParseResult result = ServiceDocumentParser.Parse(text, options);
        Assert.False(result.Succeeded);
        Assert.Empty(result.Services);
        Assert.Empty(result.Slices);
        return Assert.Single(result.Errors);
    }

    [Fact]
    public void Parse_MultiPortNodePortService_AllFieldsKept()
    {
        ServiceParseResult result = ParseOk("""
            apiVersion: v1
            kind: Service
            metadata: {name: web, namespace: shop, labels: {tier: front}, annotations: {service.cilium.io/lb-algorithm: maglev}}
            spec:
              type: NodePort
              clusterIP: 10.96.0.20
              selector: {app: web}
              ports:
              - {name: http, port: 80, targetPort: http, nodePort: 30080}
              - {name: dns, port: 53, protocol: UDP, targetPort: 5353}
              externalIPs: [192.0.2.10]
              sessionAffinity: ClientIP
              sessionAffinityConfig: {clientIP: {timeoutSeconds: 60}}
              externalTrafficPolicy: Local
            """);

        Service s = Assert.Single(result.Services);
        Assert.Equal(new ServiceKey("shop", "web"), s.Key);
        Assert.Equal(ServiceType.NodePort, s.Type);
        Assert.Equal(IPAddress.Parse("10.96.0.20"), s.ClusterIP);
        Assert.Equal(LabelSet.Of(Label.K8s("app", "web")), s.Selector);
        Assert.Equal(new ServicePort("http", L4Protocol.TCP, 80, TargetPort.FromName("http"), 30080), s.Ports[0]);
        Assert.Equal(new ServicePort("dns", L4Protocol.UDP, 53, TargetPort.FromNumber(5353)), s.Ports[1]);
        Assert.Equal([IPAddress.Parse("192.0.2.10")], s.ExternalIPs);
        Assert.Equal((SessionAffinity.ClientIP, 60), (s.SessionAffinity, s.AffinityTimeoutSeconds));
        Assert.Equal(TrafficPolicy.Local, s.ExternalTrafficPolicy);
        Assert.Equal(LoadBalancingAlgorithm.Maglev, s.Algorithm);
        Assert.Equal("front", s.Labels.ValueOf(LabelSources.K8s, "tier"));
    }

    [Fact]
    public void Parse_MinimalService_DefaultsApplied()
    {
        Service s = Assert.Single(ParseOk("""
            apiVersion: v1
            kind: Service
            metadata: {name: api}
            spec: {ports: [{port: 8080}]}
            """).Services);
        Assert.Equal(new ServiceKey("default", "api"), s.Key);
        Assert.Null(s.ClusterIP);
        Assert.Null(s.Selector);
        Assert.Equal(new ServicePort("", L4Protocol.TCP, 8080, TargetPort.FromNumber(8080)), s.Ports.Single());
        Assert.Equal((SessionAffinity.None, Service.DefaultAffinityTimeoutSeconds), (s.SessionAffinity, s.AffinityTimeoutSeconds));
    }

    [Fact]
    public void Parse_HeadlessService_NoClusterIPAndNoPortsNeeded()
    {
        Service s = Assert.Single(ParseOk("""
            {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "db"}, "spec": {"clusterIP": "None", "selector": {"app": "db"}}}
            """).Services);
        Assert.True(s.IsHeadless);
        Assert.Null(s.ClusterIP);
        Assert.Empty(s.Ports);
    }

    [Fact]
    public void Parse_LoadBalancerWithStatusIngress_StaticIPsKept()
    {
        Service s = Assert.Single(ParseOk("""
            apiVersion: v1
            kind: Service
            metadata: {name: edge}
            spec:
              type: LoadBalancer
              loadBalancerIP: 198.51.100.7
              ports: [{port: 443}]
            status:
              loadBalancer:
                ingress: [{ip: 198.51.100.8}, {ip: 198.51.100.7}]
            """).Services);
        Assert.Equal([IPAddress.Parse("198.51.100.8"), IPAddress.Parse("198.51.100.7")], s.LoadBalancerIngress);
        Assert.Equal(2, s.LoadBalancerIPs.Count());
        Assert.True(s.HasNodePorts);
    }

    [Fact]
    public void Parse_EndpointSlice_ConditionsDefaultAsKubernetesSays()
    {
        EndpointSlice slice = Assert.Single(ParseOk("""
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata: {name: ext-abc, labels: {kubernetes.io/service-name: ext}}
            addressType: IPv4
            ports: [{name: http, port: 8080, protocol: TCP}]
            endpoints:
            - addresses: [10.1.0.5]
              targetRef: {kind: Pod, name: ext-1}
              nodeName: node-a
            - addresses: [10.1.0.6]
              conditions: {ready: false, terminating: true}
            - addresses: [10.1.0.7]
              conditions: {ready: false}
            """).Slices);
        Assert.Equal(new ServiceKey("default", "ext"), slice.Service);
        Assert.Equal(new SlicePort("http", L4Protocol.TCP, 8080), slice.Ports.Single());
        Assert.Equal(EndpointConditions.Default, slice.Endpoints[0].Conditions);
        Assert.Equal(("ext-1", "node-a"), (slice.Endpoints[0].PodName, slice.Endpoints[0].NodeName));
        Assert.Equal(new EndpointConditions(false, false, true), slice.Endpoints[1].Conditions);
        Assert.Equal(new EndpointConditions(false, false, false), slice.Endpoints[2].Conditions);
    }

    [Fact]
    public void Parse_ListAndMultiDocument_EverythingReturned()
    {
        ServiceParseResult result = ParseOk("""
            apiVersion: v1
            kind: List
            items:
            - {apiVersion: v1, kind: Service, metadata: {name: a}, spec: {ports: [{port: 1}]}}
            - {apiVersion: v1, kind: Service, metadata: {name: b}, spec: {ports: [{port: 2}]}}
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata: {name: a-1, labels: {kubernetes.io/service-name: a}}
            addressType: IPv4
            endpoints: []
            """);
        Assert.Equal(["a", "b"], result.Services.Select(s => s.Key.Name));
        Assert.Single(result.Slices);
        Assert.Equal([0, 0], result.ServiceDocuments.ToArray());
    }

    [Theory]
    [InlineData("kind: Deployment\napiVersion: apps/v1\nmetadata: {name: x}", "kind", "unknown kind \"Deployment\"")]
    [InlineData("kind: Service\napiVersion: v2\nmetadata: {name: x}\nspec: {ports: [{port: 1}]}", "apiVersion", "use v1")]
    [InlineData("kind: Service\napiVersion: v1\nmetadata: {namespace: x}\nspec: {ports: [{port: 1}]}", "metadata.name", "missing required field")]
    [InlineData("kind: Service\napiVersion: v1\nmetadata: {name: Web}\nspec: {ports: [{port: 1}]}", "metadata.name", "is not valid")]
    [InlineData("kind: Service\napiVersion: v1\nmetadata: {name: x}\nspec: {ports: [{port: 70000}]}", "spec.ports[0].port", "out of range 1-65535")]
    [InlineData("kind: Service\napiVersion: v1\nmetadata: {name: x}\nspec: {ports: [{port: 1, protocol: tcp}]}", "spec.ports[0].protocol", "use TCP, UDP or SCTP")]
    [InlineData("kind: Service\napiVersion: v1\nmetadata: {name: x}\nspec: {clusterIP: 10.96.0.300, ports: [{port: 1}]}", "spec.clusterIP", "not a valid IPv4 address")]
    [InlineData("kind: Service\napiVersion: v1\nmetadata: {name: x}\nspec: {clusterIP: 10.0.0.1, ports: [{port: 1}]}", "spec.clusterIP", "outside the service CIDR 10.96.0.0/12")]
    [InlineData("kind: Service\napiVersion: v1\nmetadata: {name: x}\nspec: {clusterIP: 10.96.0.0, ports: [{port: 1}]}", "spec.clusterIP", "network address")]
    [InlineData("kind: Service\napiVersion: v1\nmetadata: {name: x}\nspec: {type: NodePort, ports: [{port: 1, nodePort: 80}]}", "spec.ports[0].nodePort", "outside the node port range 30000-32767")]
    [InlineData("kind: Service\napiVersion: v1\nmetadata: {name: x}\nspec: {ports: [{port: 1, nodePort: 30001}]}", "spec.ports[0].nodePort", "only be set on a NodePort or LoadBalancer")]
    [InlineData("kind: Service\napiVersion: v1\nmetadata: {name: x}\nspec: {ports: [{name: a, port: 1}, {name: a, port: 2}]}", "spec.ports[1].name", "already used by ports[0]")]
    [InlineData("kind: Service\napiVersion: v1\nmetadata: {name: x}\nspec: {ports: [{name: a, port: 1}, {port: 2}]}", "spec.ports[1].name", "must name every port")]
    [InlineData("kind: Service\napiVersion: v1\nmetadata: {name: x}\nspec: {ports: [{port: 1, targetPort: \"80\"}]}", "spec.ports[0].targetPort", "is quoted")]
    [InlineData("kind: Service\napiVersion: v1\nmetadata: {name: x}\nspec: {externalIPs: [127.0.0.1], ports: [{port: 1}]}", "spec.externalIPs[0]", "loopback")]
    [InlineData("kind: Service\napiVersion: v1\nmetadata: {name: x}\nspec: {type: ExternalName, externalName: a.b}", "spec.type", "ExternalName is not supported")]
    [InlineData("kind: Service\napiVersion: v1\nmetadata: {name: x}\nspec: {prots: [{port: 1}], ports: [{port: 1}]}", "spec.prots", "did you mean \"ports\"")]
    [InlineData("kind: Service\napiVersion: v1\nmetadata: {name: x}\nspec: {loadBalancerSourceRanges: [10.0.0.0/8], ports: [{port: 1}]}", "spec.loadBalancerSourceRanges", "not supported yet")]
    [InlineData("kind: Service\napiVersion: v1\nmetadata: {name: x}\nspec: {clusterIP: None, type: NodePort, ports: [{port: 1}]}", "spec.clusterIP", "headless")]
    [InlineData("kind: Service\napiVersion: v1\nmetadata: {name: x}\nspec: {sessionAffinity: ClientIP, sessionAffinityConfig: {clientIP: {timeoutSeconds: 0}}, ports: [{port: 1}]}", "spec.sessionAffinityConfig.clientIP.timeoutSeconds", "out of range 1-86400")]
    [InlineData("kind: Service\napiVersion: v1\nmetadata: {name: x}\nspec: {ports: []}", "spec.ports", "at least one port")]
    [InlineData("kind: Service\napiVersion: v1\nmetadata: {name: x}\nspec: {ipFamilies: [IPv6], ports: [{port: 1}]}", "spec.ipFamilies", "IPv6 services are not supported")]
    [InlineData("kind: EndpointSlice\napiVersion: discovery.k8s.io/v1\nmetadata: {name: x}\naddressType: IPv4", "metadata.labels", "kubernetes.io/service-name")]
    [InlineData("kind: EndpointSlice\napiVersion: discovery.k8s.io/v1\nmetadata: {name: x, labels: {kubernetes.io/service-name: s}}\naddressType: FQDN", "addressType", "not supported yet")]
    [InlineData("kind: EndpointSlice\napiVersion: discovery.k8s.io/v1\nmetadata: {name: x, labels: {kubernetes.io/service-name: s}}\naddressType: IPv4\nendpoints: [{addresses: [10.0.0.1.2]}]", "endpoints[0].addresses[0]", "not a valid IPv4")]
    public void Parse_InvalidDefinition_OneErrorWithPath(string yaml, string path, string reason)
    {
        ServiceError error = SingleError(yaml);
        Assert.Equal(path, error.Path);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ErrorInSecondDocument_NothingReturnedAndDocumentAndLineNamed()
    {
        ServiceParseResult result = ServiceDocumentParser.Parse("""
            apiVersion: v1
            kind: Service
            metadata: {name: good}
            spec: {ports: [{port: 80}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: bad}
            spec:
              ports:
              - port: 80
                protocol: ICMP
            """);
        Assert.Empty(result.Services);
        ServiceError error = Assert.Single(result.Errors);
        Assert.Equal((1, "spec.ports[0].protocol", 12), (error.DocumentIndex, error.Path, error.Line));
        Assert.StartsWith("document 1, spec.ports[0].protocol (line 12): ", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_SameServiceTwice_Rejected()
    {
        ServiceParseResult result = ServiceDocumentParser.Parse("""
            {apiVersion: v1, kind: Service, metadata: {name: a}, spec: {ports: [{port: 1}]}}
            ---
            {apiVersion: v1, kind: Service, metadata: {name: a}, spec: {ports: [{port: 2}]}}
            """);
        Assert.Contains("also defined in document 0", Assert.Single(result.Errors).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_CustomRanges_Honoured()
    {
        var options = new ServiceParserOptions { ServiceCidr = Net.CidrPrefix.Parse("172.20.0.0/16"), NodePortMin = 20000, NodePortMax = 20100 };
        Service s = Assert.Single(ParseOk("""
            {apiVersion: v1, kind: Service, metadata: {name: a}, spec: {type: NodePort, clusterIP: 172.20.1.1, ports: [{port: 1, nodePort: 20050}]}}
            """, options).Services);
        Assert.Equal(20050, s.Ports[0].NodePort);
        Assert.Contains("20000-20100", SingleError("""
            {apiVersion: v1, kind: Service, metadata: {name: a}, spec: {type: NodePort, ports: [{port: 1, nodePort: 30000}]}}
            """, options).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnresolvableNamedTargetPort_NotAnError()
    {
        Service s = Assert.Single(ParseOk("""
            {apiVersion: v1, kind: Service, metadata: {name: a}, spec: {selector: {app: a}, ports: [{port: 80, targetPort: no-such-port}]}}
            """).Services);
        Assert.Equal("no-such-port", s.Ports[0].TargetPort.Name);
    }
}
