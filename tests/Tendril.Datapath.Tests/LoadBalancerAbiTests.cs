using System.Net;
using Tendril.Datapath.Abi;
using Tendril.Datapath.Loader;
using Tendril.Datapath.Maps;
using Tendril.Ebpf;
using Xunit;

namespace Tendril.Datapath.Tests;

public class LoadBalancerAbiTests
{
    private static readonly string[] LbMaps =
    [
        DatapathObjects.LbServicesMap, DatapathObjects.LbBackendsMap, DatapathObjects.LbReverseNatMap,
        DatapathObjects.LbReverseSkMap, DatapathObjects.LbAffinityMap, DatapathObjects.LbMaglevMap,
    ];

    [Fact]
    public void Objects_LoadBalancerMaps_AreDeclaredAlikeSoBothObjectsShareThePins()
    {
        var lxc = DatapathObjects.Lxc();
        var sock = DatapathObjects.Sock();

        foreach (var name in LbMaps)
        {
            var a = lxc.Maps[name];
            var b = sock.Maps[name];
            Assert.Equal((a.Type, a.KeySize, a.ValueSize, a.MaxEntries, a.Flags), (b.Type, b.KeySize, b.ValueSize, b.MaxEntries, b.Flags));
        }
        Assert.Equal(MapType.HashOfMaps, lxc.Maps[DatapathObjects.LbMaglevMap].Type);
        Assert.Equal(MapType.LruHash, lxc.Maps[DatapathObjects.LbReverseSkMap].Type);
    }

    [Fact]
    public void Sock_Programs_AreCgroupSockAddrHooksForEachOperation()
    {
        var programs = DatapathObjects.Sock().Programs;

        Assert.Equal(AttachType.CgroupInet4Connect, programs[DatapathObjects.SockConnect4].ExpectedAttachType);
        Assert.Equal(AttachType.CgroupUdp4Sendmsg, programs[DatapathObjects.SockSendmsg4].ExpectedAttachType);
        Assert.Equal(AttachType.CgroupUdp4Recvmsg, programs[DatapathObjects.SockRecvmsg4].ExpectedAttachType);
        Assert.Equal(AttachType.CgroupInet4Getpeername, programs[DatapathObjects.SockGetpeername4].ExpectedAttachType);
        Assert.All(programs.Values, p => Assert.Equal(ProgramType.CgroupSockAddr, p.Type));
    }

    [Fact]
    public void KeyOf_Frontend_HoldsAddressAndPortInNetworkOrder()
    {
        var key = LoadBalancerMaps.KeyOf(new ServiceFrontend(IPAddress.Parse("10.96.0.10"), 80, 6), 3);

        Assert.Equal(BitConverter.ToUInt32([10, 96, 0, 10]), key.Address);
        Assert.Equal(BitConverter.ToUInt16([0, 80]), key.Dport);
        Assert.Equal((3, 6, 0), (key.BackendSlot, key.Proto, key.Scope));
    }

    [Fact]
    public void Configure_MaglevTableSize_SetsTheGlobalOfBothObjects()
    {
        var options = new DatapathOptions("/sys/fs/bpf/unused") { MaglevTableSize = 1021 };
        var lxc = DatapathObjects.Lxc();
        var sock = DatapathObjects.Sock();

        options.Configure(lxc);
        options.Configure(sock);

        Assert.Equal(1021u, lxc.GetGlobal<uint>(DatapathObjects.MaglevTableSizeGlobal));
        Assert.Equal(1021u, sock.GetGlobal<uint>(DatapathObjects.MaglevTableSizeGlobal));
        Assert.Equal("/sys/fs/bpf/unused/maps/tendril_lb4_services", sock.Maps[DatapathObjects.LbServicesMap].PinPath);
        Assert.Equal(LoadBalancerDefaults.MaglevTableSize, DatapathObjects.Sock().GetGlobal<uint>(DatapathObjects.MaglevTableSizeGlobal));
    }

    [Theory]
    [InlineData(16380u)]
    [InlineData(0u)]
    [InlineData(131101u)]
    public void Configure_MaglevTableSizeNotAPrimeInRange_Throws(uint size) =>
        Assert.Throws<ArgumentException>(() => new DatapathOptions("/sys/fs/bpf/unused") { MaglevTableSize = size }.Configure(DatapathObjects.Sock()));

    [Fact]
    public void ServiceRecord_Equality_ComparesTheBackendListInOrder()
    {
        var frontend = new ServiceFrontend(IPAddress.Parse("10.96.0.10"), 80, 6);

        Assert.Equal(new ServiceRecord(frontend, 1, [1, 2]), new ServiceRecord(frontend, 1, new List<uint> { 1, 2 }));
        Assert.NotEqual(new ServiceRecord(frontend, 1, [1, 2]), new ServiceRecord(frontend, 1, [2, 1]));
    }
}
