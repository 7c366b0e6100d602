using System.Collections.Immutable;
using Tendril.ControlPlane.Identities;
using Tendril.ControlPlane.Labels;
using Tendril.ControlPlane.Net;
using Tendril.ControlPlane.Policy;
using Tendril.ControlPlane.Policy.Model;
using Tendril.ControlPlane.Policy.Parsing;
using Tendril.ControlPlane.PolicyMap;
using Tendril.ControlPlane.Selectors;

namespace Tendril.ControlPlane.Tests;

/// <summary>
/// Random rule sets, resolved into map state, then every packet of a grid decided two ways: by the datapath's
/// two-lookup rule over the map (MapState.Decide) and by evaluating the rules directly (deny beats allow, allow
/// beats default deny). They must agree on the verdict for every packet.
/// </summary>
public class DenyWinsPropertyTests
{
    private static readonly byte[] Protocols = [6, 17, 132, 1, 58];
    private static readonly ushort[] Ports = [1, 53, 79, 80, 81, 127, 128, 443, 999, 1000, 1001, 8079, 8080, 8083, 8084, 8090, 8091, 32768, 65535];
    private static readonly ushort[] IcmpTypes = [0, 8, 128];

    [Theory]
    [InlineData(EnforcementMode.Default, 1)]
    [InlineData(EnforcementMode.Default, 2)]
    [InlineData(EnforcementMode.Default, 3)]
    [InlineData(EnforcementMode.Always, 4)]
    [InlineData(EnforcementMode.Never, 5)]
    public void Decide_RandomRules_AgreesWithRuleEvaluation(EnforcementMode mode, int seed)
    {
        var random = new Random(seed);
        for (int trial = 0; trial < 60; trial++)
        {
            var h = new PolicyHarness(mode);
            EndpointInfo target = h.Pod(1, "default", ("app", "target"));
            var peers = new List<Identity>
            {
                h.Identities.Allocate(Pod("a")),
                h.Identities.Allocate(Pod("b")),
                h.Identities.Allocate(Pod("c")),
                ReservedIdentities.Lookup(ReservedIdentities.Host)!,
                ReservedIdentities.Lookup(ReservedIdentities.World)!,
            };

            List<Rule> rules = [.. Enumerable.Range(0, random.Next(1, 5)).Select(i => RandomRule(random, i))];
            h.Repository.Apply(rules.Select((r, i) => new ParsedPolicy(r.Origin, [r], i)));
            peers.AddRange(h.Cidrs.All);

            MapState map = h.Map(target);
            List<Rule> selecting = [.. rules.Where(r => r.EndpointSelector.Matches(target.Labels))];
            foreach (Identity peer in peers)
            {
                foreach (TrafficDirection direction in new[] { TrafficDirection.Ingress, TrafficDirection.Egress })
                {
                    foreach (byte protocol in Protocols)
                    {
                        foreach (ushort port in protocol is 1 or 58 ? IcmpTypes : Ports)
                        {
                            PolicyVerdict expected = Evaluate(selecting, mode, peer.Labels, direction, protocol, port);
                            PolicyDecision actual = map.Decide(peer.Id.Value, direction, protocol, port);
                            if (expected != actual.Verdict)
                            {
                                Assert.Fail($"seed {seed} trial {trial}: {direction} from {peer} {protocol}/{port}: rules say {expected}, map says {actual.Verdict} via {actual.Key}\n"
                                    + string.Join("\n", map.Sorted.Select(e => $"  {e.Key} {e.Value}")) + "\n" + string.Join("\n", selecting.Select(Describe)));
                            }
                        }
                    }
                }
            }

        }
    }

    private static string Describe(Rule r) =>
        $"rule {r.Origin.Name} dd={r.EnableDefaultDeny}: " + string.Join(" | ", r.PeerRules().Select(p =>
            $"{p.Direction}{(p.Deny ? " DENY" : "")} ep=[{string.Join(",", p.Peer.Endpoints ?? [])}] ent=[{string.Join(",", p.Peer.Entities ?? [])}] cidr=[{string.Join(",", (p.Peer.Cidrs ?? []).Select(c => c.ToSelector().Key))}] "
            + $"ports=[{string.Join(",", p.Peer.Ports.SelectMany(x => x.Ports))}] icmp=[{string.Join(",", p.Peer.Icmps)}]"));

    private static LabelSet Pod(string app) => PodIdentityLabels.For([KeyValuePair.Create("app", app)], "default");

    // ---- the reference: rules evaluated directly, with ranges instead of prefixes ----

    private static PolicyVerdict Evaluate(List<Rule> rules, EnforcementMode mode, LabelSet peer, TrafficDirection direction, byte protocol, ushort port)
    {
        if (mode == EnforcementMode.Never)
            return PolicyVerdict.Allowed;
        if (rules.Any(r => r.Denies(direction).Any(p => Covers(p, peer, protocol, port))))
            return PolicyVerdict.DeniedByRule;
        bool enforced = mode == EnforcementMode.Always || rules.Any(r => r.EnablesDefaultDeny(direction));
        if (!enforced)
            return PolicyVerdict.Allowed;
        return rules.Any(r => r.Allows(direction).Any(p => Covers(p, peer, protocol, port)))
            ? PolicyVerdict.Allowed
            : PolicyVerdict.DeniedByDefault;
    }

    private static bool Covers(PeerRule rule, LabelSet peer, byte protocol, ushort port)
    {
        bool peerMatches = !rule.HasPeers
            ? rule.HasL4
            : (rule.Endpoints ?? []).Any(s => s.Matches(peer))
              || (rule.Cidrs ?? []).Any(c => c.ToSelector().Matches(peer))
              || (rule.Entities ?? []).Any(e => e == Entity.All || Entities.SelectorsFor(e).Any(s => s.Matches(peer)));
        if (!peerMatches)
            return false;
        if (!rule.HasL4)
            return true;
        bool portMatches = rule.Ports.SelectMany(p => p.Ports).Any(pp =>
            (pp.Protocol == L4Protocol.Any ? protocol is 6 or 17 or 132 : protocol == (byte)pp.Protocol)
            && (pp.Port == 0 || (port >= pp.Port && port <= Math.Max(pp.Port, pp.EndPort))));
        return portMatches || rule.Icmps.Any(i => protocol == (byte)i.Protocol && port == i.Type);
    }

    // ---- random rules ----

    private static Rule RandomRule(Random random, int index)
    {
        var origin = new RuleOrigin(PolicyKind.CiliumNetworkPolicy, "default", $"r{index}");
        bool? ingressDefault = random.Next(5) == 0 ? false : null;
        bool? egressDefault = random.Next(5) == 0 ? false : null;
        return new Rule
        {
            Origin = origin,
            EndpointSelector = random.Next(6) == 0 ? LabelSelector.MatchLabels(("app", "nobody")) : LabelSelector.All,
            Ingress = Section(random),
            IngressDeny = Section(random),
            Egress = Section(random),
            EgressDeny = Section(random),
            EnableDefaultDeny = new DefaultDenyConfig(ingressDefault, egressDefault),
        };
    }

    private static ImmutableArray<PeerRule> Section(Random random) =>
        [.. Enumerable.Range(0, random.Next(0, 3)).Select(_ => RandomPeerRule(random))];

    private static PeerRule RandomPeerRule(Random random)
    {
        var rule = new PeerRule();
        switch (random.Next(6))
        {
            case 0:
                break; // L4-only (or the empty rule when no ports follow)
            case 1:
                rule = rule with { Endpoints = [Selector(random)] };
                break;
            case 2:
                rule = rule with { Endpoints = [Selector(random), Selector(random)] };
                break;
            case 3:
                rule = rule with { Entities = [(new[] { Entity.Host, Entity.World, Entity.All, Entity.Cluster })[random.Next(4)]] };
                break;
            case 4:
                rule = rule with { Cidrs = [new CidrRule(CidrPrefix.Parse("10.0.0.0/8"), random.Next(2) == 0 ? [CidrPrefix.Parse("10.1.0.0/16")] : [])] };
                break;
            default:
                rule = rule with { Endpoints = [Selector(random)], Entities = [Entity.Host] };
                break;
        }

        switch (random.Next(4))
        {
            case 0:
                return rule;
            case 1:
                return rule with { Icmps = [new IcmpField(random.Next(2) == 0 ? IcmpFamily.IPv4 : IcmpFamily.IPv6, (byte)(random.Next(2) == 0 ? 8 : 128))] };
            default:
                return rule with { Ports = [new PortRule([.. Enumerable.Range(0, random.Next(1, 3)).Select(_ => RandomPort(random))])] };
        }
    }

    private static LabelSelector Selector(Random random) => random.Next(4) switch
    {
        0 => LabelSelector.MatchLabels(("app", "a")),
        1 => LabelSelector.MatchLabels(("app", "b")),
        2 => LabelSelector.Create(matchExpressions: [("app", SelectorOperator.In, ["a", "c"])]),
        _ => LabelSelector.Create(matchExpressions: [("app", SelectorOperator.NotIn, ["a"]), ("k8s:io.kubernetes.pod.namespace", SelectorOperator.Exists, null)]),
    };

    private static PortProtocol RandomPort(Random random)
    {
        L4Protocol protocol = (new[] { L4Protocol.TCP, L4Protocol.UDP, L4Protocol.Any, L4Protocol.SCTP })[random.Next(4)];
        return random.Next(5) switch
        {
            0 => new PortProtocol(protocol),
            1 => new PortProtocol(protocol, 80),
            2 => new PortProtocol(protocol, 8080, 8090),
            3 => new PortProtocol(protocol, 1, 1000),
            _ => new PortProtocol(protocol, (ushort)random.Next(1, 1024), (ushort)random.Next(1024, 65536)),
        };
    }
}
