using System.Runtime.CompilerServices;

namespace Tendril.Store.Embedded;

/// <summary>
/// Watches read the shared <see cref="WatchHistory"/> from their own position, so replay and live delivery are one path, nothing
/// is buffered per watcher, and no revision can be skipped or seen twice. A watcher that falls behind the history fails with
/// <see cref="StoreCompactedException"/> rather than stalling writers.
/// </summary>
internal sealed partial class EmbeddedKeyValueStore
{
    /// <summary>Bounds the time a watcher holds the store lock while catching up.</summary>
    private const int MaxRevisionsPerPoll = 256;

    public IAsyncEnumerable<WatchEvent> WatchAsync(string prefix, long? fromRevision = null, CancellationToken cancellationToken = default)
    {
        KeyRules.ValidatePrefix(prefix);
        if (fromRevision is < 0)
            throw new ArgumentOutOfRangeException(nameof(fromRevision), fromRevision, "a revision is never negative");
        long after;
        lock (_gate)
        {
            ThrowIfDisposed();
            after = fromRevision ?? _keys.Revision;
            if (after < _history.CompactedRevision)
                throw new StoreCompactedException(after, _history.CompactedRevision);
        }
        return Follow(prefix, after, cancellationToken);
    }

    private async IAsyncEnumerable<WatchEvent> Follow(string prefix, long after, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var batch = new List<WatchEvent>();
        while (!cancellationToken.IsCancellationRequested)
        {
            batch.Clear();
            (after, var wait, bool ended) = Poll(prefix, after, batch);
            if (ended)
                yield break;
            foreach (var e in batch)
                yield return e;
            if (wait is null)
                continue;
            try
            {
                await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Cancellation ends the watch normally; the loop condition sees it.
            }
        }
    }

    /// <summary>
    /// Collects the next events after <paramref name="after"/>; when caught up, returns the signal of the next commit, taken
    /// under the same lock so that no commit can slip between looking and waiting.
    /// </summary>
    private (long After, Task? Wait, bool Ended) Poll(string prefix, long after, List<WatchEvent> batch)
    {
        lock (_gate)
        {
            if (_disposed)
                return (after, null, true);
            long next = _history.CopyAfter(after, prefix, batch, MaxRevisionsPerPoll);
            bool caughtUp = batch.Count == 0 && next >= _history.LastRevision;
            return (next, caughtUp ? _changed.Task : null, false);
        }
    }
}
