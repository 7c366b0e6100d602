using System.Net;
using System.Net.NetworkInformation;
using Tendril.Netlink.Addresses;
using Tendril.Netlink.Messages;
using Tendril.Netlink.Neighbours;
using Xunit;

namespace Tendril.Netlink.Tests;

public sealed class AddressAndNeighbourMessagesTests
{
    [Fact]
    public void ChangeAddress_AddIpv4_EncodesIfaddrmsgLocalAndAddress()
    {
        using var w = new NetlinkWriter();
        AddressMessages.Change(w, 2, add: true, linkIndex: 5, IPAddress.Parse("10.199.0.1"), 24, Scope.Universe);
        Bytes.Equal("""
            28000000 1400 0506 02000000 00000000
            02 18 00 00 05000000
            0800 0200 0ac70001
            0800 0100 0ac70001
            """, w.Written);
    }

    [Fact]
    public void ChangeAddress_DeleteIpv6LinkScope_UsesDeladdrWithoutCreateFlags()
    {
        using var w = new NetlinkWriter();
        AddressMessages.Change(w, 3, add: false, linkIndex: 1, IPAddress.Parse("fd00:199::1"), 64, Scope.Link);
        Bytes.Equal("""
            40000000 1500 0500 03000000 00000000
            0a 40 00 fd 01000000
            1400 0200 fd000199000000000000000000000001
            1400 0100 fd000199000000000000000000000001
            """, w.Written);
    }

    [Fact]
    public void ParseAddress_Ipv4WithPeerStyleAttributes_PrefersLocal()
    {
        using var w = new NetlinkWriter();
        w.BeginMessage(Rtm.NEWADDR, Nl.F_MULTI, 1);
        w.Header(new IfAddrMsg { Family = Af.INET, PrefixLength = 32, Scope = 0, Index = 3 });
        w.AttributeAddress(Ifa.ADDRESS, IPAddress.Parse("10.199.0.2"));
        w.AttributeAddress(Ifa.LOCAL, IPAddress.Parse("10.199.0.1"));
        w.AttributeString(Ifa.LABEL, "eth0");
        w.AttributeU32(Ifa.FLAGS, 0x80);
        var info = ParseOne(w.EndMessage(), AddressMessages.Parse);
        Assert.Equal(new AddressInfo(3, IPAddress.Parse("10.199.0.1"), 32, Scope.Universe) { Flags = 0x80, Label = "eth0" }, info);
    }

    [Fact]
    public void ParseAddress_AddressOfWrongLengthForFamily_Throws()
    {
        using var w = new NetlinkWriter();
        w.BeginMessage(Rtm.NEWADDR, 0, 1);
        w.Header(new IfAddrMsg { Family = Af.INET6, PrefixLength = 64, Index = 3 });
        w.AttributeAddress(Ifa.ADDRESS, IPAddress.Parse("10.199.0.1"));
        var bytes = w.EndMessage().ToArray();
        var error = Assert.Throws<InvalidDataException>(() => ParseOne(bytes, AddressMessages.Parse));
        Assert.Contains("IFA_ADDRESS has 4 bytes, expected 16", error.Message);
    }

    [Fact]
    public void AddPermanentNeighbour_Ipv4_EncodesNudPermanentDstAndLladdr()
    {
        using var w = new NetlinkWriter();
        NeighbourMessages.AddPermanent(w, 7, 4, IPAddress.Parse("169.254.1.1"), PhysicalAddress.Parse("02-00-00-00-00-aa"));
        Bytes.Equal("""
            30000000 1c00 0506 07000000 00000000
            02 00 0000 04000000 8000 00 00
            0800 0100 a9fe0101
            0a00 0200 0200000000aa 0000
            """, w.Written);
    }

    [Fact]
    public void DeleteNeighbour_Ipv6_EncodesDelneighWithDst()
    {
        using var w = new NetlinkWriter();
        NeighbourMessages.Delete(w, 8, 4, IPAddress.Parse("fd00:199::2"));
        Bytes.Equal("""
            30000000 1d00 0500 08000000 00000000
            0a 00 0000 04000000 0000 00 00
            1400 0100 fd000199000000000000000000000002
            """, w.Written);
    }

    [Fact]
    public void ParseNeighbour_PermanentEntry_ReadsStateAndMac()
    {
        using var w = new NetlinkWriter();
        w.BeginMessage(Rtm.NEWNEIGH, Nl.F_MULTI, 1);
        w.Header(new NdMsg { Family = Af.INET, IfIndex = 4, State = Nda.NUD_PERMANENT });
        w.AttributeAddress(Nda.DST, IPAddress.Parse("169.254.1.1"));
        w.Attribute(Nda.LLADDR, [2, 0, 0, 0, 0, 0xaa]);
        var entry = ParseOne(w.EndMessage(), NeighbourMessages.Parse);
        Assert.NotNull(entry);
        Assert.Equal(4, entry.LinkIndex);
        Assert.Equal(IPAddress.Parse("169.254.1.1"), entry.Address);
        Assert.Equal(PhysicalAddress.Parse("02-00-00-00-00-AA"), entry.Mac);
        Assert.True(entry.IsPermanent);
    }

    [Fact]
    public void ParseNeighbour_BridgeFamily_IsSkipped()
    {
        using var w = new NetlinkWriter();
        w.BeginMessage(Rtm.NEWNEIGH, Nl.F_MULTI, 1);
        w.Header(new NdMsg { Family = Af.BRIDGE, IfIndex = 4 });
        Assert.Null(ParseOne(w.EndMessage(), NeighbourMessages.Parse));
    }

    internal delegate T Parser<T>(in NetlinkMessage message);

    internal static T ParseOne<T>(ReadOnlySpan<byte> bytes, Parser<T> parse)
    {
        var reader = new NetlinkMessageReader(bytes);
        Assert.True(reader.TryRead(out var message));
        return parse(in message);
    }
}
