using System.Buffers.Binary;
using System.Net;

namespace Tendril.Tests.Common.Packets;

/// <summary>Builds Ethernet frames with IPv4 TCP/UDP/ICMP or ARP payloads for BPF_PROG_TEST_RUN.</summary>
public static class PacketBuilder
{
    public const byte Tcp = 6, Udp = 17, Icmp = 1;
    public const byte Syn = 0x02, Ack = 0x10, Fin = 0x01, Rst = 0x04, Psh = 0x08;

    private static readonly byte[] SourceMac = [0x02, 0x00, 0x00, 0x00, 0x00, 0x01];
    private static readonly byte[] DestinationMac = [0x02, 0x00, 0x00, 0x00, 0x00, 0x02];

    /// <summary>An Ethernet + IPv4 + TCP frame (checksums computed) with <paramref name="payload"/> bytes of data.</summary>
    public static byte[] TcpV4(string source, ushort sourcePort, string destination, ushort destinationPort, byte flags = Syn, int payload = 0)
    {
        var frame = Ipv4(source, destination, Tcp, 20 + payload);
        var l4 = frame.AsSpan(34);
        BinaryPrimitives.WriteUInt16BigEndian(l4, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(l4[2..], destinationPort);
        BinaryPrimitives.WriteUInt32BigEndian(l4[4..], 1000);
        l4[12] = 5 << 4;
        l4[13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(l4[14..], 64240);
        return frame;
    }

    /// <summary>An Ethernet + IPv4 + UDP frame.</summary>
    public static byte[] UdpV4(string source, ushort sourcePort, string destination, ushort destinationPort, int payload = 0)
    {
        var frame = Ipv4(source, destination, Udp, 8 + payload);
        var l4 = frame.AsSpan(34);
        BinaryPrimitives.WriteUInt16BigEndian(l4, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(l4[2..], destinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(l4[4..], (ushort)(8 + payload));
        return frame;
    }

    /// <summary>An Ethernet + IPv4 + ICMP echo request.</summary>
    public static byte[] IcmpEchoV4(string source, string destination) => IcmpV4(source, destination, 8, 0);

    /// <summary>An Ethernet + IPv4 + ICMP message of <paramref name="type"/> with echo identifier <paramref name="id"/>.</summary>
    public static byte[] IcmpV4(string source, string destination, byte type, ushort id)
    {
        var frame = Ipv4(source, destination, Icmp, 8);
        frame[34] = type;
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(38), id);
        return frame;
    }

    /// <summary>An IPv4 packet of another protocol (e.g. 47, GRE) with a few payload bytes.</summary>
    public static byte[] OtherV4(string source, string destination, byte protocol) => Ipv4(source, destination, protocol, 8);

    /// <summary>A minimal IPv6 frame (header only).</summary>
    public static byte[] Ipv6Frame()
    {
        var frame = new byte[14 + 40];
        Ethernet(frame, 0x86dd);
        frame[14] = 0x60;
        return frame;
    }

    /// <summary>An ARP request (not IPv4), which IPv4 programs must let through untouched.</summary>
    public static byte[] ArpRequest(string sender, string target)
    {
        var frame = new byte[42];
        Ethernet(frame, 0x0806);
        var arp = frame.AsSpan(14);
        BinaryPrimitives.WriteUInt16BigEndian(arp, 1);
        BinaryPrimitives.WriteUInt16BigEndian(arp[2..], 0x0800);
        arp[4] = 6;
        arp[5] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(arp[6..], 1);
        SourceMac.CopyTo(arp[8..]);
        IPAddress.Parse(sender).GetAddressBytes().CopyTo(arp[14..]);
        IPAddress.Parse(target).GetAddressBytes().CopyTo(arp[24..]);
        return frame;
    }

    private static byte[] Ipv4(string source, string destination, byte protocol, int l4Length)
    {
        var frame = new byte[14 + 20 + l4Length];
        Ethernet(frame, 0x0800);
        var ip = frame.AsSpan(14, 20);
        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(20 + l4Length));
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], 1);
        ip[8] = 64;
        ip[9] = protocol;
        IPAddress.Parse(source).GetAddressBytes().CopyTo(ip[12..]);
        IPAddress.Parse(destination).GetAddressBytes().CopyTo(ip[16..]);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Checksum(ip));
        return frame;
    }

    private static void Ethernet(byte[] frame, ushort etherType)
    {
        DestinationMac.CopyTo(frame, 0);
        SourceMac.CopyTo(frame, 6);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), etherType);
    }

    /// <summary>The Internet checksum (RFC 1071) of <paramref name="data"/>.</summary>
    public static ushort Checksum(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        for (int i = 0; i + 1 < data.Length; i += 2)
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        if (data.Length % 2 == 1)
            sum += (uint)data[^1] << 8;
        while (sum >> 16 != 0)
            sum = (sum & 0xffff) + (sum >> 16);
        return (ushort)~sum;
    }
}
