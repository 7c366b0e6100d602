using Tendril.ControlPlane.Identities;
using Tendril.ControlPlane.Labels;
using Tendril.ControlPlane.Policy;
using Tendril.ControlPlane.Policy.Model;
using Tendril.ControlPlane.Policy.Parsing;
using Tendril.ControlPlane.PolicyMap;

namespace Tendril.ControlPlane.Tests;

public class NetworkPolicyTests
{
    private const TrafficDirection In = TrafficDirection.Ingress;
    private const TrafficDirection Out = TrafficDirection.Egress;
    private const byte Tcp = 6, Udp = 17;

    private readonly PolicyHarness _h = new();
    private readonly EndpointInfo _db;
    private readonly EndpointInfo _api;
    private readonly EndpointInfo _apiOtherNs;
    private readonly EndpointInfo _monitoring;

    public NetworkPolicyTests()
    {
        _db = _h.Pod(1, "prod", ("app", "db"));
        _api = _h.Pod(2, "prod", ("app", "api"));
        _apiOtherNs = _h.Pod(3, "dev", ("app", "api"));
        LabelSet mon = PodIdentityLabels.For([KeyValuePair.Create("app", "prom")], "monitoring", [KeyValuePair.Create("team", "ops")]);
        _monitoring = new EndpointInfo(4, _h.Identities.Allocate(mon).Id, mon);
    }

    private static string Np(string spec) => $"""
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {"{name: db, namespace: prod}"}
        spec:
          podSelector: {"{matchLabels: {app: db}}"}
        {string.Join("\n", spec.Split('\n').Select(l => "  " + l))}
        """;

    [Fact]
    public void Translate_PodSelector_EndpointSelectorInNamespace()
    {
        Rule rule = PolicyDocumentParser.Parse(Np("ingress: [{from: [{podSelector: {matchLabels: {app: api}}}]}]")).Rules.Single();

        Assert.Equal("{k8s:app=db,k8s:io.kubernetes.pod.namespace=prod}", rule.EndpointSelector.ToString());
        Assert.Equal("{k8s:app=api,k8s:io.kubernetes.pod.namespace=prod}", rule.Ingress[0].Endpoints!.Value.Single().ToString());
        Assert.Equal("NetworkPolicy", rule.Labels.ValueOf("k8s", WellKnownLabels.PolicyDerivedFrom));
    }

    [Fact]
    public void Resolve_FromPodSelector_SameNamespaceOnly()
    {
        _h.Apply(Np("ingress: [{from: [{podSelector: {matchLabels: {app: api}}}], ports: [{port: 5432}]}]"));
        MapState map = _h.Map(_db);

        Assert.True(map.Decide(_api.Identity, In, Tcp, 5432).Allowed);
        Assert.False(map.Decide(_api.Identity, In, Udp, 5432).Allowed);
        Assert.False(map.Decide(_apiOtherNs.Identity, In, Tcp, 5432).Allowed);
        Assert.False(map.EgressEnforced);
    }

    [Fact]
    public void Resolve_NamespaceSelector_MatchesNamespaceLabels()
    {
        _h.Apply(Np("ingress: [{from: [{namespaceSelector: {matchLabels: {team: ops}}}]}]"));
        MapState map = _h.Map(_db);

        Assert.True(map.Decide(_monitoring.Identity, In, Tcp, 9090).Allowed);
        Assert.False(map.Decide(_api.Identity, In, Tcp, 9090).Allowed);
    }

    [Fact]
    public void Resolve_NamespaceSelectorByMetadataName_Works()
    {
        _h.Apply(Np("ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: dev}}}]}]"));
        MapState map = _h.Map(_db);

        Assert.True(map.Decide(_apiOtherNs.Identity, In, Tcp, 80).Allowed);
        Assert.False(map.Decide(_monitoring.Identity, In, Tcp, 80).Allowed);
    }

    [Fact]
    public void Resolve_PodAndNamespaceSelectorInOnePeer_Anded()
    {
        _h.Apply(Np("ingress: [{from: [{namespaceSelector: {matchExpressions: [{key: team, operator: Exists}]}, podSelector: {matchLabels: {app: api}}}]}]"));
        MapState map = _h.Map(_db);

        Assert.False(map.Decide(_monitoring.Identity, In, Tcp, 80).Allowed);
        Assert.False(map.Decide(_api.Identity, In, Tcp, 80).Allowed);
    }

    [Fact]
    public void Resolve_EmptyNamespaceSelector_AllPodsNotWorldNorHost()
    {
        _h.Apply(Np("ingress: [{from: [{namespaceSelector: {}}]}]"));
        MapState map = _h.Map(_db);

        Assert.True(map.Decide(_apiOtherNs.Identity, In, Tcp, 80).Allowed);
        Assert.True(map.Decide(_monitoring.Identity, In, Tcp, 80).Allowed);
        Assert.False(map.Decide(2, In, Tcp, 80).Allowed);
        Assert.False(map.Decide(1, In, Tcp, 80).Allowed);
    }

    [Fact]
    public void Resolve_IpBlockWithExcept_CidrIdentities()
    {
        _h.Apply(Np("egress: [{to: [{ipBlock: {cidr: 172.16.0.0/12, except: [172.16.1.0/24]}}]}]\npolicyTypes: [Egress]"));
        MapState map = _h.Map(_db);

        Assert.True(map.Decide(_h.CidrIdentity("172.16.0.0/12"), Out, Tcp, 443).Allowed);
        Assert.False(map.Decide(_h.CidrIdentity("172.16.1.0/24"), Out, Tcp, 443).Allowed);
        Assert.False(map.Decide(_api.Identity, Out, Tcp, 443).Allowed);
        Assert.False(map.IngressEnforced);
    }

    [Fact]
    public void Resolve_IngressTypeWithoutRules_DenyAllIngress()
    {
        _h.Apply(Np("policyTypes: [Ingress]"));
        MapState map = _h.Map(_db);

        Assert.True(map.IngressEnforced);
        Assert.False(map.EgressEnforced);
        Assert.False(map.Decide(_api.Identity, In, Tcp, 80).Allowed);
    }

    [Fact]
    public void Resolve_EgressTypeOnly_IngressUntouched()
    {
        _h.Apply(Np("policyTypes: [Egress]\ningress: [{from: [{podSelector: {}}]}]\negress: [{to: [{podSelector: {}}]}]"));
        MapState map = _h.Map(_db);

        Assert.False(map.IngressEnforced);
        Assert.True(map.EgressEnforced);
        Assert.True(map.Decide(_api.Identity, Out, Udp, 53).Allowed);
        Assert.False(map.Decide(_apiOtherNs.Identity, Out, Udp, 53).Allowed);
    }

    [Fact]
    public void Resolve_NoPolicyTypesWithEgress_BothDirections()
    {
        _h.Apply(Np("egress: [{ports: [{port: 53, protocol: UDP}]}]"));
        MapState map = _h.Map(_db);

        Assert.True(map.IngressEnforced);
        Assert.True(map.EgressEnforced);
        Assert.True(map.Decide(2, Out, Udp, 53).Allowed);
        Assert.False(map.Decide(2, Out, Tcp, 53).Allowed);
    }

    [Fact]
    public void Resolve_IngressEmptyRule_AllowsEverything()
    {
        _h.Apply(Np("ingress: [{}]"));
        MapState map = _h.Map(_db);

        Assert.True(map.IngressEnforced);
        Assert.Equal(new PolicyDecision(PolicyVerdict.Allowed, PolicyMatchType.All, PolicyKey.AnyOf(In)), map.Decide(2, In, Udp, 1));
    }

    [Fact]
    public void Resolve_PortsWithEndPortAndNoPeers_L4Only()
    {
        _h.Apply(Np("ingress: [{ports: [{port: 30000, endPort: 30003, protocol: UDP}]}]"));
        MapState map = _h.Map(_db);

        Assert.Equal(new PolicyKey(0, In, Udp, 30000, 14), map.Sorted.Single(e => e.Key.Direction == In).Key);
        Assert.Equal(PolicyMatchType.L4Only, map.Decide(2, In, Udp, 30002).MatchType);
    }

    [Fact]
    public void Translate_PortWithoutNumber_AllPortsOfProtocol()
    {
        Rule rule = PolicyDocumentParser.Parse(Np("egress: [{ports: [{protocol: SCTP}]}]")).Rules.Single();

        Assert.Equal(new PortProtocol(L4Protocol.SCTP), rule.Egress[0].Ports[0].Ports.Single());
        Assert.Equal([Entity.All], rule.Egress[0].Entities!.Value.ToArray());
    }
}
