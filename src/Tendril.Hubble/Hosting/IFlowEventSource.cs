namespace Tendril.Hubble.Hosting;

/// <summary>Receives raw <c>struct flow_event</c> records. Implemented by <see cref="HubbleObserver"/>.</summary>
public interface IFlowRecordSink
{
    /// <summary>Handles one record; it is only valid during the call.</summary>
    void OnRecord(ReadOnlySpan<byte> record);
}

/// <summary>
/// Where datapath event records come from: the <c>tendril_events</c> ring buffer in the agent
/// (<see cref="RingBufferFlowSource"/>), or a fake in tests.
/// </summary>
/// <remarks>
/// <see cref="Poll"/> and <see cref="KernelLost"/> are called from the observer's single reading thread;
/// <see cref="Wake"/> from any thread. The observer does not own or dispose the source.
/// </remarks>
public interface IFlowEventSource
{
    /// <summary>Waits up to <paramref name="timeoutMs"/> for records and hands each to <paramref name="sink"/>. Returns how many.</summary>
    int Poll(IFlowRecordSink sink, int timeoutMs);

    /// <summary>Cumulative count of events the kernel could not queue because the ring was full.</summary>
    long KernelLost { get; }

    /// <summary>Makes a blocked <see cref="Poll"/> return early (used to stop the reading thread).</summary>
    void Wake();
}
