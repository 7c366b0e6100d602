using Google.Protobuf;

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
/// A bounded ring of events (flows and lost-event notices) addressed by a monotonically increasing sequence
/// number, holding the newest <see cref="Capacity"/> entries.
/// </summary>
/// <remarks>
/// <para>One writer, any number of readers, no locks. Each slot is guarded by a per-slot sequence word used as a
/// seqlock: the writer marks the slot busy, stores the entry, then publishes its sequence number; a reader accepts
/// an entry only if it sees the same sequence before and after reading it. Readers never block the writer; a
/// reader that is lapped finds <see cref="RingRead.Overwritten"/> and decides what to do.</para>
/// <para>The backing array has 2^n slots and holds 2^n−1 readable entries, so the slot being written is never one
/// a reader may legitimately want (the same sizing rule as Hubble's <c>hubble-event-buffer-capacity</c>).</para>
/// </remarks>
internal sealed class FlowRing
{
    private const long Busy = -1;

    private readonly IMessage?[] _entries;
    private readonly long[] _times;
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
        _entries = new IMessage?[slots];
        _times = new long[slots];
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

    /// <summary>
    /// Appends <paramref name="entry"/> stamped with <paramref name="unixNanoseconds"/> and returns its sequence
    /// number. Only one thread may write.
    /// </summary>
    public long Write(IMessage entry, long unixNanoseconds)
    {
        long seq = _written;
        long slot = seq & _mask;
        // Busy first, so a reader that sees the new entry also sees the slot's old sequence number change.
        Volatile.Write(ref _sequences[slot], Busy);
        Volatile.Write(ref _entries[slot], entry);
        Volatile.Write(ref _times[slot], unixNanoseconds);
        Volatile.Write(ref _sequences[slot], seq);
        Volatile.Write(ref _written, seq + 1);
        if (Volatile.Read(ref _waiters) is not null)
            Interlocked.Exchange(ref _waiters, null)?.TrySetResult();
        return seq;
    }

    /// <summary>Reads the entry with sequence number <paramref name="sequence"/>. Safe from any thread.</summary>
    public RingRead TryRead(long sequence, out IMessage? entry, out long unixNanoseconds)
    {
        entry = null;
        unixNanoseconds = 0;
        long written = Written;
        if (sequence >= written)
            return RingRead.NotYetWritten;
        if (sequence < written - Capacity)
            return RingRead.Overwritten;
        long slot = sequence & _mask;
        long before = Volatile.Read(ref _sequences[slot]);
        var candidate = Volatile.Read(ref _entries[slot]);
        long time = Volatile.Read(ref _times[slot]);
        long after = Volatile.Read(ref _sequences[slot]);
        if (before != sequence || after != sequence)
            return RingRead.Overwritten;
        entry = candidate;
        unixNanoseconds = time;
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
