using Tendril.Ebpf.Links;
using Tendril.Interop;
using Tendril.Tests.Common;
using Tendril.Tests.Common.SelfTest;
using Tendril.Tests.Common.Topology;
using Xunit;

namespace Tendril.Ebpf.PrivilegedTests;

/// <summary>
/// BPF_LINK_UPDATE on a tcx link: two instances of the self-test program (each with its own stats map) take turns on
/// a real veth, so which one runs shows in which map counts the traffic, and in the link's and the hook's program ids.
/// </summary>
[Trait("Category", "Privileged")]
public sealed class LinkUpdatePrivilegedTests
{
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(3);

    [PrivilegedFact]
    public async Task PrivilegedUpdate_TcxLinkFromAToB_BRunsInTheSamePlaceAndAStopsSeeingTraffic()
    {
        using var net = TwoNamespaces.Create();
        using var a = SelfTestObject.Spec().Load();
        using var b = SelfTestObject.Spec().Load();
        using var pins = new BpfFsDirectory("lu");
        using var pong = PongServer.Start(net.Server, TwoNamespaces.ServerAddress, 8080);
        var (programA, programB) = (a.GetProgram(SelfTestObject.TcProgram), b.GetProgram(SelfTestObject.TcProgram));
        int ifindex = net.ServerIfindex;
        using var link = net.Server.Invoke(() => Link.AttachTcx(programA, new TcxOptions(ifindex, TcxDirection.Ingress, TwoNamespaces.ServerDevice)));
        link.Pin(pins["link"]);
        Assert.True(await Traffic.TcpPingAsync(net.Client, TwoNamespaces.ServerAddress, 8080, Quick));
        Assert.True(Seen(a) > 0, "program A runs before the update");

        link.Update(programB);

        ulong seenByA = Seen(a), seenByB = Seen(b);
        Assert.True(await Traffic.TcpPingAsync(net.Client, TwoNamespaces.ServerAddress, 8080, Quick));
        Assert.Equal(seenByA, Seen(a));
        Assert.True(Seen(b) > seenByB, "program B counts the traffic after the update");
        Assert.Equal(programB.Info.Id, link.ProgramId);
        Assert.Equal(programB.Info.Id, link.Info().ProgramId);
        using (var reopened = Link.OpenPinned(pins["link"]))
            Assert.Equal(programB.Info.Id, reopened.Info().ProgramId);
        var hook = Assert.Single(net.Server.Invoke(() => Link.QueryTcx(ifindex, TcxDirection.Ingress)).Programs);
        Assert.Equal((programB.Info.Id, link.Id), (hook.ProgramId, hook.LinkId));
    }

    [PrivilegedFact]
    public void PrivilegedUpdate_WrongExpectedProgram_FailsWithEpermNamingBothAndKeepsTheProgram()
    {
        using var net = TwoNamespaces.Create();
        using var a = SelfTestObject.Spec().Load();
        using var b = SelfTestObject.Spec().Load();
        using var c = SelfTestObject.Spec().Load();
        var (programA, programB, programC) = (a.GetProgram(SelfTestObject.TcProgram), b.GetProgram(SelfTestObject.TcProgram), c.GetProgram(SelfTestObject.TcProgram));
        int ifindex = net.ServerIfindex;
        using var link = net.Server.Invoke(() => Link.AttachTcx(programA, new TcxOptions(ifindex, TcxDirection.Egress, TwoNamespaces.ServerDevice)));

        var e = Assert.Throws<LinuxException>(() => link.Update(programC, expectedProgram: programB));

        Assert.Equal(ErrnoNames.EPERM, e.Errno);
        Assert.Contains($"no longer runs the expected program selftest_tc (id {programB.Info.Id}) but program id {programA.Info.Id}", e.Message);
        Assert.Equal(programA.Info.Id, link.Info().ProgramId);
        Assert.Equal(programA.Info.Id, link.ProgramId);

        link.Update(programC, expectedProgram: programA);
        Assert.Equal(programC.Info.Id, link.Info().ProgramId);
    }

    [PrivilegedFact]
    public void PrivilegedUpdate_ProgramOfAnotherType_FailsWithEinval()
    {
        using var net = TwoNamespaces.Create();
        using var collection = SelfTestObject.Spec().Load();
        int ifindex = net.ServerIfindex;
        using var link = net.Server.Invoke(() => Link.AttachTcx(collection.GetProgram(SelfTestObject.TcProgram), new TcxOptions(ifindex, TcxDirection.Ingress)));

        var e = Assert.Throws<LinuxException>(() => link.Update(collection.GetProgram(SelfTestObject.XdpProgram)));

        Assert.Equal(ErrnoNames.EINVAL, e.Errno);
        Assert.Contains("program type", e.Message);
    }

    private static ulong Seen(Collection collection) =>
        PacketPrivilegedTests.Sum(collection.GetMap<uint, SelfTestStats>(SelfTestObject.StatsMap).LookupPerCpu(0)).Seen;
}
