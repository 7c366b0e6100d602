using System.Net;
using System.Net.NetworkInformation;
using Tendril.Interop;
using Tendril.Netlink.Links;
using Tendril.Tests.Common;
using Xunit;

namespace Tendril.Netlink.PrivilegedTests;

[Trait("Category", "Privileged")]
public sealed class PrivilegedNeighbourTests : IDisposable
{
    private readonly TestNamespace _ns = TestNamespace.Create();

    public void Dispose() => _ns.Dispose();

    [PrivilegedFact]
    public void AddPermanent_Ipv4AndIpv6_ListedAsPermanentThenDeleted()
    {
        var link = _ns.Netlink.Links.CreateVeth(new VethOptions(TestNames.Link("nb")) { PeerName = TestNames.Link("nbp") });
        _ns.Netlink.Links.SetUp(link.Name);
        var mac = PhysicalAddress.Parse("02-C7-00-00-01-01");
        var v4 = IPAddress.Parse("169.254.1.1");
        var v6 = IPAddress.Parse("fd00:199::9");

        _ns.Netlink.Neighbours.AddPermanent(link.Index, v4, mac);
        _ns.Netlink.Neighbours.AddPermanent(link.Index, v6, mac);

        var entries = _ns.Netlink.Neighbours.List(link.Index);
        var four = Assert.Single(entries, n => n.Address.Equals(v4));
        Assert.True(four.IsPermanent);
        Assert.Equal(mac, four.Mac);
        Assert.Equal(link.Index, four.LinkIndex);
        Assert.True(Assert.Single(entries, n => n.Address.Equals(v6)).IsPermanent);
        Assert.Contains("169.254.1.1 lladdr 02:c7:00:00:01:01 PERMANENT", Ip.Run("-n", _ns.Name, "neigh", "show", "dev", link.Name));

        _ns.Netlink.Neighbours.Delete(link.Index, v4);
        _ns.Netlink.Neighbours.Delete(link.Index, v6);

        var after = _ns.Netlink.Neighbours.List(link.Index);
        Assert.DoesNotContain(after, n => n.Address.Equals(v4) && n.IsPermanent);
        Assert.DoesNotContain(after, n => n.Address.Equals(v6) && n.IsPermanent);
    }

    [PrivilegedFact]
    public void AddPermanent_Twice_ThrowsEexist()
    {
        var link = _ns.Netlink.Links.CreateBridge(new BridgeOptions(TestNames.Link("nbr")));
        var mac = PhysicalAddress.Parse("02-C7-00-00-01-02");
        _ns.Netlink.Neighbours.AddPermanent(link.Index, IPAddress.Parse("10.199.0.2"), mac);

        var error = Assert.Throws<LinuxException>(() => _ns.Netlink.Neighbours.AddPermanent(link.Index, IPAddress.Parse("10.199.0.2"), mac));

        Assert.Equal(ErrnoNames.EEXIST, error.Errno);
        Assert.StartsWith("add neighbour 10.199.0.2", error.Message);
    }

    [PrivilegedFact]
    public void Delete_MissingEntry_ThrowsEnoent()
    {
        var link = _ns.Netlink.Links.CreateBridge(new BridgeOptions(TestNames.Link("nbr")));
        var error = Assert.Throws<LinuxException>(() => _ns.Netlink.Neighbours.Delete(link.Index, IPAddress.Parse("10.199.0.3")));
        Assert.Equal(ErrnoNames.ENOENT, error.Errno);
    }
}
