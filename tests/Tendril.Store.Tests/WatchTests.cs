namespace Tendril.Store.Tests;

public sealed class WatchTests
{
    [Fact]
    public async Task Watch_FromPastRevision_ReplaysHistoryThenGoesLive()
    {
        await using var store = await TestStores.OpenAsync();
        await store.PutAsync("n/a", "1");                                                   // 1
        await store.PutAsync("n/b", "1");                                                   // 2
        await store.PutAsync("n/a", "2");                                                   // 3

        var watch = store.WatchAsync("n/", fromRevision: 1).TakeAsync(3);
        await store.DeleteAsync("n/b");                                                     // 4, live (or replayed: either way in order)
        var events = await watch;

        Assert.Equal([2L, 3, 4], events.Select(e => e.ModRevision));
        Assert.Equal(new WatchEvent(WatchEventType.Put, "n/b", "1", 2, 2, 1, 0, null), events[0]);
        Assert.Equal(new WatchEvent(WatchEventType.Put, "n/a", "2", 3, 1, 2, 0, "1"), events[1]);
        Assert.Equal(new WatchEvent(WatchEventType.Delete, "n/b", null, 4, 0, 0, 0, "1"), events[2]);
    }

    [Fact]
    public async Task Watch_WithoutRevision_SeesOnlyLaterChanges()
    {
        await using var store = await TestStores.OpenAsync();
        await store.PutAsync("k", "old");
        var watch = store.WatchAsync("k");

        await store.PutAsync("k", "new");
        var events = await watch.TakeAsync(1);

        Assert.Equal("new", Assert.Single(events).Value);
    }

    [Fact]
    public async Task Watch_Prefix_IgnoresOtherKeys()
    {
        await using var store = await TestStores.OpenAsync();
        var watch = store.WatchAsync("ids/", fromRevision: 0);
        await store.PutAsync("nodes/1", "x");
        await store.PutAsync("ids/1", "y");
        await store.PutAsync("idsx", "z");
        await store.PutAsync("ids/2", "w");

        var events = await watch.TakeAsync(2);

        Assert.Equal(["ids/1", "ids/2"], events.Select(e => e.Key));
    }

    [Fact]
    public async Task Watch_ConcurrentWriters_DeliversEveryRevisionOnceInOrder()
    {
        using var directory = new TempDirectory();
        await using var store = await TestStores.OpenAsync(directory.Path);
        for (int i = 0; i < 10; i++)
            await store.PutAsync($"w/seed/{i}", "x");
        const int writers = 4, perWriter = 25, total = 10 + writers * perWriter;

        var watch = store.WatchAsync("w/", fromRevision: 0).TakeAsync(total);               // replays the seeds, then follows
        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            for (int i = 0; i < perWriter; i++)
                await store.PutAsync($"w/{w}/{i % 5}", $"{i}");
        })));
        var events = await watch;

        Assert.Equal(Enumerable.Range(1, total).Select(r => (long)r), events.Select(e => e.ModRevision));
        for (int w = 0; w < writers; w++)
        {
            var values = events.Where(e => e.Key.StartsWith($"w/{w}/", StringComparison.Ordinal)).Select(e => int.Parse(e.Value!));
            Assert.Equal(Enumerable.Range(0, perWriter), values);                            // each writer's order kept
        }
    }

    [Fact]
    public async Task Watch_TwoWatchersOfOneStore_SeeTheSameSequence()
    {
        await using var store = await TestStores.OpenAsync();
        var first = store.WatchAsync("").TakeAsync(20);
        var second = store.WatchAsync("").TakeAsync(20);

        await Task.WhenAll(Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (int i = 0; i < 5; i++)
                await store.PutAsync($"k/{w}", $"{i}");
        })));

        Assert.Equal((await first).Select(e => (e.ModRevision, e.Key)), (await second).Select(e => (e.ModRevision, e.Key)));
    }

    [Fact]
    public async Task Watch_CompactedRevision_ThrowsStoreCompactedException()
    {
        await using var store = await TestStores.OpenAsync(historyLimit: 4);
        for (int i = 0; i < 10; i++)
            await store.PutAsync("k", $"{i}");

        var e = Assert.Throws<StoreCompactedException>(() => store.WatchAsync("k", fromRevision: 2));

        Assert.Equal(6, e.CompactedRevision);
        Assert.Contains("list the keys again", e.Message);
        var replayed = await store.WatchAsync("k", fromRevision: 6).TakeAsync(4);          // the oldest still kept
        Assert.Equal([7L, 8, 9, 10], replayed.Select(ev => ev.ModRevision));
    }

    [Fact]
    public async Task Watch_ConsumerFallsBehindHistory_ThrowsStoreCompactedException()
    {
        await using var store = await TestStores.OpenAsync(historyLimit: 4);
        await using var watch = store.WatchAsync("k").GetAsyncEnumerator();
        for (int i = 0; i < 10; i++)
            await store.PutAsync("k", $"{i}");

        await Assert.ThrowsAsync<StoreCompactedException>(async () => await watch.MoveNextAsync());
    }

    [Fact]
    public async Task Watch_Cancelled_EndsWithoutException()
    {
        await using var store = await TestStores.OpenAsync();
        using var cancel = new CancellationTokenSource();
        var events = new List<WatchEvent>();

        var watch = store.WatchAsync("k", cancellationToken: cancel.Token);
        var consumer = Task.Run(async () =>
        {
            await foreach (var e in watch)
                events.Add(e);
        });
        await store.PutAsync("k", "1");
        for (int i = 0; i < 1000 && events.Count == 0 && !consumer.IsCompleted; i++)
            await Task.Delay(5);
        cancel.Cancel();
        await consumer.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Single(events);
    }

    [Fact]
    public async Task Watch_StoreDisposed_EndsWithoutException()
    {
        var store = await TestStores.OpenAsync();
        var consumer = Task.Run(async () =>
        {
            await foreach (var _ in store.WatchAsync(""))
            {
            }
        });
        await Task.Delay(20);

        await store.DisposeAsync();

        await consumer.WaitAsync(TimeSpan.FromSeconds(5));
    }
}
