using System.Runtime.InteropServices;
using Tendril.Ebpf.RingBuffer;

namespace Tendril.Tests.Common;

/// <summary>A ring-buffer handler that copies each record into a list of <typeparamref name="T"/>.</summary>
public readonly struct RecordCollector<T>(List<T> records) : IRingBufferHandler
    where T : unmanaged
{
    public bool OnRecord(ReadOnlySpan<byte> record)
    {
        records.Add(MemoryMarshal.Read<T>(record));
        return true;
    }
}

public static class RecordCollector
{
    /// <summary>Consumes every record waiting in <paramref name="reader"/> as <typeparamref name="T"/>.</summary>
    public static List<T> Drain<T>(RingBufferReader reader) where T : unmanaged
    {
        var records = new List<T>();
        var collector = new RecordCollector<T>(records);
        reader.Consume(ref collector);
        return records;
    }
}
