using Tendril.ControlPlane.Identities;
using Tendril.ControlPlane.Policy;
using Tendril.ControlPlane.Policy.Model;
using Tendril.ControlPlane.PolicyMap;

namespace Tendril.ControlPlane.Tests;

/// <summary>Peers (CIDR, entities, namespaces) and L4 (ranges, ANY, ICMP, named ports) into policy keys.</summary>
public class PeerResolutionTests : ResolverFixture
{
    [Fact]
    public void Resolve_CidrSetWithExcept_SelectsCidrIdentityNotTheException()
    {
        H.Apply(Cnp("egress: [{toCIDRSet: [{cidr: 10.0.0.0/8, except: [10.96.0.0/12]}]}]"));
        MapState map = H.Map(Backend);
        uint ten = H.CidrIdentity("10.0.0.0/8"), carved = H.CidrIdentity("10.96.0.0/12");

        Assert.Equal(new PolicyEntry(false), map[new PolicyKey(ten, Out, 0, 0, 0)]);
        Assert.Equal(PolicyVerdict.Allowed, map.Decide(ten, Out, Tcp, 443).Verdict);
        Assert.Equal(PolicyVerdict.DeniedByDefault, map.Decide(carved, Out, Tcp, 443).Verdict);
        Assert.Equal(PolicyVerdict.DeniedByDefault, map.Decide(2, Out, Tcp, 443).Verdict);
        Assert.Equal(PolicyVerdict.DeniedByDefault, map.Decide(Frontend.Identity, Out, Tcp, 443).Verdict);
    }

    [Fact]
    public void Resolve_CidrSelectsMoreSpecificCidrIdentitiesOfOtherPolicies()
    {
        H.Apply(Cnp("egress: [{toCIDR: [10.0.0.0/8]}]", "a"));
        H.Apply(Cnp("egressDeny: [{toCIDR: [10.1.0.0/16]}]", "b"));
        MapState map = H.Map(Backend);

        Assert.Equal(PolicyVerdict.Allowed, map.Decide(H.CidrIdentity("10.0.0.0/8"), Out, Udp, 53).Verdict);
        Assert.Equal(PolicyVerdict.DeniedByRule, map.Decide(H.CidrIdentity("10.1.0.0/16"), Out, Udp, 53).Verdict);
    }

    [Fact]
    public void Resolve_DefaultRouteCidr_SelectsWorldAndCidrIdentities()
    {
        H.Apply(Cnp("egress: [{toCIDRSet: [{cidr: 0.0.0.0/0, except: [192.168.0.0/16]}]}]"));
        MapState map = H.Map(Backend);

        Assert.Equal(PolicyVerdict.Allowed, map.Decide(2, Out, Tcp, 443).Verdict);
        Assert.Equal(PolicyVerdict.Allowed, map.Decide(9, Out, Tcp, 443).Verdict);
        Assert.Equal(PolicyVerdict.DeniedByDefault, map.Decide(10, Out, Tcp, 443).Verdict);
        Assert.Equal(PolicyVerdict.Allowed, map.Decide(H.CidrIdentity("0.0.0.0/0"), Out, Tcp, 443).Verdict);
        Assert.Equal(PolicyVerdict.DeniedByDefault, map.Decide(H.CidrIdentity("192.168.0.0/16"), Out, Tcp, 443).Verdict);
        Assert.Equal(PolicyVerdict.DeniedByDefault, map.Decide(1, Out, Tcp, 443).Verdict);
    }

    [Fact]
    public void Resolve_Entities_ExpectedIdentities()
    {
        H.Apply(Cnp("""
            ingress: [{fromEntities: [host]}]
            egress: [{toEntities: [world]}]
            """, "a"));
        H.Apply(Cnp("egress: [{toCIDR: [8.8.8.8/32]}]", "cidr"));
        MapState map = H.Map(Backend);

        Assert.Equal([1u], Keys(map, In).Select(k => k.Identity));
        Assert.Equal([2u, 9u, 10u, H.CidrIdentity("8.8.8.8/32")], Keys(map, Out).Select(k => k.Identity).Order());
    }

    [Fact]
    public void Resolve_ClusterEntity_PodsAndInClusterReservedNotWorld()
    {
        H.Apply(Cnp("egress: [{toEntities: [cluster]}]"));
        MapState map = H.Map(Backend);
        var ids = Keys(map, Out).Select(k => k.Identity).ToHashSet();

        Assert.Superset(new HashSet<uint> { 1, 3, 4, 5, 6, 7, 8, Backend.Identity, Frontend.Identity, Stranger.Identity }, ids);
        Assert.DoesNotContain(2u, ids);
        Assert.DoesNotContain(9u, ids);
    }

    [Fact]
    public void Resolve_AllEntity_IdentityZero()
    {
        H.Apply(Cnp("egress: [{toEntities: [all], toPorts: [{ports: [{port: \"53\", protocol: UDP}]}]}]"));

        Assert.Equal([new PolicyKey(0, Out, Udp, 53, 16)], Keys(H.Map(Backend), Out));
    }

    [Fact]
    public void Resolve_NoneEntity_SelectsNothing()
    {
        H.Apply(Cnp("egress: [{toEntities: [none]}]"));

        Assert.Empty(Keys(H.Map(Backend), Out));
    }

    [Fact]
    public void Resolve_PortRangeAndAny_ExpandedIntoPrefixesPerProtocol()
    {
        H.Apply(Cnp("ingress: [{toPorts: [{ports: [{port: \"8080\", endPort: 8090, protocol: ANY}]}]}]"));
        var keys = Keys(H.Map(Backend), In);

        Assert.Equal(9, keys.Count);
        Assert.Equal(["8080-8087/TCP", "8088-8089/TCP", "8090/TCP"], keys.Where(k => k.Protocol == Tcp).Select(k => k.PortProtocolText()));
        Assert.Equal(3, keys.Count(k => k.Protocol == Sctp));
        Assert.DoesNotContain(keys, k => k.Protocol == 0);
    }

    [Fact]
    public void Resolve_AnyProtocolPortZero_ThreeProtocolWildcardsNoIcmp()
    {
        H.Apply(Cnp("ingress: [{toPorts: [{ports: [{port: \"0\", protocol: ANY}]}]}]"));
        MapState map = H.Map(Backend);

        Assert.Equal([Tcp, Udp, Sctp], Keys(map, In).Select(k => k.Protocol));
        Assert.Equal(PolicyVerdict.DeniedByDefault, map.Decide(Frontend.Identity, In, Icmp, 8).Verdict);
    }

    [Fact]
    public void Resolve_Icmp_TypeShiftedWithPrefix8()
    {
        H.Apply(Cnp("ingress: [{icmps: [{fields: [{type: 8}, {family: IPv6, type: EchoRequest}]}]}]"));
        MapState map = H.Map(Backend);

        Assert.Equal([new PolicyKey(0, In, 1, 8 << 8, 8), new PolicyKey(0, In, 58, 128 << 8, 8)], Keys(map, In));
        Assert.True(map.Decide(Frontend.Identity, In, Icmp, 8).Allowed);
        Assert.False(map.Decide(Frontend.Identity, In, Icmp, 0).Allowed);
        Assert.True(map.Decide(Frontend.Identity, In, 58, 128).Allowed);
    }

    [Fact]
    public void Resolve_NamedPort_IngressFromEndpointEgressFromCluster()
    {
        var h = new PolicyHarness();
        EndpointInfo pod = h.Pod(1, "default", ("app", "backend")) with { NamedPorts = [new NamedPort("http", 8080, L4Protocol.TCP)] };
        h.Apply(Cnp("""
            ingress: [{toPorts: [{ports: [{port: http}, {port: nope}]}]}]
            egress: [{toPorts: [{ports: [{port: dns, protocol: UDP}]}]}]
            """));
        var resolver = new PolicyResolver(h.Repository, h.Selectors, new PolicyResolverOptions
        {
            ClusterNamedPorts = new Dictionary<string, System.Collections.Immutable.ImmutableArray<NamedPort>>
            {
                ["dns"] = [new NamedPort("dns", 53, L4Protocol.UDP), new NamedPort("dns", 53, L4Protocol.TCP)],
            },
        });
        MapState map = resolver.Resolve(pod).MapState;

        Assert.Equal([new PolicyKey(0, In, Tcp, 8080, 16)], Keys(map, In));
        Assert.Equal([new PolicyKey(0, Out, Udp, 53, 16)], Keys(map, Out));
    }

    [Fact]
    public void Resolve_L7Rules_AllowedAtL4AndReportedNotEnforced()
    {
        H.Apply(Cnp("ingress: [{toPorts: [{ports: [{port: \"80\", protocol: TCP}], rules: {http: [{method: GET}]}}]}]"));
        EndpointPolicy policy = H.Resolver.Resolve(Backend);

        Assert.Equal(new PolicyEntry(false, ProxyPort: 0), policy.MapState[new PolicyKey(0, In, Tcp, 80, 16)]);
        Assert.Contains(policy.NotEnforced, n => n.Contains("HTTP rules are kept but not enforced", StringComparison.Ordinal));
        Assert.Equal([new RuleOrigin(PolicyKind.CiliumNetworkPolicy, "default", "p")], policy.SelectedBy.ToArray());
    }

    [Fact]
    public void Resolve_ToFqdns_SelectsNothingAndReported()
    {
        H.Apply(Cnp("egress: [{toFQDNs: [{matchName: api.example.com}], toPorts: [{ports: [{port: \"443\", protocol: TCP}]}]}]"));
        EndpointPolicy policy = H.Resolver.Resolve(Backend);

        Assert.True(policy.MapState.EgressEnforced);
        Assert.Empty(Keys(policy.MapState, Out));
        Assert.Contains(policy.NotEnforced, n => n.Contains("toFQDNs", StringComparison.Ordinal));
    }

    [Fact]
    public void Resolve_PolicyForOtherNamespace_DoesNotSelect()
    {
        H.Apply(Cnp("ingress: [{}]"));

        Assert.False(H.Map(Stranger).IngressEnforced);
        Assert.False(H.Map(Frontend).IngressEnforced);
    }

    [Fact]
    public void Resolve_CcnpReservedPeer_SelectsHost()
    {
        H.Apply("""
            apiVersion: cilium.io/v2
            kind: CiliumClusterwideNetworkPolicy
            metadata: {name: host}
            spec:
              endpointSelector: {}
              ingress: [{fromEndpoints: [{matchLabels: {"reserved:host": ""}}]}, {fromEndpoints: [{}]}]
            """);
        MapState map = H.Map(Stranger);

        Assert.True(map.Decide(1, In, Tcp, 80).Allowed);
        Assert.True(map.Decide(Backend.Identity, In, Tcp, 80).Allowed);
        Assert.False(map.Decide(2, In, Tcp, 80).Allowed);
    }
}
