using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace Tendril.Store.Embedded;

/// <summary>
/// The on-disk encoding. Every log record and the snapshot body are framed as
/// <c>[u32 LE payload length][u32 LE CRC-32 of payload][payload]</c>; payloads start with a format byte, then
/// little-endian integers and length-prefixed UTF-8 strings (<see cref="BinaryWriter"/>). Pure functions, no I/O.
/// </summary>
internal static class StoreCodec
{
    public const int FrameHeaderBytes = 8;

    /// <summary>No single transaction comes near this; a larger length field is damage, not data.</summary>
    public const int MaxPayloadBytes = 256 << 20;

    public static ReadOnlySpan<byte> SnapshotMagic => "TNDRSNAP"u8;

    private const byte FormatVersion = 1;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private enum OpCode : byte
    {
        Put = 1,
        Delete = 2,
        GrantLease = 3,
        RevokeLease = 4,
    }

    /// <summary>The framed bytes of one record, ready to append.</summary>
    public static byte[] EncodeRecord(LogRecord record) => Frame(MaxPayloadBytes, writer =>
    {
        writer.Write(record.Index);
        writer.Write(record.Revision);
        writer.Write(record.Ops.Count);
        foreach (var op in record.Ops)
            WriteOp(writer, op);
    });

    public static LogRecord DecodeRecord(ReadOnlySpan<byte> payload) => Decode(payload, reader =>
    {
        long index = reader.ReadInt64();
        long revision = reader.ReadInt64();
        int count = ReadCount(reader);
        var ops = new LogOp[count];
        for (int i = 0; i < count; i++)
            ops[i] = ReadOp(reader);
        return new LogRecord(index, revision, ops);
    });

    public static byte[] EncodeSnapshot(Snapshot snapshot) => Frame(Array.MaxLength - 64, writer =>
    {
        writer.Write(snapshot.LastIndex);
        writer.Write(snapshot.Revision);
        writer.Write(snapshot.NextLeaseId);
        writer.Write(snapshot.Leases.Count);
        foreach (var lease in snapshot.Leases)
        {
            writer.Write(lease.LeaseId);
            writer.Write(lease.Ttl.Ticks);
        }
        writer.Write(snapshot.Entries.Count);
        foreach (var kv in snapshot.Entries)
        {
            writer.Write(kv.Key);
            writer.Write(kv.Value);
            writer.Write(kv.CreateRevision);
            writer.Write(kv.ModRevision);
            writer.Write(kv.Version);
            writer.Write(kv.LeaseId);
        }
    });

    public static Snapshot DecodeSnapshot(ReadOnlySpan<byte> payload) => Decode(payload, reader =>
    {
        long lastIndex = reader.ReadInt64();
        long revision = reader.ReadInt64();
        long nextLeaseId = reader.ReadInt64();
        var leases = new LogOp.GrantLease[ReadCount(reader)];
        for (int i = 0; i < leases.Length; i++)
            leases[i] = new LogOp.GrantLease(reader.ReadInt64(), TimeSpan.FromTicks(reader.ReadInt64()));
        var entries = new KeyValue[ReadCount(reader)];
        for (int i = 0; i < entries.Length; i++)
            entries[i] = new KeyValue(reader.ReadString(), reader.ReadString(), reader.ReadInt64(), reader.ReadInt64(), reader.ReadInt64(), reader.ReadInt64());
        return new Snapshot(lastIndex, revision, nextLeaseId, leases, entries);
    });

    /// <summary>Reads a frame header: the payload length and its expected CRC.</summary>
    public static (int Length, uint Crc) ReadFrameHeader(ReadOnlySpan<byte> header) =>
        (BinaryPrimitives.ReadInt32LittleEndian(header), BinaryPrimitives.ReadUInt32LittleEndian(header[4..]));

    public static bool CrcMatches(ReadOnlySpan<byte> payload, uint crc) => Crc32.HashToUInt32(payload) == crc;

    private static byte[] Frame(int maxPayloadBytes, Action<BinaryWriter> body)
    {
        using var buffer = new MemoryStream();
        buffer.Write(stackalloc byte[FrameHeaderBytes]);
        using (var writer = new BinaryWriter(buffer, StrictUtf8, leaveOpen: true))
        {
            writer.Write(FormatVersion);
            body(writer);
        }
        byte[] frame = buffer.ToArray();
        var payload = frame.AsSpan(FrameHeaderBytes);
        if (payload.Length > maxPayloadBytes)
            throw new InvalidOperationException($"a store record of {payload.Length} bytes exceeds the limit of {maxPayloadBytes}; write fewer or smaller keys at once");
        BinaryPrimitives.WriteInt32LittleEndian(frame, payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(4), Crc32.HashToUInt32(payload));
        return frame;
    }

    private static T Decode<T>(ReadOnlySpan<byte> payload, Func<BinaryReader, T> body)
    {
        using var stream = new MemoryStream(payload.ToArray(), writable: false);
        using var reader = new BinaryReader(stream, StrictUtf8);
        byte format = reader.ReadByte();
        if (format != FormatVersion)
            throw new InvalidDataException($"format {format} is not supported (this build reads format {FormatVersion})");
        var value = body(reader);
        if (stream.Position != stream.Length)
            throw new InvalidDataException($"{stream.Length - stream.Position} unexpected trailing byte(s)");
        return value;
    }

    private static int ReadCount(BinaryReader reader)
    {
        int count = reader.ReadInt32();
        if (count < 0 || count > reader.BaseStream.Length)
            throw new InvalidDataException($"count {count} is impossible here");
        return count;
    }

    private static void WriteOp(BinaryWriter writer, LogOp op)
    {
        switch (op)
        {
            case LogOp.Put put:
                writer.Write((byte)OpCode.Put);
                writer.Write(put.Key);
                writer.Write(put.Value);
                writer.Write(put.LeaseId);
                break;
            case LogOp.Delete delete:
                writer.Write((byte)OpCode.Delete);
                writer.Write(delete.Key);
                break;
            case LogOp.GrantLease grant:
                writer.Write((byte)OpCode.GrantLease);
                writer.Write(grant.LeaseId);
                writer.Write(grant.Ttl.Ticks);
                break;
            case LogOp.RevokeLease revoke:
                writer.Write((byte)OpCode.RevokeLease);
                writer.Write(revoke.LeaseId);
                break;
            default:
                throw new ArgumentException($"unknown log operation {op}", nameof(op));
        }
    }

    private static LogOp ReadOp(BinaryReader reader)
    {
        var code = (OpCode)reader.ReadByte();
        return code switch
        {
            OpCode.Put => new LogOp.Put(reader.ReadString(), reader.ReadString(), reader.ReadInt64()),
            OpCode.Delete => new LogOp.Delete(reader.ReadString()),
            OpCode.GrantLease => new LogOp.GrantLease(reader.ReadInt64(), TimeSpan.FromTicks(reader.ReadInt64())),
            OpCode.RevokeLease => new LogOp.RevokeLease(reader.ReadInt64()),
            _ => throw new InvalidDataException($"unknown operation code {(byte)code}"),
        };
    }
}
