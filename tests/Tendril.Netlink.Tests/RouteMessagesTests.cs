using System.Net;
using Tendril.Netlink.Messages;
using Tendril.Netlink.Routes;
using Xunit;

namespace Tendril.Netlink.Tests;

public sealed class RouteMessagesTests
{
    [Fact]
    public void Change_AddTable1000ViaGatewayWithMetric_PutsTableInRtaTable()
    {
        using var w = new NetlinkWriter();
        var route = new RouteInfo
        {
            Destination = IPNetwork.Parse("10.199.0.0/16"),
            Gateway = IPAddress.Parse("10.199.1.1"),
            OutputLinkIndex = 3,
            Table = 1000,
            Metric = 50,
        };
        RouteMessages.Change(w, 3, delete: false, RouteMessages.AddFlags, route);
        Bytes.Equal("""
            44000000 1800 0506 03000000 00000000
            02 10 00 00 00 04 00 01 00000000
            0800 0f00 e8030000
            0800 0100 0ac70000
            0800 0500 0ac70101
            0800 0400 03000000
            0800 0600 32000000
            """, w.Written);
    }

    [Fact]
    public void Change_Table100ScopeLink_PutsTableInRtmTableOnly()
    {
        using var w = new NetlinkWriter();
        var route = new RouteInfo { Destination = IPNetwork.Parse("10.199.2.0/24"), OutputLinkIndex = 2, Scope = Scope.Link, Table = 100 };
        RouteMessages.Change(w, 4, delete: false, RouteMessages.AddFlags, route);
        Bytes.Equal("""
            2c000000 1800 0506 04000000 00000000
            02 18 00 00 64 04 fd 01 00000000
            0800 0100 0ac70200
            0800 0400 02000000
            """, w.Written);
    }

    [Fact]
    public void Change_ReplaceOnlinkDefaultRoute_SetsOnlinkFlagAndOmitsDst()
    {
        using var w = new NetlinkWriter();
        var route = new RouteInfo
        {
            Destination = IPNetwork.Parse("0.0.0.0/0"),
            Gateway = IPAddress.Parse("169.254.1.1"),
            OutputLinkIndex = 2,
            OnLink = true,
        };
        RouteMessages.Change(w, 5, delete: false, RouteMessages.ReplaceFlags, route);
        Bytes.Equal("""
            2c000000 1800 0505 05000000 00000000
            02 00 00 00 fe 04 00 01 04000000
            0800 0500 a9fe0101
            0800 0400 02000000
            """, w.Written);
    }

    [Fact]
    public void Change_DeleteIpv6_UsesWildcardProtocolAndScope()
    {
        using var w = new NetlinkWriter();
        var route = new RouteInfo { Destination = IPNetwork.Parse("fd00:199:1::/48") };
        RouteMessages.Change(w, 6, delete: true, RouteMessages.DeleteFlags, route);
        Bytes.Equal("""
            30000000 1900 0500 06000000 00000000
            0a 30 00 00 fe 00 ff 01 00000000
            1400 0100 fd000199000100000000000000000000
            """, w.Written);
    }

    [Fact]
    public void Parse_RouteWithRtaTable_UsesRtaTableOverRtmTable()
    {
        using var w = new NetlinkWriter();
        w.BeginMessage(Rtm.NEWROUTE, Nl.F_MULTI, 1);
        w.Header(new RtMsg { Family = Af.INET, DstLength = 16, Table = Rtm.RT_TABLE_COMPAT, Protocol = 4, Scope = 0, Type = 1, Flags = Rtm.RTNH_F_ONLINK });
        w.AttributeU32(Rta.TABLE, 1000);
        w.AttributeAddress(Rta.DST, IPAddress.Parse("10.199.0.0"));
        w.AttributeAddress(Rta.GATEWAY, IPAddress.Parse("10.199.1.1"));
        w.AttributeU32(Rta.OIF, 3);
        w.AttributeU32(Rta.PRIORITY, 50);
        var route = AddressAndNeighbourMessagesTests.ParseOne(w.EndMessage(), RouteMessages.Parse);
        Assert.Equal(new RouteInfo
        {
            Destination = IPNetwork.Parse("10.199.0.0/16"),
            Gateway = IPAddress.Parse("10.199.1.1"),
            OutputLinkIndex = 3,
            OnLink = true,
            Table = 1000,
            Metric = 50,
            Protocol = RouteProtocol.Static,
            Type = RouteType.Unicast,
        }, route);
    }

    [Fact]
    public void Parse_DefaultRouteWithoutDst_IsZeroPrefix()
    {
        using var w = new NetlinkWriter();
        w.BeginMessage(Rtm.NEWROUTE, Nl.F_MULTI, 1);
        w.Header(new RtMsg { Family = Af.INET6, Table = 254, Type = 1 });
        var route = AddressAndNeighbourMessagesTests.ParseOne(w.EndMessage(), RouteMessages.Parse);
        Assert.NotNull(route);
        Assert.Equal(IPNetwork.Parse("::/0"), route.Destination);
        Assert.Equal(254u, route.Table);
    }

    [Fact]
    public void Parse_ClonedRoute_IsSkipped()
    {
        using var w = new NetlinkWriter();
        w.BeginMessage(Rtm.NEWROUTE, Nl.F_MULTI, 1);
        w.Header(new RtMsg { Family = Af.INET6, DstLength = 128, Flags = Rtm.RTM_F_CLONED });
        Assert.Null(AddressAndNeighbourMessagesTests.ParseOne(w.EndMessage(), RouteMessages.Parse));
    }

    [Fact]
    public void Parse_PrefixLengthBeyondFamily_Throws()
    {
        using var w = new NetlinkWriter();
        w.BeginMessage(Rtm.NEWROUTE, Nl.F_MULTI, 1);
        w.Header(new RtMsg { Family = Af.INET, DstLength = 33 });
        var bytes = w.EndMessage().ToArray();
        Assert.Throws<InvalidDataException>(() => AddressAndNeighbourMessagesTests.ParseOne(bytes, RouteMessages.Parse));
    }

    [Fact]
    public void Describe_NonMainTable_NamesTable()
    {
        Assert.Equal("10.1.0.0/16", RouteMessages.Describe(new RouteInfo { Destination = IPNetwork.Parse("10.1.0.0/16") }));
        Assert.Equal("10.1.0.0/16 table 1000", RouteMessages.Describe(new RouteInfo { Destination = IPNetwork.Parse("10.1.0.0/16"), Table = 1000 }));
    }
}
