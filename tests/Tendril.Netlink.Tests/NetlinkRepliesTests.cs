using System.Net;
using Tendril.Interop;
using Tendril.Netlink.Addresses;
using Tendril.Netlink.Messages;
using Xunit;

namespace Tendril.Netlink.Tests;

public sealed class NetlinkRepliesTests
{
    private const uint Seq = 77;

    [Fact]
    public void Process_MultipartDumpAcrossTwoDatagrams_DeliversAllAndCompletesOnDone()
    {
        var first = Concat(AddressReply(Seq, "10.199.0.1"), AddressReply(Seq, "10.199.0.2"));
        var second = Concat(AddressReply(Seq, "10.199.0.3"), Done(Seq, 0));
        var seen = new List<IPAddress>();
        bool interrupted = false;
        MessageHandler collect = (in NetlinkMessage m) => seen.Add(AddressMessages.Parse(in m).Address);

        Assert.False(NetlinkReplies.Process(first, Seq, "list addresses", collect, ref interrupted));
        Assert.True(NetlinkReplies.Process(second, Seq, "list addresses", collect, ref interrupted));
        Assert.Equal(["10.199.0.1", "10.199.0.2", "10.199.0.3"], seen.Select(a => a.ToString()));
        Assert.False(interrupted);
    }

    [Fact]
    public void Process_AckWithErrorZero_CompletesWithoutThrowing()
    {
        bool interrupted = false;
        Assert.True(NetlinkReplies.Process(Error(Seq, 0, null), Seq, "set a0 up", null, ref interrupted));
    }

    [Fact]
    public void Process_ErrorEexistWithExtendedAck_ThrowsLinuxExceptionWithKernelText()
    {
        bool interrupted = false;
        var datagram = Error(Seq, -ErrnoNames.EEXIST, "Device name already in use");
        var error = Assert.Throws<LinuxException>(() => NetlinkReplies.Process(datagram, Seq, "add veth lxc12", null, ref interrupted));
        Assert.Equal(ErrnoNames.EEXIST, error.Errno);
        Assert.Equal("add veth lxc12", error.Operation);
        Assert.StartsWith("add veth lxc12: EEXIST (File exists)", error.Message);
        Assert.Contains("Device name already in use", error.Message);
    }

    [Fact]
    public void Process_UncappedErrorEchoingRequest_FindsExtendedAckAfterEcho()
    {
        var bytes = BuildUncappedError(Seq, -ErrnoNames.ESRCH, "No route found");
        bool interrupted = false;
        var error = Assert.Throws<LinuxException>(() => NetlinkReplies.Process(bytes, Seq, "delete route 10.1.0.0/16", null, ref interrupted));
        Assert.Equal(ErrnoNames.ESRCH, error.Errno);
        Assert.StartsWith("delete route 10.1.0.0/16: ESRCH (No such process)", error.Message);
        Assert.Contains("No route found", error.Message);
    }

    [Fact]
    public void Process_DoneCarryingError_Throws()
    {
        bool interrupted = false;
        var error = Assert.Throws<LinuxException>(() => NetlinkReplies.Process(Done(Seq, -ErrnoNames.EINVAL), Seq, "list routes", null, ref interrupted));
        Assert.Equal(ErrnoNames.EINVAL, error.Errno);
    }

    [Fact]
    public void Process_MessagesOfOtherSequence_AreSkipped()
    {
        var datagram = Concat(AddressReply(Seq - 1, "10.199.9.9"), Done(Seq - 1, 0), AddressReply(Seq, "10.199.0.1"));
        int count = 0;
        bool interrupted = false;
        Assert.False(NetlinkReplies.Process(datagram, Seq, "list", (in NetlinkMessage _) => count++, ref interrupted));
        Assert.Equal(1, count);
    }

    [Fact]
    public void Process_DumpInterruptedFlag_ReportsInterrupted()
    {
        var reply = AddressReply(Seq, "10.199.0.1", Nl.F_MULTI | Nl.F_DUMP_INTR);
        bool interrupted = false;
        NetlinkReplies.Process(Concat(reply, Done(Seq, 0)), Seq, "list", null, ref interrupted);
        Assert.True(interrupted);
    }

    [Fact]
    public void Process_MessageLengthBeyondDatagram_ThrowsTruncated()
    {
        var datagram = AddressReply(Seq, "10.199.0.1");
        var error = Assert.Throws<InvalidDataException>(() => Run(datagram.AsSpan(0, datagram.Length - 4).ToArray()));
        Assert.Contains("truncated netlink message", error.Message);
    }

    [Fact]
    public void Process_FewerBytesThanHeader_ThrowsTruncated()
    {
        var error = Assert.Throws<InvalidDataException>(() => Run(new byte[10]));
        Assert.Contains("fewer than the 16-byte header", error.Message);
    }

    [Fact]
    public void Process_HeaderLengthBelowSixteen_ThrowsMalformed()
    {
        var datagram = Done(Seq, 0);
        BitConverter.TryWriteBytes(datagram.AsSpan(0, 4), 8u);
        var error = Assert.Throws<InvalidDataException>(() => Run(datagram));
        Assert.Contains("shorter than its header", error.Message);
    }

    [Fact]
    public void Process_ErrorPayloadTooShort_ThrowsTruncated()
    {
        var datagram = Bytes.Hex("12000000 0200 0000 4d000000 00000000 fe ff");
        var error = Assert.Throws<InvalidDataException>(() => Run(datagram));
        Assert.Contains("NLMSG_ERROR", error.Message);
    }

    [Fact]
    public void AttributeReader_LengthBeyondRemaining_ThrowsTruncatedAttribute()
    {
        var datagram = AddressReply(Seq, "10.199.0.1");
        datagram[16 + 8] = 0x40; // first attribute's rta_len now claims 64 bytes
        var error = Assert.Throws<InvalidDataException>(() => Run(datagram, (in NetlinkMessage m) => AddressMessages.Parse(in m)));
        Assert.Contains("truncated attribute", error.Message);
        Assert.Contains("RTM_NEWADDR", error.Message);
    }

    [Fact]
    public void AttributeReader_LengthBelowHeader_ThrowsMalformedAttribute()
    {
        var datagram = AddressReply(Seq, "10.199.0.1");
        datagram[16 + 8] = 0x02;
        var error = Assert.Throws<InvalidDataException>(() => Run(datagram, (in NetlinkMessage m) => AddressMessages.Parse(in m)));
        Assert.Contains("shorter than its header", error.Message);
    }

    [Fact]
    public void AttributeReader_TrailingBytesShorterThanHeader_Throws()
    {
        var reader = new AttributeReader(Bytes.Hex("0800 0100 0ac70001 0500"), "test");
        Assert.True(reader.TryRead(out _, out _));
        InvalidDataException? error = null;
        try
        {
            reader.TryRead(out _, out _);
        }
        catch (InvalidDataException e)
        {
            error = e;
        }
        Assert.NotNull(error);
        Assert.Contains("fewer than the 4-byte attribute header", error.Message);
    }

    [Fact]
    public void AttributeReader_NestedFlag_IsMaskedFromType()
    {
        var reader = new AttributeReader(Bytes.Hex("0400 1280"), "test");
        Assert.True(reader.TryRead(out ushort type, out var value));
        Assert.Equal(Ifla.LINKINFO, type);
        Assert.Equal(0, value.Length);
    }

    private static void Run(byte[] datagram, MessageHandler? handler = null)
    {
        bool interrupted = false;
        NetlinkReplies.Process(datagram, Seq, "test", handler, ref interrupted);
    }

    private static byte[] AddressReply(uint sequence, string address, ushort flags = Nl.F_MULTI)
    {
        using var w = new NetlinkWriter();
        w.BeginMessage(Rtm.NEWADDR, flags, sequence);
        w.Header(new IfAddrMsg { Family = Af.INET, PrefixLength = 24, Index = 2 });
        w.AttributeAddress(Ifa.LOCAL, IPAddress.Parse(address));
        return w.EndMessage().ToArray();
    }

    private static byte[] Done(uint sequence, int error)
    {
        using var w = new NetlinkWriter();
        w.BeginMessage(Nl.NLMSG_DONE, Nl.F_MULTI, sequence);
        w.Header(error);
        return w.EndMessage().ToArray();
    }

    /// <summary>An NLMSG_ERROR as a NETLINK_CAP_ACK socket receives it: error, echoed header, then TLVs.</summary>
    private static byte[] Error(uint sequence, int error, string? message)
    {
        using var w = new NetlinkWriter();
        ushort flags = Nl.F_CAPPED;
        if (message is not null)
            flags |= Nl.F_ACK_TLVS;
        w.BeginMessage(Nl.NLMSG_ERROR, flags, sequence);
        w.Header(error);
        w.Header(new NlMsgHdr { Length = 40, Type = Rtm.NEWLINK, Flags = 0x605, Sequence = sequence });
        if (message is not null)
        {
            w.AttributeString(Nl.NLMSGERR_ATTR_MSG, message);
            w.AttributeU32(Nl.NLMSGERR_ATTR_OFFS, 36);
        }
        return w.EndMessage().ToArray();
    }

    /// <summary>An NLMSG_ERROR without NETLINK_CAP_ACK: the whole 28-byte request is echoed before the TLVs.</summary>
    private static byte[] BuildUncappedError(uint sequence, int error, string message)
    {
        using var w = new NetlinkWriter();
        w.BeginMessage(Nl.NLMSG_ERROR, Nl.F_ACK_TLVS, sequence);
        w.Header(error);
        w.Header(new NlMsgHdr { Length = 28, Type = Rtm.DELROUTE, Flags = 5, Sequence = sequence });
        w.Header(new RtMsg { Family = Af.INET, DstLength = 16 });
        w.AttributeString(Nl.NLMSGERR_ATTR_MSG, message);
        return w.EndMessage().ToArray();
    }

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
}
