using System.Net;
using Tendril.Ebpf.Links;
using Tendril.Tests.Common;
using Tendril.Tests.Common.SelfTest;
using Tendril.Tests.Common.Topology;
using Xunit;

namespace Tendril.Ebpf.PrivilegedTests;

/// <summary>
/// Socket-LB style programs on cgroup hooks, seen by real processes: python3 sockets run inside a test cgroup and
/// the client namespace. The virtual addresses have no route there, so only a translated socket can reach anything.
/// </summary>
[Trait("Category", "Privileged")]
public sealed class CgroupPrivilegedTests
{
    private static readonly IPAddress TcpVip = IPAddress.Parse("10.96.0.10");
    private static readonly IPAddress UdpVip = IPAddress.Parse("10.96.0.53");

    private const string TcpClient = """
        import socket
        s = socket.create_connection(("10.96.0.10", 80), timeout=3)
        s.sendall(b"ping")
        host, port = s.getpeername()
        print(s.recv(4).decode(), host, port)
        """;

    private const string UdpClient = """
        import socket
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(3)
        s.sendto(b"ping", ("10.96.0.53", 53))
        data, (host, port) = s.recvfrom(16)
        print(data.decode(), host, port)
        """;

    private const string UdpSocketCreate = """
        import socket
        try:
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            print("udp allowed")
        except PermissionError:
            print("udp denied")
        socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        print("tcp allowed")
        """;

    [PrivilegedFact]
    public async Task PrivilegedConnect4AndGetpeername4_ProcessInCgroup_ReachesBackendAndSeesTheVip()
    {
        using var net = TwoNamespaces.Create();
        using var cgroup = new TestCgroup("cg");
        using var collection = SelfTestObject.Spec().Load();
        AddService(collection, TcpVip, 80, TwoNamespaces.ServerAddress, 8080);
        using var pong = PongServer.Start(net.Server, TwoNamespaces.ServerAddress, 8080);

        using (Link.AttachCgroup(collection.GetProgram("selftest_connect4"), cgroup.Path))
        using (Link.AttachCgroup(collection.GetProgram("selftest_getpeername4"), cgroup.Path))
        {
            var inside = await cgroup.RunAsync(net.ClientPath, inCgroup: true, "python3", "-c", TcpClient);
            var outside = await cgroup.RunAsync(net.ClientPath, inCgroup: false, "python3", "-c", TcpClient);

            Assert.Equal((0, "pong 10.96.0.10 80"), inside);
            Assert.NotEqual(0, outside.ExitCode);
            Assert.Contains("unreachable", outside.Output, StringComparison.OrdinalIgnoreCase);
        }
        var afterDetach = await cgroup.RunAsync(net.ClientPath, inCgroup: true, "python3", "-c", TcpClient);
        Assert.NotEqual(0, afterDetach.ExitCode);
    }

    [PrivilegedFact]
    public async Task PrivilegedSendmsg4AndRecvmsg4_UnconnectedUdp_ReplyComesFromTheVip()
    {
        using var net = TwoNamespaces.Create();
        using var cgroup = new TestCgroup("cg");
        using var collection = SelfTestObject.Spec().Load();
        AddService(collection, UdpVip, 53, TwoNamespaces.ServerAddress, 5353);
        using var pong = UdpPong.Start(net.Server, TwoNamespaces.ServerAddress, 5353);

        using var send = Link.AttachCgroup(collection.GetProgram("selftest_sendmsg4"), cgroup.Path);
        using var receive = Link.AttachCgroup(collection.GetProgram("selftest_recvmsg4"), cgroup.Path);
        var result = await cgroup.RunAsync(net.ClientPath, inCgroup: true, "python3", "-c", UdpClient);

        Assert.Equal((0, "pong 10.96.0.53 53"), result);
        Assert.Equal(AttachType.CgroupUdp4Recvmsg, receive.Info().AttachType);
    }

    [PrivilegedFact]
    public async Task PrivilegedSockCreate_DenyFlagSet_RefusesUdpSocketsOnlyInsideTheCgroup()
    {
        using var net = TwoNamespaces.Create();
        using var cgroup = new TestCgroup("cg");
        using var collection = SelfTestObject.Spec().Load();
        collection.GetMap<uint, SelfTestConfig>(SelfTestObject.ConfigMap).Update(0, new SelfTestConfig { DenyUdpSockets = 1 });

        using var link = Link.AttachCgroup(collection.GetProgram("selftest_sock_create"), cgroup.Path);
        var inside = await cgroup.RunAsync(net.ClientPath, inCgroup: true, "python3", "-c", UdpSocketCreate);
        var outside = await cgroup.RunAsync(net.ClientPath, inCgroup: false, "python3", "-c", UdpSocketCreate);

        Assert.Equal("udp denied\ntcp allowed", inside.Output);
        Assert.Equal("udp allowed\ntcp allowed", outside.Output);
    }

    private static void AddService(Collection collection, IPAddress vip, int vipPort, IPAddress backend, int backendPort)
    {
        var front = SelfTestAddr.From(vip, vipPort);
        var back = SelfTestAddr.From(backend, backendPort);
        collection.GetMap<SelfTestAddr, SelfTestAddr>(SelfTestObject.LbMap).Update(front, back);
        collection.GetMap<SelfTestAddr, SelfTestAddr>(SelfTestObject.LbReverseMap).Update(back, front);
    }
}
