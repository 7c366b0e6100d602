namespace Tendril.Store.Tests;

public sealed class LeaseTests
{
    [Fact]
    public async Task Lease_ExpiryByTimer_DeletesKeysAndEmitsDeleteEvents()
    {
        var clock = new ManualTimeProvider();
        await using var store = await TestStores.OpenAsync(time: clock);
        long lease = await store.GrantLeaseAsync(TimeSpan.FromSeconds(10));
        await store.PutAsync("ids/value/app=web/node1", "256", lease);
        await store.PutAsync("ids/value/app=db/node1", "257", lease);
        await store.PutAsync("ids/id/256", "app=web");                                     // not on the lease
        var watch = store.WatchAsync("ids/").TakeAsync(2);

        clock.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(2, (await store.ListAsync("ids/value/")).Items.Count);
        clock.Advance(TimeSpan.FromSeconds(2));                                             // the store's lease timer fires here
        var events = await watch;

        Assert.All(events, e => Assert.Equal(WatchEventType.Delete, e.Type));
        Assert.Equal(["ids/value/app=db/node1", "ids/value/app=web/node1"], events.Select(e => e.Key));
        Assert.Equal(["256", "257"], events.Select(e => e.PrevValue).Order());
        Assert.Single(events.Select(e => e.ModRevision).Distinct());                         // one revision for the whole lease
        Assert.Empty((await store.ListAsync("ids/value/")).Items);
        Assert.NotNull(await store.GetAsync("ids/id/256"));
        await Assert.ThrowsAsync<LeaseNotFoundException>(() => store.KeepAliveAsync(lease));
    }

    [Fact]
    public async Task ExpireLeases_OnlyRevokesOverdueLeases()
    {
        var clock = new ManualTimeProvider();
        await using var store = await TestStores.OpenAsync(time: clock, leaseCheckInterval: TimeSpan.FromHours(1));   // no timer: explicit expiry only
        long shortLease = await store.GrantLeaseAsync(TimeSpan.FromSeconds(5));
        long longLease = await store.GrantLeaseAsync(TimeSpan.FromMinutes(5));
        await store.PutAsync("short", "x", shortLease);
        await store.PutAsync("long", "x", longLease);

        Assert.Equal(0, store.ExpireLeases());
        clock.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal(1, store.ExpireLeases());

        Assert.Null(await store.GetAsync("short"));
        Assert.NotNull(await store.GetAsync("long"));
    }

    [Fact]
    public async Task KeepAlive_BeforeDeadline_PreventsExpiry()
    {
        var clock = new ManualTimeProvider();
        await using var store = await TestStores.OpenAsync(time: clock);
        long lease = await store.GrantLeaseAsync(TimeSpan.FromSeconds(10));
        await store.PutAsync("node/1", "alive", lease);

        for (int i = 0; i < 5; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(8));
            Assert.Equal(TimeSpan.FromSeconds(10), await store.KeepAliveAsync(lease));
        }
        store.ExpireLeases();

        Assert.NotNull(await store.GetAsync("node/1"));
        clock.Advance(TimeSpan.FromSeconds(11));
        Assert.Null(await store.GetAsync("node/1"));
    }

    [Fact]
    public async Task KeepAlive_AfterDeadlineBeforeTimer_ExpiresTheLease()
    {
        var clock = new ManualTimeProvider();
        await using var store = await TestStores.OpenAsync(time: clock, leaseCheckInterval: TimeSpan.FromHours(1));   // no timer: explicit expiry only
        long lease = await store.GrantLeaseAsync(TimeSpan.FromSeconds(1));
        await store.PutAsync("k", "v", lease);
        clock.Advance(TimeSpan.FromSeconds(2));

        await Assert.ThrowsAsync<LeaseNotFoundException>(() => store.KeepAliveAsync(lease));
        await Assert.ThrowsAsync<LeaseNotFoundException>(() => store.PutAsync("k2", "v", lease));
        Assert.Null(await store.GetAsync("k"));
    }

    [Fact]
    public async Task Revoke_DeletesAttachedKeysInOneRevision()
    {
        await using var store = await TestStores.OpenAsync();
        long lease = await store.GrantLeaseAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, store.Revision);                                                    // granting changes no key
        await store.PutAsync("a", "1", lease);
        await store.PutAsync("b", "1", lease);
        await store.PutAsync("b", "2");                                                     // a put without the lease detaches it
        var watch = store.WatchAsync("").TakeAsync(1);

        await store.RevokeLeaseAsync(lease);

        var deleted = Assert.Single(await watch);
        Assert.Equal(("a", WatchEventType.Delete, 4L), (deleted.Key, deleted.Type, deleted.ModRevision));
        Assert.Equal("2", (await store.GetAsync("b"))!.Value);
        await Assert.ThrowsAsync<LeaseNotFoundException>(() => store.RevokeLeaseAsync(lease));
    }

    [Fact]
    public async Task Put_UnknownLease_ThrowsLeaseNotFound()
    {
        await using var store = await TestStores.OpenAsync();

        var e = await Assert.ThrowsAsync<LeaseNotFoundException>(() => store.PutAsync("k", "v", leaseId: 99));

        Assert.Equal(99, e.LeaseId);
        Assert.Null(await store.GetAsync("k"));
    }

    [Fact]
    public async Task CreateIfAbsent_WithLease_AttachesKey()
    {
        await using var store = await TestStores.OpenAsync();
        long lease = await store.GrantLeaseAsync(TimeSpan.FromSeconds(30));

        Assert.True(await store.CreateIfAbsentAsync("slave", "256", lease));

        Assert.Equal(lease, (await store.GetAsync("slave"))!.LeaseId);
    }
}
