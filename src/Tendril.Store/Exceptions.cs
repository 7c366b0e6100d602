namespace Tendril.Store;

/// <summary>A watch asked for changes the store no longer keeps: list the keys again and watch from the list's revision.</summary>
public sealed class StoreCompactedException : Exception
{
    public StoreCompactedException(long requestedRevision, long compactedRevision)
        : base($"the changes after revision {requestedRevision} are no longer available: history is kept only after revision " +
               $"{compactedRevision}; list the keys again and watch from the list's revision")
    {
        RequestedRevision = requestedRevision;
        CompactedRevision = compactedRevision;
    }

    /// <summary>The revision the watcher wanted changes after.</summary>
    public long RequestedRevision { get; }

    /// <summary>Changes up to and including this revision are gone; a watch may start from it or later.</summary>
    public long CompactedRevision { get; }
}

/// <summary>A lease that does not exist: never granted, revoked, or expired.</summary>
public sealed class LeaseNotFoundException(long leaseId, string reason)
    : Exception($"lease {leaseId} not found: {reason}; grant a new lease and put the keys again")
{
    public long LeaseId { get; } = leaseId;
}

/// <summary>The store's directory is held by another open store (in this or another process).</summary>
public sealed class StoreLockedException(string directory, string lockFile, Exception inner)
    : IOException($"store directory {directory} is already in use: another process (or another store in this process) holds the " +
                  $"lock on {lockFile}; stop it, or give this store its own directory", inner)
{
    public string Directory { get; } = directory;

    public string LockFile { get; } = lockFile;
}
