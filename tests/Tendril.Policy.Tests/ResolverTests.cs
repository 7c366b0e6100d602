using System.Net;
using Xunit;

namespace Tendril.Policy.Tests;

public class ResolverTests
{
    private const string Demo = """
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata: {name: rule1, namespace: default}
        spec:
          endpointSelector: {matchLabels: {org: empire, class: deathstar}}
          ingress:
          - fromEndpoints: [{matchLabels: {org: empire}}]
            toPorts: [{ports: [{port: "80", protocol: TCP}]}]
        """;

    private static readonly string[] Deathstar = Pod("default", "org=empire", "class=deathstar");
    private static readonly IdentityLabels Tiefighter = new(300, Pod("default", "org=empire", "class=tiefighter"));
    private static readonly IdentityLabels Xwing = new(301, Pod("default", "org=alliance", "class=xwing"));
    private static readonly IdentityLabels OtherEmpire = new(302, Pod("other", "org=empire"));
    private static readonly IdentityLabels[] Identities = [new(299, Deathstar), Tiefighter, Xwing, OtherEmpire];

    internal static string[] Pod(string ns, params string[] labels) =>
        [.. labels.Select(l => "k8s:" + l), $"k8s:io.kubernetes.pod.namespace={ns}", $"k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name={ns}"];

    private static MapState Resolve(string yaml, string[] labels, EnforcementMode mode = EnforcementMode.Default)
    {
        var engine = new PolicyEngine(mode);
        engine.Import(yaml);
        return engine.Resolve(labels, Identities);
    }

    [Fact]
    public void Resolve_DemoPolicy_OnlyEmpireOfTheSameNamespaceReachesPort80()
    {
        var state = Resolve(Demo, Deathstar);

        Assert.True(state.IngressEnforced);
        Assert.False(state.EgressEnforced);
        Assert.True(PolicyResolver.Decide(state, Tiefighter.Id, false, 6, 80));
        Assert.False(PolicyResolver.Decide(state, Tiefighter.Id, false, 6, 81));
        Assert.False(PolicyResolver.Decide(state, Tiefighter.Id, false, 17, 80));
        Assert.False(PolicyResolver.Decide(state, Xwing.Id, false, 6, 80));
        Assert.False(PolicyResolver.Decide(state, OtherEmpire.Id, false, 6, 80));
        Assert.True(PolicyResolver.Decide(state, Xwing.Id, true, 6, 443));
    }

    [Fact]
    public void Resolve_EndpointNotSelected_EverythingAllowed()
    {
        var state = Resolve(Demo, Tiefighter.Labels.ToArray());

        Assert.False(state.IngressEnforced);
        Assert.True(PolicyResolver.Decide(state, Xwing.Id, false, 6, 22));
    }

    [Fact]
    public void Resolve_L3DenyAgainstL4OnlyAllow_DenyWins()
    {
        var state = Resolve("""
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: p}
            spec:
              endpointSelector: {matchLabels: {class: deathstar}}
              ingress: [{toPorts: [{ports: [{port: "80", protocol: TCP}]}]}]
              ingressDeny: [{fromEndpoints: [{matchLabels: {class: xwing}}]}]
            """, Deathstar);

        Assert.True(PolicyResolver.Decide(state, Tiefighter.Id, false, 6, 80));
        Assert.False(PolicyResolver.Decide(state, Xwing.Id, false, 6, 80));
        Assert.True(state.Entries[new MapStateKey(Xwing.Id, false, 6, 80, 16)]);
    }

    [Fact]
    public void Resolve_EnableDefaultDenyFalse_AddsWithoutRestricting()
    {
        var state = Resolve("""
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: p}
            spec:
              endpointSelector: {}
              enableDefaultDeny: {ingress: false}
              ingress: [{fromEntities: [host]}]
              egressDeny: [{toEntities: [world]}]
            """, Deathstar);

        Assert.False(state.IngressEnforced);
        Assert.True(PolicyResolver.Decide(state, Xwing.Id, false, 6, 22));
        Assert.True(PolicyResolver.Decide(state, 1, false, 6, 22));
        Assert.True(state.EgressEnforced);
        Assert.False(PolicyResolver.Decide(state, 2, true, 6, 443));
    }

    [Theory]
    [InlineData(EnforcementMode.Always, false)]
    [InlineData(EnforcementMode.Never, true)]
    public void Resolve_EnforcementMode_AppliesWithoutRules(EnforcementMode mode, bool allowed)
    {
        var state = Resolve(Demo, Tiefighter.Labels.ToArray(), mode);

        Assert.Equal(allowed, PolicyResolver.Decide(state, Xwing.Id, false, 6, 80));
        Assert.Equal(allowed, PolicyResolver.Decide(state, Xwing.Id, true, 6, 80));
    }

    [Fact]
    public void Resolve_CidrSetWithExcept_SelectsTheCidrButNotTheCarvedOutPart()
    {
        var engine = new PolicyEngine();
        engine.Import("""
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: p}
            spec:
              endpointSelector: {}
              egress: [{toCIDRSet: [{cidr: 10.0.0.0/8, except: [10.96.0.0/12]}]}]
            """);
        var cidrs = engine.CidrIdentities;
        var state = engine.Resolve(Deathstar, Identities);

        uint wide = cidrs[IPNetwork.Parse("10.0.0.0/8")], carved = cidrs[IPNetwork.Parse("10.96.0.0/12")];
        Assert.True(wide > PolicyEngine.CidrIdentityBase);
        Assert.True(PolicyResolver.Decide(state, wide, true, 6, 443));
        Assert.False(PolicyResolver.Decide(state, carved, true, 6, 443));
        Assert.False(PolicyResolver.Decide(state, 2, true, 6, 443));
    }

    [Fact]
    public void Resolve_IcmpAndEntities_ProduceTypeAndReservedEntries()
    {
        var state = Resolve("""
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: p}
            spec:
              endpointSelector: {}
              ingress:
              - fromEntities: [host, remote-node]
                icmps: [{fields: [{type: EchoRequest}]}]
            """, Deathstar);

        Assert.True(PolicyResolver.Decide(state, 1, false, 1, 8 << 8));
        Assert.True(PolicyResolver.Decide(state, 6, false, 1, 8 << 8));
        Assert.False(PolicyResolver.Decide(state, 1, false, 1, 13 << 8));
        Assert.False(PolicyResolver.Decide(state, Xwing.Id, false, 1, 8 << 8));
    }

    [Theory]
    [InlineData(80, 80, "80/16")]
    [InlineData(8080, 8083, "8080/14")]
    [InlineData(8080, 8090, "8080/13 8088/15 8090/16")]
    [InlineData(1, 65535, "1/16 2/15 4/14 8/13 16/12 32/11 64/10 128/9 256/8 512/7 1024/6 2048/5 4096/4 8192/3 16384/2 32768/1")]
    public void PortPrefixes_Range_FewestAlignedBlocks(int first, int last, string expected) =>
        Assert.Equal(expected, string.Join(" ", PolicyResolver.PortPrefixes((ushort)first, (ushort)last).Select(p => $"{p.Port}/{p.Prefix}")));

    [Fact]
    public void Combine_RandomAllowsAndDenies_DenyWinsForEveryPacketADenyCovers()
    {
        var random = new Random(1234);
        for (int round = 0; round < 300; round++)
        {
            var allows = Enumerable.Range(0, random.Next(1, 6)).Select(_ => RandomKey(random)).ToHashSet();
            var denies = Enumerable.Range(0, random.Next(1, 4)).Select(_ => RandomKey(random)).ToHashSet();
            var state = new MapState(PolicyResolver.Combine(allows, denies), true, true);
            for (int packet = 0; packet < 40; packet++)
            {
                uint peer = (uint)random.Next(1, 4);
                byte protocol = random.Next(2) == 0 ? (byte)6 : (byte)17;
                ushort port = (ushort)random.Next(78, 86);
                bool denied = denies.Any(d => Covers(d, peer, protocol, port));
                bool expected = !denied && allows.Any(a => Covers(a, peer, protocol, port));
                Assert.True(expected == PolicyResolver.Decide(state, peer, false, protocol, port),
                    $"round {round}: peer {peer} {protocol}/{port}; allows {string.Join(", ", allows)}; denies {string.Join(", ", denies)}");
            }
        }
    }

    private static MapStateKey RandomKey(Random random)
    {
        uint identity = (uint)random.Next(0, 4);
        byte protocol = random.Next(3) switch { 0 => 0, 1 => 6, _ => 17 };
        if (protocol == 0)
            return new MapStateKey(identity, false, 0, 0, 0);
        byte prefix = (byte)(random.Next(3) switch { 0 => 0, 1 => 14, _ => 16 });
        ushort port = prefix == 0 ? (ushort)0 : (ushort)(random.Next(78, 86) & (0xffff << (16 - prefix)));
        return new MapStateKey(identity, false, protocol, port, prefix);
    }

    private static bool Covers(MapStateKey key, uint peer, byte protocol, ushort port)
    {
        if (key.Identity != 0 && key.Identity != peer)
            return false;
        if (key.Protocol == 0)
            return true;
        if (key.Protocol != protocol)
            return false;
        int mask = key.PortPrefix == 0 ? 0 : 0xffff << (16 - key.PortPrefix) & 0xffff;
        return (port & mask) == (key.Port & mask);
    }
}
