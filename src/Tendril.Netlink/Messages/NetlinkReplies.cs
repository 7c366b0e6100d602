using System.Runtime.InteropServices;
using Tendril.Interop;

namespace Tendril.Netlink.Messages;

/// <summary>Receives one data message (not NLMSG_ERROR/DONE) of the reply being processed.</summary>
internal delegate void MessageHandler(in NetlinkMessage message);

/// <summary>
/// Interprets the datagrams the kernel sends back for one request. Pure: the socket layer feeds it bytes.
/// </summary>
internal static class NetlinkReplies
{
    /// <summary>
    /// Processes one received datagram for the request with <paramref name="sequence"/>. Messages with another
    /// sequence number (left over from an abandoned exchange) are skipped.
    /// </summary>
    /// <returns>True when the exchange is complete: an ACK (NLMSG_ERROR with error 0) or NLMSG_DONE arrived.</returns>
    /// <exception cref="LinuxException">The kernel answered with an error; the message carries its extended-ack text.</exception>
    /// <exception cref="InvalidDataException">The datagram is malformed or truncated.</exception>
    public static bool Process(ReadOnlySpan<byte> datagram, uint sequence, string operation, MessageHandler? onData, ref bool interrupted)
    {
        var reader = new NetlinkMessageReader(datagram);
        while (reader.TryRead(out var message))
        {
            if (message.Sequence != sequence)
                continue;
            switch (message.Type)
            {
                case Nl.NLMSG_NOOP:
                    continue;
                case Nl.NLMSG_ERROR:
                    ThrowIfError(in message, operation, isDone: false);
                    return true;
                case Nl.NLMSG_DONE:
                    if ((message.Flags & Nl.F_DUMP_INTR) != 0)
                        interrupted = true;
                    ThrowIfError(in message, operation, isDone: true);
                    return true;
                case Nl.NLMSG_OVERRUN:
                    throw new LinuxException(operation, ErrnoNames.ENOBUFS, "the kernel reported NLMSG_OVERRUN: reply data was lost");
                default:
                    if ((message.Flags & Nl.F_DUMP_INTR) != 0)
                        interrupted = true;
                    onData?.Invoke(in message);
                    break;
            }
        }
        return false;
    }

    /// <summary>
    /// Decodes an NLMSG_ERROR or NLMSG_DONE payload: a negative errno (0 for an ACK) and, when the kernel set
    /// NLM_F_ACK_TLVS, the extended-ack message text.
    /// </summary>
    public static (int Errno, string? ExtendedMessage) DecodeError(in NetlinkMessage message, bool isDone)
    {
        var payload = message.Payload;
        if (payload.Length < 4)
        {
            if (isDone && payload.Length == 0)
                return (0, null); // Some old kernels sent an empty NLMSG_DONE.
            throw new InvalidDataException($"truncated netlink {(isDone ? "NLMSG_DONE" : "NLMSG_ERROR")}: {payload.Length} payload bytes, expected at least 4");
        }
        int error = MemoryMarshal.Read<int>(payload);
        if (error > 0)
            throw new InvalidDataException($"malformed netlink error reply: error code {error} is positive");
        string? text = null;
        if ((message.Flags & Nl.F_ACK_TLVS) != 0)
        {
            int offset = 4;
            if (!isDone)
            {
                // struct nlmsgerr: the error, then the offending request's header and (unless capped) its payload.
                if (payload.Length < 4 + Nl.HeaderLength)
                    throw new InvalidDataException($"truncated netlink NLMSG_ERROR: {payload.Length} payload bytes, fewer than struct nlmsgerr");
                int echoed = (message.Flags & Nl.F_CAPPED) != 0
                    ? Nl.HeaderLength
                    : Nl.Align((int)MemoryMarshal.Read<uint>(payload[4..]));
                offset = 4 + echoed;
                if (offset > payload.Length)
                    throw new InvalidDataException($"truncated netlink NLMSG_ERROR: the echoed request claims {echoed} bytes but only {payload.Length - 4} remain");
            }
            var attributes = new AttributeReader(payload[offset..], "extended ack");
            while (attributes.TryRead(out ushort type, out var value))
            {
                if (type == Nl.NLMSGERR_ATTR_MSG)
                    text = AttributeValue.String(value);
            }
        }
        return (-error, string.IsNullOrWhiteSpace(text) ? null : text);
    }

    private static void ThrowIfError(in NetlinkMessage message, string operation, bool isDone)
    {
        var (errno, text) = DecodeError(in message, isDone);
        if (errno != 0)
            throw new LinuxException(operation, errno, text);
    }
}
