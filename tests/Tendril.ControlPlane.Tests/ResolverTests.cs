using Tendril.ControlPlane.Identities;
using Tendril.ControlPlane.Policy;
using Tendril.ControlPlane.Policy.Model;
using Tendril.ControlPlane.PolicyMap;

namespace Tendril.ControlPlane.Tests;

/// <summary>Precedence, deny-wins, default deny and enforcement modes.</summary>
public class ResolverTests : ResolverFixture
{
    [Fact]
    public void Resolve_NoPolicy_BothDirectionsAllowAll()
    {
        MapState map = H.Map(Backend);

        Assert.False(map.IngressEnforced);
        Assert.False(map.EgressEnforced);
        Assert.Equal([PolicyKey.AnyOf(In), PolicyKey.AnyOf(Out)], map.Sorted.Select(e => e.Key));
        Assert.Equal(new PolicyDecision(PolicyVerdict.Allowed, PolicyMatchType.All, PolicyKey.AnyOf(In)), map.Decide(Frontend.Identity, In, Tcp, 80));
    }

    public static TheoryData<string, uint, byte, ushort, PolicyMatchType> MatchTypes => new()
    {
        { "ingress: [{fromEndpoints: [{matchLabels: {app: frontend}}], toPorts: [{ports: [{port: \"80\", protocol: TCP}]}]}]", 0, Tcp, 80, PolicyMatchType.L3L4 },
        { "ingress: [{toPorts: [{ports: [{port: \"443\", protocol: TCP}]}]}]", 0, Tcp, 443, PolicyMatchType.L4Only },
        { "ingress: [{fromEndpoints: [{matchLabels: {app: frontend}}], toPorts: [{ports: [{port: \"0\", protocol: UDP}]}]}]", 0, Udp, 5353, PolicyMatchType.L3Proto },
        { "ingress: [{toPorts: [{ports: [{protocol: SCTP}]}]}]", 0, Sctp, 9, PolicyMatchType.ProtoOnly },
        { "ingress: [{fromEndpoints: [{matchLabels: {app: frontend}}]}]", 0, Tcp, 1234, PolicyMatchType.L3Only },
        { "ingress: [{fromEntities: [all]}]", 0, Udp, 1, PolicyMatchType.All },
        { "ingress: [{fromEntities: [host]}]", 1, Tcp, 22, PolicyMatchType.L3Only },
        { "ingress: [{icmps: [{fields: [{type: EchoRequest}]}]}]", 0, Icmp, 8, PolicyMatchType.L4Only },
    };

    [Theory]
    [MemberData(nameof(MatchTypes))]
    public void Decide_EachMatchType_ReportedWithCiliumNumber(string ingress, uint peer, byte protocol, ushort port, PolicyMatchType expected)
    {
        H.Apply(Cnp(ingress));
        uint identity = peer == 0 ? Frontend.Identity : peer;

        PolicyDecision decision = H.Map(Backend).Decide(identity, In, protocol, port);

        Assert.Equal(PolicyVerdict.Allowed, decision.Verdict);
        Assert.Equal(expected, decision.MatchType);
    }

    [Fact]
    public void Decide_AllMatchTypesTogether_MostSpecificWins()
    {
        H.Apply(Cnp("""
            ingress:
            - fromEndpoints: [{matchLabels: {app: frontend}}]
              toPorts: [{ports: [{port: "80", protocol: TCP}]}]
            - toPorts: [{ports: [{port: "80", protocol: TCP}, {port: "443", protocol: TCP}, {protocol: UDP}]}]
            - fromEndpoints: [{matchLabels: {app: frontend}}]
              toPorts: [{ports: [{protocol: TCP}]}]
            - fromEndpoints: [{matchLabels: {app: frontend}}]
            - fromEntities: [all]
            """));
        MapState map = H.Map(Backend);
        uint f = Frontend.Identity;

        Assert.Equal(PolicyMatchType.L3L4, map.Decide(f, In, Tcp, 80).MatchType);
        Assert.Equal(PolicyMatchType.L4Only, map.Decide(f, In, Tcp, 443).MatchType);
        Assert.Equal(PolicyMatchType.L3Proto, map.Decide(f, In, Tcp, 22).MatchType);
        Assert.Equal(PolicyMatchType.L4Only, map.Decide(Stranger.Identity, In, Tcp, 80).MatchType);
        Assert.Equal(PolicyMatchType.ProtoOnly, map.Decide(Stranger.Identity, In, Udp, 53).MatchType);
        Assert.Equal(PolicyMatchType.L3Only, map.Decide(f, In, Sctp, 1).MatchType);
        Assert.Equal(PolicyMatchType.All, map.Decide(Stranger.Identity, In, Sctp, 1).MatchType);
    }

    private static readonly Dictionary<string, string> Shapes = new()
    {
        ["L3L4"] = "{fromEndpoints: [{matchLabels: {app: frontend}}], toPorts: [{ports: [{port: \"80\", protocol: TCP}]}]}",
        ["L3L4Range"] = "{fromEndpoints: [{matchLabels: {app: frontend}}], toPorts: [{ports: [{port: \"64\", endPort: 127, protocol: TCP}]}]}",
        ["L4Only"] = "{toPorts: [{ports: [{port: \"80\", protocol: TCP}]}]}",
        ["L4Range"] = "{toPorts: [{ports: [{port: \"1\", endPort: 65535, protocol: ANY}]}]}",
        ["L3Proto"] = "{fromEndpoints: [{matchLabels: {app: frontend}}], toPorts: [{ports: [{port: \"0\", protocol: TCP}]}]}",
        ["ProtoOnly"] = "{toPorts: [{ports: [{protocol: TCP}]}]}",
        ["L3Only"] = "{fromEndpoints: [{matchLabels: {app: frontend}}]}",
        ["All"] = "{fromEntities: [all]}",
    };

    public static TheoryData<string, string> SpecificityPairs()
    {
        var data = new TheoryData<string, string>();
        foreach (string allow in Shapes.Keys)
        {
            foreach (string deny in Shapes.Keys)
                data.Add(allow, deny);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SpecificityPairs))]
    public void Decide_DenyAndAllowAtAnySpecificity_DenyWins(string allow, string deny)
    {
        H.Apply(Cnp($"ingress: [{Shapes[allow]}]\ningressDeny: [{Shapes[deny]}]"));
        MapState map = H.Map(Backend);

        PolicyDecision decision = map.Decide(Frontend.Identity, In, Tcp, 80);

        Assert.Equal(PolicyVerdict.DeniedByRule, decision.Verdict);
        Assert.True(map.IngressEnforced);
        // Traffic the deny does not cover keeps the allow's verdict.
        if (deny == "L3L4" && allow is "All" or "L3Only" or "L3Proto" or "ProtoOnly")
            Assert.Equal(PolicyVerdict.Allowed, map.Decide(Frontend.Identity, In, Tcp, 81).Verdict);
    }

    [Fact]
    public void Resolve_IngressRule_IngressEnforcedEgressOpen()
    {
        H.Apply(Cnp("ingress: [{fromEndpoints: [{matchLabels: {app: frontend}}]}]"));
        MapState map = H.Map(Backend);

        Assert.True(map.IngressEnforced);
        Assert.False(map.EgressEnforced);
        Assert.Equal(PolicyVerdict.Allowed, map.Decide(Frontend.Identity, In, Tcp, 80).Verdict);
        Assert.Equal(PolicyVerdict.DeniedByDefault, map.Decide(Stranger.Identity, In, Tcp, 80).Verdict);
        Assert.Equal(PolicyVerdict.Allowed, map.Decide(Stranger.Identity, Out, Tcp, 80).Verdict);
    }

    [Fact]
    public void Resolve_EmptyIngressRule_DeniesAllIngress()
    {
        H.Apply(Cnp("ingress: [{}]"));
        MapState map = H.Map(Backend);

        Assert.True(map.IngressEnforced);
        Assert.Equal([PolicyKey.AnyOf(Out)], map.Sorted.Select(e => e.Key));
        Assert.Equal(PolicyVerdict.DeniedByDefault, map.Decide(Frontend.Identity, In, Tcp, 80).Verdict);
    }

    [Fact]
    public void Resolve_OnlyIngressDeny_TurnsOnDefaultDeny()
    {
        H.Apply(Cnp("ingressDeny: [{fromEntities: [world]}]"));
        MapState map = H.Map(Backend);

        Assert.True(map.IngressEnforced);
        Assert.Equal(PolicyVerdict.DeniedByRule, map.Decide(2, In, Tcp, 80).Verdict);
        Assert.Equal(PolicyVerdict.DeniedByDefault, map.Decide(Frontend.Identity, In, Tcp, 80).Verdict);
    }

    [Fact]
    public void Resolve_EnableDefaultDenyFalse_AdditiveAllowAllAndDenyStillApplies()
    {
        H.Apply(Cnp("""
            ingress: [{fromEndpoints: [{matchLabels: {app: frontend}}]}]
            ingressDeny: [{fromEntities: [world]}]
            enableDefaultDeny: {ingress: false}
            """));
        MapState map = H.Map(Backend);

        Assert.False(map.IngressEnforced);
        Assert.Equal(PolicyVerdict.Allowed, map.Decide(Stranger.Identity, In, Tcp, 80).Verdict);
        Assert.Equal(PolicyVerdict.DeniedByRule, map.Decide(2, In, Tcp, 80).Verdict);
    }

    [Fact]
    public void Resolve_OneRuleDisablesDefaultDenyAnotherDoesNot_Enforced()
    {
        H.Apply(Cnp("ingress: [{fromEntities: [host]}]\nenableDefaultDeny: {ingress: false}", "a"));
        H.Apply(Cnp("ingress: [{fromEndpoints: [{matchLabels: {app: frontend}}]}]", "b"));
        MapState map = H.Map(Backend);

        Assert.True(map.IngressEnforced);
        Assert.Equal(PolicyVerdict.Allowed, map.Decide(1, In, Tcp, 80).Verdict);
        Assert.Equal(PolicyVerdict.DeniedByDefault, map.Decide(Stranger.Identity, In, Tcp, 80).Verdict);
    }

    [Fact]
    public void Resolve_AlwaysMode_NoRulesEverythingDenied()
    {
        var h = new PolicyHarness(EnforcementMode.Always);
        EndpointInfo pod = h.Pod(1, "default", ("app", "x"));
        MapState map = h.Map(pod);

        Assert.True(map.IngressEnforced && map.EgressEnforced);
        Assert.Equal(0, map.Count);
        Assert.Equal(PolicyVerdict.DeniedByDefault, map.Decide(1, In, Tcp, 80).Verdict);
    }

    [Fact]
    public void Resolve_AlwaysMode_AllowsOnlyWhatRulesAllowBothDirections()
    {
        var h = new PolicyHarness(EnforcementMode.Always);
        EndpointInfo pod = h.Pod(1, "default", ("app", "backend"));
        h.Apply(Cnp("ingress: [{fromEntities: [host]}]"));
        MapState map = h.Map(pod);

        Assert.Equal(PolicyVerdict.Allowed, map.Decide(1, In, Tcp, 80).Verdict);
        Assert.Equal(PolicyVerdict.DeniedByDefault, map.Decide(1, Out, Tcp, 80).Verdict);
    }

    [Fact]
    public void Resolve_NeverMode_DenyRulesIgnored()
    {
        var h = new PolicyHarness(EnforcementMode.Never);
        EndpointInfo pod = h.Pod(1, "default", ("app", "backend"));
        h.Apply(Cnp("ingressDeny: [{fromEntities: [all]}]\negress: [{}]"));
        MapState map = h.Map(pod);

        Assert.False(map.IngressEnforced || map.EgressEnforced);
        Assert.Equal([PolicyKey.AnyOf(In), PolicyKey.AnyOf(Out)], map.Sorted.Select(e => e.Key));
    }
}
