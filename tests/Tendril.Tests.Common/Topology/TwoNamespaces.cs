using System.Net;
using Tendril.Interop;
using Tendril.Interop.Namespaces;
using Tendril.Netlink;
using Tendril.Netlink.Links;
using Tendril.Netlink.Namespaces;

namespace Tendril.Tests.Common.Topology;

/// <summary>
/// Two fresh network namespaces joined by one veth pair: "client" (device c0, 10.199.0.1/24) and "server"
/// (device s0, 10.199.0.2/24). Nothing routes anywhere else. Dispose deletes both namespaces and everything in them.
/// </summary>
public sealed class TwoNamespaces : IDisposable
{
    public const string ClientDevice = "c0";
    public const string ServerDevice = "s0";
    public static readonly IPAddress ClientAddress = IPAddress.Parse("10.199.0.1");
    public static readonly IPAddress ServerAddress = IPAddress.Parse("10.199.0.2");

    private TwoNamespaces(string client, string server)
    {
        ClientName = client;
        ServerName = server;
    }

    public string ClientName { get; }

    public string ServerName { get; }

    public string ClientPath => NetworkNamespaces.PathOf(ClientName);

    public string ServerPath => NetworkNamespaces.PathOf(ServerName);

    /// <summary>Runs work inside the client namespace.</summary>
    public NetNsThread Client { get; private set; } = null!;

    /// <summary>Runs work inside the server namespace.</summary>
    public NetNsThread Server { get; private set; } = null!;

    public int ServerIfindex => Server.Invoke(() => LinuxSystem.InterfaceIndex(ServerDevice));

    public int ClientIfindex => Client.Invoke(() => LinuxSystem.InterfaceIndex(ClientDevice));

    public static TwoNamespaces Create()
    {
        var topology = new TwoNamespaces(TestNames.Unique("c"), TestNames.Unique("s"));
        try
        {
            NetworkNamespaces.Create(topology.ClientName);
            NetworkNamespaces.Create(topology.ServerName);
            using (var client = RtNetlink.OpenIn(topology.ClientPath))
            {
                client.Links.CreateVeth(new VethOptions(ClientDevice) { PeerName = ServerDevice, PeerNamespacePath = topology.ServerPath });
                client.Addresses.Add(client.Links.Get(ClientDevice).Index, ClientAddress, 24);
                client.Links.SetUp(ClientDevice);
                client.Links.SetUp("lo");
            }
            using (var server = RtNetlink.OpenIn(topology.ServerPath))
            {
                server.Addresses.Add(server.Links.Get(ServerDevice).Index, ServerAddress, 24);
                server.Links.SetUp(ServerDevice);
                server.Links.SetUp("lo");
            }
            topology.Client = NetNsThread.Start(topology.ClientPath);
            topology.Server = NetNsThread.Start(topology.ServerPath);
            return topology;
        }
        catch
        {
            topology.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Client?.Dispose();
        Server?.Dispose();
        foreach (var name in new[] { ClientName, ServerName })
        {
            if (NetworkNamespaces.Exists(name))
                NetworkNamespaces.Delete(name);
        }
    }
}
