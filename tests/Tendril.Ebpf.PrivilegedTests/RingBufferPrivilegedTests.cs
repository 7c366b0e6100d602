using Tendril.Ebpf.RingBuffer;
using Tendril.Interop;
using Tendril.Tests.Common;
using Tendril.Tests.Common.Packets;
using Tendril.Tests.Common.SelfTest;
using Xunit;

namespace Tendril.Ebpf.PrivilegedTests;

[Trait("Category", "Privileged")]
public sealed class RingBufferPrivilegedTests
{
    private static readonly byte[] Packet = PacketBuilder.TcpV4("10.0.0.1", 40000, "10.0.0.2", 80);

    [PrivilegedFact]
    public void PrivilegedConsume_ThousandEvents_DeliversAllInOrder()
    {
        using var collection = SelfTestObject.Spec().Load();
        using var reader = RingBufferReader.Open(collection.GetMap(SelfTestObject.EventsMap));

        collection.GetProgram(SelfTestObject.TcProgram).TestRun(Packet, repeat: 1000);

        var events = new List<SelfTestEvent>();
        var collector = new RecordCollector<SelfTestEvent>(events);
        Assert.Equal(1000, reader.Consume(ref collector));
        Assert.Equal(1000, reader.Consumed);
        // One test run stays on one CPU, whose counter numbers the events.
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => (uint)i + events[0].Seq), events.Select(e => e.Seq));
        Assert.Equal(0, reader.PendingBytes);
    }

    [PrivilegedFact]
    public void PrivilegedConsume_RingTooSmall_LossesAreCountedAndNothingIsDuplicated()
    {
        var spec = SelfTestObject.Spec();
        spec.Maps[SelfTestObject.EventsMap].MaxEntries = (uint)LinuxSystem.PageSize;
        using var collection = spec.Load();
        var stats = collection.GetMap<uint, SelfTestStats>(SelfTestObject.StatsMap);
        using var reader = RingBufferReader.Open(collection.GetMap(SelfTestObject.EventsMap),
            kernelLost: () => (long)PacketPrivilegedTests.Sum(stats.LookupPerCpu(0)).Lost);

        collection.GetProgram(SelfTestObject.TcProgram).TestRun(Packet, repeat: 1000);

        var events = new List<SelfTestEvent>();
        var collector = new RecordCollector<SelfTestEvent>(events);
        reader.Consume(ref collector);
        Assert.True(reader.KernelLost > 0, "a one-page ring cannot hold 1000 events");
        Assert.Equal(1000, events.Count + reader.KernelLost);
        Assert.Equal(events.Count, events.Select(e => e.Seq).Distinct().Count());
    }

    [PrivilegedFact]
    public void PrivilegedTryReadInto_DestinationTooSmall_SkipsAndCountsTruncated()
    {
        using var collection = SelfTestObject.Spec().Load();
        using var reader = RingBufferReader.Open(collection.GetMap(SelfTestObject.EventsMap));
        collection.GetProgram(SelfTestObject.TcProgram).TestRun(Packet, repeat: 2);

        Assert.False(reader.TryReadInto(new byte[8], out _));
        Assert.Equal(2, reader.Truncated);

        collection.GetProgram(SelfTestObject.TcProgram).TestRun(Packet);
        var buffer = new byte[64];
        Assert.True(reader.TryReadInto(buffer, out int length));
        Assert.Equal(32, length);
    }

    [PrivilegedFact]
    public async Task PrivilegedWaitForData_EventProducedLater_WakesTheWaiter()
    {
        using var collection = SelfTestObject.Spec().Load();
        using var reader = RingBufferReader.Open(collection.GetMap(SelfTestObject.EventsMap));

        var waiter = Task.Factory.StartNew(() => reader.WaitForData(10_000), TaskCreationOptions.LongRunning);
        await Task.Delay(100);
        Assert.False(waiter.IsCompleted);
        collection.GetProgram(SelfTestObject.TcProgram).TestRun(Packet);

        Assert.True(await waiter.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [PrivilegedFact]
    public async Task PrivilegedWake_NoData_ReturnsFalsePromptly()
    {
        using var collection = SelfTestObject.Spec().Load();
        using var reader = RingBufferReader.Open(collection.GetMap(SelfTestObject.EventsMap));

        var waiter = Task.Factory.StartNew(() => reader.WaitForData(30_000), TaskCreationOptions.LongRunning);
        await Task.Delay(50);
        reader.Wake();

        Assert.False(await waiter.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [PrivilegedFact]
    public void PrivilegedOpen_NotARingBuffer_ThrowsNamingTheMap()
    {
        using var collection = SelfTestObject.Spec().Load();

        var e = Assert.Throws<ArgumentException>(() => RingBufferReader.Open(collection.GetMap(SelfTestObject.HashMap)));

        Assert.Contains("selftest_hash", e.Message);
    }
}
