using Tendril.Datapath.Abi;
using Tendril.Datapath.Maps;
using Tendril.Tests.Common;
using Tendril.Tests.Common.Packets;
using Xunit;
using static Tendril.Datapath.PrivilegedTests.LxcFixture;

namespace Tendril.Datapath.PrivilegedTests;

/// <summary>A's egress policy decides a TCP packet to B:80; B admits everything. Cilium's six match types and their order.</summary>
[Trait("Category", "Privileged")]
public sealed class PolicyPrecedencePrivilegedTests
{
    private const byte Tcp = 6, Udp = 17;

    public static TheoryData<string, PolicyMapKey, PolicyMatchType> SingleEntries => new()
    {
        { "L3-L4", new PolicyMapKey(IdentityB, true, Tcp, 80, 16), PolicyMatchType.L3L4 },
        { "L4-only", new PolicyMapKey(0, true, Tcp, 80, 16), PolicyMatchType.L4Only },
        { "L3-proto", new PolicyMapKey(IdentityB, true, Tcp, 0, 0), PolicyMatchType.L3Proto },
        { "proto-only", new PolicyMapKey(0, true, Tcp, 0, 0), PolicyMatchType.ProtoOnly },
        { "L3-only", new PolicyMapKey(IdentityB, true, 0, 0, 0), PolicyMatchType.L3Only },
        { "all", new PolicyMapKey(0, true, 0, 0, 0), PolicyMatchType.All },
    };

    [PrivilegedTheory]
    [MemberData(nameof(SingleEntries))]
    public void PrivilegedEgress_OneAllowEntry_AllowsWithItsMatchType(string name, PolicyMapKey key, PolicyMatchType expected)
    {
        using var lxc = new LxcFixture();
        lxc.Policy([(key, false)], [AllowAll(false)]);

        var (verdict, _, events) = lxc.Run(lxc.FromContainer, PacketBuilder.TcpV4("10.0.1.1", 40000, "10.0.1.2", 80));

        Assert.True(verdict == TcActRedirect, name);
        Assert.Equal((byte)expected, events.First(e => e.Type == (byte)EventType.PolicyVerdict).MatchType);
    }

    [PrivilegedTheory]
    [MemberData(nameof(SingleEntries))]
    public void PrivilegedEgress_OneDenyEntry_DropsWithPolicyDenyAndItsMatchType(string name, PolicyMapKey key, PolicyMatchType expected)
    {
        using var lxc = new LxcFixture();
        lxc.Policy([(key, true)], [AllowAll(false)]);

        var (verdict, _, events) = lxc.Run(lxc.FromContainer, PacketBuilder.TcpV4("10.0.1.1", 40000, "10.0.1.2", 80));

        Assert.True(verdict == TcActShot, name);
        var verdictEvent = Assert.Single(events, e => e.Type == (byte)EventType.PolicyVerdict);
        Assert.Equal(((byte)expected, (byte)1), (verdictEvent.MatchType, verdictEvent.Verdict));
        Assert.Equal((byte)DropReason.PolicyDeny, Assert.Single(events, e => e.Type == (byte)EventType.Drop).Subtype);
    }

    [PrivilegedFact]
    public void PrivilegedEgress_NoMatchingEntry_DropsPolicyDeniedWithMatchTypeNone()
    {
        using var lxc = new LxcFixture();
        lxc.Policy([(new PolicyMapKey(IdentityB, true, Udp, 80, 16), false)], [AllowAll(false)]);

        var (verdict, _, events) = lxc.Run(lxc.FromContainer, PacketBuilder.TcpV4("10.0.1.1", 40000, "10.0.1.2", 80));

        Assert.Equal(TcActShot, verdict);
        Assert.Equal((byte)PolicyMatchType.None, events.First(e => e.Type == (byte)EventType.PolicyVerdict).MatchType);
        Assert.Equal((byte)DropReason.PolicyDenied, events.First(e => e.Type == (byte)EventType.Drop).Subtype);
    }

    [PrivilegedFact]
    public void PrivilegedEgress_L4OnlyDenyAgainstL3ProtoAllow_TheLongerL4MatchWins()
    {
        using var lxc = new LxcFixture();
        lxc.Policy([(new PolicyMapKey(0, true, Tcp, 80, 16), true), (new PolicyMapKey(IdentityB, true, Tcp, 0, 0), false)], [AllowAll(false)]);

        Assert.Equal(TcActShot, lxc.Run(lxc.FromContainer, PacketBuilder.TcpV4("10.0.1.1", 40000, "10.0.1.2", 80)).Verdict);
        Assert.Equal(TcActRedirect, lxc.Run(lxc.FromContainer, PacketBuilder.TcpV4("10.0.1.1", 40000, "10.0.1.2", 81)).Verdict);
    }

    [PrivilegedFact]
    public void PrivilegedEgress_SameL4MatchForIdentityAndAny_TheIdentitySpecificEntryWins()
    {
        using var lxc = new LxcFixture();
        lxc.Policy([(new PolicyMapKey(IdentityB, true, Tcp, 80, 16), false), (new PolicyMapKey(0, true, Tcp, 80, 16), true)], [AllowAll(false)]);

        var (verdict, _, events) = lxc.Run(lxc.FromContainer, PacketBuilder.TcpV4("10.0.1.1", 40000, "10.0.1.2", 80));

        Assert.Equal(TcActRedirect, verdict);
        Assert.Equal((byte)PolicyMatchType.L3L4, events.First(e => e.Type == (byte)EventType.PolicyVerdict).MatchType);
    }

    [PrivilegedTheory]
    [InlineData((ushort)8079, false)]
    [InlineData((ushort)8080, true)]
    [InlineData((ushort)8083, true)]
    [InlineData((ushort)8084, false)]
    public void PrivilegedEgress_PortRangePrefix_CoversExactlyItsPorts(ushort port, bool allowed)
    {
        using var lxc = new LxcFixture();
        lxc.Policy([(new PolicyMapKey(IdentityB, true, Tcp, 8080, 14), false)], [AllowAll(false)]);

        var verdict = lxc.Run(lxc.FromContainer, PacketBuilder.TcpV4("10.0.1.1", 40000, "10.0.1.2", port)).Verdict;

        Assert.Equal(allowed ? TcActRedirect : TcActShot, verdict);
    }

    [PrivilegedFact]
    public void PrivilegedEgress_IcmpTypeEntry_AllowsEchoRequestOnly()
    {
        using var lxc = new LxcFixture();
        lxc.Policy([(new PolicyMapKey(IdentityB, true, 1, 8 << 8, 8), false)], [AllowAll(false)]);

        Assert.Equal(TcActRedirect, lxc.Run(lxc.FromContainer, PacketBuilder.IcmpV4("10.0.1.1", "10.0.1.2", 8, 7)).Verdict);
        Assert.Equal(TcActShot, lxc.Run(lxc.FromContainer, PacketBuilder.IcmpV4("10.0.1.1", "10.0.1.2", 13, 7)).Verdict);
    }
}
