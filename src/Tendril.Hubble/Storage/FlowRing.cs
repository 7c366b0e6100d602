using Google.Protobuf;
using Tendril.Hubble.Decoding;

namespace Tendril.Hubble.Storage;

/// <summary>What <see cref="FlowRing.TryRead"/> found at a sequence number.</summary>
internal enum RingRead
{
    /// <summary>The entry was read.</summary>
    Ok,

    /// <summary>Nothing has been written at that sequence number yet.</summary>
    NotYetWritten,

    /// <summary>The entry was overwritten by newer ones; continue at <see cref="FlowRing.OldestSequence"/>.</summary>
    Overwritten,
}

/// <summary>
/// One slot of a <see cref="FlowRing"/>: a compact flow, or another event (a lost-events notice, a flow that arrived
/// as a message) in <see cref="Message"/> with the time in <see cref="Flow"/>.
/// </summary>
internal readonly struct RingEntry(in CompactFlow flow, IMessage? message)
{
    public readonly CompactFlow Flow = flow;

    /// <summary>Null for a compact flow; otherwise the stored message, shared by all readers.</summary>
    public readonly IMessage? Message = message;

    /// <summary>The event's time, Unix nanoseconds.</summary>
    public long UnixNanoseconds => Flow.UnixNanoseconds;

    /// <summary>True when the entry is a flow, compact or not (not a lost-events notice).</summary>
    public bool IsFlow => Message is null or Api.Flow.Flow;
}

/// <summary>
/// A bounded ring of events (compact flows, flow messages and lost-event notices) addressed by a monotonically
/// increasing sequence number, holding the newest <see cref="Capacity"/> entries.
/// </summary>
/// <remarks>
/// <para>One writer, any number of readers, no locks. Entries are 128-byte structs stored in place, so storing a flow
/// allocates nothing and leaves nothing for the garbage collector but references to long-lived shared messages.
/// Each slot is guarded by a per-slot sequence word used as a seqlock: the writer marks the slot busy, stores the
/// entry, then publishes its sequence number; a reader copies the entry and accepts the copy only if it saw the same
/// sequence before and after copying it. A copy made while the writer was in the slot may be torn; the check throws
/// it away. Readers never block the writer; a reader that is lapped finds <see cref="RingRead.Overwritten"/> and
/// decides what to do.</para>
/// <para>The backing array has 2^n slots and holds 2^n−1 readable entries, so the slot being written is never one
/// a reader may legitimately want (the same sizing rule as Hubble's <c>hubble-event-buffer-capacity</c>).</para>
/// </remarks>
internal sealed class FlowRing
{
    private const long Busy = -1;

    private readonly RingEntry[] _entries;
    private readonly long[] _sequences;
    private readonly long _mask;
    private long _written;
    private TaskCompletionSource? _waiters;

    /// <summary>Creates a ring holding <paramref name="capacity"/> entries; it must be 2^n−1 (1, 3, 7, … 4095 …).</summary>
    public FlowRing(int capacity)
    {
        if (capacity < 1 || ((long)capacity + 1 & capacity) != 0)
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "flow ring capacity must be 2^n-1, e.g. 4095");
        int slots = capacity + 1;
        _entries = new RingEntry[slots];
        _sequences = new long[slots];
        Array.Fill(_sequences, Busy);
        _mask = slots - 1;
        Capacity = capacity;
    }

    /// <summary>How many entries the ring keeps.</summary>
    public int Capacity { get; }

    /// <summary>Entries written since creation; also the sequence number the next entry will get.</summary>
    public long Written => Volatile.Read(ref _written);

    /// <summary>Entries currently readable.</summary>
    public long Count => Math.Min(Written, Capacity);

    /// <summary>The oldest sequence number still readable (equal to <see cref="Written"/> when empty).</summary>
    public long OldestSequence => Math.Max(0, Written - Capacity);

    /// <summary>Appends a compact flow and returns its sequence number. Only one thread may write.</summary>
    public long Write(in CompactFlow flow) => Write(new RingEntry(in flow, null));

    /// <summary>
    /// Appends <paramref name="message"/> stamped with <paramref name="unixNanoseconds"/> and returns its sequence
    /// number. Only one thread may write.
    /// </summary>
    public long Write(IMessage message, long unixNanoseconds) => Write(new RingEntry(CompactFlow.At(unixNanoseconds), message));

    private long Write(in RingEntry entry)
    {
        long seq = _written;
        long slot = seq & _mask;
        // Busy first, with a full fence: no store of the new entry may become visible before it, or a reader could
        // copy half of it and still see the old sequence number on both sides.
        Interlocked.Exchange(ref _sequences[slot], Busy);
        _entries[slot] = entry;
        // Release: the entry is complete before its sequence number is published.
        Volatile.Write(ref _sequences[slot], seq);
        Volatile.Write(ref _written, seq + 1);
        if (Volatile.Read(ref _waiters) is not null)
            Interlocked.Exchange(ref _waiters, null)?.TrySetResult();
        return seq;
    }

    /// <summary>Copies the entry with sequence number <paramref name="sequence"/>. Safe from any thread.</summary>
    public RingRead TryRead(long sequence, out RingEntry entry)
    {
        entry = default;
        long written = Written;
        if (sequence >= written)
            return RingRead.NotYetWritten;
        if (sequence < written - Capacity)
            return RingRead.Overwritten;
        long slot = sequence & _mask;
        if (Volatile.Read(ref _sequences[slot]) != sequence)
            return RingRead.Overwritten;
        var copy = _entries[slot];
        // A full fence: the copy's loads must complete before the sequence is read again (an acquire load alone
        // lets earlier loads move after it).
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _sequences[slot]) != sequence)
            return RingRead.Overwritten;
        entry = copy;
        return RingRead.Ok;
    }

    /// <summary>
    /// Completes when an entry with sequence number <paramref name="sequence"/> has been written. Does not poll:
    /// the writer completes a shared task that every waiting reader awaits.
    /// </summary>
    public Task WaitForAsync(long sequence, CancellationToken cancellationToken)
    {
        if (Written > sequence)
            return Task.CompletedTask;
        var waiters = Volatile.Read(ref _waiters);
        if (waiters is null)
        {
            var fresh = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            waiters = Interlocked.CompareExchange(ref _waiters, fresh, null) ?? fresh;
        }
        // Re-check after publishing the waiter: a write that raced with us either sees it or is visible here.
        if (Written > sequence)
            return Task.CompletedTask;
        return waiters.Task.WaitAsync(cancellationToken);
    }
}
