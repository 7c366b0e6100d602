using System.Buffers.Binary;
using System.Net;
using Tendril.Datapath.Abi;
using Tendril.Datapath.Maps;
using Tendril.Tests.Common;
using Tendril.Tests.Common.Packets;
using Xunit;
using static Tendril.Datapath.PrivilegedTests.LxcFixture;

namespace Tendril.Datapath.PrivilegedTests;

/// <summary>
/// Per-packet service load balancing in the endpoint program (BPF_PROG_TEST_RUN): DNAT to a backend, reverse NAT of
/// replies, no-backend drops, terminating backends, Maglev, and policy on the backend's identity.
/// Service 10.96.0.10:80 (ID 1); backend 1 is endpoint B on 8080, backend 2 a remote pod 10.0.9.9:8080 (identity 3000).
/// </summary>
[Trait("Category", "Privileged")]
public sealed class ServiceLbPrivilegedTests
{
    private const string Vip = "10.96.0.10";
    private const ushort RevNat = 1;
    private const uint IdentityRemote = 3000;
    private static readonly IPAddress VipAddress = IPAddress.Parse(Vip);

    private static readonly BackendRecord BackendB = new(1, IPAddress.Parse("10.0.1.2"), 8080, PacketBuilder.Tcp);
    private static readonly BackendRecord BackendRemote = new(2, IPAddress.Parse("10.0.9.9"), 8080, PacketBuilder.Tcp);

    [PrivilegedTheory]
    [InlineData(PacketBuilder.Tcp)]
    [InlineData(PacketBuilder.Udp)]
    public void PrivilegedFromContainer_ToServiceWithOneBackend_DnatsToTheBackendWithValidChecksums(byte protocol)
    {
        using var lxc = new LxcFixture();
        lxc.Policy([AllowAll(true)], [AllowAll(false)]);
        Program(lxc, protocol, [BackendB with { Protocol = protocol }]);

        var (verdict, output, events) = lxc.Run(lxc.FromContainer, Packet(protocol, "10.0.1.1", 40000, Vip, 80));

        Assert.Equal(TcActRedirect, verdict);
        AssertChecksumsValid(output);
        Assert.Equal((BackendB.Address, (ushort)8080), Destination(output));
        Assert.Equal((IPAddress.Parse("10.0.1.1"), (ushort)40000), Source(output));
        Assert.Equal((B.EndpointId, IdentityB), (events[^1].DestEndpoint, events[^1].DstIdentity));
        var connections = lxc.Conntrack.List(Now());
        var service = Assert.Single(connections, c => c.IsService);
        Assert.Equal((VipAddress, (ushort)80, 1u, RevNat), (service.Destination, service.DestinationPort, service.BackendId, service.RevNatIndex));
        var translated = Assert.Single(connections, c => !c.IsService);
        Assert.Equal((BackendB.Address, (ushort)8080, RevNat), (translated.Destination, translated.DestinationPort, translated.RevNatIndex));
    }

    [PrivilegedFact]
    public void PrivilegedFromContainer_ReplyFromLocalBackend_LeavesWithTheFrontendAsSource()
    {
        using var lxc = new LxcFixture();
        lxc.Policy([AllowAll(true)], [AllowAll(false)]);
        Program(lxc, PacketBuilder.Tcp, [BackendB]);
        Assert.Equal(TcActRedirect, lxc.Run(lxc.FromContainer, Packet(PacketBuilder.Tcp, "10.0.1.1", 40000, Vip, 80)).Verdict);

        lxc.SendAs(B);
        var (verdict, output, events) = lxc.Run(lxc.FromContainer,
            Packet(PacketBuilder.Tcp, "10.0.1.2", 8080, "10.0.1.1", 40000, PacketBuilder.Syn | PacketBuilder.Ack));

        Assert.Equal(TcActRedirect, verdict);
        AssertChecksumsValid(output);
        Assert.Equal((VipAddress, (ushort)80), Source(output));
        Assert.Equal((IPAddress.Parse("10.0.1.1"), (ushort)40000), Destination(output));
        Assert.Equal(A.Mac.GetAddressBytes(), output[..6]);
        Assert.All(events, e => Assert.Equal((byte)ConnectionState.Reply, e.CtState));
    }

    [PrivilegedFact]
    public void PrivilegedToContainer_ReplyFromRemoteBackend_ArrivesFromTheFrontend()
    {
        using var lxc = new LxcFixture();
        lxc.Policy([AllowAll(true)], []);
        lxc.IpCache.Upsert(IPNetwork.Parse("10.0.9.9/32"), IdentityRemote);
        Program(lxc, PacketBuilder.Tcp, [BackendRemote]);
        var (verdict, output, _) = lxc.Run(lxc.FromContainer, Packet(PacketBuilder.Tcp, "10.0.1.1", 40000, Vip, 80));
        Assert.Equal(TcActOk, verdict);
        Assert.Equal((BackendRemote.Address, (ushort)8080), Destination(output));

        var (replyVerdict, reply, _) = lxc.Run(lxc.ToContainer,
            Packet(PacketBuilder.Tcp, "10.0.9.9", 8080, "10.0.1.1", 40000, PacketBuilder.Syn | PacketBuilder.Ack));

        Assert.Equal(TcActOk, replyVerdict);
        AssertChecksumsValid(reply);
        Assert.Equal((VipAddress, (ushort)80), Source(reply));
    }

    [PrivilegedFact]
    public void PrivilegedFromContainer_ServiceWithoutBackends_DropsWithServiceBackendNotFound()
    {
        using var lxc = new LxcFixture();
        lxc.Policy([AllowAll(true)], [AllowAll(false)]);
        Program(lxc, PacketBuilder.Tcp, []);

        var (verdict, _, events) = lxc.Run(lxc.FromContainer, Packet(PacketBuilder.Tcp, "10.0.1.1", 40000, Vip, 80));

        Assert.Equal(TcActShot, verdict);
        var drop = Assert.Single(events);
        Assert.Equal(((byte)EventType.Drop, (byte)DropReason.NoServiceBackend, (byte)EventDirection.Egress), (drop.Type, drop.Subtype, drop.Direction));
        Assert.Equal(VipAddress.GetAddressBytes(), DaddrOf(drop));
        Assert.Equal(1ul, lxc.Metrics()[((byte)DropReason.NoServiceBackend, (byte)EventDirection.Egress)]);
    }

    [PrivilegedTheory]
    [InlineData(PacketBuilder.Tcp)]
    [InlineData(PacketBuilder.Udp)]
    public void PrivilegedFromContainer_RejectingServiceWithoutBackends_AnswersWithIcmpPortUnreachable(byte protocol)
    {
        using var lxc = new LxcFixture();
        lxc.Policy([AllowAll(true)], [AllowAll(false)]);
        Program(lxc, protocol, [], ServiceFlags.RejectWithoutBackends);
        var packet = Packet(protocol, "10.0.1.1", 40000, Vip, 80);

        var (verdict, output, events) = lxc.Run(lxc.FromContainer, packet);

        // bpf_redirect(skb->ifindex, 0): back out of the pod's own veth, which delivers into the pod.
        Assert.Equal(TcActRedirect, verdict);
        Assert.Equal(14 + 20 + 8 + 28, output.Length);
        Assert.Equal(packet[6..12], output[..6]);
        Assert.Equal(packet[..6], output[6..12]);
        Assert.Equal(new byte[] { 0x08, 0x00 }, output[12..14]);
        var ip = output.AsSpan(14, 20);
        Assert.Equal(((byte)0x45, (ushort)56, (byte)64, PacketBuilder.Icmp), (ip[0], BinaryPrimitives.ReadUInt16BigEndian(ip[2..]), ip[8], ip[9]));
        Assert.Equal(VipAddress, new IPAddress(ip[12..16]));
        Assert.Equal(A.Address, new IPAddress(ip[16..20]));
        Assert.Equal(0, PacketBuilder.Checksum(ip));
        Assert.Equal(((byte)3, (byte)3), (output[34], output[35]));
        Assert.Equal(0, PacketBuilder.Checksum(output.AsSpan(34)));
        Assert.Equal(packet[14..42], output[42..]);
        var drop = Assert.Single(events);
        Assert.Equal(((byte)EventType.Drop, (byte)DropReason.NoServiceBackend, (byte)EventDirection.Egress, RevNat),
            (drop.Type, drop.Subtype, drop.Direction, drop.RevNatIndex));
        Assert.Equal(VipAddress.GetAddressBytes(), DaddrOf(drop));
        Assert.Equal(1ul, lxc.Metrics()[((byte)DropReason.NoServiceBackend, (byte)EventDirection.Egress)]);
    }

    [PrivilegedFact]
    public void PrivilegedFromContainer_BackendTerminating_KeepsItsConnectionButGetsNoNewOnes()
    {
        using var lxc = new LxcFixture();
        lxc.Policy([AllowAll(true)], [AllowAll(false)]);
        lxc.IpCache.Upsert(IPNetwork.Parse("10.0.9.9/32"), IdentityRemote);
        Program(lxc, PacketBuilder.Tcp, [BackendB]);
        Assert.Equal(TcActRedirect, lxc.Run(lxc.FromContainer, Packet(PacketBuilder.Tcp, "10.0.1.1", 40000, Vip, 80)).Verdict);

        // B starts terminating: it leaves the slots, stays in the backend map; the remote pod takes new connections.
        lxc.LoadBalancer.UpsertBackends([BackendB with { State = BackendState.Terminating }, BackendRemote]);
        lxc.LoadBalancer.UpsertService(new ServiceRecord(Frontend(PacketBuilder.Tcp), RevNat, [BackendRemote.Id]));
        var (existing, existingOut, _) = lxc.Run(lxc.FromContainer, Packet(PacketBuilder.Tcp, "10.0.1.1", 40000, Vip, 80, PacketBuilder.Ack));
        var (fresh, freshOut, _) = lxc.Run(lxc.FromContainer, Packet(PacketBuilder.Tcp, "10.0.1.1", 40001, Vip, 80));
        // The same tuple opening again (a SYN) is a new connection: it must not land on the terminating backend either.
        var (reopened, reopenedOut, _) = lxc.Run(lxc.FromContainer, Packet(PacketBuilder.Tcp, "10.0.1.1", 40000, Vip, 80));

        Assert.Equal((TcActRedirect, BackendB.Address), (existing, Destination(existingOut).Address));
        Assert.Equal((TcActOk, BackendRemote.Address), (fresh, Destination(freshOut).Address));
        Assert.Equal((TcActOk, BackendRemote.Address), (reopened, Destination(reopenedOut).Address));
    }

    [PrivilegedFact]
    public void PrivilegedFromContainer_TerminatingBackendStillInASlot_IsNotChosenForNewConnections()
    {
        using var lxc = new LxcFixture();
        lxc.Policy([AllowAll(true)], [AllowAll(false)]);
        lxc.IpCache.Upsert(IPNetwork.Parse("10.0.9.9/32"), IdentityRemote);
        Program(lxc, PacketBuilder.Tcp, [BackendB with { State = BackendState.Terminating }, BackendRemote]);

        var destinations = Enumerable.Range(0, 32)
            .Select(i => Destination(lxc.Run(lxc.FromContainer, Packet(PacketBuilder.Tcp, "10.0.1.1", (ushort)(41000 + i), Vip, 80)).Output).Address)
            .ToHashSet();

        Assert.Equal([BackendRemote.Address], destinations);
    }

    [PrivilegedFact]
    public void PrivilegedFromContainer_MaglevService_SelectsFromTheServicesTable()
    {
        using var lxc = new LxcFixture();
        lxc.Policy([AllowAll(true)], [AllowAll(false)]);
        lxc.IpCache.Upsert(IPNetwork.Parse("10.0.9.9/32"), IdentityRemote);
        Program(lxc, PacketBuilder.Tcp, [BackendB, BackendRemote], ServiceFlags.Maglev);
        // A table that names only the remote backend, though both are in the slots: selection must come from it.
        lxc.LoadBalancer.Maglev.Set(RevNat, Enumerable.Repeat(BackendRemote.Id, (int)MaglevTableSize).ToArray());

        var destinations = Enumerable.Range(0, 16)
            .Select(i => Destination(lxc.Run(lxc.FromContainer, Packet(PacketBuilder.Tcp, "10.0.1.1", (ushort)(42000 + i), Vip, 80)).Output).Address)
            .ToHashSet();

        Assert.Equal([BackendRemote.Address], destinations);
        Assert.Equal([RevNat], lxc.LoadBalancer.Maglev.Services());
    }

    [PrivilegedFact]
    public void PrivilegedFromContainer_ServicePolicy_AppliesToTheBackendsIdentity()
    {
        using var lxc = new LxcFixture();
        // A may reach identity B on TCP 8080 (the backend's port), nothing else; the frontend itself is never allowed.
        lxc.Policy([(new PolicyMapKey(IdentityB, true, PacketBuilder.Tcp, 8080, 16), false)], [AllowAll(false)]);
        lxc.IpCache.Upsert(IPNetwork.Parse("10.0.9.9/32"), IdentityRemote);
        Program(lxc, PacketBuilder.Tcp, [BackendB]);
        var other = new ServiceFrontend(IPAddress.Parse("10.96.0.11"), 80, PacketBuilder.Tcp);
        lxc.LoadBalancer.UpsertBackends([BackendRemote]);
        lxc.LoadBalancer.UpsertReverseNat(2, other.Address, other.Port);
        lxc.LoadBalancer.UpsertService(new ServiceRecord(other, 2, [BackendRemote.Id]));

        var (toB, _, _) = lxc.Run(lxc.FromContainer, Packet(PacketBuilder.Tcp, "10.0.1.1", 40000, Vip, 80));
        var (toRemote, _, events) = lxc.Run(lxc.FromContainer, Packet(PacketBuilder.Tcp, "10.0.1.1", 40001, "10.96.0.11", 80));

        Assert.Equal(TcActRedirect, toB);
        Assert.Equal(TcActShot, toRemote);
        var drop = Assert.Single(events, e => e.Type == (byte)EventType.Drop);
        Assert.Equal(((byte)DropReason.PolicyDenied, IdentityRemote), (drop.Subtype, drop.DstIdentity));
        Assert.Equal(BackendRemote.Address.GetAddressBytes(), DaddrOf(drop));
    }

    /// <summary>Allow-all policy both ways and the TCP service with its one backend behind another node (10.0.9.9).</summary>
    private static LxcFixture RemoteBackendService()
    {
        var lxc = new LxcFixture();
        try
        {
            lxc.Policy([AllowAll(true)], [AllowAll(false)]);
            lxc.IpCache.Upsert(IPNetwork.Parse("10.0.9.9/32"), IdentityRemote);
            Program(lxc, PacketBuilder.Tcp, [BackendRemote]);
            return lxc;
        }
        catch
        {
            lxc.Dispose();
            throw;
        }
    }

    [PrivilegedFact]
    public void PrivilegedFromContainer_ClientPortHeldByADirectConnection_ServiceConnectionLeavesFromAnotherPortAndRepliesComeBack()
    {
        using var lxc = RemoteBackendService();
        // 40000 to the backend's own address, closed: the backend may still hold that tuple in TIME_WAIT.
        lxc.Run(lxc.FromContainer, Packet(PacketBuilder.Tcp, "10.0.1.1", 40000, "10.0.9.9", 8080));
        lxc.Run(lxc.FromContainer, Packet(PacketBuilder.Tcp, "10.0.1.1", 40000, "10.0.9.9", 8080, PacketBuilder.Fin | PacketBuilder.Ack));

        var (verdict, syn, _) = lxc.Run(lxc.FromContainer, Packet(PacketBuilder.Tcp, "10.0.1.1", 40000, Vip, 80));
        var wire = Source(syn);
        var (_, ack, _) = lxc.Run(lxc.FromContainer, Packet(PacketBuilder.Tcp, "10.0.1.1", 40000, Vip, 80, PacketBuilder.Ack));
        var (replyVerdict, reply, _) = lxc.Run(lxc.ToContainer,
            Packet(PacketBuilder.Tcp, "10.0.9.9", 8080, "10.0.1.1", wire.Port, PacketBuilder.Syn | PacketBuilder.Ack));

        Assert.Equal((TcActOk, A.Address), (verdict, wire.Address));
        Assert.NotEqual(40000, wire.Port);
        AssertChecksumsValid(syn);
        Assert.Equal((BackendRemote.Address, (ushort)8080), Destination(syn));
        Assert.Equal((wire, (BackendRemote.Address, (ushort)8080)), (Source(ack), Destination(ack)));
        AssertChecksumsValid(ack);
        Assert.Equal(TcActOk, replyVerdict);
        AssertChecksumsValid(reply);
        Assert.Equal(((VipAddress, (ushort)80), (A.Address, (ushort)40000)), (Source(reply), Destination(reply)));
        var service = Assert.Single(lxc.Conntrack.List(Now()), c => c.IsService);
        Assert.Equal(wire.Port, service.NatPort);
    }

    [PrivilegedFact]
    public void PrivilegedFromContainer_ClientPortHeldByAServiceConnection_DirectConnectionLeavesFromAnotherPortAndRepliesComeBack()
    {
        using var lxc = RemoteBackendService();
        // 40000 through the frontend, closed: the backend may still hold 10.0.1.1:40000 -> 10.0.9.9:8080 in TIME_WAIT.
        lxc.Run(lxc.FromContainer, Packet(PacketBuilder.Tcp, "10.0.1.1", 40000, Vip, 80));
        lxc.Run(lxc.FromContainer, Packet(PacketBuilder.Tcp, "10.0.1.1", 40000, Vip, 80, PacketBuilder.Fin | PacketBuilder.Ack));

        var (verdict, syn, _) = lxc.Run(lxc.FromContainer, Packet(PacketBuilder.Tcp, "10.0.1.1", 40000, "10.0.9.9", 8080));
        var wire = Source(syn);
        var (_, ack, _) = lxc.Run(lxc.FromContainer, Packet(PacketBuilder.Tcp, "10.0.1.1", 40000, "10.0.9.9", 8080, PacketBuilder.Ack));
        var (replyVerdict, reply, _) = lxc.Run(lxc.ToContainer,
            Packet(PacketBuilder.Tcp, "10.0.9.9", 8080, "10.0.1.1", wire.Port, PacketBuilder.Syn | PacketBuilder.Ack));

        Assert.Equal((TcActOk, A.Address), (verdict, wire.Address));
        Assert.NotEqual(40000, wire.Port);
        AssertChecksumsValid(syn);
        Assert.Equal((wire, (BackendRemote.Address, (ushort)8080)), (Source(ack), Destination(ack)));
        Assert.Equal(TcActOk, replyVerdict);
        AssertChecksumsValid(reply);
        Assert.Equal(((BackendRemote.Address, (ushort)8080), (A.Address, (ushort)40000)), (Source(reply), Destination(reply)));
        var remap = Assert.Single(lxc.Conntrack.List(Now()), c => c.IsPortRemap);
        Assert.Equal(((ushort)40000, wire.Port), (remap.SourcePort, remap.NatPort));
    }

    [PrivilegedFact]
    public void PrivilegedFromContainer_ClientPortReusedThroughTheSameFrontend_KeepsItsPort()
    {
        using var lxc = RemoteBackendService();
        lxc.Run(lxc.FromContainer, Packet(PacketBuilder.Tcp, "10.0.1.1", 40000, Vip, 80));
        lxc.Run(lxc.FromContainer, Packet(PacketBuilder.Tcp, "10.0.1.1", 40000, Vip, 80, PacketBuilder.Fin | PacketBuilder.Ack));

        var (_, syn, _) = lxc.Run(lxc.FromContainer, Packet(PacketBuilder.Tcp, "10.0.1.1", 40000, Vip, 80));

        // Addressed alike, the client's sequence numbers and timestamps continue the old connection's: no need to move.
        Assert.Equal((A.Address, (ushort)40000), Source(syn));
    }

    [PrivilegedFact]
    public void PrivilegedFromContainer_NotAService_PassesUntranslated()
    {
        using var lxc = new LxcFixture();
        lxc.Policy([AllowAll(true)], [AllowAll(false)]);
        Program(lxc, PacketBuilder.Tcp, [BackendB]);
        var packet = Packet(PacketBuilder.Tcp, "10.0.1.1", 40000, Vip, 81);

        var (verdict, output, _) = lxc.Run(lxc.FromContainer, packet);

        Assert.Equal(TcActOk, verdict);
        Assert.Equal(packet, output);
        Assert.DoesNotContain(lxc.Conntrack.List(Now()), c => c.IsService);
    }

    private static ServiceFrontend Frontend(byte protocol) => new(VipAddress, 80, protocol);

    private static void Program(LxcFixture lxc, byte protocol, BackendRecord[] backends, ServiceFlags flags = ServiceFlags.None)
    {
        lxc.LoadBalancer.UpsertBackends(backends);
        lxc.LoadBalancer.UpsertReverseNat(RevNat, VipAddress, 80);
        lxc.LoadBalancer.UpsertService(new ServiceRecord(Frontend(protocol), RevNat, backends.Select(b => b.Id).ToList(), flags));
    }

    private static ulong Now() => (ulong)System.Diagnostics.Stopwatch.GetTimestamp();

    private static byte[] DaddrOf(FlowEvent e)
    {
        unsafe
        {
            return new ReadOnlySpan<byte>(e.Daddr, 4).ToArray();
        }
    }

    /// <summary>A TCP (SYN unless told) or UDP frame whose L4 checksum is correct, as a real stack sends it.</summary>
    internal static byte[] Packet(byte protocol, string source, ushort sourcePort, string destination, ushort destinationPort, byte flags = PacketBuilder.Syn)
    {
        var frame = protocol == PacketBuilder.Tcp
            ? PacketBuilder.TcpV4(source, sourcePort, destination, destinationPort, flags, payload: 5)
            : PacketBuilder.UdpV4(source, sourcePort, destination, destinationPort, payload: 5);
        frame.AsSpan(frame.Length - 5).Fill(0x5a);
        int checksumOffset = 34 + (protocol == PacketBuilder.Tcp ? 16 : 6);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(checksumOffset), L4Checksum(frame));
        return frame;
    }

    private static (IPAddress Address, ushort Port) Source(byte[] frame) =>
        (new IPAddress(frame.AsSpan(26, 4)), BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(34)));

    internal static (IPAddress Address, ushort Port) Destination(byte[] frame) =>
        (new IPAddress(frame.AsSpan(30, 4)), BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(36)));

    private static void AssertChecksumsValid(byte[] frame)
    {
        Assert.Equal(0, PacketBuilder.Checksum(frame.AsSpan(14, 20)));
        Assert.Equal(0, L4Checksum(frame));
    }

    /// <summary>The TCP/UDP checksum over the pseudo-header and segment: 0 when the checksum field is right.</summary>
    private static ushort L4Checksum(byte[] frame)
    {
        var segment = frame.AsSpan(34);
        var buffer = new byte[12 + segment.Length];
        frame.AsSpan(26, 8).CopyTo(buffer);
        buffer[9] = frame[23];
        BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(10), (ushort)segment.Length);
        segment.CopyTo(buffer.AsSpan(12));
        return PacketBuilder.Checksum(buffer);
    }
}
