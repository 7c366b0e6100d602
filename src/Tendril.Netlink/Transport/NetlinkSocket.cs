using System.Buffers;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using Tendril.Interop;
using Tendril.Interop.LibC;
using Tendril.Netlink.Messages;

namespace Tendril.Netlink.Transport;

/// <summary>Turns one received message into a result, or null to leave it out (filtered).</summary>
internal delegate T? MessageParser<T>(in NetlinkMessage message) where T : class;

/// <summary>
/// A NETLINK_ROUTE socket: sends one request at a time and collects its reply (an ACK, a single answer,
/// or a multipart dump ending in NLMSG_DONE), turning NLMSG_ERROR into <see cref="LinuxException"/>.
/// </summary>
/// <remarks>
/// The socket stays in the network namespace it was created in, whichever thread uses it later.
/// Owns its fd and buffers. Not thread-safe: use one per thread, or lock around it.
/// </remarks>
internal sealed unsafe class NetlinkSocket : IDisposable
{
    private const int MSG_PEEK = 0x2, MSG_TRUNC = 0x20;
    private const int MaxDumpAttempts = 5;
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(30);

    private readonly SafeFd _fd;
    private byte[] _receive;
    private uint _sequence;

    private NetlinkSocket(SafeFd fd)
    {
        _fd = fd;
        _receive = ArrayPool<byte>.Shared.Rent(32 * 1024);
        // Start somewhere unpredictable so replies to a previous socket's requests can never match.
        _sequence = (uint)Environment.TickCount;
    }

    /// <summary>The writer requests are built in; reused for every request on this socket.</summary>
    public NetlinkWriter Writer { get; } = new();

    /// <summary>Opens a socket in the calling thread's network namespace, with extended acks and strict checking.</summary>
    public static NetlinkSocket Open()
    {
        int fd = Net.socket(Net.AF_NETLINK, Net.SOCK_RAW | Net.SOCK_CLOEXEC, Nl.NETLINK_ROUTE);
        if (fd < 0)
            throw LinuxException.FromLastError("open rtnetlink socket");
        var handle = new SafeFd(fd);
        try
        {
            SetOption(fd, Net.SOL_NETLINK, Net.NETLINK_EXT_ACK, 1, "enable netlink extended ack");
            // Errors then echo only the request's header, not its whole payload.
            SetOption(fd, Net.SOL_NETLINK, Net.NETLINK_CAP_ACK, 1, "enable netlink capped ack");
            SetOption(fd, Net.SOL_NETLINK, Net.NETLINK_GET_STRICT_CHK, 1, "enable netlink strict checking");
            long* timeout = stackalloc long[2] { (long)ReplyTimeout.TotalSeconds, 0 };
            if (Net.setsockopt(fd, Net.SOL_SOCKET, Net.SO_RCVTIMEO, timeout, 2 * sizeof(long)) < 0)
                throw LinuxException.FromLastError("set rtnetlink socket receive timeout");
            SockaddrNl address = new() { Family = Net.AF_NETLINK };
            if (Net.bind(fd, &address, sizeof(SockaddrNl)) < 0)
                throw LinuxException.FromLastError("bind rtnetlink socket");
            return new NetlinkSocket(handle);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>The next request sequence number.</summary>
    public uint NextSequence() => ++_sequence;

    /// <summary>Sends the message in <see cref="Writer"/> and waits for its ACK; data replies go to <paramref name="onData"/>.</summary>
    public void Execute(string operation, MessageHandler? onData = null)
    {
        bool interrupted = false;
        Exchange(operation, onData, ref interrupted);
    }

    /// <summary>
    /// Sends the dump request in <see cref="Writer"/> and parses every reply message. A dump the kernel marks
    /// as interrupted (the table changed while it was read) is repeated with a fresh sequence number.
    /// </summary>
    public List<T> Dump<T>(string operation, MessageParser<T> parse) where T : class
    {
        var results = new List<T>();
        for (int attempt = 1; ; attempt++)
        {
            results.Clear();
            bool interrupted = false;
            Exchange(operation, (in NetlinkMessage message) =>
            {
                var item = parse(in message);
                if (item is not null)
                    results.Add(item);
            }, ref interrupted);
            if (!interrupted)
                return results;
            if (attempt == MaxDumpAttempts)
                throw new LinuxException(operation, ErrnoNames.EINTR, $"the dump was interrupted by concurrent changes {MaxDumpAttempts} times");
            Writer.SetSequence(NextSequence());
        }
    }

    public void Dispose()
    {
        _fd.Dispose();
        Writer.Dispose();
        var buffer = _receive;
        _receive = [];
        if (buffer.Length > 0)
            ArrayPool<byte>.Shared.Return(buffer);
    }

    private void Exchange(string operation, MessageHandler? onData, ref bool interrupted)
    {
        ObjectDisposedException.ThrowIf(_fd.IsClosed, this);
        var request = Writer.Written;
        uint sequence = Writer.Sequence;
        Send(request, operation);

        // A failing handler must not abandon the exchange half-read: the rest of a dump would block the next one (EBUSY).
        Exception? handlerError = null;
        MessageHandler? guarded = onData is null ? null : (in NetlinkMessage message) =>
        {
            if (handlerError is not null)
                return;
            try
            {
                onData(in message);
            }
            catch (Exception e)
            {
                handlerError = e;
            }
        };

        while (true)
        {
            int received = Receive(operation);
            if (NetlinkReplies.Process(_receive.AsSpan(0, received), sequence, operation, guarded, ref interrupted))
                break;
        }
        if (handlerError is not null)
            ExceptionDispatchInfo.Throw(handlerError);
    }

    private void Send(ReadOnlySpan<byte> request, string operation)
    {
        fixed (byte* data = request)
        {
            while (true)
            {
                nint sent = Net.sendto(_fd.Fd, data, (nuint)request.Length, 0, null, 0);
                if (sent >= 0)
                    return;
                if (Marshal.GetLastPInvokeError() != ErrnoNames.EINTR)
                    throw LinuxException.FromLastError($"{operation} (send request)");
            }
        }
    }

    /// <summary>Receives one whole datagram, growing the buffer first if the waiting one would not fit.</summary>
    private int Receive(string operation)
    {
        while (true)
        {
            int waiting = ReceiveInto(_receive, MSG_PEEK | MSG_TRUNC, operation);
            if (waiting > _receive.Length)
            {
                ArrayPool<byte>.Shared.Return(_receive);
                _receive = ArrayPool<byte>.Shared.Rent(waiting);
            }
            int received = ReceiveInto(_receive, 0, operation);
            if (received > 0)
                return received;
        }
    }

    private int ReceiveInto(byte[] buffer, int flags, string operation)
    {
        fixed (byte* data = buffer)
        {
            while (true)
            {
                nint received = Net.recv(_fd.Fd, data, (nuint)buffer.Length, flags);
                if (received >= 0)
                    return (int)received;
                int errno = Marshal.GetLastPInvokeError();
                if (errno == ErrnoNames.EINTR)
                    continue;
                string? hint = errno == ErrnoNames.EAGAIN ? $"no reply from the kernel within {ReplyTimeout.TotalSeconds} s" : null;
                throw new LinuxException($"{operation} (receive reply)", errno, hint);
            }
        }
    }

    private static void SetOption(int fd, int level, int option, int value, string operation)
    {
        if (Net.setsockopt(fd, level, option, &value, sizeof(int)) < 0)
            throw LinuxException.FromLastError(operation);
    }

    /// <summary>struct sockaddr_nl.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct SockaddrNl
    {
        public ushort Family;
        public ushort Pad;
        public uint PortId;
        public uint Groups;
    }
}
