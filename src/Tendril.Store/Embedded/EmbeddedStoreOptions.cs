namespace Tendril.Store.Embedded;

/// <summary>Options of an <see cref="EmbeddedStore"/>, validated when it opens.</summary>
public sealed record EmbeddedStoreOptions
{
    /// <summary>
    /// Where the store keeps its log, snapshot and lock file; created if missing and owned exclusively while open.
    /// Null keeps everything in memory: same contract, nothing survives disposal.
    /// </summary>
    public string? Directory { get; init; }

    /// <summary>The clock lease expiry runs on (deadlines and the expiry timer).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>How many recent revisions are kept for watches to replay; older ones are compacted away.</summary>
    public int HistoryLimit { get; init; } = 10_000;

    /// <summary>After this many log records a snapshot is written and the log starts over.</summary>
    public int SnapshotEveryRecords { get; init; } = 10_000;

    /// <summary>How often expired leases are looked for (a lease may outlive its TTL by up to this much).</summary>
    public TimeSpan LeaseCheckInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <exception cref="ArgumentException">An option is out of range; the message names it.</exception>
    public void Validate()
    {
        if (Directory is { Length: 0 })
            throw new ArgumentException("EmbeddedStoreOptions.Directory must be null (in memory) or a path, not empty", nameof(Directory));
        ArgumentNullException.ThrowIfNull(TimeProvider, nameof(TimeProvider));
        if (HistoryLimit < 1)
            throw new ArgumentOutOfRangeException(nameof(HistoryLimit), HistoryLimit, "EmbeddedStoreOptions.HistoryLimit must be at least 1");
        if (SnapshotEveryRecords < 1)
            throw new ArgumentOutOfRangeException(nameof(SnapshotEveryRecords), SnapshotEveryRecords, "EmbeddedStoreOptions.SnapshotEveryRecords must be at least 1");
        if (LeaseCheckInterval <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(LeaseCheckInterval), LeaseCheckInterval, "EmbeddedStoreOptions.LeaseCheckInterval must be positive");
    }
}
