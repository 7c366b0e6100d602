using System.Net;
using System.Net.Sockets;
using Tendril.Interop;
using Tendril.Netlink.Addresses;
using Tendril.Netlink.Links;
using Tendril.Tests.Common;
using Xunit;

namespace Tendril.Netlink.PrivilegedTests;

[Trait("Category", "Privileged")]
public sealed class PrivilegedAddressTests : IDisposable
{
    private readonly TestNamespace _ns = TestNamespace.Create();
    private readonly LinkInfo _link;

    public PrivilegedAddressTests()
    {
        try
        {
            _link = _ns.Netlink.Links.CreateVeth(new VethOptions(TestNames.Link("ad")) { PeerName = TestNames.Link("adp") });
        }
        catch
        {
            _ns.Dispose();
            throw;
        }
    }

    private IAddressOperations Addresses => _ns.Netlink.Addresses;

    public void Dispose() => _ns.Dispose();

    [PrivilegedFact]
    public void Add_Ipv4AndIpv6_ListedWithPrefixAndScopeThenDeleted()
    {
        var v4 = IPAddress.Parse("10.199.0.1");
        var v6 = IPAddress.Parse("fd00:199::1");
        var linkLocal = IPAddress.Parse("10.199.9.1");

        Addresses.Add(_link.Index, v4, 24);
        Addresses.Add(_link.Index, v6, 64);
        Addresses.Add(_link.Index, linkLocal, 32, Scope.Link);

        var listed = Addresses.List(_link.Index);
        Assert.Contains(new AddressInfo(_link.Index, v4, 24, Scope.Universe) { Flags = Find(listed, v4).Flags, Label = _link.Name }, listed);
        Assert.Equal(64, Find(listed, v6).PrefixLength);
        Assert.Equal(Scope.Universe, Find(listed, v6).Scope);
        Assert.Equal(Scope.Link, Find(listed, linkLocal).Scope);
        Assert.All(Addresses.List(_link.Index, AddressFamily.InterNetworkV6), a => Assert.Equal(AddressFamily.InterNetworkV6, a.Address.AddressFamily));
        string shown = Ip.Run("-n", _ns.Name, "addr", "show", "dev", _link.Name);
        Assert.Contains("inet 10.199.0.1/24", shown);
        Assert.Contains("inet6 fd00:199::1/64", shown);
        Assert.Contains("inet 10.199.9.1/32 scope link", shown);

        Addresses.Delete(_link.Index, v4, 24);
        Addresses.Delete(_link.Index, v6, 64);

        var after = Addresses.List(_link.Index);
        Assert.DoesNotContain(after, a => a.Address.Equals(v4));
        Assert.DoesNotContain(after, a => a.Address.Equals(v6));
        Assert.Contains(after, a => a.Address.Equals(linkLocal));
    }

    [PrivilegedFact]
    public void List_WithoutLinkFilter_IncludesOtherLinksAddresses()
    {
        var lo = _ns.Netlink.Links.Get("lo");
        _ns.Netlink.Links.SetUp("lo");
        Addresses.Add(_link.Index, IPAddress.Parse("10.199.1.1"), 24);

        var all = Addresses.List();

        Assert.Contains(all, a => a.LinkIndex == lo.Index && a.Address.Equals(IPAddress.Loopback) && a.Scope == Scope.Host);
        Assert.Contains(all, a => a.LinkIndex == _link.Index && a.Address.Equals(IPAddress.Parse("10.199.1.1")));
        Assert.DoesNotContain(Addresses.List(_link.Index), a => a.LinkIndex != _link.Index);
    }

    [PrivilegedFact]
    public void Add_Duplicate_ThrowsEexist()
    {
        Addresses.Add(_link.Index, IPAddress.Parse("10.199.2.1"), 24);
        var error = Assert.Throws<LinuxException>(() => Addresses.Add(_link.Index, IPAddress.Parse("10.199.2.1"), 24));
        Assert.Equal(ErrnoNames.EEXIST, error.Errno);
        Assert.Contains("10.199.2.1/24", error.Message);
    }

    [PrivilegedFact]
    public void Delete_MissingAddress_ThrowsEaddrnotavail()
    {
        var error = Assert.Throws<LinuxException>(() => Addresses.Delete(_link.Index, IPAddress.Parse("10.199.3.1"), 24));
        Assert.Equal(ErrnoNames.EADDRNOTAVAIL, error.Errno);
    }

    private static AddressInfo Find(IReadOnlyList<AddressInfo> list, IPAddress address) =>
        list.Single(a => a.Address.Equals(address));
}
