using Tendril.Datapath.Abi;
using Tendril.Datapath.Maps;
using Tendril.Tests.Common;
using Tendril.Tests.Common.Packets;
using Xunit;
using static Tendril.Datapath.PrivilegedTests.LxcFixture;

namespace Tendril.Datapath.PrivilegedTests;

/// <summary>Replies, established connections and the host-to-pod program.</summary>
[Trait("Category", "Privileged")]
public sealed class ConntrackPrivilegedTests
{
    [PrivilegedFact]
    public void PrivilegedReply_PolicyDeniesTheReverseDirection_ReplyStillPasses()
    {
        using var lxc = new LxcFixture();
        lxc.Policy([AllowAll(true)], [AllowAll(false)]);
        Assert.Equal(TcActRedirect, lxc.Run(lxc.FromContainer, PacketBuilder.TcpV4("10.0.1.1", 40000, "10.0.1.2", 80, PacketBuilder.Syn)).Verdict);

        // B answers. B may send nothing on its own (no egress entries) and A admits nothing (no ingress entries).
        lxc.SendAs(B);
        var (verdict, _, events) = lxc.Run(lxc.FromContainer, PacketBuilder.TcpV4("10.0.1.2", 80, "10.0.1.1", 40000, PacketBuilder.Syn | PacketBuilder.Ack));
        var (unrelated, _, _) = lxc.Run(lxc.FromContainer, PacketBuilder.TcpV4("10.0.1.2", 81, "10.0.1.1", 40000, PacketBuilder.Syn));

        Assert.Equal(TcActRedirect, verdict);
        Assert.All(events, e => Assert.Equal((byte)ConnectionState.Reply, e.CtState));
        Assert.DoesNotContain(events, e => e.Type == (byte)EventType.PolicyVerdict);
        Assert.Equal(TcActShot, unrelated);
        Assert.True(Assert.Single(lxc.Conntrack.List((ulong)System.Diagnostics.Stopwatch.GetTimestamp())).SeenReply);
    }

    [PrivilegedFact]
    public void PrivilegedLookupOrder_ConnectionOpenedFromTheLowerPort_ClassifiedAsWhenTheGuessIsRight()
    {
        // ct_lookup tries the reverse tuple first for a packet from the lower port; here that guess is wrong both ways.
        using var lxc = new LxcFixture();
        lxc.Policy([AllowAll(true)], [AllowAll(false)]);
        Assert.Equal(TcActRedirect, lxc.Run(lxc.FromContainer, PacketBuilder.UdpV4("10.0.1.1", 53, "10.0.1.2", 40000)).Verdict);

        var (again, _, _) = lxc.Run(lxc.FromContainer, PacketBuilder.UdpV4("10.0.1.1", 53, "10.0.1.2", 40000));
        lxc.SendAs(B);
        var (reply, _, replyEvents) = lxc.Run(lxc.FromContainer, PacketBuilder.UdpV4("10.0.1.2", 40000, "10.0.1.1", 53));

        Assert.Equal(TcActRedirect, again);
        Assert.Equal(TcActRedirect, reply);
        Assert.All(replyEvents, e => Assert.Equal((byte)ConnectionState.Reply, e.CtState));
        var entry = Assert.Single(lxc.Conntrack.List((ulong)System.Diagnostics.Stopwatch.GetTimestamp()));
        Assert.Equal((53, 2ul, 1ul, true), (entry.SourcePort, entry.PacketsForward, entry.PacketsReverse, entry.SeenReply));
    }

    [PrivilegedFact]
    public void PrivilegedEstablished_PolicyTurnsToDeny_NextPacketIsDropped()
    {
        using var lxc = new LxcFixture();
        var (policyA, _) = lxc.Policy([AllowAll(true)], [AllowAll(false)]);
        Assert.Equal(TcActRedirect, lxc.Run(lxc.FromContainer, PacketBuilder.TcpV4("10.0.1.1", 40000, "10.0.1.2", 80, PacketBuilder.Syn)).Verdict);

        var (established, _, quiet) = lxc.Run(lxc.FromContainer, PacketBuilder.TcpV4("10.0.1.1", 40000, "10.0.1.2", 80, PacketBuilder.Ack));
        policyA.Sync(new Dictionary<PolicyMapKey, PolicyMapEntry> { [new PolicyMapKey(IdentityB, true, 0, 0, 0)] = new(Deny: true) });
        var (afterChange, _, events) = lxc.Run(lxc.FromContainer, PacketBuilder.TcpV4("10.0.1.1", 40000, "10.0.1.2", 80, PacketBuilder.Ack));

        Assert.Equal(TcActRedirect, established);
        Assert.Empty(quiet); // aggregation: a plain ACK of a known connection is not traced
        Assert.Equal(TcActShot, afterChange);
        var drop = Assert.Single(events, e => e.Type == (byte)EventType.Drop);
        Assert.Equal(((byte)DropReason.PolicyDeny, (byte)ConnectionState.Established), (drop.Subtype, drop.CtState));
    }

    [PrivilegedFact]
    public void PrivilegedUdpAndIcmp_RepliesFindTheirConnection()
    {
        using var lxc = new LxcFixture();
        lxc.Policy([AllowAll(true)], [AllowAll(false)]);
        lxc.Run(lxc.FromContainer, PacketBuilder.UdpV4("10.0.1.1", 5353, "10.0.1.2", 53));
        lxc.Run(lxc.FromContainer, PacketBuilder.IcmpV4("10.0.1.1", "10.0.1.2", 8, 77));

        lxc.SendAs(B);

        Assert.Equal(TcActRedirect, lxc.Run(lxc.FromContainer, PacketBuilder.UdpV4("10.0.1.2", 53, "10.0.1.1", 5353)).Verdict);
        Assert.Equal(TcActRedirect, lxc.Run(lxc.FromContainer, PacketBuilder.IcmpV4("10.0.1.2", "10.0.1.1", 0, 77)).Verdict);
        Assert.Equal(TcActShot, lxc.Run(lxc.FromContainer, PacketBuilder.IcmpV4("10.0.1.2", "10.0.1.1", 0, 78)).Verdict);
    }

    [PrivilegedFact]
    public void PrivilegedToContainer_SenderIdentityFromIpcache_HostAdmittedWorldDenied()
    {
        using var lxc = new LxcFixture();
        lxc.IpCache.Upsert(System.Net.IPNetwork.Parse("10.0.0.254/32"), 1);
        lxc.Policy([(new PolicyMapKey(1, false, 0, 0, 0), false)], []);

        var (fromHost, _, events) = lxc.Run(lxc.ToContainer, PacketBuilder.TcpV4("10.0.0.254", 50000, "10.0.1.1", 80));
        var (fromWorld, _, worldEvents) = lxc.Run(lxc.ToContainer, PacketBuilder.TcpV4("192.0.2.7", 50000, "10.0.1.1", 80));

        Assert.Equal(TcActOk, fromHost);
        Assert.Contains(events, e => e.Type == (byte)EventType.Trace && e.Subtype == (byte)TracePoint.ToEndpoint && e.SrcIdentity == 1);
        Assert.Equal(TcActShot, fromWorld);
        var drop = Assert.Single(worldEvents, e => e.Type == (byte)EventType.Drop);
        Assert.Equal((2u, (byte)DropReason.PolicyDenied, (byte)EventDirection.Ingress), (drop.SrcIdentity, drop.Subtype, drop.Direction));
    }

    [PrivilegedFact]
    public void PrivilegedToContainer_ReplyToPodConnection_PassesWithoutIngressPolicy()
    {
        using var lxc = new LxcFixture();
        lxc.Policy([AllowAll(true)], []);
        Assert.Equal(TcActOk, lxc.Run(lxc.FromContainer, PacketBuilder.TcpV4("10.0.1.1", 40000, "192.0.2.7", 443, PacketBuilder.Syn)).Verdict);

        var (verdict, _, events) = lxc.Run(lxc.ToContainer, PacketBuilder.TcpV4("192.0.2.7", 443, "10.0.1.1", 40000, PacketBuilder.Syn | PacketBuilder.Ack));

        Assert.Equal(TcActOk, verdict);
        Assert.All(events, e => Assert.Equal((byte)ConnectionState.Reply, e.CtState));
    }

    [PrivilegedFact]
    public void PrivilegedMetrics_ForwardsAndDrops_AreCountedByReasonAndDirection()
    {
        using var lxc = new LxcFixture();
        lxc.Policy([AllowAll(true)], []);

        lxc.Run(lxc.FromContainer, PacketBuilder.TcpV4("10.0.1.1", 40000, "192.0.2.7", 443));
        lxc.Run(lxc.FromContainer, PacketBuilder.TcpV4("10.0.1.1", 40001, "10.0.1.2", 80));

        var metrics = lxc.Metrics();
        Assert.Equal(1ul, metrics[(0, (byte)EventDirection.Egress)]);
        Assert.Equal(1ul, metrics[((byte)DropReason.PolicyDenied, (byte)EventDirection.Ingress)]);
    }
}
