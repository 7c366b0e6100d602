using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Tendril.Netlink.Addresses;
using Tendril.Netlink.Links;
using Tendril.Netlink.Namespaces;
using Tendril.Netlink.Neighbours;
using Tendril.Netlink.Routes;
using Xunit;

namespace Tendril.Netlink.Tests;

/// <summary>
/// Bad arguments are rejected before any syscall: the operations here are built without a socket, so reaching
/// the kernel would fail with NullReferenceException instead of the expected ArgumentException.
/// </summary>
public sealed class ArgumentValidationTests
{
    private readonly ILinkOperations _links = new LinkOperations(null!);
    private readonly IAddressOperations _addresses = new AddressOperations(null!);
    private readonly IRouteOperations _routes = new RouteOperations(null!);
    private readonly INeighbourOperations _neighbours = new NeighbourOperations(null!);

    [Theory]
    [InlineData("")]
    [InlineData("sixteen-bytes-xx")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("a/b")]
    [InlineData("a:b")]
    [InlineData("a b")]
    [InlineData("ünïcödé-lönger")] // 14 characters but more than 15 UTF-8 bytes
    public void CreateVeth_InvalidName_ThrowsArgumentException(string name)
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => _links.CreateVeth(new VethOptions(name)));
        Assert.Equal("Name", error.ParamName);
    }

    [Fact]
    public void CreateVeth_FifteenByteName_PassesNameCheck()
    {
        // Fails only later, when it needs the (absent) socket.
        Assert.Throws<NullReferenceException>(() => _links.CreateVeth(new VethOptions("fifteen-bytes-x")));
    }

    [Fact]
    public void CreateVeth_PeerNameTooLong_ThrowsArgumentException()
    {
        var error = Assert.Throws<ArgumentException>(() => _links.CreateVeth(new VethOptions("a0") { PeerName = "a-very-long-peer-name" }));
        Assert.Contains("at most 15", error.Message);
    }

    [Fact]
    public void CreateVeth_EightByteMac_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => _links.CreateVeth(new VethOptions("a0") { Mac = new PhysicalAddress(new byte[8]) }));
    }

    [Fact]
    public void CreateVeth_NegativeMtu_ThrowsArgumentOutOfRange()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _links.CreateVeth(new VethOptions("a0") { Mtu = -1 }));
    }

    [Fact]
    public void CreateVxlan_VniAbove24Bits_ThrowsArgumentOutOfRange()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _links.CreateVxlan(new VxlanOptions("vx0") { Vni = 1u << 24 }));
    }

    [Fact]
    public void Rename_NewNameEmpty_ThrowsArgumentException()
    {
        var error = Assert.Throws<ArgumentException>(() => _links.Rename("a0", ""));
        Assert.Equal("newName", error.ParamName);
    }

    [Fact]
    public void MoveToNamespace_EmptyPath_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => _links.MoveToNamespace("a0", " "));
    }

    [Fact]
    public void AddAddress_PrefixTooLongForIpv4_ThrowsArgumentOutOfRange()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _addresses.Add(1, IPAddress.Parse("10.199.0.1"), 33));
    }

    [Fact]
    public void AddAddress_ZeroLinkIndex_ThrowsArgumentOutOfRange()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _addresses.Add(0, IPAddress.Parse("10.199.0.1"), 24));
    }

    [Fact]
    public void ListAddresses_NonIpFamily_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => _addresses.List(family: AddressFamily.Unix));
    }

    [Fact]
    public void AddRoute_GatewayOfOtherFamily_ThrowsArgumentException()
    {
        var route = new RouteInfo { Destination = IPNetwork.Parse("10.199.0.0/16"), Gateway = IPAddress.Parse("fd00:199::1") };
        var error = Assert.Throws<ArgumentException>(() => _routes.Add(route));
        Assert.Contains("same family", error.Message);
    }

    [Fact]
    public void AddRoute_TableZero_ThrowsArgumentException()
    {
        var route = new RouteInfo { Destination = IPNetwork.Parse("10.199.0.0/16"), OutputLinkIndex = 1, Table = 0 };
        Assert.Throws<ArgumentException>(() => _routes.Add(route));
    }

    [Fact]
    public void AddNeighbour_EmptyMac_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => _neighbours.AddPermanent(1, IPAddress.Parse("10.199.0.1"), PhysicalAddress.None));
    }

    [Theory]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("..")]
    public void NetworkNamespacesPathOf_InvalidName_ThrowsArgumentException(string name)
    {
        Assert.Throws<ArgumentException>(() => NetworkNamespaces.PathOf(name));
    }

    [Fact]
    public void NetworkNamespacesPathOf_PlainName_IsUnderVarRunNetns()
    {
        Assert.Equal("/var/run/netns/tt1", NetworkNamespaces.PathOf("tt1"));
    }

    [Fact]
    public void OpenIn_EmptyPath_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => RtNetlink.OpenIn(""));
    }
}
