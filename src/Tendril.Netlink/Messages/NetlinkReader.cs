using System.Buffers.Binary;
using System.Net;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Tendril.Netlink.Messages;

/// <summary>One netlink message inside a received datagram; <see cref="Payload"/> follows the 16-byte header.</summary>
internal readonly ref struct NetlinkMessage
{
    public NetlinkMessage(NlMsgHdr header, ReadOnlySpan<byte> payload)
    {
        Type = header.Type;
        Flags = header.Flags;
        Sequence = header.Sequence;
        PortId = header.PortId;
        Payload = payload;
    }

    public ushort Type { get; }

    public ushort Flags { get; }

    public uint Sequence { get; }

    public uint PortId { get; }

    public ReadOnlySpan<byte> Payload { get; }

    /// <summary>Reads the family header (ifinfomsg, rtmsg, ...) at the start of the payload.</summary>
    public T ReadHeader<T>(string what) where T : unmanaged
    {
        int size = Unsafe.SizeOf<T>();
        if (Payload.Length < size)
            throw new InvalidDataException($"netlink {what} message has {Payload.Length} payload bytes, fewer than its {size}-byte header");
        return MemoryMarshal.Read<T>(Payload);
    }

    /// <summary>The attributes after a family header of type <typeparamref name="T"/>.</summary>
    public AttributeReader Attributes<T>(string what) where T : unmanaged
    {
        int offset = Nl.Align(Unsafe.SizeOf<T>());
        if (Payload.Length < offset)
            throw new InvalidDataException($"netlink {what} message has {Payload.Length} payload bytes, fewer than its {offset}-byte header");
        return new AttributeReader(Payload[offset..], what);
    }
}

/// <summary>
/// Walks the messages of one datagram with bounds checks. A header that claims more bytes than remain,
/// or fewer than a header, is rejected with <see cref="InvalidDataException"/>.
/// </summary>
internal ref struct NetlinkMessageReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _offset;

    public NetlinkMessageReader(ReadOnlySpan<byte> datagram)
    {
        _data = datagram;
    }

    public bool TryRead(out NetlinkMessage message)
    {
        int remaining = _data.Length - _offset;
        if (remaining == 0)
        {
            message = default;
            return false;
        }
        if (remaining < Nl.HeaderLength)
            throw new InvalidDataException($"truncated netlink message: {remaining} bytes at offset {_offset}, fewer than the {Nl.HeaderLength}-byte header");
        var header = MemoryMarshal.Read<NlMsgHdr>(_data[_offset..]);
        if (header.Length < Nl.HeaderLength)
            throw new InvalidDataException($"malformed netlink message at offset {_offset}: length {header.Length} is shorter than its header");
        if (header.Length > remaining)
            throw new InvalidDataException($"truncated netlink message at offset {_offset}: length {header.Length} but only {remaining} bytes remain");
        int length = (int)header.Length;
        message = new NetlinkMessage(header, _data.Slice(_offset + Nl.HeaderLength, length - Nl.HeaderLength));
        _offset += Math.Min(Nl.Align(length), remaining);
        return true;
    }
}

/// <summary>
/// Walks a run of 4-byte-aligned attributes with bounds checks. Types are returned without the
/// NLA_F_NESTED / NLA_F_NET_BYTEORDER bits.
/// </summary>
internal ref struct AttributeReader
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly string _context;
    private int _offset;

    public AttributeReader(ReadOnlySpan<byte> attributes, string context)
    {
        _data = attributes;
        _context = context;
    }

    public bool TryRead(out ushort type, out ReadOnlySpan<byte> value)
    {
        int remaining = _data.Length - _offset;
        if (remaining == 0)
        {
            type = 0;
            value = default;
            return false;
        }
        if (remaining < Nl.AttributeHeaderLength)
            throw new InvalidDataException($"truncated attribute in {_context}: {remaining} bytes at offset {_offset}, fewer than the 4-byte attribute header");
        ushort length = MemoryMarshal.Read<ushort>(_data[_offset..]);
        ushort rawType = MemoryMarshal.Read<ushort>(_data[(_offset + 2)..]);
        if (length < Nl.AttributeHeaderLength)
            throw new InvalidDataException($"malformed attribute {rawType & Nl.NLA_TYPE_MASK} in {_context}: length {length} is shorter than its header");
        if (length > remaining)
            throw new InvalidDataException($"truncated attribute {rawType & Nl.NLA_TYPE_MASK} in {_context}: length {length} but only {remaining} bytes remain");
        type = (ushort)(rawType & Nl.NLA_TYPE_MASK);
        value = _data.Slice(_offset + Nl.AttributeHeaderLength, length - Nl.AttributeHeaderLength);
        _offset += Math.Min(Nl.Align(length), remaining);
        return true;
    }

    /// <summary>A reader over a nested attribute's value.</summary>
    public readonly AttributeReader Nested(ReadOnlySpan<byte> value, string what) => new(value, $"{_context} {what}");
}

/// <summary>Decoders for attribute values; each checks the value's size and names the attribute when it is wrong.</summary>
internal static class AttributeValue
{
    public static byte U8(ReadOnlySpan<byte> value, string name) => Exactly(value, 1, name)[0];

    public static ushort U16(ReadOnlySpan<byte> value, string name) => MemoryMarshal.Read<ushort>(Exactly(value, 2, name));

    public static uint U32(ReadOnlySpan<byte> value, string name) => MemoryMarshal.Read<uint>(Exactly(value, 4, name));

    public static ushort Be16(ReadOnlySpan<byte> value, string name) => BinaryPrimitives.ReadUInt16BigEndian(Exactly(value, 2, name));

    /// <summary>A string, with or without its NUL terminator.</summary>
    public static string String(ReadOnlySpan<byte> value)
    {
        int end = value.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? value : value[..end]);
    }

    /// <summary>An address of the given family: 4 bytes for AF_INET, 16 for AF_INET6.</summary>
    public static IPAddress Address(ReadOnlySpan<byte> value, byte family, string name)
    {
        int expected = family switch
        {
            Af.INET => 4,
            Af.INET6 => 16,
            _ => throw new InvalidDataException($"attribute {name} has address family {family}, neither AF_INET nor AF_INET6"),
        };
        return new IPAddress(Exactly(value, expected, name));
    }

    private static ReadOnlySpan<byte> Exactly(ReadOnlySpan<byte> value, int size, string name)
    {
        if (value.Length != size)
            throw new InvalidDataException($"attribute {name} has {value.Length} bytes, expected {size}");
        return value;
    }
}
