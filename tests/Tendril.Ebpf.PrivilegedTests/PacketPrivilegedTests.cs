using System.Net;
using Tendril.Ebpf.RingBuffer;
using Tendril.Interop;
using Tendril.Tests.Common;
using Tendril.Tests.Common.Packets;
using Tendril.Tests.Common.SelfTest;
using Xunit;

namespace Tendril.Ebpf.PrivilegedTests;

/// <summary>The self-test tc program on crafted packets through BPF_PROG_TEST_RUN.</summary>
[Trait("Category", "Privileged")]
public sealed class PacketPrivilegedTests
{
    private const uint TcActOk = 0, TcActShot = 2;

    [PrivilegedFact]
    public void PrivilegedTestRun_TcpSyn_PassesAndEmitsEventWithTheFiveTuple()
    {
        using var collection = SelfTestObject.Spec().Load();
        using var reader = RingBufferReader.Open(collection.GetMap(SelfTestObject.EventsMap));
        var packet = PacketBuilder.TcpV4("10.0.0.1", 40000, "10.0.0.2", 80, PacketBuilder.Syn);

        var result = collection.GetProgram(SelfTestObject.TcProgram).TestRun(packet);

        Assert.Equal(TcActOk, result.ReturnValue);
        var events = new List<SelfTestEvent>();
        var collector = new RecordCollector<SelfTestEvent>(events);
        Assert.Equal(1, reader.Consume(ref collector));
        var ev = events[0];
        Assert.Equal(IPAddress.Parse("10.0.0.1"), new IPAddress(ev.Saddr));
        Assert.Equal(IPAddress.Parse("10.0.0.2"), new IPAddress(ev.Daddr));
        Assert.Equal((40000, 80, 6), (ev.Sport, ev.Dport, ev.Protocol));
        Assert.Equal(PacketBuilder.Syn, ev.TcpFlags);
        Assert.Equal(SelfTestVerdict.Pass, ev.Verdict);
        Assert.Equal((uint)packet.Length, ev.Len);
    }

    [PrivilegedFact]
    public void PrivilegedTestRun_VerdictFlippedToDrop_ShootsThePacketAndCountsIt()
    {
        using var collection = SelfTestObject.Spec().Load();
        var program = collection.GetProgram(SelfTestObject.TcProgram);
        var config = collection.GetMap<uint, SelfTestConfig>(SelfTestObject.ConfigMap);
        var packet = PacketBuilder.UdpV4("10.0.0.1", 5353, "10.0.0.2", 53, payload: 12);

        Assert.Equal(TcActOk, program.TestRun(packet).ReturnValue);
        config.Update(0, new SelfTestConfig { Verdict = (uint)SelfTestVerdict.Drop });
        Assert.Equal(TcActShot, program.TestRun(packet).ReturnValue);
        config.Update(0, new SelfTestConfig { Verdict = (uint)SelfTestVerdict.Pass });
        Assert.Equal(TcActOk, program.TestRun(packet).ReturnValue);

        var stats = Sum(collection.GetMap<uint, SelfTestStats>(SelfTestObject.StatsMap).LookupPerCpu(0));
        Assert.Equal((3ul, 2ul, 1ul), (stats.Seen, stats.Passed, stats.Dropped));
    }

    [PrivilegedFact]
    public void PrivilegedTestRun_MatchPortSetBeforeLoad_DropsOnlyThatPort()
    {
        var spec = SelfTestObject.Spec();
        spec.SetGlobal<ushort>(SelfTestObject.MatchPortGlobal, 5201);
        using var collection = spec.Load();
        collection.GetMap<uint, SelfTestConfig>(SelfTestObject.ConfigMap).Update(0, new SelfTestConfig { Verdict = (uint)SelfTestVerdict.Drop });
        var program = collection.GetProgram(SelfTestObject.TcProgram);

        Assert.Equal(TcActShot, program.TestRun(PacketBuilder.TcpV4("10.0.0.1", 40000, "10.0.0.2", 5201)).ReturnValue);
        Assert.Equal(TcActOk, program.TestRun(PacketBuilder.TcpV4("10.0.0.1", 40000, "10.0.0.2", 80)).ReturnValue);
        Assert.Equal(TcActOk, program.TestRun(PacketBuilder.UdpV4("10.0.0.1", 5201, "10.0.0.2", 53)).ReturnValue);
    }

    [PrivilegedTheory]
    [InlineData("arp")]
    [InlineData("icmp")]
    public void PrivilegedTestRun_NotTcpOrUdp_PassesUntouchedWithoutEvent(string kind)
    {
        using var collection = SelfTestObject.Spec().Load();
        collection.GetMap<uint, SelfTestConfig>(SelfTestObject.ConfigMap).Update(0, new SelfTestConfig { Verdict = (uint)SelfTestVerdict.Drop });
        using var reader = RingBufferReader.Open(collection.GetMap(SelfTestObject.EventsMap));
        var packet = kind == "arp" ? PacketBuilder.ArpRequest("10.0.0.1", "10.0.0.2") : PacketBuilder.IcmpEchoV4("10.0.0.1", "10.0.0.2");
        var output = new byte[packet.Length];

        var result = collection.GetProgram(SelfTestObject.TcProgram).TestRun(packet, output);

        Assert.Equal(TcActOk, result.ReturnValue);
        Assert.Equal(packet, output);
        Assert.Equal(0, reader.PendingBytes);
    }

    internal static SelfTestStats Sum(SelfTestStats[] perCpu) => new()
    {
        Seen = perCpu.Aggregate(0ul, (s, v) => s + v.Seen),
        Passed = perCpu.Aggregate(0ul, (s, v) => s + v.Passed),
        Dropped = perCpu.Aggregate(0ul, (s, v) => s + v.Dropped),
        Lost = perCpu.Aggregate(0ul, (s, v) => s + v.Lost),
    };
}
