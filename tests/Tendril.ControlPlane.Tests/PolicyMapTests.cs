using Tendril.ControlPlane.PolicyMap;

namespace Tendril.ControlPlane.Tests;

public class PolicyMapTests
{
    private const TrafficDirection In = TrafficDirection.Ingress;

    [Theory]
    [InlineData(80, 80, "80/16")]
    [InlineData(8080, 8083, "8080/14")]
    [InlineData(8080, 8090, "8080/13,8088/15,8090/16")]
    [InlineData(0, 65535, "0/0")]
    [InlineData(1, 65535, "1/16,2/15,4/14,8/13,16/12,32/11,64/10,128/9,256/8,512/7,1024/6,2048/5,4096/4,8192/3,16384/2,32768/1")]
    [InlineData(1024, 65535, "1024/6,2048/5,4096/4,8192/3,16384/2,32768/1")]
    [InlineData(65535, 65535, "65535/16")]
    public void Split_Ranges_MinimalAlignedPrefixes(int first, int last, string expected)
    {
        IReadOnlyList<(ushort Port, byte PrefixLength)> blocks = PortPrefixes.Split((ushort)first, (ushort)last);

        Assert.Equal(expected, string.Join(",", blocks.Select(b => $"{b.Port}/{b.PrefixLength}")));
    }

    [Fact]
    public void Split_RandomRanges_CoverExactlyTheRange()
    {
        var random = new Random(7);
        for (int n = 0; n < 40; n++)
        {
            int a = random.Next(0, 65536), b = random.Next(a, 65536);
            var covered = new HashSet<int>();
            foreach ((ushort port, byte prefix) in PortPrefixes.Split((ushort)a, (ushort)b))
            {
                int size = 1 << (16 - prefix);
                Assert.Equal(0, port % size);
                for (int p = port; p < port + size; p++)
                    Assert.True(covered.Add(p));
            }

            Assert.Equal(b - a + 1, covered.Count);
            Assert.True(covered.Min() == a && covered.Max() == b);
        }
    }

    [Fact]
    public void PolicyKey_PortWithoutProtocol_Throws()
    {
        Assert.Throws<ArgumentException>(() => new PolicyKey(0, In, 0, 80, 16));
        Assert.Throws<ArgumentException>(() => new PolicyKey(0, In, 6, 8081, 14));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PolicyKey(0, In, 6, 80, 17));
    }

    [Theory]
    [InlineData(0u, 0, 0, 0, 40u, 0)]
    [InlineData(5u, 6, 0, 0, 48u, 8)]
    [InlineData(5u, 6, 80, 16, 64u, 24)]
    [InlineData(5u, 6, 8080, 14, 62u, 22)]
    public void PolicyKey_PrefixLengths_MatchDatapathLayout(uint id, byte proto, int port, byte prefix, uint lpm, byte l4)
    {
        var key = new PolicyKey(id, In, proto, (ushort)port, prefix);

        Assert.Equal(lpm, key.LpmPrefixLength);
        Assert.Equal(l4, key.L4PrefixLength);
    }

    [Theory]
    [InlineData(16530u, 6, 80, 16, "Ingress: 16530 80/TCP")]
    [InlineData(0u, 0, 0, 0, "Ingress: 0 ANY")]
    [InlineData(0u, 6, 8080, 14, "Ingress: 0 8080-8083/TCP")]
    [InlineData(0u, 17, 0, 0, "Ingress: 0 ANY/UDP")]
    [InlineData(2u, 1, 8 << 8, 8, "Ingress: 2 8/ICMP")]
    public void PolicyKey_ToString_CiliumRendering(uint id, byte proto, int port, byte prefix, string expected)
    {
        Assert.Equal(expected, new PolicyKey(id, In, proto, (ushort)port, prefix).ToString());
    }

    [Fact]
    public void Intersect_Overlapping_MoreSpecificOfEach()
    {
        var l3 = new PolicyKey(300, In, 0, 0, 0);
        var l4 = new PolicyKey(0, In, 6, 8080, 14);
        var port = new PolicyKey(0, In, 6, 8081, 16);

        Assert.Equal(new PolicyKey(300, In, 6, 8080, 14), l3.Intersect(l4));
        Assert.Equal(new PolicyKey(0, In, 6, 8081, 16), l4.Intersect(port));
        Assert.False(new PolicyKey(300, In, 0, 0, 0).Overlaps(new PolicyKey(301, In, 0, 0, 0)));
        Assert.False(new PolicyKey(0, In, 6, 0, 0).Overlaps(new PolicyKey(0, In, 17, 0, 0)));
        Assert.False(new PolicyKey(0, In, 6, 80, 16).Overlaps(new PolicyKey(0, In, 6, 8080, 14)));
        Assert.False(new PolicyKey(0, In, 0, 0, 0).Overlaps(new PolicyKey(0, TrafficDirection.Egress, 0, 0, 0)));
    }

    [Fact]
    public void Decide_SpecificAndWildcardEqualLength_SpecificWins()
    {
        var map = new MapState(
        [
            new(new PolicyKey(300, In, 6, 80, 16), PolicyEntry.Allow),
            new(new PolicyKey(0, In, 6, 80, 16), PolicyEntry.Denied),
        ], true, true);

        PolicyDecision decision = map.Decide(300, In, 6, 80);

        Assert.Equal(PolicyVerdict.Allowed, decision.Verdict);
        Assert.Equal(PolicyMatchType.L3L4, decision.MatchType);
    }

    [Fact]
    public void Decide_WildcardLonger_WildcardWins()
    {
        var map = new MapState(
        [
            new(new PolicyKey(300, In, 0, 0, 0), PolicyEntry.Allow),
            new(new PolicyKey(0, In, 6, 80, 16), PolicyEntry.Denied),
        ], true, true);

        Assert.Equal(new PolicyDecision(PolicyVerdict.DeniedByRule, PolicyMatchType.L4Only, new PolicyKey(0, In, 6, 80, 16)), map.Decide(300, In, 6, 80));
        Assert.Equal(PolicyVerdict.Allowed, map.Decide(300, In, 6, 81).Verdict);
        Assert.Equal(new PolicyDecision(PolicyVerdict.DeniedByDefault, PolicyMatchType.None, null), map.Decide(301, In, 6, 81));
    }

    [Fact]
    public void Diff_ChangedMap_OnlyChangedEntries()
    {
        var a = new PolicyKey(300, In, 6, 80, 16);
        var b = new PolicyKey(301, In, 6, 80, 16);
        var c = new PolicyKey(302, In, 6, 80, 16);
        var old = new MapState([new(a, PolicyEntry.Allow), new(b, PolicyEntry.Allow)], true, false);
        var @new = new MapState([new(a, PolicyEntry.Allow), new(b, PolicyEntry.Denied), new(c, PolicyEntry.Allow)], true, false);

        MapStateDiff diff = MapState.Diff(old, @new);
        MapStateDiff back = MapState.Diff(@new, old);

        Assert.Equal([new(b, PolicyEntry.Denied), new(c, PolicyEntry.Allow)], diff.Upserts.ToArray());
        Assert.Empty(diff.Deletes);
        Assert.Equal([c], back.Deletes.ToArray());
        Assert.True(MapState.Diff(old, old).IsEmpty);
        Assert.Equal(2, MapState.Diff(null, old).Upserts.Length);
    }
}
