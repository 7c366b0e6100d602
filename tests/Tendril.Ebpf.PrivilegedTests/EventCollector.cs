using System.Runtime.InteropServices;
using Tendril.Ebpf.RingBuffer;

namespace Tendril.Ebpf.PrivilegedTests;

/// <summary>Copies each ring-buffer record into a list of <typeparamref name="T"/>.</summary>
internal readonly struct EventCollector<T>(List<T> events) : IRingBufferHandler
    where T : unmanaged
{
    public bool OnRecord(ReadOnlySpan<byte> record)
    {
        events.Add(MemoryMarshal.Read<T>(record));
        return true;
    }
}
