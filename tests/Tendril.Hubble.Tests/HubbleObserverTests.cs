using System.Collections.Concurrent;
using Tendril.Hubble.Api.Flow;
using Tendril.Hubble.Hosting;
using Tendril.Hubble.Storage;

namespace Tendril.Hubble.Tests;

public class HubbleObserverTests
{
    /// <summary>Hands queued records to the observer, like the ring buffer does, and reports a lost counter.</summary>
    private sealed class QueueSource : IFlowEventSource
    {
        private readonly BlockingCollection<byte[]> _records = [];
        private long _kernelLost;

        public void Add(byte[] record) => _records.Add(record);

        public void SetLost(long lost) => Interlocked.Exchange(ref _kernelLost, lost);

        public int Poll(IFlowRecordSink sink, int timeoutMs)
        {
            if (!_records.TryTake(out var record, timeoutMs))
                return 0;
            sink.OnRecord(record);
            return 1;
        }

        public long KernelLost => Interlocked.Read(ref _kernelLost);

        public void Wake() => _records.Add([]); // an empty record: counted as malformed, harmless
    }

    private static HubbleObserver NewObserver() =>
        new(new HubbleOptions { NodeName = "node-a", BufferCapacity = 15, UnixSocketPath = "/tmp/unused.sock" });

    [Fact]
    public async Task RunAsync_RecordsArrive_AreDecodedStoredAndObserved()
    {
        var observer = NewObserver();
        var seen = new ConcurrentQueue<Flow>();
        observer.FlowObserved += seen.Enqueue;
        var source = new QueueSource();
        using var cts = new CancellationTokenSource();
        var run = observer.RunAsync(source, cts.Token);

        source.Add(new FlowEventBytes { Type = 4, Protocol = 17, Sport = 1, Dport = 53 }.Build());
        source.Add(new byte[10]);
        source.SetLost(4);
        source.Add(new FlowEventBytes { Type = 1, Subtype = 133, Protocol = 6, TcpFlags = 2 }.Build());
        await WaitUntil(() => observer.Store.SeenFlows == 2 && observer.Store.Count == 3);
        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(2, seen.Count);
        Assert.True(observer.MalformedRecords >= 1);
        var events = new List<StoredEvent>();
        await foreach (var ev in observer.Store.Query(new FlowQuery()))
            events.Add(ev);
        var lost = Assert.Single(events, e => e.Lost is not null).Lost!;
        Assert.Equal(LostEventSource.PerfEventRingBuffer, lost.Source);
        Assert.Equal(4ul, lost.NumEventsLost);
    }

    [Fact]
    public void Append_HandlerThrows_FlowIsStillStoredAndOthersRun()
    {
        var observer = NewObserver();
        int calls = 0;
        observer.FlowObserved += _ => throw new InvalidOperationException("broken metrics");
        observer.FlowObserved += _ => calls++;

        observer.Append(TestFlows.Tcp());

        Assert.Equal(1, observer.Store.SeenFlows);
        Assert.Equal(1, calls);
    }

    [Fact]
    public void Validate_BadOptions_ThrowNamingSetting()
    {
        Assert.Contains("BufferCapacity", Assert.Throws<ArgumentException>(() => new HubbleOptions { BufferCapacity = 100 }.Validate()).Message);
        Assert.Contains("ListenAddress", Assert.Throws<ArgumentException>(() => new HubbleOptions { ListenAddress = "nowhere" }.Validate()).Message);
        new HubbleOptions { ListenAddress = "127.0.0.1:4244" }.Validate();
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 5 s");
            await Task.Delay(10);
        }
    }
}
