using System.Net;
using System.Net.Sockets;
using System.Text;
using Tendril.Datapath.Abi;
using Tendril.Datapath.Loader;
using Tendril.Datapath.Maps;
using Tendril.Tests.Common;
using Tendril.Tests.Common.Topology;

namespace Tendril.Datapath.PrivilegedTests;

/// <summary>
/// bpf/sock.o loaded with its maps pinned in a test bpffs directory and attached to a test cgroup; backends listen in
/// the server namespace of a <see cref="TwoNamespaces"/> (10.199.0.2), and a python3 client runs in the client
/// namespace, joined to the cgroup (it writes its pid to cgroup.procs before it execs, see TestCgroup.RunAsync).
/// Nothing routes the VIPs anywhere: only the hooks can make a connection to one succeed. Dispose detaches the
/// hooks, stops the servers and removes the namespaces, the pins and the cgroup, also after a failed test.
/// </summary>
internal sealed class SocketLbFixture : IDisposable
{
    public static readonly IPAddress Vip = IPAddress.Parse("10.96.0.10");

    // Each line of output: "<peer address>:<peer port> <what the server said>", or "error <errno name>".
    private const string ClientScript = """
        import errno, socket, sys
        mode, vip, port, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
        for _ in range(count):
            try:
                if mode == "tcp":
                    s = socket.create_connection((vip, port), timeout=5)
                    peer = s.getpeername()
                    data = s.recv(64)
                elif mode == "udp":
                    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    s.settimeout(5)
                    s.sendto(b"hi", (vip, port))
                    data, peer = s.recvfrom(64)
                else:
                    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    s.settimeout(5)
                    s.connect((vip, port))
                    s.send(b"hi")
                    data = s.recv(64)
                    peer = s.getpeername()
                print(f"{peer[0]}:{peer[1]} {data.decode().strip()}", flush=True)
                s.close()
            except OSError as e:
                print("error " + errno.errorcode.get(e.errno, str(e.errno)), flush=True)
        """;

    private readonly BpfFsDirectory _pins;
    private readonly TestCgroup _cgroup;
    private readonly TwoNamespaces _namespaces;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<IDisposable> _servers = [];
    private readonly List<Task> _serverTasks = [];

    public SocketLbFixture()
    {
        _pins = new BpfFsDirectory("lb");
        _cgroup = new TestCgroup("sk");
        _namespaces = TwoNamespaces.Create();
        try
        {
            Options = new DatapathOptions(_pins.Path);
            Sock = SocketLoadBalancer.Load(Options);
            Sock.Attach(_cgroup.Path);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public DatapathOptions Options { get; }

    public SocketLoadBalancer Sock { get; private set; } = null!;

    public LoadBalancerMaps Maps => Sock.Maps;

    public string CgroupPath => _cgroup.Path;

    public static IPAddress BackendAddress => TwoNamespaces.ServerAddress;

    /// <summary>A TCP server in the server namespace that answers every connection with "b&lt;port&gt;" and closes it.</summary>
    public void StartTcpServer(ushort port)
    {
        var listener = _namespaces.Server.Invoke(() =>
        {
            var l = new TcpListener(BackendAddress, port);
            l.Start();
            return l;
        });
        _servers.Add(listener.Server);
        _serverTasks.Add(Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                using var client = await listener.AcceptTcpClientAsync(_stop.Token);
                await client.GetStream().WriteAsync(Encoding.ASCII.GetBytes($"b{port}\n"), _stop.Token);
            }
        }));
    }

    /// <summary>A UDP server in the server namespace that answers every datagram with "b&lt;port&gt;".</summary>
    public void StartUdpServer(ushort port)
    {
        var socket = _namespaces.Server.Invoke(() => new UdpClient(new IPEndPoint(BackendAddress, port)));
        _servers.Add(socket);
        _serverTasks.Add(Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                var request = await socket.ReceiveAsync(_stop.Token);
                await socket.SendAsync(Encoding.ASCII.GetBytes($"b{port}"), request.RemoteEndPoint, _stop.Token);
            }
        }));
    }

    /// <summary>Runs the client <paramref name="count"/> times against VIP:port ("tcp", "udp" unconnected, "udpc" connected); its output lines.</summary>
    public async Task<string[]> ClientAsync(string mode, ushort port, int count = 1, bool inCgroup = true, IPAddress? destination = null)
    {
        var (exitCode, output) = await _cgroup.RunAsync(_namespaces.ClientPath, inCgroup, "python3", "-c", ClientScript, mode,
            (destination ?? Vip).ToString(), port.ToString(System.Globalization.CultureInfo.InvariantCulture), count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (exitCode != 0)
            throw new InvalidOperationException($"client exited with {exitCode}: {output}");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>Programs frontend VIP:<paramref name="port"/> with backends on 10.199.0.2 at <paramref name="backendPorts"/> (IDs 1, 2, …).</summary>
    public void Service(ushort revNat, ushort port, byte protocol, ushort[] backendPorts, ServiceFlags flags = ServiceFlags.None,
        uint affinityTimeout = 0, BackendState[]? states = null)
    {
        var backends = backendPorts.Select((p, i) => new BackendRecord((uint)(revNat * 100 + i + 1), BackendAddress, p, protocol,
            states?[i] ?? BackendState.Active)).ToList();
        Maps.UpsertBackends(backends);
        Maps.UpsertReverseNat(revNat, Vip, port);
        Maps.UpsertService(new ServiceRecord(new ServiceFrontend(Vip, port, protocol), revNat, backends.Select(b => b.Id).ToList(), flags, affinityTimeout));
    }

    /// <summary>Loads the object again (an agent restart) and re-attaches: the pinned links move to the new programs.</summary>
    public SocketLoadBalancer Reload()
    {
        var old = Sock;
        Sock = SocketLoadBalancer.Load(Options);
        Sock.Attach(_cgroup.Path);
        old.Dispose();
        return Sock;
    }

    public void Dispose()
    {
        _stop.Cancel();
        foreach (var server in _servers)
            server.Dispose();
        try
        {
            Task.WaitAll(_serverTasks.ToArray(), TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // Cancelled accept and receive loops end with exceptions; they are done either way.
        }
        if (Sock is not null)
        {
            Sock.Detach(_cgroup.Path);
            Sock.Dispose();
        }
        _namespaces.Dispose();
        _cgroup.Dispose();
        _pins.Dispose();
        _stop.Dispose();
    }
}
