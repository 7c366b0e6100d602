namespace Tendril.Ebpf.RingBuffer;

/// <summary>
/// Receives records from <see cref="RingBufferReader.Consume{THandler}"/>. Implement it on a struct so the
/// reader's loop is specialised for it, with no allocation or interface dispatch per record.
/// </summary>
public interface IRingBufferHandler
{
    /// <summary>
    /// Called once per record. <paramref name="record"/> points into the shared ring and is valid only during the
    /// call: copy what you keep. Return false to stop consuming after this record.
    /// </summary>
    bool OnRecord(ReadOnlySpan<byte> record);
}
