namespace Tendril.Store.Tests;

public sealed class TxnTests
{
    [Fact]
    public async Task Txn_ComparesHold_RunsSuccessBranchUnderOneRevision()
    {
        await using var store = await TestStores.OpenAsync();
        await store.PutAsync("lock", "free");

        var result = await store.TxnAsync(
            [Compare.ValueEquals("lock", "free"), Compare.Absent("id/7")],
            [TxnOp.Put("lock", "taken"), TxnOp.Put("id/7", "app=web"), TxnOp.Get("lock")],
            [TxnOp.Get("id/7")]);

        Assert.True(result.Succeeded);
        Assert.Equal(2, result.Revision);
        Assert.Equal("free", result.Results[0].Items.Single().Value);                      // put reports the previous value
        Assert.Empty(result.Results[1].Items);
        Assert.Equal("free", result.Results[2].Items.Single().Value);                      // reads see the state the compares saw
        Assert.Equal(2, (await store.GetAsync("lock"))!.ModRevision);
        Assert.Equal(2, (await store.GetAsync("id/7"))!.ModRevision);
    }

    [Fact]
    public async Task Txn_CompareFails_RunsFailureBranchOnly()
    {
        await using var store = await TestStores.OpenAsync();
        await store.PutAsync("id/7", "app=db");

        var result = await store.TxnAsync(
            [Compare.Absent("id/7")],
            [TxnOp.Put("id/7", "app=web")],
            [TxnOp.Get("id/7"), TxnOp.Put("conflicts", "1")]);

        Assert.False(result.Succeeded);
        Assert.Equal("app=db", result.Results[0].Items.Single().Value);
        Assert.Equal("app=db", (await store.GetAsync("id/7"))!.Value);
        Assert.Equal("1", (await store.GetAsync("conflicts"))!.Value);
        Assert.Equal(2, result.Revision);
    }

    [Theory]
    [InlineData(CompareTarget.Version, CompareOperator.Equal, 2, true)]
    [InlineData(CompareTarget.Version, CompareOperator.Greater, 2, false)]
    [InlineData(CompareTarget.ModRevision, CompareOperator.Equal, 3, true)]
    [InlineData(CompareTarget.ModRevision, CompareOperator.Less, 3, false)]
    [InlineData(CompareTarget.CreateRevision, CompareOperator.Equal, 1, true)]
    [InlineData(CompareTarget.CreateRevision, CompareOperator.NotEqual, 1, false)]
    public async Task Txn_NumericCompares_EvaluateAgainstKeyRevisions(CompareTarget target, CompareOperator op, long operand, bool expected)
    {
        await using var store = await TestStores.OpenAsync();
        await store.PutAsync("k", "1");                                                     // create 1
        await store.PutAsync("other", "1");
        await store.PutAsync("k", "2");                                                     // mod 3, version 2

        var result = await store.TxnAsync([new Compare("k", target, op, operand)], [], []);

        Assert.Equal(expected, result.Succeeded);
        Assert.Equal(3, result.Revision);                                                   // no writes, no new revision
    }

    [Fact]
    public async Task Txn_ValueCompareOnAbsentKey_IsFalseEvenForNotEqual()
    {
        await using var store = await TestStores.OpenAsync();

        var result = await store.TxnAsync([Compare.OnValue("missing", CompareOperator.NotEqual, "x")], [], []);

        Assert.False(result.Succeeded);
    }

    [Fact]
    public async Task Txn_UnknownLeaseInBranch_FailsWholeTransactionWithoutWriting()
    {
        await using var store = await TestStores.OpenAsync();

        await Assert.ThrowsAsync<LeaseNotFoundException>(() =>
            store.TxnAsync([], [TxnOp.Put("a", "1"), TxnOp.Put("b", "1", leaseId: 42)], []));

        Assert.Null(await store.GetAsync("a"));
        Assert.Equal(0, store.Revision);
    }

    [Fact]
    public async Task Txn_WritingOneKeyTwice_IsRejected()
    {
        await using var store = await TestStores.OpenAsync();
        await store.PutAsync("p/a", "1");

        await Assert.ThrowsAsync<ArgumentException>(() => store.TxnAsync([], [TxnOp.Put("k", "1"), TxnOp.Delete("k")], []));
        await Assert.ThrowsAsync<ArgumentException>(() => store.TxnAsync([], [TxnOp.DeletePrefix("p/"), TxnOp.Put("p/b", "1")], []));
        Assert.Equal(1, store.Revision);
    }

    [Fact]
    public async Task CreateIfAbsent_FiftyParallelAllocators_ExactlyOneWins()
    {
        using var directory = new TempDirectory();
        await using var store = await TestStores.OpenAsync(directory.Path);
        using var start = new ManualResetEventSlim();

        var racers = Enumerable.Range(0, 50).Select(i => Task.Run(async () =>
        {
            start.Wait();
            return await store.CreateIfAbsentAsync("cilium/state/identities/v1/id/256", $"labels-of-{i}");
        })).ToList();
        start.Set();
        bool[] won = await Task.WhenAll(racers);

        int winner = Assert.Single(Enumerable.Range(0, 50), i => won[i]);
        var kv = await store.GetAsync("cilium/state/identities/v1/id/256");
        Assert.Equal($"labels-of-{winner}", kv!.Value);
        Assert.Equal(1, kv.Version);
        Assert.Equal(1, store.Revision);
    }

    [Fact]
    public async Task CompareAndSwap_StaleModRevision_FailsAndLeavesValue()
    {
        await using var store = await TestStores.OpenAsync();
        long first = await store.PutAsync("k", "1");
        await store.PutAsync("k", "2");

        Assert.False(await store.CompareAndSwapAsync("k", first, "stale"));
        Assert.True(await store.CompareAndSwapAsync("k", store.Revision, "3"));
        Assert.True(await store.CompareAndSwapAsync("new", 0, "created"));                  // 0: only if absent
        Assert.False(await store.CompareAndSwapAsync("new", 0, "again"));
        Assert.Equal("3", (await store.GetAsync("k"))!.Value);
    }

    [Fact]
    public async Task CompareAndSwap_ConcurrentIncrementers_LoseNoUpdate()
    {
        await using var store = await TestStores.OpenAsync();
        await store.PutAsync("counter", "0");

        await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            for (int i = 0; i < 10; i++)
            {
                while (true)
                {
                    var current = (await store.GetAsync("counter"))!;
                    if (await store.CompareAndSwapAsync("counter", current.ModRevision, (int.Parse(current.Value) + 1).ToString()))
                        break;
                }
            }
        })));

        var counter = (await store.GetAsync("counter"))!;
        Assert.Equal("160", counter.Value);
        Assert.Equal(161, counter.Version);
    }
}
