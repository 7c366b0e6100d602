using System.Net;
using Tendril.Netlink.Messages;
using Xunit;

namespace Tendril.Netlink.Tests;

public sealed class NetlinkWriterTests
{
    [Fact]
    public void EndMessage_HeaderOnly_WritesLengthTypeFlagsSequence()
    {
        using var w = new NetlinkWriter();
        w.BeginMessage(Rtm.GETLINK, Nl.F_REQUEST | Nl.F_DUMP, 0x01020304);
        Bytes.Equal("10000000 1200 0103 04030201 00000000", w.EndMessage());
    }

    [Fact]
    public void AttributeString_OddLength_IsNulTerminatedAndPaddedWithZeros()
    {
        using var w = new NetlinkWriter();
        w.BeginMessage(1, 0, 0);
        w.AttributeString(3, "abcd");
        var message = w.EndMessage();
        // rta_len = 4 + 5 ("abcd\0"), then 3 zero bytes of padding to reach 12.
        Bytes.Equal("0900 0300 61626364 00 000000", message[16..]);
        Assert.Equal(28, message.Length);
    }

    [Fact]
    public void Attribute_AfterPaddedAttribute_StartsOnFourByteBoundary()
    {
        using var w = new NetlinkWriter();
        w.BeginMessage(1, 0, 0);
        w.AttributeU8(7, 0xAA);
        w.AttributeU16(8, 0x1234);
        w.AttributeU32(9, 0xDEADBEEF);
        Bytes.Equal("0500 0700 aa000000 | 0600 0800 3412 0000 | 0800 0900 efbeadde", w.EndMessage()[16..]);
    }

    [Fact]
    public void Attribute_ReusedBufferWithOldData_PaddingIsStillZero()
    {
        using var w = new NetlinkWriter();
        w.BeginMessage(1, 0, 0);
        w.AttributeU32(1, 0xFFFFFFFF);
        w.AttributeU32(1, 0xFFFFFFFF);
        w.EndMessage();
        w.BeginMessage(1, 0, 0);
        w.AttributeU8(2, 1);
        Bytes.Equal("0500 0200 01 000000", w.EndMessage()[16..]);
    }

    [Fact]
    public void AttributeBe16_Port8472_IsNetworkByteOrder()
    {
        using var w = new NetlinkWriter();
        w.BeginMessage(1, 0, 0);
        w.AttributeBe16(15, 8472);
        Bytes.Equal("0600 0f00 2118 0000", w.EndMessage()[16..]);
    }

    [Fact]
    public void AttributeAddress_Ipv4AndIpv6_WritesNetworkOrderBytes()
    {
        using var w = new NetlinkWriter();
        w.BeginMessage(1, 0, 0);
        w.AttributeAddress(1, IPAddress.Parse("10.199.0.1"));
        w.AttributeAddress(2, IPAddress.Parse("fd00:199::1"));
        Bytes.Equal("0800 0100 0ac70001 | 1400 0200 fd000199000000000000000000000001", w.EndMessage()[16..]);
    }

    [Fact]
    public void EndNested_TwoLevels_LengthsCoverChildrenIncludingPadding()
    {
        using var w = new NetlinkWriter();
        w.BeginMessage(1, 0, 0);
        int outer = w.BeginNested(18);
        w.AttributeString(1, "br");
        int inner = w.BeginNested(2);
        w.AttributeU8(3, 1);
        w.EndNested(inner);
        w.EndNested(outer);
        var message = w.EndMessage();
        // outer = 4 + 8 ("br\0" padded) + inner (4 + 8) = 24; inner = 12.
        Bytes.Equal("1800 1200 | 0700 0100 627200 00 | 0c00 0200 | 0500 0300 01000000", message[16..]);
        Assert.Equal(40, message.Length);
    }

    [Fact]
    public void SetSequence_FinishedMessage_RewritesOnlyTheSequence()
    {
        using var w = new NetlinkWriter();
        w.BeginMessage(Rtm.GETROUTE, Nl.F_REQUEST | Nl.F_DUMP, 5);
        w.EndMessage();
        w.SetSequence(9);
        Assert.Equal(9u, w.Sequence);
        Bytes.Equal("10000000 1a00 0103 09000000 00000000", w.Written);
    }

    [Fact]
    public void BeginMessage_LargeMessage_GrowsBuffer()
    {
        using var w = new NetlinkWriter(initialCapacity: 16);
        w.BeginMessage(1, 0, 0);
        for (int i = 0; i < 200; i++)
            w.AttributeU32(1, (uint)i);
        var message = w.EndMessage();
        Assert.Equal(16 + 200 * 8, message.Length);
        Assert.Equal(199u, BitConverter.ToUInt32(message[^4..]));
    }

    [Fact]
    public void Attribute_WithoutBeginMessage_Throws()
    {
        using var w = new NetlinkWriter();
        Assert.Throws<InvalidOperationException>(() => w.AttributeU32(1, 1));
    }
}
