namespace Tendril.Store.Embedded;

/// <summary>
/// Leases: granting and revoking are log records (a revocation deletes the lease's keys in one revision); keep-alives only move
/// the in-memory deadline, so after a restart every lease counts its full TTL again, as etcd's do. A timer from the
/// <see cref="TimeProvider"/> revokes overdue leases; any operation naming an overdue lease expires it first.
/// </summary>
internal sealed partial class EmbeddedKeyValueStore
{
    public Task<long> GrantLeaseAsync(TimeSpan ttl, CancellationToken cancellationToken = default) => Run(() =>
    {
        KeyRules.ValidateTtl(ttl);
        lock (_gate)
        {
            ThrowIfDisposed();
            long id = _keys.NextLeaseId;
            CommitLocked([new LogOp.GrantLease(id, ttl)]);
            return id;
        }
    }, cancellationToken);

    public Task<TimeSpan> KeepAliveAsync(long leaseId, CancellationToken cancellationToken = default) => Run(() =>
    {
        KeyRules.ValidateLeaseId(leaseId);
        lock (_gate)
        {
            ThrowIfDisposed();
            var lease = LiveLeaseLocked(leaseId);
            lease.Deadline = _keys.DeadlineFromNow(lease.Ttl);
            return lease.Ttl;
        }
    }, cancellationToken);

    public Task RevokeLeaseAsync(long leaseId, CancellationToken cancellationToken = default) => Run(() =>
    {
        KeyRules.ValidateLeaseId(leaseId);
        lock (_gate)
        {
            ThrowIfDisposed();
            RevokeLocked(LiveLeaseLocked(leaseId));
            return true;
        }
    }, cancellationToken);

    /// <summary>Revokes every lease whose deadline has passed; returns how many. The lease timer calls this; so may tests.</summary>
    internal int ExpireLeases()
    {
        lock (_gate)
        {
            if (_disposed)
                return 0;
            long now = _options.TimeProvider.GetTimestamp();
            var due = _keys.Leases.Where(lease => lease.Deadline <= now).OrderBy(lease => lease.Id).ToList();
            foreach (var lease in due)
                ExpireLocked(lease);
            return due.Count;
        }
    }

    private void OnLeaseTimer()
    {
        try
        {
            ExpireLeases();
        }
        catch (Exception e)
        {
            Log.LeaseExpiryFailed(_logger, e);
        }
    }

    /// <summary>The lease, if it exists and has not expired; an overdue lease is expired on the spot.</summary>
    private LeaseState LiveLeaseLocked(long leaseId)
    {
        var lease = _keys.FindLease(leaseId) ?? throw new LeaseNotFoundException(leaseId, "it was never granted, or was revoked or expired");
        if (ExpireIfDueLocked(leaseId))
            throw new LeaseNotFoundException(leaseId, $"it expired (TTL {lease.Ttl})");
        return lease;
    }

    private bool ExpireIfDueLocked(long leaseId)
    {
        if (_keys.FindLease(leaseId) is not { } lease || lease.Deadline > _options.TimeProvider.GetTimestamp())
            return false;
        ExpireLocked(lease);
        return true;
    }

    private void ExpireLocked(LeaseState lease)
    {
        Log.LeaseExpired(_logger, lease.Id, lease.Keys.Count);
        RevokeLocked(lease);
    }

    private void RevokeLocked(LeaseState lease)
    {
        List<LogOp> ops = [.. lease.Keys.Order(KeyOrder.Instance).Select(key => new LogOp.Delete(key))];
        ops.Add(new LogOp.RevokeLease(lease.Id));
        CommitLocked(ops);
    }
}
