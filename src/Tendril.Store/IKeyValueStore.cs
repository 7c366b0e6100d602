namespace Tendril.Store;

/// <summary>
/// A revisioned key-value store with etcd v3 semantics: the one contract that identity allocation and node
/// registration are written against, whether the store is embedded or a cluster.
/// </summary>
/// <remarks>
/// <para><b>Keys and values</b> are .NET strings, stored as UTF-8; they must be well-formed UTF-16 (no lone
/// surrogates). Keys are non-empty and sort in Unicode code-point order, which equals the UTF-8 byte order
/// etcd uses. A prefix may be empty, meaning every key.</para>
/// <para><b>Revisions.</b> <see cref="Revision"/> rises by exactly one for every write that changes at least one
/// key; all changes of one transaction share that revision. A write that changes nothing (deleting an absent
/// key, a transaction whose branch only reads) leaves it alone. Each key carries its CreateRevision,
/// ModRevision and Version (1 on creation, +1 per put; an absent key has version 0).</para>
/// <para><b>Leases.</b> A key put with a lease id is deleted when the lease is revoked or expires. Lease id 0 means
/// "no lease". Granting and keeping a lease alive do not change the revision.</para>
/// <para>Implementations are thread-safe.</para>
/// </remarks>
public interface IKeyValueStore : IAsyncDisposable
{
    /// <summary>The latest revision this store has committed (embedded) or observed (remote).</summary>
    long Revision { get; }

    /// <summary>The key's current value and revisions, or null when it is absent.</summary>
    Task<KeyValue?> GetAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Every key starting with <paramref name="prefix"/>, sorted by key, and the revision they reflect.</summary>
    Task<ListResult> ListAsync(string prefix, CancellationToken cancellationToken = default);

    /// <summary>Sets a key, attaching it to <paramref name="leaseId"/> (0: no lease). Returns the write's revision.</summary>
    /// <exception cref="LeaseNotFoundException">The lease does not exist or has expired.</exception>
    Task<long> PutAsync(string key, string value, long leaseId = 0, CancellationToken cancellationToken = default);

    /// <summary>Deletes a key; false when it was absent.</summary>
    Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Deletes every key starting with <paramref name="prefix"/> in one revision; returns how many.</summary>
    Task<int> DeletePrefixAsync(string prefix, CancellationToken cancellationToken = default);

    /// <summary>
    /// If every compare holds, runs <paramref name="onSuccess"/>, otherwise <paramref name="onFailure"/> — atomically,
    /// all or nothing, under one revision. Reads (<see cref="TxnOpKind.Get"/>) see the state the compares saw. A branch
    /// may not write one key twice (puts, deletes and deleted prefixes must not overlap), as in etcd.
    /// </summary>
    /// <exception cref="LeaseNotFoundException">The chosen branch puts under a lease that does not exist.</exception>
    Task<TxnResult> TxnAsync(IReadOnlyList<Compare> compares, IReadOnlyList<TxnOp> onSuccess, IReadOnlyList<TxnOp> onFailure,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// Every change to keys starting with <paramref name="prefix"/> made after revision <paramref name="fromRevision"/>
    /// (null: after the current revision), in revision order without gaps or duplicates: first those kept in history,
    /// then live ones. Unlike etcd's inclusive start revision, <paramref name="fromRevision"/> is exclusive, so the
    /// revision of a <see cref="ListAsync"/> result can be passed as is.
    /// Cancellation or disposal of the store ends the sequence normally, without an exception.
    /// </summary>
    /// <exception cref="StoreCompactedException">
    /// The changes after <paramref name="fromRevision"/> are no longer in history — thrown when the watch starts, or later
    /// when a slow consumer falls further behind than the history keeps. List again and watch from the list's revision.
    /// </exception>
    IAsyncEnumerable<WatchEvent> WatchAsync(string prefix, long? fromRevision = null, CancellationToken cancellationToken = default);

    /// <summary>Creates a lease that expires <paramref name="ttl"/> after now unless kept alive; returns its id (never 0).</summary>
    Task<long> GrantLeaseAsync(TimeSpan ttl, CancellationToken cancellationToken = default);

    /// <summary>Restarts the lease's countdown from now; returns its TTL.</summary>
    /// <exception cref="LeaseNotFoundException">The lease does not exist or has already expired.</exception>
    Task<TimeSpan> KeepAliveAsync(long leaseId, CancellationToken cancellationToken = default);

    /// <summary>Ends the lease now, deleting its keys (watchers see Delete events) in one revision.</summary>
    /// <exception cref="LeaseNotFoundException">The lease does not exist or has already expired.</exception>
    Task RevokeLeaseAsync(long leaseId, CancellationToken cancellationToken = default);
}
