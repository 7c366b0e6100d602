using System.Buffers.Binary;
using System.Collections.Concurrent;
using Tendril.Hubble.Api.Flow;
using Tendril.Hubble.Hosting;
using Tendril.Hubble.Storage;

namespace Tendril.Hubble.Tests;

/// <summary>
/// A writer laps readers of a tiny ring as fast as it can. Every field of event <c>n</c> is derived from <c>n</c>
/// (ports, time, address, identity, endpoint, interface, service), so a reader that returned a copy torn between two
/// writes, or an entry under another entry's sequence number, is caught deterministically.
/// </summary>
public class FlowRingStressTests
{
    private const long MaxEvents = 5_000_000;
    private const ulong KtimeBase = 4_000_000_000_000;

    private static byte[] Record(long n)
    {
        var record = new FlowEventBytes
        {
            Type = 4, Subtype = 5, CtState = 1, Protocol = 6, TcpFlags = 0x10,
            Sport = (ushort)n, Dport = (ushort)(n >> 16),
            KtimeNs = KtimeBase + (ulong)n * 1000,
            SourceEndpoint = n % 2 == 0 ? (ushort)12 : (ushort)13,
            SrcIdentity = (uint)n + 1,
            Ifindex = n % 2 == 0 ? 7u : 8u,
            RevNatIndex = n % 2 == 0 ? (ushort)7 : (ushort)8,
        }.Build();
        BinaryPrimitives.WriteUInt32BigEndian(record.AsSpan(24), 0x0A000000u | (uint)n & 0xFFFFFF); // saddr 10.x.y.z
        return record;
    }

    /// <summary>Why <paramref name="flow"/> read at <paramref name="sequence"/> is not event <paramref name="sequence"/>, or null.</summary>
    private static string? Mismatch(FlowStore store, long sequence, Flow flow)
    {
        long n = flow.L4.TCP.SourcePort | (long)flow.L4.TCP.DestinationPort << 16;
        bool even = n % 2 == 0;
        var expectedTime = RecordCorpus.Now.AddTicks(((long)(KtimeBase + (ulong)n * 1000) - RecordCorpus.MonotonicNow) / 100);
        uint address = 0x0A000000u | (uint)n & 0xFFFFFF;
        string expectedSource = $"10.{(byte)(address >> 16)}.{(byte)(address >> 8)}.{(byte)address}";
        if (n != sequence)
            return $"sequence {sequence} holds event {n}";
        if (flow.Time.ToDateTimeOffset() != expectedTime || flow.Time.Nanos % 1000 != 0)
            return $"event {n}: time {flow.Time} is not event {n}'s";
        if (flow.IP.Source != expectedSource)
            return $"event {n}: source {flow.IP.Source}, expected {expectedSource}";
        if (flow.Source.Identity != (uint)n + 1 || flow.Source.ID != (even ? 12u : 13u) || flow.Source.PodName != (even ? "web-7d8f" : "db-0"))
            return $"event {n}: source endpoint {flow.Source} is another event's";
        if (flow.Interface.Index != (even ? 7u : 8u) || flow.DestinationService.Name != (even ? "deathstar" : "kube-dns"))
            return $"event {n}: interface {flow.Interface} or service {flow.DestinationService} is another event's";
        if (flow.Uuid != store.UuidOf(sequence))
            return $"event {n}: UUID {flow.Uuid} is not sequence {sequence}'s";
        return null;
    }

    [Fact]
    public async Task Readers_WriterLappingThem_NeverGetATornOrMismatchedFlow()
    {
        var observer = new HubbleObserver(new HubbleOptions { NodeName = "node-a", BufferCapacity = 15, UnixSocketPath = "/tmp/unused.sock" },
            new CorpusResolver(), new ManualTimeProvider(RecordCorpus.Now, RecordCorpus.MonotonicNow));
        var store = observer.Store;
        var problems = new ConcurrentQueue<string>();
        long checkedRing = 0, checkedQuery = 0, lapped = 0;
        using var done = new CancellationTokenSource();

        // The tightest reader: the ring itself, materialising each entry it copied.
        var ringReader = new Thread(() =>
        {
            while (!done.IsCancellationRequested)
            {
                long newest = store.Ring.Written - 1;
                for (long seq = Math.Max(0, newest - 14); seq <= newest; seq++)
                {
                    var read = store.Ring.TryRead(seq, out var entry);
                    if (read == RingRead.Overwritten)
                        Interlocked.Increment(ref lapped);
                    if (read != RingRead.Ok)
                        continue;
                    if (Mismatch(store, seq, store.Materialize(in entry.Flow, seq)) is { } problem)
                        problems.Enqueue(problem);
                    Interlocked.Increment(ref checkedRing);
                }
            }
        }) { IsBackground = true, Name = "ring reader" };
        ringReader.Start();
        // GetFlows as a follower: falls behind, gets lost notices, carries on.
        var follower = Task.Run(async () =>
        {
            try
            {
                await foreach (var ev in store.Query(new FlowQuery { Follow = true, First = true }, done.Token))
                {
                    if (ev.Flow is null)
                        continue;
                    if (Mismatch(store, ev.Sequence, ev.Flow) is { } problem)
                        problems.Enqueue(problem);
                    Interlocked.Increment(ref checkedQuery);
                }
            }
            catch (OperationCanceledException)
            {
            }
        });

        // Write until both readers have checked plenty of flows and been lapped, within a bound.
        long n = 0;
        for (; n < MaxEvents; n++)
        {
            if (n % 4096 == 0 && Interlocked.Read(ref checkedRing) >= 20_000 && Interlocked.Read(ref checkedQuery) >= 1_000
                && Interlocked.Read(ref lapped) >= 1_000)
            {
                break;
            }
            observer.OnRecord(Record(n));
        }
        await done.CancelAsync();
        ringReader.Join();
        await follower.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Empty(problems.Take(10));
        Assert.Equal(n, store.SeenFlows);
        Assert.True(n < MaxEvents, $"after {n} events the readers had checked {checkedRing} and {checkedQuery} flows and been lapped {lapped} times");
    }
}
