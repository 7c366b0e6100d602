using System.Net;
using Tendril.Datapath.Abi;
using Tendril.Datapath.Maps;
using Tendril.Tests.Common;
using Tendril.Tests.Common.Packets;
using Xunit;
using static Tendril.Datapath.PrivilegedTests.LxcFixture;

namespace Tendril.Datapath.PrivilegedTests;

/// <summary>tendril_from_container on crafted packets: parsing, anti-spoofing, ARP, delivery, drop reasons.</summary>
[Trait("Category", "Privileged")]
public sealed class FromContainerPrivilegedTests
{
    private static readonly byte[] SynAToB = PacketBuilder.TcpV4("10.0.1.1", 40000, "10.0.1.2", 80, PacketBuilder.Syn);

    [PrivilegedFact]
    public void PrivilegedFromContainer_NoPolicyMapYet_DropsForMissingConfiguration()
    {
        using var lxc = new LxcFixture();

        var (verdict, _, events) = lxc.Run(lxc.FromContainer, SynAToB);

        Assert.Equal(TcActShot, verdict);
        var drop = Assert.Single(events, e => e.Type == (byte)EventType.Drop);
        Assert.Equal((byte)DropReason.NoConfiguration, drop.Subtype);
    }

    [PrivilegedFact]
    public void PrivilegedFromContainer_AllowAllBothWays_RedirectsIntoTheReceiverAsItsGateway()
    {
        using var lxc = new LxcFixture();
        lxc.Policy([AllowAll(true), AllowAll(false)], [AllowAll(true), AllowAll(false)]);

        var (verdict, output, events) = lxc.Run(lxc.FromContainer, SynAToB);

        Assert.Equal(TcActRedirect, verdict);
        Assert.Equal(B.Mac.GetAddressBytes(), output[..6]);
        Assert.Equal(B.NodeMac.GetAddressBytes(), output[6..12]);
        Assert.Equal(
            [(EventType.Trace, (byte)TracePoint.FromEndpoint), (EventType.PolicyVerdict, 0), (EventType.PolicyVerdict, 0), (EventType.Trace, (byte)TracePoint.ToEndpoint)],
            events.Select(e => ((EventType)e.Type, e.Subtype)));
        Assert.All(events, e => Assert.Equal((byte)ConnectionState.New, e.CtState));
        Assert.Equal([EventDirection.Egress, EventDirection.Ingress], events.Where(e => e.Type == (byte)EventType.PolicyVerdict).Select(e => (EventDirection)e.Direction));
        var to = events[^1];
        Assert.Equal((A.EndpointId, B.EndpointId, IdentityA, IdentityB), (to.SourceEndpoint, to.DestEndpoint, to.SrcIdentity, to.DstIdentity));
        var connection = Assert.Single(lxc.Conntrack.List((ulong)System.Diagnostics.Stopwatch.GetTimestamp()));
        Assert.Equal((IPAddress.Parse("10.0.1.1"), (ushort)40000, IPAddress.Parse("10.0.1.2"), (ushort)80, IdentityA),
            (connection.Source, connection.SourcePort, connection.Destination, connection.DestinationPort, connection.SourceIdentity));
    }

    [PrivilegedFact]
    public void PrivilegedFromContainer_SpoofedSource_DropsInvalidSourceIp()
    {
        using var lxc = new LxcFixture();
        lxc.Policy([AllowAll(true)], [AllowAll(false)]);

        var (verdict, _, events) = lxc.Run(lxc.FromContainer, PacketBuilder.TcpV4("10.0.1.99", 40000, "10.0.1.2", 80));

        Assert.Equal(TcActShot, verdict);
        Assert.Equal((byte)DropReason.InvalidSourceIp, Assert.Single(events).Subtype);
        Assert.Equal(1ul, lxc.Metrics()[((byte)DropReason.InvalidSourceIp, (byte)EventDirection.Egress)]);
    }

    [PrivilegedFact]
    public void PrivilegedFromContainer_Ipv6Frame_DropsUnsupportedL3()
    {
        using var lxc = new LxcFixture();

        var (verdict, _, events) = lxc.Run(lxc.FromContainer, PacketBuilder.Ipv6Frame());

        Assert.Equal(TcActShot, verdict);
        Assert.Equal((byte)DropReason.UnsupportedL3Protocol, Assert.Single(events).Subtype);
    }

    [PrivilegedFact]
    public void PrivilegedFromContainer_GrePacket_DropsUnknownL4()
    {
        using var lxc = new LxcFixture();
        lxc.Policy([AllowAll(true)], [AllowAll(false)]);

        var (verdict, _, events) = lxc.Run(lxc.FromContainer, PacketBuilder.OtherV4("10.0.1.1", "10.0.1.2", 47));

        Assert.Equal(TcActShot, verdict);
        Assert.Equal((byte)DropReason.UnknownL4Protocol, Assert.Single(events).Subtype);
    }

    [PrivilegedFact]
    public void PrivilegedFromContainer_ArpForTheGateway_IsAnsweredWithTheNodeMac()
    {
        using var lxc = new LxcFixture();
        var request = PacketBuilder.ArpRequest("10.0.1.1", "10.0.0.1");

        var (verdict, reply, _) = lxc.Run(lxc.FromContainer, request);

        Assert.Equal(TcActRedirect, verdict);
        Assert.Equal(request[6..12], reply[..6]);
        Assert.Equal(A.NodeMac.GetAddressBytes(), reply[6..12]);
        Assert.Equal([0x00, 0x02], reply[20..22]);
        Assert.Equal(A.NodeMac.GetAddressBytes(), reply[22..28]);
        Assert.Equal(IPAddress.Parse("10.0.0.1").GetAddressBytes(), reply[28..32]);
        Assert.Equal(IPAddress.Parse("10.0.1.1").GetAddressBytes(), reply[38..42]);
    }

    [PrivilegedFact]
    public void PrivilegedFromContainer_ArpForItsOwnAddress_PassesUnanswered()
    {
        using var lxc = new LxcFixture();
        var probe = PacketBuilder.ArpRequest("10.0.1.1", "10.0.1.1");

        var (verdict, output, _) = lxc.Run(lxc.FromContainer, probe);

        Assert.Equal(TcActOk, verdict);
        Assert.Equal(probe, output);
    }

    [PrivilegedFact]
    public void PrivilegedFromContainer_ToWorld_GoesToTheStackUnderEgressPolicy()
    {
        using var lxc = new LxcFixture();
        var (policyA, _) = lxc.Policy([(new PolicyMapKey(2, true, 0, 0, 0), false)], [AllowAll(false)]);
        var packet = PacketBuilder.UdpV4("10.0.1.1", 5000, "192.0.2.10", 53);

        var (allowed, _, events) = lxc.Run(lxc.FromContainer, packet);
        policyA.Sync(new Dictionary<PolicyMapKey, PolicyMapEntry>());
        var (denied, _, _) = lxc.Run(lxc.FromContainer, PacketBuilder.UdpV4("10.0.1.1", 5001, "192.0.2.10", 53));

        Assert.Equal(TcActOk, allowed);
        Assert.Equal((byte)TracePoint.ToStack, events[^1].Subtype);
        Assert.Equal(2u, events[^1].DstIdentity);
        Assert.Equal(TcActShot, denied);
    }

    [PrivilegedFact]
    public void PrivilegedFromContainer_ReceiverIngressDenies_DropsWithIngressDirectionAndReceiver()
    {
        using var lxc = new LxcFixture();
        lxc.Policy([AllowAll(true)], []);

        var (verdict, _, events) = lxc.Run(lxc.FromContainer, SynAToB);

        Assert.Equal(TcActShot, verdict);
        var drop = Assert.Single(events, e => e.Type == (byte)EventType.Drop);
        Assert.Equal(((byte)DropReason.PolicyDenied, (byte)EventDirection.Ingress, B.EndpointId), (drop.Subtype, drop.Direction, drop.DestEndpoint));
    }
}
