using System.Buffers.Binary;

namespace Tendril.Hubble.Decoding;

/// <summary>
/// Flow UUIDs without a system call per flow: a random 128-bit base drawn once per process, its low 64 bits
/// XOR-ed with a counter, stamped as a version 4 UUID. Unique within a run (the counter), and across runs and nodes
/// with the probability of random UUIDs (the base). <see cref="Guid.NewGuid"/> costs one <c>getrandom</c> call, about
/// 1.7 µs of the 2.3 µs a flow took to decode (bench observer). Thread-safe.
/// </summary>
internal static class FlowIds
{
    private static readonly ulong High = BitConverter.ToUInt64(Guid.NewGuid().ToByteArray(), 0);
    private static readonly ulong Low = BitConverter.ToUInt64(Guid.NewGuid().ToByteArray(), 8);
    private static long _counter;

    public static string Next()
    {
        ulong low = Low ^ (ulong)Interlocked.Increment(ref _counter);
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, High);
        BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], low);
        bytes[6] = (byte)(bytes[6] & 0x0F | 0x40);   // version 4
        bytes[8] = (byte)(bytes[8] & 0x3F | 0x80);   // RFC 4122 variant
        return new Guid(bytes, bigEndian: true).ToString();
    }
}
