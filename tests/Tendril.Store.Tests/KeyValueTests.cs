using Tendril.Store.Embedded;

namespace Tendril.Store.Tests;

public sealed class KeyValueTests
{
    [Fact]
    public async Task Put_EachWrite_AdvancesRevisionByOneAndKeyVersion()
    {
        await using var store = await TestStores.OpenAsync();
        Assert.Equal(0, store.Revision);

        Assert.Equal(1, await store.PutAsync("a", "1"));
        Assert.Equal(2, await store.PutAsync("b", "1"));
        Assert.Equal(3, await store.PutAsync("a", "2"));

        var a = await store.GetAsync("a");
        Assert.Equal(new KeyValue("a", "2", CreateRevision: 1, ModRevision: 3, Version: 2, LeaseId: 0), a);
        Assert.Equal(3, store.Revision);
    }

    [Fact]
    public async Task Put_AfterDelete_RecreatesKeyWithNewCreateRevisionAndVersionOne()
    {
        await using var store = await TestStores.OpenAsync();
        await store.PutAsync("k", "1");
        await store.PutAsync("k", "2");
        Assert.True(await store.DeleteAsync("k"));
        await store.PutAsync("k", "3");

        Assert.Equal(new KeyValue("k", "3", 4, 4, 1, 0), await store.GetAsync("k"));
    }

    [Fact]
    public async Task Delete_AbsentKey_ReturnsFalseAndKeepsRevision()
    {
        await using var store = await TestStores.OpenAsync();
        await store.PutAsync("a", "1");

        Assert.False(await store.DeleteAsync("missing"));
        Assert.Equal(0, await store.DeletePrefixAsync("nothing/"));
        Assert.Null(await store.GetAsync("missing"));
        Assert.Equal(1, store.Revision);
    }

    [Fact]
    public async Task List_ByPrefix_ReturnsMatchingKeysSortedWithRevision()
    {
        await using var store = await TestStores.OpenAsync();
        foreach (string key in new[] { "ids/3", "ids/1", "idsx", "other/1", "ids/2", "id" })
            await store.PutAsync(key, key.ToUpperInvariant());

        var list = await store.ListAsync("ids/");

        Assert.Equal(["ids/1", "ids/2", "ids/3"], list.Items.Select(kv => kv.Key));
        Assert.Equal("IDS/2", list.Items[1].Value);
        Assert.Equal(6, list.Revision);
        Assert.Equal(6, (await store.ListAsync("")).Items.Count);
        Assert.Empty((await store.ListAsync("zzz")).Items);
    }

    [Fact]
    public async Task List_NonAsciiKeys_SortsByCodePointLikeEtcd()
    {
        await using var store = await TestStores.OpenAsync();
        await store.PutAsync("k/\U0001F600", "emoji");                                     // UTF-8 F0 9F 98 80
        await store.PutAsync("k/\uFFFD", "replacement");                                   // UTF-8 EF BF BD
        await store.PutAsync("k/a", "ascii");

        var keys = (await store.ListAsync("k/")).Items.Select(kv => kv.Value);

        Assert.Equal(["ascii", "replacement", "emoji"], keys);
    }

    [Fact]
    public async Task DeletePrefix_RemovesOnlyMatchingKeysInOneRevision()
    {
        await using var store = await TestStores.OpenAsync();
        await store.PutAsync("cilium/state/nodes/a", "1");
        await store.PutAsync("cilium/state/nodes/b", "1");
        await store.PutAsync("cilium/state/identities/1", "1");

        Assert.Equal(2, await store.DeletePrefixAsync("cilium/state/nodes/"));

        Assert.Equal(4, store.Revision);
        Assert.Equal(["cilium/state/identities/1"], (await store.ListAsync("cilium/")).Items.Select(kv => kv.Key));
    }

    [Fact]
    public async Task InMemoryStore_WithoutDirectory_ImplementsTheContract()
    {
        await using var store = await EmbeddedStore.OpenAsync(new EmbeddedStoreOptions());

        await store.PutAsync("k", "v");

        Assert.Null(store.Directory);
        Assert.Equal("v", (await store.GetAsync("k"))?.Value);
    }

    [Fact]
    public async Task BadArguments_AreRejectedWithArgumentException()
    {
        await using var store = await TestStores.OpenAsync();

        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.PutAsync("", "v"));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.PutAsync(null!, "v"));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.PutAsync("k", null!));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.PutAsync("k", "v", leaseId: -1));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.PutAsync("k\uD800", "v"));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.GetAsync(""));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.DeleteAsync(""));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.GrantLeaseAsync(TimeSpan.FromSeconds(-5)));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.GrantLeaseAsync(TimeSpan.Zero));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.TxnAsync([Compare.Absent("")], [], []));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.TxnAsync([], [TxnOp.Put("k", null!)], []));
        Assert.ThrowsAny<ArgumentException>(() => store.WatchAsync("p", fromRevision: -1));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => EmbeddedStore.OpenAsync(new EmbeddedStoreOptions { HistoryLimit = 0 }));
        Assert.Equal(0, store.Revision);
    }

    [Fact]
    public async Task Operations_AfterDispose_ThrowObjectDisposed()
    {
        var store = await TestStores.OpenAsync();
        await store.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.PutAsync("k", "v"));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.GetAsync("k"));
        await store.DisposeAsync();                                                         // twice is fine
    }
}
