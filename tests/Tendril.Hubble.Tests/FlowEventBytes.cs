using System.Buffers.Binary;
using System.Net;

namespace Tendril.Hubble.Tests;

/// <summary>
/// Builds a <c>struct flow_event</c> record byte by byte from the C layout in bpf/shared/events.h (x86-64/arm64,
/// little-endian): offsets are written out here on purpose rather than taken from the C# mirror.
/// </summary>
internal sealed class FlowEventBytes
{
    public const int Size = 80;

    public byte Type { get; init; }
    public byte Subtype { get; init; }
    public ushort SourceEndpoint { get; init; }
    public ushort DestEndpoint { get; init; }
    public byte CtState { get; init; }
    public byte Direction { get; init; }
    public ulong KtimeNs { get; init; }
    public uint SrcIdentity { get; init; }
    public uint DstIdentity { get; init; }
    public string Saddr { get; init; } = "10.0.0.1";
    public string Daddr { get; init; } = "10.0.0.2";
    public ushort Sport { get; init; }
    public ushort Dport { get; init; }
    public byte Protocol { get; init; }
    public byte TcpFlags { get; init; }
    public byte Family { get; init; } = 1;
    public byte MatchType { get; init; }
    public byte Verdict { get; init; }
    public ushort RevNatIndex { get; init; }
    public uint Len { get; init; } = 60;
    public uint Ifindex { get; init; }

    public byte[] Build()
    {
        var b = new byte[Size];
        b[0] = Type;
        b[1] = Subtype;
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(2), SourceEndpoint);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(4), DestEndpoint);
        b[6] = CtState;
        b[7] = Direction;
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(8), KtimeNs);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(16), SrcIdentity);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(20), DstIdentity);
        IPAddress.Parse(Saddr).GetAddressBytes().CopyTo(b.AsSpan(24));
        IPAddress.Parse(Daddr).GetAddressBytes().CopyTo(b.AsSpan(40));
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(56), Sport);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(58), Dport);
        b[60] = Protocol;
        b[61] = TcpFlags;
        b[62] = Family;
        b[63] = MatchType;
        b[64] = Verdict;
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(66), RevNatIndex);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(68), Len);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(72), Ifindex);
        return b;
    }
}
