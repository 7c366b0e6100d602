using System.Net;
using System.Net.NetworkInformation;
using Tendril.Netlink.Links;
using Tendril.Netlink.Messages;
using Xunit;

namespace Tendril.Netlink.Tests;

public sealed class LinkMessagesTests
{
    [Fact]
    public void CreateVeth_PeerInNamespace_EncodesPeerInfoWithNamespaceFd()
    {
        using var w = new NetlinkWriter();
        LinkMessages.CreateVeth(w, 1, new VethOptions("a0") { PeerName = "b0", Mtu = 1400 }, peerNamespaceFd: 7);
        Bytes.Equal("""
            70000000 1000 0506 01000000 00000000
            00 00 0000 00000000 00000000 00000000
            0700 0300 613000 00
            0800 0400 78050000
            4000 1200
              0900 0100 7665746800 000000
              3000 0200
                2c00 0100
                  00 00 0000 00000000 00000000 00000000
                  0700 0300 623000 00
                  0800 0400 78050000
                  0800 1c00 07000000
            """, w.Written);
    }

    [Fact]
    public void CreateVeth_PeerMtuAndMacs_PeerGetsItsOwnValues()
    {
        using var w = new NetlinkWriter();
        var options = new VethOptions("a0")
        {
            Mtu = 1500,
            PeerMtu = 1450,
            Mac = PhysicalAddress.Parse("02-00-00-00-00-01"),
            PeerMac = PhysicalAddress.Parse("02-00-00-00-00-02"),
        };
        LinkMessages.CreateVeth(w, 1, options, peerNamespaceFd: null);
        var link = Parse(w.Written);
        Assert.Equal("a0", link.Name);
        Assert.Equal(1500, link.Mtu);
        Assert.Equal(options.Mac, link.Mac);
        Assert.Equal("veth", link.Kind);
        // The peer's MTU (1450 = 0xaa05) and MAC sit inside VETH_INFO_PEER, and no IFLA_NET_NS_FD is sent.
        string hex = Bytes.Dump(w.Written);
        Assert.Contains("08000400aa050000", hex);
        Assert.Contains("0a0001000200000000020000", hex);
        Assert.DoesNotContain("08001c00", hex);
    }

    [Fact]
    public void CreateVxlan_ExternalWithPort_EncodesPortBigEndianAndLearningOff()
    {
        using var w = new NetlinkWriter();
        LinkMessages.CreateVxlan(w, 2, new VxlanOptions("vx0") { External = true, DstPort = 8472 }, deviceIndex: null);
        Bytes.Equal("""
            54000000 1000 0506 02000000 00000000
            00 00 0000 00000000 00000000 00000000
            0800 0300 76783000
            2c00 1200
              0a00 0100 7678 6c61 6e00 0000
              1c00 0200
                0500 0700 00000000
                0600 0f00 2118 0000
                0500 1900 01000000
            """, w.Written);
    }

    [Fact]
    public void CreateVxlan_VniLocalAndDevice_EncodesEachAttribute()
    {
        using var w = new NetlinkWriter();
        var options = new VxlanOptions("vx1") { Vni = 42, Local = IPAddress.Parse("10.199.0.1"), Learning = true };
        LinkMessages.CreateVxlan(w, 2, options, deviceIndex: 3);
        string hex = Bytes.Dump(w.Written);
        Assert.Contains("080001002a000000", hex); // IFLA_VXLAN_ID 42
        Assert.Contains("0800030003000000", hex); // IFLA_VXLAN_LINK 3
        Assert.Contains("080004000ac70001", hex); // IFLA_VXLAN_LOCAL
        Assert.Contains("0500070001000000", hex); // learning on
        Assert.DoesNotContain("05001900", hex);   // not external
    }

    [Fact]
    public void CreateBridge_Name_EncodesKindBridge()
    {
        using var w = new NetlinkWriter();
        LinkMessages.CreateBridge(w, 3, new BridgeOptions("br0"));
        Bytes.Equal("""
            38000000 1000 0506 03000000 00000000
            00 00 0000 00000000 00000000 00000000
            0800 0300 62723000
            1000 1200
              0b00 0100 6272 6964 6765 0000
            """, w.Written);
    }

    [Fact]
    public void SetUp_Down_ClearsIffUpInChangeMask()
    {
        using var w = new NetlinkWriter();
        LinkMessages.SetUp(w, 4, "a0", up: false);
        Bytes.Equal("""
            28000000 1300 0500 04000000 00000000
            00 00 0000 00000000 00000000 01000000
            0700 0300 613000 00
            """, w.Written);
    }

    [Fact]
    public void Rename_ByIndex_PutsNewNameInIfname()
    {
        using var w = new NetlinkWriter();
        LinkMessages.Rename(w, 5, 12, "new0");
        Bytes.Equal("""
            2c000000 1300 0500 05000000 00000000
            00 00 0000 0c000000 00000000 00000000
            0900 0300 6e65773000 000000
            """, w.Written);
    }

    [Fact]
    public void SetMaster_IndexZero_EncodesNoMaster()
    {
        using var w = new NetlinkWriter();
        LinkMessages.SetMaster(w, 6, "a0", 0);
        Assert.EndsWith("0800" + "0a00" + "00000000", Bytes.Dump(w.Written));
    }

    [Fact]
    public void Parse_VxlanReply_ReadsAllFields()
    {
        using var w = new NetlinkWriter();
        w.BeginMessage(Rtm.NEWLINK, 0, 1);
        w.Header(new IfInfoMsg { Index = 9, Flags = Ifla.IFF_UP | Ifla.IFF_LOWER_UP });
        w.AttributeString(Ifla.IFNAME, "vx0");
        w.AttributeU32(Ifla.MTU, 1450);
        w.Attribute(Ifla.ADDRESS, [2, 0, 0, 0, 0, 9]);
        w.AttributeU8(Ifla.OPERSTATE, 6);
        w.AttributeU32(Ifla.MASTER, 4);
        int info = w.BeginNested(Ifla.LINKINFO | Nl.NLA_F_NESTED);
        w.AttributeString(Ifla.INFO_KIND, "vxlan");
        int data = w.BeginNested(Ifla.INFO_DATA | Nl.NLA_F_NESTED);
        w.AttributeU32(Ifla.VXLAN_ID, 0);
        w.AttributeBe16(Ifla.VXLAN_PORT, 8472);
        w.AttributeU8(Ifla.VXLAN_COLLECT_METADATA, 1);
        w.AttributeU8(Ifla.VXLAN_LEARNING, 0);
        w.EndNested(data);
        w.EndNested(info);
        var link = Parse(w.EndMessage());

        Assert.Equal(9, link.Index);
        Assert.Equal("vx0", link.Name);
        Assert.Equal("vxlan", link.Kind);
        Assert.Equal(1450, link.Mtu);
        Assert.Equal(PhysicalAddress.Parse("02-00-00-00-00-09"), link.Mac);
        Assert.True(link.IsUp);
        Assert.True(link.IsLowerUp);
        Assert.Equal(LinkOperState.Up, link.OperState);
        Assert.Equal(4, link.MasterIndex);
        Assert.Equal(0u, link.Vni);
        Assert.Equal((ushort)8472, link.DstPort);
        Assert.True(link.External);
        Assert.False(link.Learning);
    }

    [Fact]
    public void Parse_LoopbackWithoutLinkInfo_HasNullKindAndNoVxlanFields()
    {
        using var w = new NetlinkWriter();
        w.BeginMessage(Rtm.NEWLINK, 0, 1);
        w.Header(new IfInfoMsg { Index = 1 });
        w.AttributeString(Ifla.IFNAME, "lo");
        var link = Parse(w.EndMessage());
        Assert.Null(link.Kind);
        Assert.Null(link.MasterIndex);
        Assert.Null(link.DstPort);
        Assert.False(link.IsUp);
    }

    [Fact]
    public void Parse_MtuAttributeOfWrongSize_ThrowsNamingTheAttribute()
    {
        using var w = new NetlinkWriter();
        w.BeginMessage(Rtm.NEWLINK, 0, 1);
        w.Header(new IfInfoMsg { Index = 1 });
        w.AttributeU16(Ifla.MTU, 1500);
        var bytes = w.EndMessage().ToArray();
        var error = Assert.Throws<InvalidDataException>(() => Parse(bytes));
        Assert.Contains("IFLA_MTU", error.Message);
    }

    [Fact]
    public void Parse_PayloadShorterThanIfinfomsg_Throws()
    {
        using var w = new NetlinkWriter();
        w.BeginMessage(Rtm.NEWLINK, 0, 1);
        w.Attribute(1, [0, 0, 0, 0]);
        var bytes = w.EndMessage().ToArray();
        var error = Assert.Throws<InvalidDataException>(() => Parse(bytes));
        Assert.Contains("header", error.Message);
    }

    /// <summary>Parses one message; an RTM_NEWLINK request has the same layout as a reply.</summary>
    private static LinkInfo Parse(ReadOnlySpan<byte> message)
    {
        var reader = new NetlinkMessageReader(message);
        Assert.True(reader.TryRead(out var parsed));
        return LinkMessages.Parse(in parsed);
    }
}
