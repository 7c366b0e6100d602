using System.Net;
using System.Net.Sockets;
using Tendril.Interop;
using Tendril.Netlink.Links;
using Tendril.Netlink.Routes;
using Tendril.Tests.Common;
using Xunit;

namespace Tendril.Netlink.PrivilegedTests;

/// <summary>Routes in a namespace holding an up veth pair with 10.199.1.1/24 and fd00:199::1/64 on one end.</summary>
[Trait("Category", "Privileged")]
public sealed class PrivilegedRouteTests : IDisposable
{
    private static readonly IPAddress Gateway4 = IPAddress.Parse("10.199.1.2");
    private static readonly IPAddress Gateway6 = IPAddress.Parse("fd00:199::2");

    private readonly TestNamespace _ns = TestNamespace.Create();
    private readonly LinkInfo _link;

    public PrivilegedRouteTests()
    {
        try
        {
            var links = _ns.Netlink.Links;
            string peer = TestNames.Link("rtp");
            _link = links.CreateVeth(new VethOptions(TestNames.Link("rt")) { PeerName = peer });
            links.SetUp(_link.Name);
            links.SetUp(peer);
            _ns.Netlink.Addresses.Add(_link.Index, IPAddress.Parse("10.199.1.1"), 24);
            _ns.Netlink.Addresses.Add(_link.Index, IPAddress.Parse("fd00:199::1"), 64);
        }
        catch
        {
            _ns.Dispose();
            throw;
        }
    }

    private IRouteOperations Routes => _ns.Netlink.Routes;

    public void Dispose() => _ns.Dispose();

    [PrivilegedFact]
    public void Add_ScopeLinkRoute_ListedWithDeviceScopeAndProtocol()
    {
        var route = new RouteInfo { Destination = IPNetwork.Parse("10.199.5.0/24"), OutputLinkIndex = _link.Index, Scope = Scope.Link };

        Routes.Add(route);

        Assert.Contains(route, Routes.List(AddressFamily.InterNetwork));
        Assert.Contains($"10.199.5.0/24 dev {_link.Name} proto static scope link", Ip.Run("-n", _ns.Name, "route", "show"));
    }

    [PrivilegedFact]
    public void Add_ViaGatewayWithMetric_ListedWithGatewayAndMetric()
    {
        var route = new RouteInfo { Destination = IPNetwork.Parse("10.199.6.0/24"), Gateway = Gateway4, OutputLinkIndex = _link.Index, Metric = 100 };

        Routes.Add(route);

        var listed = Single(AddressFamily.InterNetwork, "10.199.6.0/24");
        Assert.Equal(route, listed);
        Assert.Contains($"10.199.6.0/24 via 10.199.1.2 dev {_link.Name} proto static metric 100", Ip.Run("-n", _ns.Name, "route", "show"));
    }

    [PrivilegedFact]
    public void Add_OnlinkGatewayOutsideSubnet_ListedAsOnlink()
    {
        var offLink = new RouteInfo { Destination = IPNetwork.Parse("10.199.7.0/24"), Gateway = IPAddress.Parse("169.254.1.1"), OutputLinkIndex = _link.Index };
        var refused = Assert.Throws<LinuxException>(() => Routes.Add(offLink));
        Assert.Equal(ErrnoNames.ENETUNREACH, refused.Errno);
        Assert.Contains("Nexthop has invalid gateway", refused.Message); // the kernel's extended-ack text

        Routes.Add(offLink with { OnLink = true });

        Assert.True(Single(AddressFamily.InterNetwork, "10.199.7.0/24").OnLink);
        Assert.Contains("via 169.254.1.1 dev " + _link.Name + " proto static onlink", Ip.Run("-n", _ns.Name, "route", "show"));
    }

    [PrivilegedFact]
    public void Add_Tables100And1000_EachListedOnlyInItsTable()
    {
        var in100 = new RouteInfo { Destination = IPNetwork.Parse("10.199.10.0/24"), Gateway = Gateway4, Table = 100 };
        var in1000 = new RouteInfo { Destination = IPNetwork.Parse("0.0.0.0/0"), Gateway = Gateway4, OutputLinkIndex = _link.Index, Table = 1000 };

        Routes.Add(in100);
        Routes.Add(in1000);

        var table100 = Routes.List(AddressFamily.InterNetwork, 100);
        var table1000 = Routes.List(AddressFamily.InterNetwork, 1000);
        Assert.Equal(IPNetwork.Parse("10.199.10.0/24"), Assert.Single(table100).Destination);
        var listed = Assert.Single(table1000);
        Assert.Equal(in1000, listed);
        Assert.DoesNotContain(Routes.List(AddressFamily.InterNetwork, RouteInfo.MainTable), r => r.Destination.PrefixLength == 0);
        Assert.Contains("default via 10.199.1.2", Ip.Run("-n", _ns.Name, "route", "show", "table", "1000"));

        Routes.Delete(in1000);
        Assert.Empty(Routes.List(AddressFamily.InterNetwork, 1000));
    }

    [PrivilegedFact]
    public void Replace_ExistingRoute_SwapsGatewayInPlace()
    {
        var route = new RouteInfo { Destination = IPNetwork.Parse("10.199.11.0/24"), Gateway = Gateway4, OutputLinkIndex = _link.Index };
        Routes.Add(route);
        Assert.Equal(ErrnoNames.EEXIST, Assert.Throws<LinuxException>(() => Routes.Add(route)).Errno);

        Routes.Replace(route with { Gateway = IPAddress.Parse("10.199.1.3") });

        Assert.Equal(IPAddress.Parse("10.199.1.3"), Single(AddressFamily.InterNetwork, "10.199.11.0/24").Gateway);
    }

    [PrivilegedFact]
    public void Replace_MissingRoute_CreatesIt()
    {
        Routes.Replace(new RouteInfo { Destination = IPNetwork.Parse("10.199.12.0/24"), OutputLinkIndex = _link.Index, Scope = Scope.Link });
        Assert.Equal(Scope.Link, Single(AddressFamily.InterNetwork, "10.199.12.0/24").Scope);
    }

    [PrivilegedFact]
    public void Delete_ExistingThenAgain_SecondThrowsEsrchNamingRoute()
    {
        var route = new RouteInfo { Destination = IPNetwork.Parse("10.199.13.0/24"), Gateway = Gateway4 };
        Routes.Add(route);

        Routes.Delete(new RouteInfo { Destination = IPNetwork.Parse("10.199.13.0/24") });

        Assert.DoesNotContain(Routes.List(AddressFamily.InterNetwork), r => r.Destination == route.Destination);
        var error = Assert.Throws<LinuxException>(() => Routes.Delete(route));
        Assert.Equal(ErrnoNames.ESRCH, error.Errno);
        Assert.StartsWith("delete route 10.199.13.0/24: ESRCH (No such process)", error.Message);
    }

    [PrivilegedFact]
    public void Add_Ipv6ViaGatewayInTable1000WithMetric_ListedThenDeleted()
    {
        var route = new RouteInfo
        {
            Destination = IPNetwork.Parse("fd00:199:1::/48"),
            Gateway = Gateway6,
            OutputLinkIndex = _link.Index,
            Table = 1000,
            Metric = 10,
        };

        Routes.Add(route);

        Assert.Equal(route, Assert.Single(Routes.List(AddressFamily.InterNetworkV6, 1000)));
        Assert.Contains("fd00:199:1::/48 via fd00:199::2", Ip.Run("-n", _ns.Name, "-6", "route", "show", "table", "1000"));
        Routes.Delete(route);
        Assert.Empty(Routes.List(AddressFamily.InterNetworkV6, 1000));
    }

    [PrivilegedFact]
    public void Add_Ipv6ScopeLinkRouteWithoutMetric_KernelReportsDefaultMetric1024()
    {
        Routes.Add(new RouteInfo { Destination = IPNetwork.Parse("fd00:199:2::/64"), OutputLinkIndex = _link.Index });
        var listed = Single(AddressFamily.InterNetworkV6, "fd00:199:2::/64");
        Assert.Equal(1024u, listed.Metric);
        Assert.Equal(_link.Index, listed.OutputLinkIndex);
        Assert.Null(listed.Gateway);
    }

    [PrivilegedFact]
    public void Add_BlackholeAndLocalTypes_ListedWithTheirType()
    {
        Routes.Add(new RouteInfo { Destination = IPNetwork.Parse("10.199.66.0/24"), Type = RouteType.Blackhole });
        Routes.Add(new RouteInfo
        {
            Destination = IPNetwork.Parse("10.199.77.1/32"),
            OutputLinkIndex = _link.Index,
            Type = RouteType.Local,
            Scope = Scope.Host,
            Table = RouteInfo.LocalTable,
        });

        Assert.Equal(RouteType.Blackhole, Single(AddressFamily.InterNetwork, "10.199.66.0/24").Type);
        var local = Single(AddressFamily.InterNetwork, "10.199.77.1/32");
        Assert.Equal(RouteType.Local, local.Type);
        Assert.Equal(Scope.Host, local.Scope);
        Assert.Equal(RouteInfo.LocalTable, local.Table);
    }

    [PrivilegedFact]
    public void List_Ipv4_IncludesKernelConnectedRoute()
    {
        var connected = Single(AddressFamily.InterNetwork, "10.199.1.0/24");
        Assert.Equal(RouteProtocol.Kernel, connected.Protocol);
        Assert.Equal(Scope.Link, connected.Scope);
        Assert.Equal(IPAddress.Parse("10.199.1.1"), connected.PreferredSource);
    }

    private RouteInfo Single(AddressFamily family, string destination) =>
        Assert.Single(Routes.List(family), r => r.Destination == IPNetwork.Parse(destination));
}
