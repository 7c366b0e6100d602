using Tendril.Hubble.Api.Flow;

namespace Tendril.Hubble.Storage;

/// <summary>
/// One event read from a <see cref="FlowStore"/>: a flow or a lost-events notice, with its ring sequence number
/// and time. Exactly one of <see cref="Flow"/> and <see cref="Lost"/> is set. The messages are shared with other
/// readers: treat them as immutable.
/// </summary>
public readonly record struct StoredEvent(long Sequence, long UnixNanoseconds, Flow? Flow, LostEvent? Lost)
{
    /// <summary>The event time as a <see cref="DateTimeOffset"/>.</summary>
    public DateTimeOffset Time => DateTimeOffset.UnixEpoch.AddTicks(UnixNanoseconds / 100);
}

/// <summary>
/// Which stored events a reader wants, with Hubble's <c>GetFlows</c> semantics: the newest <see cref="Number"/>
/// (or, with <see cref="First"/>, the oldest), bounded by <see cref="Since"/> and <see cref="Until"/>, optionally
/// followed by new ones. <see cref="Number"/> 0 means no limit. <see cref="Predicate"/> null means every flow.
/// <see cref="Prefilter"/>, when set, is tried first on flows stored compactly; it must reject only flows
/// <see cref="Predicate"/> would reject (as <see cref="Filtering.CompactFlowFilter"/> builds it), and spares the
/// store materialising them.
/// </summary>
public sealed record FlowQuery
{
    public ulong Number { get; init; }

    public bool First { get; init; }

    public bool Follow { get; init; }

    public DateTimeOffset? Since { get; init; }

    public DateTimeOffset? Until { get; init; }

    public Func<Flow, bool>? Predicate { get; init; }

    public Filtering.CompactFlowPredicate? Prefilter { get; init; }
}
