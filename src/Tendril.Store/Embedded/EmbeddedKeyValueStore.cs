using Microsoft.Extensions.Logging;

namespace Tendril.Store.Embedded;

/// <summary>
/// The embedded store. One lock serialises every operation; a write is planned against the <see cref="KeySpace"/>, appended to
/// the log and flushed, and only then applied, so what readers and watchers see is always on disk. Leases and watches live in
/// the partial files next to this one.
/// </summary>
internal sealed partial class EmbeddedKeyValueStore : IEmbeddedStore
{
    internal const string LogFileName = "store.wal";
    internal const string SnapshotFileName = "store.snapshot";

    private readonly Lock _gate = new();
    private readonly EmbeddedStoreOptions _options;
    private readonly ILogger _logger;
    private KeySpace _keys;
    private WatchHistory _history;
    private TaskCompletionSource _changed = NewSignal();
    private DirectoryLock? _directoryLock;
    private WriteAheadLog? _log;
    private ITimer? _leaseTimer;
    private int _recordsSinceSnapshot;
    private bool _disposed;

    public EmbeddedKeyValueStore(EmbeddedStoreOptions options, ILogger logger)
    {
        _options = options;
        _logger = logger;
        _keys = new KeySpace(options.TimeProvider);
        _history = new WatchHistory(options.HistoryLimit, 0);
        Directory = options.Directory is null ? null : Path.GetFullPath(options.Directory);
        Recovery = new EmbeddedStoreRecovery(0, 0, null);
    }

    public string? Directory { get; }

    public EmbeddedStoreRecovery Recovery { get; private set; }

    public long Revision
    {
        get
        {
            lock (_gate)
                return _keys.Revision;
        }
    }

    internal string? LogPath => Directory is null ? null : Path.Combine(Directory, LogFileName);

    /// <summary>Takes the directory, restores its state and starts lease expiry; called once by <see cref="EmbeddedStore.OpenAsync"/>.</summary>
    internal void Open()
    {
        lock (_gate)
        {
            if (Directory is not null)
                Restore(Directory);
            _leaseTimer = _options.TimeProvider.CreateTimer(static state => ((EmbeddedKeyValueStore)state!).OnLeaseTimer(), this,
                _options.LeaseCheckInterval, _options.LeaseCheckInterval);
        }
    }

    public Task<KeyValue?> GetAsync(string key, CancellationToken cancellationToken = default) => Run(() =>
    {
        KeyRules.ValidateKey(key);
        lock (_gate)
        {
            ThrowIfDisposed();
            return _keys.Get(key);
        }
    }, cancellationToken);

    public Task<ListResult> ListAsync(string prefix, CancellationToken cancellationToken = default) => Run(() =>
    {
        KeyRules.ValidatePrefix(prefix);
        lock (_gate)
        {
            ThrowIfDisposed();
            return new ListResult([.. _keys.Range(prefix)], _keys.Revision);
        }
    }, cancellationToken);

    public Task<long> PutAsync(string key, string value, long leaseId = 0, CancellationToken cancellationToken = default) => Run(() =>
    {
        KeyRules.ValidateKey(key);
        KeyRules.ValidateValue(value);
        KeyRules.ValidateLeaseId(leaseId);
        lock (_gate)
        {
            ThrowIfDisposed();
            if (leaseId != 0)
                LiveLeaseLocked(leaseId);
            return CommitLocked([new LogOp.Put(key, value, leaseId)]);
        }
    }, cancellationToken);

    public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => Run(() =>
    {
        KeyRules.ValidateKey(key);
        lock (_gate)
        {
            ThrowIfDisposed();
            if (_keys.Get(key) is null)
                return false;
            CommitLocked([new LogOp.Delete(key)]);
            return true;
        }
    }, cancellationToken);

    public Task<int> DeletePrefixAsync(string prefix, CancellationToken cancellationToken = default) => Run(() =>
    {
        KeyRules.ValidatePrefix(prefix);
        lock (_gate)
        {
            ThrowIfDisposed();
            List<LogOp> deletes = [.. _keys.Range(prefix).Select(kv => new LogOp.Delete(kv.Key))];
            if (deletes.Count > 0)
                CommitLocked(deletes);
            return deletes.Count;
        }
    }, cancellationToken);

    public Task<TxnResult> TxnAsync(IReadOnlyList<Compare> compares, IReadOnlyList<TxnOp> onSuccess, IReadOnlyList<TxnOp> onFailure,
        CancellationToken cancellationToken = default) => Run(() =>
    {
        ArgumentNullException.ThrowIfNull(compares);
        ArgumentNullException.ThrowIfNull(onSuccess);
        ArgumentNullException.ThrowIfNull(onFailure);
        foreach (var compare in compares)
            KeyRules.ValidateCompare(compare);
        foreach (var op in onSuccess)
            KeyRules.ValidateOp(op, nameof(onSuccess));
        foreach (var op in onFailure)
            KeyRules.ValidateOp(op, nameof(onFailure));
        lock (_gate)
        {
            ThrowIfDisposed();
            // An overdue lease is expired first, so the compares see its keys gone, as they would a moment later.
            foreach (long leaseId in onSuccess.Concat(onFailure).Where(op => op is { Kind: TxnOpKind.Put, LeaseId: not 0 }).Select(op => op.LeaseId).Distinct())
                ExpireIfDueLocked(leaseId);
            bool succeeded = compares.All(Holds);
            var (ops, results) = TxnPlanner.Plan(_keys, succeeded ? onSuccess : onFailure, succeeded ? nameof(onSuccess) : nameof(onFailure));
            long revision = ops.Count > 0 ? CommitLocked(ops) : _keys.Revision;
            return new TxnResult(succeeded, revision, results);
        }
    }, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        ITimer? timer;
        lock (_gate)
        {
            if (_disposed)
                return;
            _disposed = true;
            timer = _leaseTimer;
            _leaseTimer = null;
            _log?.Dispose();
            _directoryLock?.Dispose();
            _changed.TrySetResult();                                                  // wakes every watch, which then ends
        }
        if (timer is not null)
            await timer.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Writes a snapshot and empties the log now (normally done every <see cref="EmbeddedStoreOptions.SnapshotEveryRecords"/>).</summary>
    internal void WriteSnapshot()
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            if (_log is not null)
                WriteSnapshotLocked();
        }
    }

    private void Restore(string directory)
    {
        System.IO.Directory.CreateDirectory(directory);
        _directoryLock = DirectoryLock.Acquire(directory);
        string snapshotPath = Path.Combine(directory, SnapshotFileName);
        File.Delete(snapshotPath + ".tmp");                                            // a snapshot a crash kept from being renamed
        var snapshot = SnapshotFile.Read(snapshotPath);
        if (snapshot is not null)
            _keys = KeySpace.FromSnapshot(snapshot, _options.TimeProvider);
        _history = new WatchHistory(_options.HistoryLimit, _keys.Revision);

        var records = new List<LogRecord>();
        _log = WriteAheadLog.Open(Path.Combine(directory, LogFileName), records, out var dropped);
        int replayed = 0;
        foreach (var record in records)
        {
            if (record.Index <= _keys.LastIndex)
                continue;                                                              // already in the snapshot: a crash came before the log was emptied
            try
            {
                ApplyLocked(record);
            }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException($"store log {_log.Path} does not follow snapshot {snapshotPath}: {e.Message}; " +
                    "restore the directory from a backup, or move it aside to start empty", e);
            }
            replayed++;
        }
        _recordsSinceSnapshot = replayed;
        Recovery = new EmbeddedStoreRecovery(snapshot?.Revision ?? 0, replayed, dropped);
        if (dropped is not null)
            Log.DroppedLogTail(_logger, _log.Path, dropped.Bytes, dropped.Offset, dropped.Reason, dropped.CopyPath);
        Log.Opened(_logger, directory, _keys.Revision, _keys.Count, _keys.Leases.Count, replayed);
    }

    /// <summary>Makes a record of <paramref name="ops"/> durable, then applies it; returns the store revision after it.</summary>
    private long CommitLocked(List<LogOp> ops)
    {
        bool changesKeys = ops.Any(op => op is LogOp.Put or LogOp.Delete);
        var record = new LogRecord(_keys.LastIndex + 1, changesKeys ? _keys.Revision + 1 : _keys.Revision, ops);
        if (_log is not null)
        {
            _log.Append(StoreCodec.EncodeRecord(record));
            _recordsSinceSnapshot++;
        }
        ApplyLocked(record);
        if (_log is not null && _recordsSinceSnapshot >= _options.SnapshotEveryRecords)
            TrySnapshotLocked();
        return _keys.Revision;
    }

    private void ApplyLocked(LogRecord record)
    {
        var events = _keys.Apply(record);
        if (events.Length == 0)
            return;
        _history.Add(record.Revision, events);
        var changed = _changed;
        _changed = NewSignal();
        changed.TrySetResult();
    }

    private void TrySnapshotLocked()
    {
        try
        {
            WriteSnapshotLocked();
        }
        catch (Exception e)
        {
            // The log still holds everything and the write that triggered this is committed, so it must not fail: log, and try
            // again after another interval.
            _recordsSinceSnapshot = 0;
            Log.SnapshotFailed(_logger, Directory!, e);
        }
    }

    private void WriteSnapshotLocked()
    {
        SnapshotFile.Write(Path.Combine(Directory!, SnapshotFileName), _keys.ToSnapshot());
        _recordsSinceSnapshot = 0;
        _log!.Reset();
    }

    private bool Holds(Compare compare)
    {
        var kv = _keys.Get(compare.Key);
        int order;
        switch (compare.Target)
        {
            case CompareTarget.Value:
                if (kv is null)
                    return false;
                order = string.CompareOrdinal(kv.Value, compare.Text);
                break;
            case CompareTarget.Version:
                order = (kv?.Version ?? 0).CompareTo(compare.Number);
                break;
            case CompareTarget.ModRevision:
                order = (kv?.ModRevision ?? 0).CompareTo(compare.Number);
                break;
            default:
                order = (kv?.CreateRevision ?? 0).CompareTo(compare.Number);
                break;
        }
        return compare.Operator switch
        {
            CompareOperator.Equal => order == 0,
            CompareOperator.NotEqual => order != 0,
            CompareOperator.Greater => order > 0,
            _ => order < 0,
        };
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Runs a synchronous operation as a task: every failure, argument errors included, is reported through the task.</summary>
    private static Task<T> Run<T>(Func<T> operation, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
            return Task.FromCanceled<T>(cancellationToken);
        try
        {
            return Task.FromResult(operation());
        }
        catch (Exception e)
        {
            return Task.FromException<T>(e);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Store {Directory} opened at revision {Revision}: {Keys} key(s), {Leases} lease(s), {Replayed} log record(s) replayed")]
        public static partial void Opened(ILogger logger, string directory, long revision, int keys, int leases, int replayed);

        [LoggerMessage(2, LogLevel.Warning, "Store log {Log}: cut {Bytes} byte(s) at offset {Offset} ({Reason}), a write torn by a crash or damage; copy kept at {CopyPath}")]
        public static partial void DroppedLogTail(ILogger logger, string log, long bytes, long offset, string reason, string copyPath);

        [LoggerMessage(3, LogLevel.Warning, "Store {Directory}: writing a snapshot failed; the log keeps growing until one succeeds")]
        public static partial void SnapshotFailed(ILogger logger, string directory, Exception exception);

        [LoggerMessage(4, LogLevel.Debug, "Lease {LeaseId} expired, deleting {Keys} key(s)")]
        public static partial void LeaseExpired(ILogger logger, long leaseId, int keys);

        [LoggerMessage(5, LogLevel.Error, "Expiring leases failed; will retry at the next check")]
        public static partial void LeaseExpiryFailed(ILogger logger, Exception exception);
    }
}
