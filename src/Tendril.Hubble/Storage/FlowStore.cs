using System.Runtime.CompilerServices;
using Google.Protobuf.WellKnownTypes;
using Tendril.Hubble.Api.Flow;

namespace Tendril.Hubble.Storage;

/// <summary>
/// The node's recent flows: a <see cref="FlowRing"/> of flows and lost-event notices plus the counters Hubble
/// reports, and the reading logic behind <c>GetFlows</c>.
/// </summary>
/// <remarks>
/// One writer (the event-reading thread) calls <see cref="Append"/>, <see cref="AppendLost"/> and
/// <see cref="ReportKernelLost"/>; any number of readers call <see cref="Query"/> and the other members
/// concurrently without blocking it. Stored messages are shared by all readers and must not be modified.
/// </remarks>
public sealed class FlowStore
{
    private const long NanosPerTick = 100;

    private readonly FlowRing _ring;
    private long _seenFlows;
    private long _kernelLostReported;

    /// <summary>Creates a store for <paramref name="capacity"/> events (2^n−1).</summary>
    public FlowStore(int capacity) => _ring = new FlowRing(capacity);

    /// <summary>Maximum number of stored events.</summary>
    public int Capacity => _ring.Capacity;

    /// <summary>Events (flows and lost notices) currently stored.</summary>
    public long Count => _ring.Count;

    /// <summary>Flows appended since start, including those since overwritten.</summary>
    public long SeenFlows => Interlocked.Read(ref _seenFlows);

    /// <summary>The sequence number the next event will get.</summary>
    public long NextSequence => _ring.Written;

    internal FlowRing Ring => _ring;

    /// <summary>Stores <paramref name="flow"/>, stamped with its own time. Writer thread only.</summary>
    public long Append(Flow flow)
    {
        long seq = _ring.Write(flow, UnixNanoseconds(flow.Time));
        Interlocked.Increment(ref _seenFlows);
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
            if (_ring.TryRead(seq, out var entry, out long time) != RingRead.Ok || time < horizon)
                break;
            if (entry is Flow)
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
            switch (_ring.TryRead(seq, out var entry, out long time))
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
            if (until is not null && time > until)
                yield break;
            if (since is not null && time < since)
                continue;
            if (entry is LostEvent lost)
            {
                yield return new StoredEvent(current, time, null, lost);
            }
            else if (entry is Flow flow && (query.Predicate is null || query.Predicate(flow)))
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
            if (_ring.TryRead(seq, out var entry, out long time) != RingRead.Ok)
                break;
            if (since is not null)
            {
                if (time < since)
                    break;
            }
            else if (entry is Flow flow && (query.Predicate is null || query.Predicate(flow)) && query.Number > 0
                     && ++matched > query.Number)
            {
                break;
            }
            start = seq;
        }
        return start;
    }

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
