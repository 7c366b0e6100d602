using Tendril.Ebpf.Links;
using Tendril.Tests.Common;
using Tendril.Tests.Common.SelfTest;
using Tendril.Tests.Common.Topology;
using Xunit;

namespace Tendril.Ebpf.PrivilegedTests;

/// <summary>
/// An agent's restart story: another process loads, attaches and pins, then exits; this process finds the pinned
/// link and maps, sees traffic still handled, changes behaviour through a pinned map, and finally unpins.
/// </summary>
[Trait("Category", "Privileged")]
public sealed class PinnedLinkPrivilegedTests
{
    [PrivilegedFact]
    public async Task PrivilegedPinnedLink_CreatedByAnotherProcess_KeepsWorkingAfterItExitsUntilUnpinned()
    {
        using var net = TwoNamespaces.Create();
        using var pins = new BpfFsDirectory("pl");
        using var pong = PongServer.Start(net.Server, TwoNamespaces.ServerAddress, 8080);

        var (exitCode, output) = await RunPeerAsync("tcx-pin", net.ServerPath, TwoNamespaces.ServerDevice, pins.Path);
        Assert.True(exitCode == 0, output);

        using var link = Link.OpenPinned(pins["link"]);
        using var stats = Map.OpenPinned(pins[SelfTestObject.StatsMap]);
        using var config = Map.OpenPinned(pins[SelfTestObject.ConfigMap]);
        Assert.Equal(LinkType.Tcx, link.Info().Type);
        Assert.Equal(net.ServerIfindex, link.Info().Ifindex);
        Assert.Contains($"link {link.Id} ", output);

        ulong Seen() => PacketPrivilegedTests.Sum(stats.As<uint, SelfTestStats>().LookupPerCpu(0)).Seen;
        ulong before = Seen();
        Assert.True(await Traffic.TcpPingAsync(net.Client, TwoNamespaces.ServerAddress, 8080, TimeSpan.FromSeconds(3)));
        Assert.True(Seen() > before, "the pinned program kept counting after its loader exited");

        config.As<uint, SelfTestConfig>().Update(0, new SelfTestConfig { Verdict = (uint)SelfTestVerdict.Drop });
        Assert.False(await Traffic.TcpPingAsync(net.Client, TwoNamespaces.ServerAddress, 8080, TimeSpan.FromMilliseconds(1500)));

        link.Unpin();
        link.Dispose();
        Assert.True(await Traffic.TcpPingAsync(net.Client, TwoNamespaces.ServerAddress, 8080, TimeSpan.FromSeconds(3)));
        Assert.Empty(net.Server.Invoke(() => Link.QueryTcx(net.ServerIfindex, TcxDirection.Ingress)).Programs);
    }

    private static async Task<(int ExitCode, string Output)> RunPeerAsync(params string[] args)
    {
        var (exit, stdout, stderr) = await ChildProcess.RunDotnetAsync("Tendril.Ebpf.TestPeer.dll", args);
        return (exit, stdout + stderr);
    }
}
