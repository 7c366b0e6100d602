using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Tendril.Netlink.Messages;

/// <summary>
/// Builds one netlink request: an <c>nlmsghdr</c>, a fixed family header, then 4-byte-aligned attributes,
/// possibly nested. Padding is always zeroed. Pure: it only fills a buffer.
/// </summary>
/// <remarks>
/// Owns a pooled buffer that is reused by every message; <see cref="Dispose"/> returns it.
/// Not thread-safe: one writer per socket.
/// </remarks>
internal sealed class NetlinkWriter : IDisposable
{
    private byte[] _buffer;
    private int _length;
    private bool _inMessage;

    public NetlinkWriter(int initialCapacity = 512)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);
    }

    /// <summary>The bytes written so far; after <see cref="EndMessage"/> this is the whole request.</summary>
    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    /// <summary>The sequence number in the current message's header.</summary>
    public uint Sequence => _length >= Nl.HeaderLength ? MemoryMarshal.Read<NlMsgHdr>(_buffer).Sequence : 0;

    /// <summary>Discards anything written and starts a message with the given header fields.</summary>
    public void BeginMessage(ushort type, ushort flags, uint sequence)
    {
        _length = 0;
        _inMessage = true;
        var header = new NlMsgHdr { Type = type, Flags = flags, Sequence = sequence };
        Header(in header);
    }

    /// <summary>Writes the final length into the header and returns the complete message.</summary>
    public ReadOnlySpan<byte> EndMessage()
    {
        EnsureMessage();
        uint length = (uint)_length;
        MemoryMarshal.Write(_buffer.AsSpan(0, 4), in length);
        _inMessage = false;
        return Written;
    }

    /// <summary>Rewrites the sequence number of a finished message (to resend it, e.g. a retried dump).</summary>
    public void SetSequence(uint sequence)
    {
        if (_length < Nl.HeaderLength)
            throw new InvalidOperationException("no message has been written");
        MemoryMarshal.Write(_buffer.AsSpan(8, 4), in sequence);
    }

    /// <summary>Appends a fixed-size header struct (ifinfomsg, rtmsg, ...) in host byte order, padded to 4 bytes.</summary>
    public void Header<T>(in T header) where T : unmanaged => MemoryMarshal.Write(Reserve(Unsafe.SizeOf<T>()), in header);

    /// <summary>Appends an attribute with an arbitrary payload.</summary>
    public void Attribute(ushort type, ReadOnlySpan<byte> value)
    {
        var span = BeginAttribute(type, value.Length);
        value.CopyTo(span);
    }

    public void AttributeU8(ushort type, byte value) => BeginAttribute(type, 1)[0] = value;

    public void AttributeU16(ushort type, ushort value) => MemoryMarshal.Write(BeginAttribute(type, 2), in value);

    public void AttributeU32(ushort type, uint value) => MemoryMarshal.Write(BeginAttribute(type, 4), in value);

    /// <summary>A 16-bit value in network byte order (ports).</summary>
    public void AttributeBe16(ushort type, ushort value) => BinaryPrimitives.WriteUInt16BigEndian(BeginAttribute(type, 2), value);

    /// <summary>A NUL-terminated UTF-8 string.</summary>
    public void AttributeString(ushort type, string value)
    {
        int bytes = Encoding.UTF8.GetByteCount(value);
        var span = BeginAttribute(type, bytes + 1);
        Encoding.UTF8.GetBytes(value, span);
        span[bytes] = 0;
    }

    /// <summary>An IPv4 (4 bytes) or IPv6 (16 bytes) address in network byte order.</summary>
    public void AttributeAddress(ushort type, IPAddress address)
    {
        var span = BeginAttribute(type, AddressLength(address));
        if (!address.TryWriteBytes(span, out _))
            throw new ArgumentException($"cannot encode address {address}", nameof(address));
    }

    /// <summary>Opens a nested attribute; pass the returned token to <see cref="EndNested"/>.</summary>
    public int BeginNested(ushort type)
    {
        int start = _length;
        var span = Reserve(Nl.AttributeHeaderLength);
        MemoryMarshal.Write(span[2..], in type);
        return start;
    }

    /// <summary>Closes a nested attribute: its length covers everything written since it was opened.</summary>
    public void EndNested(int token)
    {
        if (token < Nl.HeaderLength || token > _length - Nl.AttributeHeaderLength)
            throw new InvalidOperationException("EndNested without a matching BeginNested");
        int length = _length - token;
        if (length > ushort.MaxValue)
            throw new InvalidOperationException($"nested attribute is {length} bytes, more than an attribute can hold");
        ushort encoded = (ushort)length;
        MemoryMarshal.Write(_buffer.AsSpan(token, 2), in encoded);
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _length = 0;
        if (buffer.Length > 0)
            ArrayPool<byte>.Shared.Return(buffer);
    }

    internal static int AddressLength(IPAddress address) => address.AddressFamily switch
    {
        System.Net.Sockets.AddressFamily.InterNetwork => 4,
        System.Net.Sockets.AddressFamily.InterNetworkV6 => 16,
        _ => throw new ArgumentException($"address {address} is neither IPv4 nor IPv6", nameof(address)),
    };

    private Span<byte> BeginAttribute(ushort type, int valueLength)
    {
        int length = Nl.AttributeHeaderLength + valueLength;
        if (length > ushort.MaxValue)
            throw new ArgumentException($"attribute {type} value of {valueLength} bytes is too large");
        var span = Reserve(length);
        ushort encoded = (ushort)length;
        MemoryMarshal.Write(span, in encoded);
        MemoryMarshal.Write(span[2..], in type);
        return span.Slice(Nl.AttributeHeaderLength, valueLength);
    }

    /// <summary>Reserves <paramref name="size"/> bytes plus alignment padding, all zeroed.</summary>
    private Span<byte> Reserve(int size)
    {
        EnsureMessage();
        int aligned = Nl.Align(size);
        if (_length + aligned > _buffer.Length)
            Grow(_length + aligned);
        var span = _buffer.AsSpan(_length, aligned);
        span.Clear();
        _length += aligned;
        return span[..size];
    }

    private void Grow(int needed)
    {
        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, _buffer.Length * 2));
        _buffer.AsSpan(0, _length).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }

    private void EnsureMessage()
    {
        ObjectDisposedException.ThrowIf(_buffer.Length == 0, this);
        if (!_inMessage)
            throw new InvalidOperationException("call BeginMessage first");
    }
}
