using Tendril.Store.Embedded;

namespace Tendril.Store.Tests;

/// <summary>A temporary directory for one test, deleted afterwards.</summary>
internal sealed class TempDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("tendril-store-").FullName;

    public string LogPath => System.IO.Path.Combine(Path, EmbeddedKeyValueStore.LogFileName);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}

internal static class TestStores
{
    public static async Task<EmbeddedKeyValueStore> OpenAsync(string? directory = null, TimeProvider? time = null, int historyLimit = 10_000,
        int snapshotEveryRecords = 10_000, TimeSpan? leaseCheckInterval = null) =>
        (EmbeddedKeyValueStore)await EmbeddedStore.OpenAsync(new EmbeddedStoreOptions
        {
            Directory = directory,
            TimeProvider = time ?? new ManualTimeProvider(),
            HistoryLimit = historyLimit,
            SnapshotEveryRecords = snapshotEveryRecords,
            LeaseCheckInterval = leaseCheckInterval ?? TimeSpan.FromMilliseconds(500),
        });

    /// <summary>The first <paramref name="count"/> events of a watch, or fewer if they do not come within a few seconds.</summary>
    public static async Task<List<WatchEvent>> TakeAsync(this IAsyncEnumerable<WatchEvent> watch, int count, int timeoutMs = 5000)
    {
        using var timeout = new CancellationTokenSource(timeoutMs);
        var events = new List<WatchEvent>();
        if (count == 0)
            return events;
        await foreach (var e in watch.WithCancellation(timeout.Token))
        {
            events.Add(e);
            if (events.Count == count)
                break;
        }
        return events;
    }
}
