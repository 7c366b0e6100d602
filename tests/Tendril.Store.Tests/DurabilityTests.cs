namespace Tendril.Store.Tests;

public sealed class DurabilityTests
{
    [Fact]
    public async Task Reopen_AfterDispose_KeepsDataRevisionAndLeases()
    {
        using var directory = new TempDirectory();
        long lease;
        IReadOnlyList<KeyValue> before;
        await using (var store = await TestStores.OpenAsync(directory.Path))
        {
            lease = await store.GrantLeaseAsync(TimeSpan.FromSeconds(30));
            await store.PutAsync("nodes/node1", "10.0.0.1", lease);
            await store.PutAsync("ids/256", "app=web");
            await store.PutAsync("ids/256", "app=web2");
            await store.PutAsync("ids/257", "app=db");
            await store.DeleteAsync("ids/257");
            await store.TxnAsync([Compare.Absent("ids/258")], [TxnOp.Put("ids/258", "app=cache"), TxnOp.Put("ids/259", "x")], []);
            before = (await store.ListAsync("")).Items;
        }

        var clock = new ManualTimeProvider();
        await using var reopened = await TestStores.OpenAsync(directory.Path, clock);

        Assert.Equal(6, reopened.Revision);
        Assert.Equal(before, (await reopened.ListAsync("")).Items);
        Assert.Equal(7, reopened.Recovery.ReplayedRecords);
        Assert.Null(reopened.Recovery.DroppedTail);
        var replayed = await reopened.WatchAsync("ids/", fromRevision: 0).TakeAsync(6);    // the log's history is watchable again
        Assert.Equal([2L, 3, 4, 5, 6, 6], replayed.Select(e => e.ModRevision));
        Assert.NotEqual(lease, await reopened.GrantLeaseAsync(TimeSpan.FromSeconds(1)));    // lease ids are never reused

        clock.Advance(TimeSpan.FromSeconds(29));                                           // the TTL counts again from the restart
        Assert.NotNull(await reopened.GetAsync("nodes/node1"));
        Assert.Equal(TimeSpan.FromSeconds(30), await reopened.KeepAliveAsync(lease));
        clock.Advance(TimeSpan.FromSeconds(31));
        Assert.Null(await reopened.GetAsync("nodes/node1"));
    }

    [Fact]
    public async Task Reopen_AfterSnapshots_KeepsDataAndStartsHistoryAtTheSnapshot()
    {
        using var directory = new TempDirectory();
        IReadOnlyList<KeyValue> before;
        await using (var store = await TestStores.OpenAsync(directory.Path, snapshotEveryRecords: 4))
        {
            long lease = await store.GrantLeaseAsync(TimeSpan.FromMinutes(1));
            for (int i = 0; i < 10; i++)
                await store.PutAsync($"k/{i % 3}", $"{i}", i % 2 == 0 ? lease : 0);
            before = (await store.ListAsync("")).Items;
        }

        await using var reopened = await TestStores.OpenAsync(directory.Path);

        Assert.Equal(before, (await reopened.ListAsync("")).Items);
        Assert.Equal(10, reopened.Revision);
        Assert.Equal(7, reopened.Recovery.SnapshotRevision);                                // records 4 and 8 triggered snapshots
        Assert.Equal(3, reopened.Recovery.ReplayedRecords);
        Assert.Throws<StoreCompactedException>(() => reopened.WatchAsync("", fromRevision: 3));
        Assert.Equal(3, (await reopened.WatchAsync("", fromRevision: 7).TakeAsync(3)).Count);
        Assert.Single((await reopened.ListAsync("")).Items, kv => kv.LeaseId != 0);
    }

    [Fact]
    public async Task Reopen_CrashBetweenSnapshotAndLogReset_SkipsRecordsTheSnapshotHolds()
    {
        using var directory = new TempDirectory();
        byte[] oldLog;
        await using (var store = await TestStores.OpenAsync(directory.Path))
        {
            await store.PutAsync("a", "1");
            await store.PutAsync("b", "1");
            oldLog = await File.ReadAllBytesAsync(directory.LogPath);
            store.WriteSnapshot();
        }
        await File.WriteAllBytesAsync(directory.LogPath, oldLog);                           // as if the log was never emptied

        await using var reopened = await TestStores.OpenAsync(directory.Path);

        Assert.Equal(2, reopened.Revision);
        Assert.Equal(0, reopened.Recovery.ReplayedRecords);
        Assert.Equal(1, (await reopened.GetAsync("a"))!.Version);
        Assert.Equal(3, await reopened.PutAsync("c", "1"));
    }

    [Fact]
    public async Task Reopen_TornLastRecord_IsCutAndPreviousStateIntact()
    {
        using var directory = new TempDirectory();
        long goodLength = await WriteThreeKeysAsync(directory);
        long fullLength = new FileInfo(directory.LogPath).Length;
        await using (var log = new FileStream(directory.LogPath, FileMode.Open))
            log.SetLength(fullLength - 3);                                                  // a crash in the middle of the last write

        await using (var reopened = await TestStores.OpenAsync(directory.Path))
        {
            Assert.Equal(2, reopened.Revision);
            Assert.Equal("1", (await reopened.GetAsync("a"))!.Value);
            Assert.Equal("2", (await reopened.GetAsync("b"))!.Value);
            Assert.Null(await reopened.GetAsync("c"));
            var dropped = reopened.Recovery.DroppedTail!;
            Assert.Equal(goodLength, dropped.Offset);
            Assert.Equal(fullLength - 3 - goodLength, dropped.Bytes);
            Assert.Contains("cut short", dropped.Reason);
            Assert.True(File.Exists(dropped.CopyPath));
            Assert.Equal(3, await reopened.PutAsync("d", "4"));                             // appends follow the last good record
        }

        await using var again = await TestStores.OpenAsync(directory.Path);
        Assert.Null(again.Recovery.DroppedTail);
        Assert.Equal("4", (await again.GetAsync("d"))!.Value);
        Assert.Equal(3, again.Revision);
    }

    [Fact]
    public async Task Reopen_CorruptByteInLastRecord_IsCutAndPreviousStateIntact()
    {
        using var directory = new TempDirectory();
        long goodLength = await WriteThreeKeysAsync(directory);
        await using (var log = new FileStream(directory.LogPath, FileMode.Open))
        {
            log.Position = goodLength + 8 + 5;                                               // inside the last record's payload
            int original = log.ReadByte();
            log.Position--;
            log.WriteByte((byte)(original ^ 0x5A));
        }

        await using var reopened = await TestStores.OpenAsync(directory.Path);

        Assert.Equal(2, reopened.Revision);
        Assert.Null(await reopened.GetAsync("c"));
        Assert.Equal(["a", "b"], (await reopened.ListAsync("")).Items.Select(kv => kv.Key));
        Assert.Equal("CRC mismatch", reopened.Recovery.DroppedTail!.Reason);
        Assert.Equal(goodLength, reopened.Recovery.DroppedTail.Offset);
    }

    [Fact]
    public async Task Open_DirectoryAlreadyOpen_FailsWithClearMessage()
    {
        using var directory = new TempDirectory();
        await using (var first = await TestStores.OpenAsync(directory.Path))
        {
            var e = await Assert.ThrowsAsync<StoreLockedException>(() => TestStores.OpenAsync(directory.Path));

            Assert.Contains(directory.Path, e.Message);
            Assert.Contains("already in use", e.Message);
            await first.PutAsync("k", "still works");
        }

        await using var afterRelease = await TestStores.OpenAsync(directory.Path);
        Assert.Equal("still works", (await afterRelease.GetAsync("k"))!.Value);
    }

    [Fact]
    public async Task Open_DamagedSnapshot_FailsWithPathAndReleasesTheDirectory()
    {
        using var directory = new TempDirectory();
        await using (var store = await TestStores.OpenAsync(directory.Path))
        {
            await store.PutAsync("k", "v");
            store.WriteSnapshot();
        }
        string snapshot = Path.Combine(directory.Path, Embedded.EmbeddedKeyValueStore.SnapshotFileName);
        byte[] bytes = await File.ReadAllBytesAsync(snapshot);
        bytes[^2] ^= 0xFF;
        await File.WriteAllBytesAsync(snapshot, bytes);

        var e = await Assert.ThrowsAsync<InvalidDataException>(() => TestStores.OpenAsync(directory.Path));
        Assert.Contains(snapshot, e.Message);
        Assert.Contains("damaged", e.Message);
        await Assert.ThrowsAsync<InvalidDataException>(() => TestStores.OpenAsync(directory.Path));   // not StoreLockedException
    }

    /// <summary>Writes a, b, then c; returns the log length before the record of c.</summary>
    private static async Task<long> WriteThreeKeysAsync(TempDirectory directory)
    {
        await using var store = await TestStores.OpenAsync(directory.Path);
        await store.PutAsync("a", "1");
        await store.PutAsync("b", "2");
        long length = new FileInfo(directory.LogPath).Length;
        await store.PutAsync("c", "3");
        return length;
    }
}
