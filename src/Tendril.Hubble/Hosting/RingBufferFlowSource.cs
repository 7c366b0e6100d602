using Tendril.Ebpf.RingBuffer;

namespace Tendril.Hubble.Hosting;

/// <summary>
/// Feeds the observer from the datapath's <c>tendril_events</c> BPF ring buffer. The records are handed over straight
/// from the shared mapping (no copy, no allocation). Does not own <paramref name="reader"/>: the caller disposes it
/// after the observer's reading thread has stopped. Thread-safety follows <see cref="RingBufferReader"/>: one
/// polling thread, <see cref="Wake"/> from anywhere.
/// </summary>
public sealed class RingBufferFlowSource(RingBufferReader reader) : IFlowEventSource
{
    public int Poll(IFlowRecordSink sink, int timeoutMs)
    {
        var handler = new SinkHandler(sink);
        return reader.Poll(ref handler, timeoutMs);
    }

    public long KernelLost => reader.KernelLost;

    public void Wake() => reader.Wake();

    private readonly struct SinkHandler(IFlowRecordSink sink) : IRingBufferHandler
    {
        public bool OnRecord(ReadOnlySpan<byte> record)
        {
            sink.OnRecord(record);
            return true;
        }
    }
}
