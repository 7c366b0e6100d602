namespace Tendril.Store.Embedded;

/// <summary>
/// One committed write, as the log keeps it: the state machine replays these in order. <paramref name="Index"/> counts
/// records (every record, including lease grants that change no key); <paramref name="Revision"/> is the store revision
/// after the record, one more than before if any key changed.
/// </summary>
internal sealed record LogRecord(long Index, long Revision, IReadOnlyList<LogOp> Ops)
{
    public bool ChangesKeys => Ops.Any(op => op is LogOp.Put or LogOp.Delete);
}

/// <summary>The primitive changes a record is made of. A revoked lease's key deletions are recorded explicitly before it.</summary>
internal abstract record LogOp
{
    private LogOp()
    {
    }

    public sealed record Put(string Key, string Value, long LeaseId) : LogOp;

    public sealed record Delete(string Key) : LogOp;

    public sealed record GrantLease(long LeaseId, TimeSpan Ttl) : LogOp;

    public sealed record RevokeLease(long LeaseId) : LogOp;
}

/// <summary>The whole state at one record, written now and then so the log can start over.</summary>
internal sealed record Snapshot(long LastIndex, long Revision, long NextLeaseId, IReadOnlyList<LogOp.GrantLease> Leases,
    IReadOnlyList<KeyValue> Entries);
