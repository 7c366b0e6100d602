using System.Runtime.CompilerServices;
using Google.Protobuf.WellKnownTypes;
using Tendril.Hubble.Api.Flow;
using Tendril.Hubble.Decoding;

namespace Tendril.Hubble.Storage;

/// <summary>
/// The node's recent flows: a <see cref="FlowRing"/> of flows and lost-event notices plus the counters Hubble
/// reports, and the reading logic behind <c>GetFlows</c>.
/// </summary>
/// <remarks>
/// <para>One writer (the event-reading thread) calls the <c>Append</c> methods, <see cref="AppendLost"/> and
/// <see cref="ReportKernelLost"/>; any number of readers call <see cref="Query"/> and the other members
/// concurrently without blocking it.</para>
/// <para>Flows from the datapath are stored as <see cref="CompactFlow"/>s and materialised by the decoder each time
/// they are read, with a UUID derived from the store and the sequence number, so every read of a flow gives an
/// equal message. Messages stored as such (<see cref="Append(Flow)"/>, lost notices) are shared by all readers and
/// must not be modified.</para>
/// </remarks>
public sealed class FlowStore
{
    private const long NanosPerTick = 100;

    private readonly FlowRing _ring;
    private readonly FlowDecoder? _decoder;
    private readonly uint _id = FlowIds.NewStore();
    private long _seenFlows;
    private long _kernelLostReported;

    /// <summary>
    /// Creates a store for <paramref name="capacity"/> events (2^n−1). <paramref name="decoder"/> materialises
    /// compact flows; a store without one takes only flow messages.
    /// </summary>
    public FlowStore(int capacity, FlowDecoder? decoder = null)
    {
        _ring = new FlowRing(capacity);
        _decoder = decoder;
    }

    /// <summary>Maximum number of stored events.</summary>
    public int Capacity => _ring.Capacity;

    /// <summary>Events (flows and lost notices) currently stored.</summary>
    public long Count => _ring.Count;

    /// <summary>Flows appended since start, including those since overwritten.</summary>
    public long SeenFlows => Volatile.Read(ref _seenFlows);

    /// <summary>The sequence number the next event will get.</summary>
    public long NextSequence => _ring.Written;

    internal FlowRing Ring => _ring;

    /// <summary>Stores a compact flow decoded by this store's decoder and returns its sequence number. Writer thread only.</summary>
    public long Append(in CompactFlow flow)
    {
        if (_decoder is null)
            throw new InvalidOperationException("this flow store was created without a decoder, so it cannot read compact flows back; pass the FlowDecoder that resolved them");
        long seq = _ring.Write(in flow);
        Volatile.Write(ref _seenFlows, _seenFlows + 1); // one writer: no read-modify-write needed
        return seq;
    }

    /// <summary>
    /// The flow stored at <paramref name="sequence"/> as <paramref name="flow"/>: the same message (UUID included)
    /// every time it is asked for.
    /// </summary>
    public Flow Materialize(in CompactFlow flow, long sequence) =>
        (_decoder ?? throw new InvalidOperationException("this flow store has no decoder")).Materialize(in flow, UuidOf(sequence));

    /// <summary>The UUID of the compact flow stored at <paramref name="sequence"/>.</summary>
    internal string UuidOf(long sequence) => FlowIds.Stored(_id, sequence);

    /// <summary>Stores <paramref name="flow"/>, stamped with its own time. Writer thread only.</summary>
    public long Append(Flow flow)
    {
        long seq = _ring.Write(flow, UnixNanoseconds(flow.Time));
        Volatile.Write(ref _seenFlows, _seenFlows + 1);
        return seq;
    }

    /// <summary>Stores a notice that <paramref name="count"/> events were lost at <paramref name="source"/>.</summary>
    public long AppendLost(LostEventSource source, ulong count, DateTimeOffset now)
    {
        var stamp = Timestamp.FromDateTimeOffset(now);
        var lost = new LostEvent { Source = source, NumEventsLost = count, First = stamp, Last = stamp };
        return _ring.Write(lost, (now - DateTimeOffset.UnixEpoch).Ticks * NanosPerTick);
    }

    /// <summary>
    /// Takes the kernel's cumulative count of events it could not put in the event ring and, when it grew,
    /// stores a PERF_EVENT_RING_BUFFER lost notice for the difference. Writer thread only.
    /// </summary>
    public void ReportKernelLost(long totalLost, DateTimeOffset now)
    {
        long delta = totalLost - _kernelLostReported;
        if (delta <= 0)
            return;
        _kernelLostReported = totalLost;
        AppendLost(LostEventSource.PerfEventRingBuffer, (ulong)delta, now);
    }

    /// <summary>Flows per second over the minute before <paramref name="now"/>, counted from the ring.</summary>
    public double FlowsRate(DateTimeOffset now)
    {
        long horizon = (now.AddMinutes(-1) - DateTimeOffset.UnixEpoch).Ticks * NanosPerTick;
        long oldest = _ring.OldestSequence;
        long flows = 0;
        for (long seq = _ring.Written - 1; seq >= oldest; seq--)
        {
            if (_ring.TryRead(seq, out var entry) != RingRead.Ok || entry.UnixNanoseconds < horizon)
                break;
            if (entry.IsFlow)
                flows++;
        }
        return flows / 60.0;
    }

    /// <summary>
    /// Reads stored events the way Hubble's <c>GetFlows</c> does. Lost notices are always passed through; a reader
    /// that falls behind the ring gets a HUBBLE_RING_BUFFER lost notice and continues with the oldest entry.
    /// Without <see cref="FlowQuery.Follow"/> the sequence ends at the newest event present when it gets there.
    /// </summary>
    public async IAsyncEnumerable<StoredEvent> Query(FlowQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        long? since = query.Since is { } s ? (s - DateTimeOffset.UnixEpoch).Ticks * NanosPerTick : null;
        long? until = query.Until is { } u ? (u - DateTimeOffset.UnixEpoch).Ticks * NanosPerTick : null;
        long seq = StartSequence(query, since);
        ulong sent = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!query.Follow && query.Number > 0 && sent >= query.Number)
                yield break;
            switch (_ring.TryRead(seq, out var entry))
            {
                case RingRead.NotYetWritten:
                    if (!query.Follow)
                        yield break;
                    await _ring.WaitForAsync(seq, cancellationToken).ConfigureAwait(false);
                    continue;
                case RingRead.Overwritten:
                    long oldest = _ring.OldestSequence;
                    yield return LostToRing(seq, oldest);
                    seq = Math.Max(oldest, seq + 1);
                    continue;
            }
            long current = seq++;
            long time = entry.UnixNanoseconds;
            if (until is not null && time > until)
                yield break;
            if (since is not null && time < since)
                continue;
            if (entry.Message is LostEvent lost)
            {
                yield return new StoredEvent(current, time, null, lost);
            }
            else if (MayMatch(query, in entry) && FlowAt(in entry, current) is var flow && (query.Predicate is null || query.Predicate(flow)))
            {
                sent++;
                yield return new StoredEvent(current, time, flow, null);
            }
        }
    }

    // Where reading starts. Like Hubble: from the oldest entry with First; from "now" when only following; otherwise
    // walk back from the newest entry until Since is passed or Number matching flows are behind us.
    private long StartSequence(FlowQuery query, long? since)
    {
        if (query.First)
            return _ring.OldestSequence;
        long written = _ring.Written;
        if (query.Follow && query.Number == 0 && since is null)
            return written;
        long start = written;
        ulong matched = 0;
        for (long seq = written - 1; seq >= 0; seq--)
        {
            if (_ring.TryRead(seq, out var entry) != RingRead.Ok)
                break;
            if (since is not null)
            {
                if (entry.UnixNanoseconds < since)
                    break;
            }
            else if (query.Number > 0 && MayMatch(query, in entry) && (query.Predicate is null || query.Predicate(FlowAt(in entry, seq)))
                     && ++matched > query.Number)
            {
                break;
            }
            start = seq;
        }
        return start;
    }

    // A flow the query's prefilter cannot rule out; compact flows it rules out are never materialised.
    private static bool MayMatch(FlowQuery query, in RingEntry entry) =>
        entry.Message is null ? query.Prefilter is null || query.Prefilter(in entry.Flow) : entry.Message is Flow;

    private Flow FlowAt(in RingEntry entry, long sequence) =>
        entry.Message as Flow ?? Materialize(in entry.Flow, sequence);

    private StoredEvent LostToRing(long wanted, long oldest)
    {
        var lost = new LostEvent
        {
            Source = LostEventSource.HubbleRingBuffer,
            NumEventsLost = (ulong)Math.Max(1, oldest - wanted),
        };
        return new StoredEvent(wanted, 0, null, lost);
    }

    private static long UnixNanoseconds(Timestamp? time) =>
        time is null ? 0 : time.Seconds * 1_000_000_000 + time.Nanos;
}
