using System.Net;
using System.Net.Sockets;
using System.Text;
using Tendril.Interop.Namespaces;

namespace Tendril.Tests.Common.Topology;

/// <summary>
/// Real TCP and UDP between namespaces. Sockets are created on the namespace's thread — a socket keeps the
/// namespace it was created in — and then used asynchronously from ordinary threads.
/// </summary>
public static class Traffic
{
    public static Socket SocketIn(NetNsThread ns, SocketType type, ProtocolType protocol) =>
        ns.Invoke(() => new Socket(AddressFamily.InterNetwork, type, protocol));

    /// <summary>
    /// Connects from <paramref name="client"/>, sends "ping", and expects "pong" within <paramref name="timeout"/>.
    /// False when the connection or the reply does not make it (e.g. the SYN was dropped).
    /// </summary>
    public static async Task<bool> TcpPingAsync(NetNsThread client, IPAddress server, int port, TimeSpan timeout)
    {
        using var socket = SocketIn(client, SocketType.Stream, ProtocolType.Tcp);
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await socket.ConnectAsync(new IPEndPoint(server, port), cts.Token);
            await socket.SendAsync("ping"u8.ToArray(), SocketFlags.None, cts.Token);
            var buffer = new byte[4];
            int n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            return Encoding.ASCII.GetString(buffer, 0, n) == "pong";
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException)
        {
            return false;
        }
    }

    /// <summary>Sends one UDP datagram from <paramref name="client"/>.</summary>
    public static async Task SendUdpAsync(NetNsThread client, IPAddress server, int port, string payload)
    {
        using var socket = SocketIn(client, SocketType.Dgram, ProtocolType.Udp);
        await socket.SendToAsync(Encoding.ASCII.GetBytes(payload), SocketFlags.None, new IPEndPoint(server, port));
    }
}

/// <summary>A TCP server in a namespace that answers "pong" to every "ping". Dispose stops it.</summary>
public sealed class PongServer : IDisposable
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private int _accepted;

    private PongServer(Socket listener)
    {
        _listener = listener;
    }

    public int Accepted => Volatile.Read(ref _accepted);

    public static PongServer Start(NetNsThread ns, IPAddress address, int port)
    {
        var listener = ns.Invoke(() =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            s.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            s.Bind(new IPEndPoint(address, port));
            s.Listen(64);
            return s;
        });
        var server = new PongServer(listener);
        _ = server.AcceptLoopAsync();
        return server;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            Interlocked.Increment(ref _accepted);
            _ = ServeAsync(connection);
        }
    }

    private static async Task ServeAsync(Socket connection)
    {
        using (connection)
        {
            try
            {
                var buffer = new byte[16];
                int n = await connection.ReceiveAsync(buffer, SocketFlags.None);
                if (n > 0)
                    await connection.SendAsync("pong"u8.ToArray(), SocketFlags.None);
            }
            catch (SocketException)
            {
            }
        }
    }
}

/// <summary>A UDP socket in a namespace that counts the datagrams it receives.</summary>
public sealed class UdpSink : IDisposable
{
    private readonly Socket _socket;
    private readonly CancellationTokenSource _stop = new();
    private int _received;

    private UdpSink(Socket socket)
    {
        _socket = socket;
    }

    public int Received => Volatile.Read(ref _received);

    public static UdpSink Start(NetNsThread ns, IPAddress address, int port)
    {
        var socket = ns.Invoke(() =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            s.Bind(new IPEndPoint(address, port));
            return s;
        });
        var sink = new UdpSink(socket);
        _ = sink.ReceiveLoopAsync();
        return sink;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _socket.Dispose();
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[2048];
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await _socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                Interlocked.Increment(ref _received);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
        }
    }
}

/// <summary>A UDP socket in a namespace that answers "pong" to every datagram.</summary>
public sealed class UdpPong : IDisposable
{
    private readonly Socket _socket;
    private readonly CancellationTokenSource _stop = new();

    private UdpPong(Socket socket)
    {
        _socket = socket;
    }

    public static UdpPong Start(NetNsThread ns, IPAddress address, int port)
    {
        var socket = ns.Invoke(() =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            s.Bind(new IPEndPoint(address, port));
            return s;
        });
        var pong = new UdpPong(socket);
        _ = pong.LoopAsync();
        return pong;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _socket.Dispose();
    }

    private async Task LoopAsync()
    {
        var buffer = new byte[2048];
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var result = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), _stop.Token);
                await _socket.SendToAsync("pong"u8.ToArray(), SocketFlags.None, result.RemoteEndPoint, _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
        }
    }
}

/// <summary>ICMP echo through a raw socket created inside a namespace.</summary>
public static class Icmp
{
    /// <summary>Sends one echo request from <paramref name="ns"/> and waits for the matching reply.</summary>
    public static async Task<bool> PingAsync(NetNsThread ns, IPAddress destination, TimeSpan timeout)
    {
        using var socket = ns.Invoke(() => new Socket(AddressFamily.InterNetwork, SocketType.Raw, ProtocolType.Icmp));
        ushort id = (ushort)Random.Shared.Next(1, ushort.MaxValue);
        var request = new byte[16];
        request[0] = 8;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(request.AsSpan(4), id);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(request.AsSpan(6), 1);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(request.AsSpan(2), Tendril.Tests.Common.Packets.PacketBuilder.Checksum(request));
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await socket.SendToAsync(request, SocketFlags.None, new IPEndPoint(destination, 0), cts.Token);
            var buffer = new byte[1500];
            while (true)
            {
                int n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
                int ihl = (buffer[0] & 0x0f) * 4;
                if (n >= ihl + 8 && buffer[ihl] == 0 && System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(ihl + 4)) == id)
                    return true;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException)
        {
            return false;
        }
    }
}

/// <summary>A TCP echo server for one connection, in a namespace.</summary>
public sealed class EchoServer : IDisposable
{
    private readonly Socket _listener;

    private EchoServer(Socket listener) => _listener = listener;

    public static EchoServer Start(NetNsThread ns, IPAddress address, int port)
    {
        var listener = ns.Invoke(() =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            s.Bind(new IPEndPoint(address, port));
            s.Listen(8);
            return s;
        });
        _ = Task.Run(async () =>
        {
            try
            {
                using var connection = await listener.AcceptAsync();
                var buffer = new byte[64];
                int n;
                while ((n = await connection.ReceiveAsync(buffer, SocketFlags.None)) > 0)
                    await connection.SendAsync(buffer.AsMemory(0, n), SocketFlags.None);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
        });
        return new EchoServer(listener);
    }

    public static async Task<bool> RoundTripAsync(Socket socket, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await socket.SendAsync("x"u8.ToArray(), SocketFlags.None, cts.Token);
            var buffer = new byte[1];
            return await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token) == 1;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public void Dispose() => _listener.Dispose();
}
