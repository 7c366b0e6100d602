using Google.Protobuf;
using Tendril.Hubble.Api.Flow;
using Tendril.Hubble.Decoding;
using Tendril.Hubble.Filtering;
using Tendril.Hubble.Hosting;
using Tendril.Hubble.Storage;

namespace Tendril.Hubble.Tests;

/// <summary>
/// Flows are stored compactly and materialised when read: what a reader gets must be exactly what the eager decoder
/// produced at the time of the event (the golden file), whatever happened to the agent's state since.
/// </summary>
public class StoredFlowTests
{
    private static readonly Lazy<IReadOnlyList<Flow>> Golden = new(() =>
        File.ReadLines(RecordCorpus.GoldenPath).Select(line => JsonParser.Default.Parse<Flow>(line)).ToList());

    private static HubbleObserver NewObserver(IFlowEndpointResolver resolver, int capacity = 511) => new(
        new HubbleOptions { NodeName = RecordCorpus.NodeName, Version = RecordCorpus.Version, BufferCapacity = capacity, UnixSocketPath = "/tmp/unused.sock" },
        resolver,
        new ManualTimeProvider(RecordCorpus.Now, RecordCorpus.MonotonicNow));

    private static async Task<List<StoredEvent>> ReadAll(FlowStore store, FlowQuery? query = null)
    {
        var events = new List<StoredEvent>();
        await foreach (var ev in store.Query(query ?? new FlowQuery()))
            events.Add(ev);
        return events;
    }

    private static Flow WithoutUuid(Flow flow)
    {
        var copy = flow.Clone();
        copy.Uuid = "";
        return copy;
    }

    [Fact]
    public void Golden_CoversTheCorpus()
    {
        Assert.Equal(RecordCorpus.Count, Golden.Value.Count);
        Assert.Equal(RecordCorpus.Count, RecordCorpus.Records.Count);
    }

    [Fact]
    public async Task Query_EveryCorpusRecord_EqualsTheEagerDecodersFlow()
    {
        var observer = NewObserver(new CorpusResolver());
        foreach (var record in RecordCorpus.Records)
            observer.OnRecord(record);

        var events = await ReadAll(observer.Store);

        Assert.Equal(RecordCorpus.Count, events.Count);
        for (int i = 0; i < events.Count; i++)
        {
            Assert.Equal(i, events[i].Sequence);
            Assert.Equal(Golden.Value[i], WithoutUuid(events[i].Flow!));
            Assert.True(Guid.TryParse(events[i].Flow!.Uuid, out _), events[i].Flow!.Uuid);
        }
    }

    [Fact]
    public void TryDecode_EveryCorpusRecord_EqualsTheEagerDecodersFlow()
    {
        var decoder = RecordCorpus.Decoder(new CorpusResolver());

        for (int i = 0; i < RecordCorpus.Count; i++)
            Assert.Equal(Golden.Value[i], WithoutUuid(decoder.Decode(RecordCorpus.Records[i])));
    }

    [Fact]
    public async Task Query_PodsDeletedAfterTheirEvents_StillShowsThemAsObserved()
    {
        var resolver = new CorpusResolver();
        var observer = NewObserver(resolver);
        foreach (var record in RecordCorpus.Records)
            observer.OnRecord(record);
        var showingWeb = Enumerable.Range(0, RecordCorpus.Count)
            .Where(i => Golden.Value[i].Source.PodName == "web-7d8f" || Golden.Value[i].Destination.PodName == "web-7d8f").ToList();
        Assert.NotEmpty(showingWeb);

        resolver.DeletePod(CorpusResolver.Web);
        resolver.DeletePod(CorpusResolver.Db);
        resolver.DeletePod(CorpusResolver.Client);
        var events = await ReadAll(observer.Store);

        // Decoding the same record now no longer finds the pod: the stored flow must not have looked it up again.
        var now = RecordCorpus.Decoder(resolver).Decode(RecordCorpus.Records[showingWeb[0]]);
        Assert.DoesNotContain("web-7d8f", new[] { now.Source.PodName, now.Destination.PodName });
        for (int i = 0; i < RecordCorpus.Count; i++)
            Assert.Equal(Golden.Value[i], WithoutUuid(events[i].Flow!));
    }

    [Fact]
    public async Task Query_EventAfterPodDeleted_ShowsNoPodWhileEarlierEventsKeepIt()
    {
        var resolver = new CorpusResolver();
        var observer = NewObserver(resolver);
        var record = new FlowEventBytes { Type = 4, DestEndpoint = 12, CtState = 1, Protocol = 6, Dport = 80, Daddr = "10.0.0.89" }.Build();
        observer.OnRecord(record);

        resolver.DeletePod(CorpusResolver.Web);
        observer.OnRecord(record);
        var events = await ReadAll(observer.Store);

        Assert.Equal("web-7d8f", events[0].Flow!.Destination.PodName);
        Assert.Equal("", events[1].Flow!.Destination.PodName);
    }

    [Fact]
    public async Task Query_ReadTwice_SameUuidsThatDifferBetweenEvents()
    {
        var observer = NewObserver(new CorpusResolver());
        foreach (var record in RecordCorpus.Records)
            observer.OnRecord(record);

        var first = await ReadAll(observer.Store);
        var second = await ReadAll(observer.Store);

        Assert.Equal(first.Select(e => e.Flow!.Uuid), second.Select(e => e.Flow!.Uuid));
        Assert.Equal(RecordCorpus.Count, first.Select(e => e.Flow!.Uuid).Distinct().Count());
        Assert.All(first, e => Assert.Equal('4', e.Flow!.Uuid[14])); // version 4, like Hubble's
        for (int i = 0; i < first.Count; i++)
        {
            Assert.Equal(first[i].Flow, second[i].Flow);
            Assert.NotSame(first[i].Flow, second[i].Flow);
        }
    }

    [Fact]
    public async Task Query_SameSequenceInTwoStores_DifferentUuids()
    {
        var a = NewObserver(new CorpusResolver());
        var b = NewObserver(new CorpusResolver());
        a.OnRecord(RecordCorpus.Records[0]);
        b.OnRecord(RecordCorpus.Records[0]);

        var fromA = Assert.Single(await ReadAll(a.Store)).Flow!;
        var fromB = Assert.Single(await ReadAll(b.Store)).Flow!;

        Assert.NotEqual(fromA.Uuid, fromB.Uuid);
        Assert.Equal(WithoutUuid(fromA), WithoutUuid(fromB));
    }

    [Fact]
    public async Task OnRecord_FlowObservedSubscriber_GetsTheFlowReadersGet()
    {
        var observer = NewObserver(new CorpusResolver());
        var seen = new List<Flow>();
        observer.FlowObserved += seen.Add;

        foreach (var record in RecordCorpus.Records.Take(50))
            observer.OnRecord(record);

        Assert.Equal((await ReadAll(observer.Store)).Select(e => e.Flow), seen);
    }

    [Fact]
    public void OnRecord_CompactSubscriberAgreesWithTheEagerFlow()
    {
        // Flow metrics classify compact flows; their reading of every field must be the eager decoder's.
        var observer = NewObserver(new CorpusResolver());
        var seen = new List<(Verdict, uint, DropReason, bool?, TrafficDirection, TraceObservationPoint, TraceReason, Layer4.ProtocolOneofCase, uint, uint?, bool)>();
        observer.CompactFlowObserved += (in CompactFlow f) => seen.Add((f.Verdict, f.DropReason, f.DropReasonDesc, f.IsReply, f.TrafficDirection,
            f.TraceObservationPoint, f.TraceReason, f.Layer4Protocol, f.PolicyMatchType, f.DestinationPort, f.IsIPv6));

        foreach (var record in RecordCorpus.Records)
            observer.OnRecord(record);

        var expected = Golden.Value.Select(g => (g.Verdict, g.DropReason, g.DropReasonDesc, g.IsReply, g.TrafficDirection,
            g.TraceObservationPoint, g.TraceReason, g.L4?.ProtocolCase ?? Layer4.ProtocolOneofCase.None, g.PolicyMatchType,
            g.L4?.ProtocolCase switch
            {
                Layer4.ProtocolOneofCase.TCP => g.L4.TCP.DestinationPort,
                Layer4.ProtocolOneofCase.UDP => g.L4.UDP.DestinationPort,
                Layer4.ProtocolOneofCase.SCTP => g.L4.SCTP.DestinationPort,
                _ => (uint?)null,
            },
            g.IP.IpVersion == IPVersion.Ipv6)).ToList();
        Assert.Equal(expected, seen);
    }

    [Fact]
    public void OnRecord_CompactHandlerThrows_FlowIsStoredAndOtherHandlersRun()
    {
        var observer = NewObserver(new CorpusResolver());
        int compact = 0;
        var flows = new List<Flow>();
        observer.CompactFlowObserved += (in CompactFlow _) => throw new InvalidOperationException("broken metrics");
        observer.CompactFlowObserved += (in CompactFlow _) => compact++;
        observer.FlowObserved += flows.Add;

        observer.OnRecord(RecordCorpus.Records[1]);

        Assert.Equal(1, observer.Store.SeenFlows);
        Assert.Equal(1, compact);
        Assert.Single(flows);
    }

    [Fact]
    public void OnRecord_Unsubscribed_HandlerIsNoLongerCalled()
    {
        var observer = NewObserver(new CorpusResolver());
        int calls = 0;
        CompactFlowHandler handler = (in CompactFlow _) => calls++;
        observer.CompactFlowObserved += handler;
        observer.OnRecord(RecordCorpus.Records[0]);

        observer.CompactFlowObserved -= handler;
        observer.OnRecord(RecordCorpus.Records[1]);

        Assert.Equal(1, calls);
    }

    [Fact]
    public void OnRecord_NoFlowSubscriber_AllocatesNothing()
    {
        var observer = NewObserver(new CorpusResolver());
        int compact = 0;
        observer.CompactFlowObserved += (in CompactFlow _) => compact++;
        foreach (var record in RecordCorpus.Records)
            observer.OnRecord(record); // fills the decoder's caches

        var records = RecordCorpus.Records.ToArray();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int round = 0; round < 3; round++)
        {
            for (int i = 0; i < records.Length; i++)
                observer.OnRecord(records[i]);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // Stored flows are structs in the ring referencing cached messages; nothing is built per event.
        Assert.Equal(0, allocated);
        Assert.Equal(4 * RecordCorpus.Count, compact);
    }

    [Fact]
    public async Task Query_NumberWithFilterOverRecords_ReturnsNewestMatchesAsDecoded()
    {
        var observer = NewObserver(new CorpusResolver());
        foreach (var record in RecordCorpus.Records)
            observer.OnRecord(record);
        var dropped = FlowFilterCompiler.Compile([new FlowFilter { Verdict = { Verdict.Dropped }, DestinationPod = { "default/" } }], [])!;

        var events = await ReadAll(observer.Store, new FlowQuery { Number = 5, Predicate = dropped });

        var expected = Enumerable.Range(0, RecordCorpus.Count).Where(i => dropped(Golden.Value[i])).TakeLast(5).ToList();
        Assert.Equal(5, expected.Count);
        Assert.Equal(expected.Select(i => (long)i), events.Select(e => e.Sequence));
        Assert.Equal(expected.Select(i => Golden.Value[i]), events.Select(e => WithoutUuid(e.Flow!)));
    }

    [Fact]
    public async Task Query_FollowWithFilter_DeliversMatchingRecordsAsTheyArrive()
    {
        var observer = NewObserver(new CorpusResolver());
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var predicate = FlowFilterCompiler.Compile([new FlowFilter { Protocol = { "udp" } }], [])!;
        await using var follower = observer.Store.Query(new FlowQuery { Follow = true, Predicate = predicate }, cts.Token).GetAsyncEnumerator(cts.Token);
        var next = follower.MoveNextAsync().AsTask();

        foreach (var record in RecordCorpus.Records.Take(40))
            observer.OnRecord(record);

        var expected = Enumerable.Range(0, 40).Where(i => predicate(Golden.Value[i])).ToList();
        Assert.NotEmpty(expected);
        var received = new List<StoredEvent>();
        Assert.True(await next.WaitAsync(TimeSpan.FromSeconds(5)));
        received.Add(follower.Current);
        while (received.Count < expected.Count)
        {
            Assert.True(await follower.MoveNextAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5)));
            received.Add(follower.Current);
        }
        Assert.Equal(expected.Select(i => (long)i), received.Select(e => e.Sequence));
        Assert.Equal(expected.Select(i => Golden.Value[i]), received.Select(e => WithoutUuid(e.Flow!)));
    }

    [Fact]
    public async Task Query_SinceUntilOverRecords_UsesTheEventTimes()
    {
        var observer = NewObserver(new CorpusResolver());
        foreach (var record in RecordCorpus.Records)
            observer.OnRecord(record);
        var times = Golden.Value.Select(g => g.Time.ToDateTimeOffset()).ToList();
        var since = times.OrderBy(t => t).ElementAt(100);
        var until = times.OrderBy(t => t).ElementAt(300);

        var events = await ReadAll(observer.Store, new FlowQuery { First = true, Since = since });

        // Records are not in time order: with first, reading starts at the oldest and skips flows before since.
        Assert.Equal(times.Count(t => t >= since), events.Count);
        Assert.All(events, e => Assert.True(e.Flow!.Time.ToDateTimeOffset() >= since));
        var window = await ReadAll(observer.Store, new FlowQuery { First = true, Until = until });
        Assert.Equal(times.TakeWhile(t => t <= until).Count(), window.Count);
    }

    [Fact]
    public void Append_CompactFlowToStoreWithoutDecoder_ThrowsSayingWhy()
    {
        var decoder = RecordCorpus.Decoder(new CorpusResolver());
        Assert.True(decoder.TryResolve(RecordCorpus.Records[0], out var compact, out _));
        var store = new FlowStore(7);

        var e = Assert.Throws<InvalidOperationException>(() => store.Append(in compact));

        Assert.Contains("decoder", e.Message);
    }

    [Fact]
    public async Task FlowsRateAndCounts_CountCompactFlowsAndLostNotices()
    {
        var time = new ManualTimeProvider(RecordCorpus.Now, RecordCorpus.MonotonicNow);
        var observer = new HubbleObserver(new HubbleOptions { NodeName = "node-a", BufferCapacity = 15, UnixSocketPath = "/tmp/unused.sock" },
            new CorpusResolver(), time);
        for (int i = 0; i < 10; i++)
            observer.OnRecord(new FlowEventBytes { Type = 4, Protocol = 17, KtimeNs = (ulong)(RecordCorpus.MonotonicNow - 5_000_000_000L * i) }.Build());
        observer.ReportKernelLost(3);

        Assert.Equal(10, observer.Store.SeenFlows);
        Assert.Equal(11, observer.Store.Count);
        // Flows 0..9 are 0, 5, … 45 s old: all within the minute.
        Assert.Equal(10 / 60.0, observer.Store.FlowsRate(time.GetUtcNow()), 3);
        Assert.Single(await ReadAll(observer.Store), e => e.Lost is not null);
    }

    [Fact]
    public void RecentNamespaces_AfterRecords_ListsTheNamespacesOfTheirPods()
    {
        var observer = NewObserver(new CorpusResolver());
        foreach (var record in RecordCorpus.Records)
            observer.OnRecord(record);

        var expected = Golden.Value.SelectMany(g => new[] { g.Source, g.Destination })
            .Where(e => e.Namespace.Length > 0).Select(e => (e.ClusterName, e.Namespace)).Distinct()
            .OrderBy(n => n.ClusterName, StringComparer.Ordinal).ThenBy(n => n.Namespace, StringComparer.Ordinal).ToList();
        Assert.Equal([("", "data"), ("", "default"), ("east", "default")], expected);
        Assert.Equal(expected, observer.RecentNamespaces());
    }
}
