using Tendril.Hubble.Api.Flow;
using Tendril.Hubble.Storage;

namespace Tendril.Hubble.Tests;

public class FlowStoreTests
{
    private static readonly DateTimeOffset T0 = new(2026, 5, 4, 13, 0, 0, TimeSpan.Zero);

    private static FlowStore StoreWith(int capacity, int flows)
    {
        var store = new FlowStore(capacity);
        for (int i = 0; i < flows; i++)
            store.Append(TestFlows.At(T0.AddSeconds(i)));
        return store;
    }

    private static async Task<List<StoredEvent>> ReadAll(FlowStore store, FlowQuery query)
    {
        var events = new List<StoredEvent>();
        await foreach (var ev in store.Query(query))
            events.Add(ev);
        return events;
    }

    private static int Second(StoredEvent ev) => (int)(ev.Time - T0).TotalSeconds;

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    [InlineData(4096)]
    public void Constructor_CapacityNotPowerOfTwoMinusOne_Throws(int capacity)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new FlowStore(capacity));
    }

    [Fact]
    public void Append_MoreThanCapacity_KeepsNewestAndCountsAll()
    {
        var store = StoreWith(7, 20);

        Assert.Equal(7, store.Count);
        Assert.Equal(20, store.SeenFlows);
        Assert.Equal(RingRead.Overwritten, store.Ring.TryRead(12, out _));
        Assert.Equal(RingRead.Ok, store.Ring.TryRead(13, out var oldest));
        Assert.Equal(T0.AddSeconds(13), ((Flow)oldest.Message!).Time.ToDateTimeOffset());
        Assert.Equal(RingRead.NotYetWritten, store.Ring.TryRead(20, out _));
    }

    [Fact]
    public async Task Query_LastN_ReturnsNewestNInOrder()
    {
        var store = StoreWith(7, 20);

        var events = await ReadAll(store, new FlowQuery { Number = 3 });

        Assert.Equal([17, 18, 19], events.Select(Second));
    }

    [Fact]
    public async Task Query_LastNWithPredicate_CountsOnlyMatches()
    {
        var store = new FlowStore(15);
        for (int i = 0; i < 10; i++)
            store.Append(TestFlows.Tcp(time: T0.AddSeconds(i), verdict: i % 2 == 0 ? Verdict.Dropped : Verdict.Forwarded));

        var events = await ReadAll(store, new FlowQuery { Number = 2, Predicate = f => f.Verdict == Verdict.Dropped });

        Assert.Equal([6, 8], events.Select(Second));
    }

    [Fact]
    public async Task Query_FirstN_ReturnsOldestStored()
    {
        var store = StoreWith(7, 20);

        var events = await ReadAll(store, new FlowQuery { Number = 2, First = true });

        Assert.Equal([13, 14], events.Select(Second));
    }

    [Fact]
    public async Task Query_SinceUntil_ReturnsWindow()
    {
        var store = StoreWith(31, 20);

        var events = await ReadAll(store, new FlowQuery { Since = T0.AddSeconds(5), Until = T0.AddSeconds(8) });

        Assert.Equal([5, 6, 7, 8], events.Select(Second));
    }

    [Fact]
    public async Task Query_SinceWithNumber_ReturnsFirstNAfterSince()
    {
        var store = StoreWith(31, 20);

        var events = await ReadAll(store, new FlowQuery { Since = T0.AddSeconds(5), Number = 2 });

        Assert.Equal([5, 6], events.Select(Second));
    }

    [Fact]
    public async Task Query_NoNumber_ReturnsEverythingStored()
    {
        var events = await ReadAll(StoreWith(7, 5), new FlowQuery());

        Assert.Equal(5, events.Count);
    }

    [Fact]
    public async Task Query_Follow_WakesForNewFlow()
    {
        var store = StoreWith(7, 3);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var follower = store.Query(new FlowQuery { Follow = true }, cts.Token).GetAsyncEnumerator(cts.Token);

        var next = follower.MoveNextAsync().AsTask();
        await Task.Delay(50);
        Assert.False(next.IsCompleted);
        store.Append(TestFlows.At(T0.AddSeconds(100)));

        Assert.True(await next.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(100, Second(follower.Current));
    }

    [Fact]
    public async Task Query_FollowerFallsBehind_GetsRingLostEventAndContinues()
    {
        var store = StoreWith(7, 7);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var follower = store.Query(new FlowQuery { Follow = true, First = false, Number = 7 }, cts.Token).GetAsyncEnumerator(cts.Token);
        Assert.True(await follower.MoveNextAsync());
        Assert.Equal(0, Second(follower.Current));

        for (int i = 7; i < 27; i++)
            store.Append(TestFlows.At(T0.AddSeconds(i)));

        Assert.True(await follower.MoveNextAsync());
        var lost = follower.Current.Lost;
        Assert.NotNull(lost);
        Assert.Equal(LostEventSource.HubbleRingBuffer, lost.Source);
        Assert.Equal(19ul, lost.NumEventsLost);
        Assert.True(await follower.MoveNextAsync());
        Assert.Equal(20, Second(follower.Current));
    }

    [Fact]
    public async Task ReportKernelLost_CounterGrows_StoresPerfRingLostEventForDelta()
    {
        var store = StoreWith(15, 1);

        store.ReportKernelLost(5, T0.AddSeconds(2));
        store.ReportKernelLost(5, T0.AddSeconds(3));
        store.ReportKernelLost(8, T0.AddSeconds(4));

        var lost = (await ReadAll(store, new FlowQuery())).Where(e => e.Lost is not null).Select(e => e.Lost!).ToList();
        Assert.Equal(2, lost.Count);
        Assert.All(lost, l => Assert.Equal(LostEventSource.PerfEventRingBuffer, l.Source));
        Assert.Equal([5ul, 3ul], lost.Select(l => l.NumEventsLost));
        Assert.Equal(1, store.SeenFlows);
    }

    [Fact]
    public void FlowsRate_CountsFlowsOfLastMinute()
    {
        var store = new FlowStore(255);
        for (int i = 0; i < 120; i++)
            store.Append(TestFlows.At(T0.AddSeconds(i)));

        Assert.Equal(60 / 60.0, store.FlowsRate(T0.AddSeconds(120)), 3);
    }

    [Fact]
    public async Task Ring_ConcurrentReaderDuringWrites_NeverSeesTornEntries()
    {
        var ring = new FlowRing(63);
        var flows = Enumerable.Range(0, 64).Select(i => TestFlows.At(T0.AddSeconds(i))).ToArray();
        using var cts = new CancellationTokenSource();
        var reader = Task.Run(() =>
        {
            long bad = 0;
            while (!cts.IsCancellationRequested)
            {
                long newest = ring.Written - 1;
                for (long seq = Math.Max(0, newest - 62); seq <= newest; seq++)
                {
                    if (ring.TryRead(seq, out var entry) == RingRead.Ok
                        && ((Flow)entry.Message!).Time.Seconds * 1_000_000_000 != entry.UnixNanoseconds)
                        bad++;
                }
            }
            return bad;
        });
        for (int i = 0; i < 200_000; i++)
        {
            var flow = flows[i & 63];
            ring.Write(flow, flow.Time.Seconds * 1_000_000_000);
        }
        cts.Cancel();
        Assert.Equal(0, await reader);
    }
}
