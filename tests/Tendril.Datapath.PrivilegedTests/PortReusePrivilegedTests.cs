using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Tendril.Datapath.Maps;
using Tendril.Interop.Namespaces;
using Tendril.Tests.Common;
using Tendril.Tests.Common.Topology;
using Xunit;

namespace Tendril.Datapath.PrivilegedTests;

/// <summary>
/// One client port reused for connections that reach the same backend tuple but were addressed differently: through a
/// frontend, through another frontend, to the backend's own address. A client's kernel derives a connection's
/// sequence numbers and timestamps from the tuple it addressed, and the backend, which closes first, still holds the
/// previous connection in TIME_WAIT: unless the datapath keeps such tuples apart, one of each two orders meets a
/// refused SYN (PAWS), a reset from the client and a resent SYN. Real TCP through <see cref="NodeWithPods"/>;
/// 10.96.0.10:80 and 10.96.0.11:80 both lead to pod 2 on 8080.
/// </summary>
[Trait("Category", "Privileged")]
public sealed class PortReusePrivilegedTests
{
    private const ushort BackendPort = 8080;
    private const int PortsPerPair = 4;
    private static readonly IPEndPoint FrontendA = new(IPAddress.Parse("10.96.0.10"), 80);
    private static readonly IPEndPoint FrontendB = new(IPAddress.Parse("10.96.0.11"), 80);
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(5);

    [PrivilegedFact]
    public async Task PrivilegedPods_ClientPortReusedThroughAnotherFrontendOrDirectly_NoSynIsRefusedOrResent()
    {
        using var node = NodeWithPods.Create(2);
        var (client, backend) = (node.Pods[0], node.Pods[1]);
        using var pong = PongServer.Start(backend.Thread, backend.Address, BackendPort);
        var direct = new IPEndPoint(backend.Address, BackendPort);
        Program(node.Datapath!.LoadBalancer, 1, FrontendA, backend.Address);
        Program(node.Datapath.LoadBalancer, 2, FrontendB, backend.Address);
        // Both orders of each two ways in, from several ports: the client's timestamp offsets are a hash of the tuple,
        // so about half of these second connections would carry timestamps older than the backend remembers.
        (IPEndPoint First, IPEndPoint Then)[] pairs =
        [
            (FrontendA, direct), (direct, FrontendA), (FrontendA, FrontendB), (FrontendB, FrontendA), (FrontendB, direct), (direct, FrontendB),
        ];
        var before = TcpCounters.Read(client.Thread);

        int port = 41000;
        for (int round = 0; round < PortsPerPair; round++)
        {
            foreach (var (first, then) in pairs)
            {
                port++;
                Assert.True(await ExchangeAsync(client.Thread, port, first), $"{first} from port {port}");
                Assert.True(await Poll.UntilAsync(() => AllClosedInTimeWait(backend.Thread), Quick), "the backend holds the connection in TIME_WAIT");
                Assert.True(await ExchangeAsync(client.Thread, port, then), $"{then} from port {port} after {first}");
            }
        }

        var after = TcpCounters.Read(client.Thread);
        Assert.Equal((0L, 0L), (after.SynRetransmits - before.SynRetransmits, after.ResetsSent - before.ResetsSent));
        Assert.Equal(2 * pairs.Length * PortsPerPair, pong.Accepted);
    }

    private static void Program(LoadBalancerMaps lb, ushort id, IPEndPoint frontend, IPAddress backend)
    {
        lb.UpsertBackends([new BackendRecord(id, backend, BackendPort, 6)]);
        lb.UpsertReverseNat(id, frontend.Address, (ushort)frontend.Port);
        lb.UpsertService(new ServiceRecord(new ServiceFrontend(frontend.Address, (ushort)frontend.Port, 6), id, [id]));
    }

    /// <summary>Connects from <paramref name="localPort"/>, pings, and reads until the server's close (it closes first).</summary>
    private static async Task<bool> ExchangeAsync(NetNsThread ns, int localPort, IPEndPoint server)
    {
        using var socket = ns.Invoke(() =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            s.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            s.Bind(new IPEndPoint(IPAddress.Any, localPort));
            return s;
        });
        using var cts = new CancellationTokenSource(Quick);
        await socket.ConnectAsync(server, cts.Token);
        await socket.SendAsync("ping"u8.ToArray(), SocketFlags.None, cts.Token);
        var reply = new StringBuilder();
        var buffer = new byte[16];
        int n;
        while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token)) > 0)
            reply.Append(Encoding.ASCII.GetString(buffer, 0, n));
        return reply.ToString() == "pong";
    }

    /// <summary>Whether every connection of the backend's port is over and held in TIME_WAIT (state 06 of /proc/net/tcp).</summary>
    private static bool AllClosedInTimeWait(NetNsThread backend)
    {
        var states = backend.Invoke(() => File.ReadAllLines("/proc/thread-self/net/tcp"))
            .Skip(1)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f[1].EndsWith($":{BackendPort:X4}", StringComparison.Ordinal) && f[3] != "0A")
            .Select(f => f[3])
            .ToList();
        return states.Count > 0 && states.All(s => s == "06");
    }

    /// <summary>The namespace's TCP counters the failure shows in: SYNs resent, resets sent.</summary>
    private sealed record TcpCounters(long SynRetransmits, long ResetsSent)
    {
        public static TcpCounters Read(NetNsThread ns) => ns.Invoke(() => new TcpCounters(
            Counter("/proc/thread-self/net/netstat", "TcpExt:", "TCPSynRetrans"),
            Counter("/proc/thread-self/net/snmp", "Tcp:", "OutRsts")));

        /// <summary>A counter of /proc/net/snmp or netstat, where a header line of names precedes a line of values.</summary>
        private static long Counter(string path, string group, string name)
        {
            var lines = File.ReadAllLines(path).Where(l => l.StartsWith(group, StringComparison.Ordinal)).ToList();
            var names = lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var values = lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return long.Parse(values[Array.IndexOf(names, name)], CultureInfo.InvariantCulture);
        }
    }
}
