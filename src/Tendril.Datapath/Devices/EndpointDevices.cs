using System.Net;
using System.Net.NetworkInformation;
using Tendril.Interop.Namespaces;
using Tendril.Netlink;
using Tendril.Netlink.Links;
using Tendril.Netlink.Routes;

namespace Tendril.Datapath.Devices;

/// <summary>How to wire one endpoint: a veth with <see cref="HostDevice"/> on the node and <see cref="PodDevice"/> in the pod.</summary>
/// <param name="HostDevice">Node-side name (lxc…, at most 15 bytes).</param>
/// <param name="PodNamespacePath">The pod's network namespace file.</param>
/// <param name="Address">The pod's address (a /32 on its device).</param>
/// <param name="Gateway">The node's router address: the pod's default gateway.</param>
/// <param name="Mtu">MTU of both ends.</param>
public sealed record EndpointNetworkSpec(string HostDevice, string PodNamespacePath, IPAddress Address, IPAddress Gateway, int Mtu, string PodDevice = "eth0");

/// <summary>The devices made for an endpoint.</summary>
public sealed record EndpointNetwork(int HostIfindex, PhysicalAddress HostMac, int PodIfindex, PhysicalAddress PodMac);

/// <summary>
/// Builds an endpoint's plumbing with rtnetlink, Cilium-style: the pod holds its address as a /32 and routes
/// everything through the gateway, whose MAC is the node-side veth's (a permanent neighbour, and the datapath answers
/// ARP too); the node has a /32 route to the pod through the node-side veth.
/// </summary>
public static class EndpointDevices
{
    /// <summary>
    /// Creates the devices. <paramref name="node"/> is a netlink connection in the node's namespace and
    /// <paramref name="nodeThread"/> a thread there (for sysctls). On failure nothing is left behind.
    /// </summary>
    public static EndpointNetwork Create(IRtNetlink node, NetNsThread nodeThread, EndpointNetworkSpec spec)
    {
        var host = node.Links.CreateVeth(new VethOptions(spec.HostDevice)
        {
            PeerName = spec.PodDevice,
            PeerNamespacePath = spec.PodNamespacePath,
            Mtu = spec.Mtu,
        });
        try
        {
            node.Links.SetUp(spec.HostDevice);
            node.Routes.Add(new RouteInfo
            {
                Destination = new IPNetwork(spec.Address, 32),
                OutputLinkIndex = host.Index,
                Scope = Netlink.Scope.Link,
            });
            nodeThread.Invoke(() => WriteSysctl($"net/ipv4/conf/{spec.HostDevice}/forwarding", "1"));

            // One thread in the pod's namespace serves both its sysctl and its netlink socket.
            using var podThread = NetNsThread.Start(spec.PodNamespacePath);
            using var pod = RtNetlink.OpenOn(podThread);
            var podLink = pod.Links.Get(spec.PodDevice);
            // IPv6 is not routed yet; without it the pod sends no router/neighbour solicitations to drop.
            podThread.Invoke(() => WriteSysctl($"net/ipv6/conf/{spec.PodDevice}/disable_ipv6", "1"));
            pod.Addresses.Add(podLink.Index, spec.Address, 32);
            pod.Links.SetUp("lo");
            pod.Links.SetUp(spec.PodDevice);
            pod.Neighbours.AddPermanent(podLink.Index, spec.Gateway, host.Mac!);
            pod.Routes.Add(new RouteInfo { Destination = new IPNetwork(spec.Gateway, 32), OutputLinkIndex = podLink.Index, Scope = Netlink.Scope.Link });
            pod.Routes.Add(new RouteInfo { Destination = new IPNetwork(IPAddress.Any, 0), Gateway = spec.Gateway, OutputLinkIndex = podLink.Index });
            return new EndpointNetwork(host.Index, host.Mac!, podLink.Index, podLink.Mac!);
        }
        catch
        {
            TryDelete(node, spec.HostDevice);
            throw;
        }
    }

    /// <summary>Deletes the endpoint's veth pair (its routes go with it). Absent devices are not an error.</summary>
    public static void Delete(IRtNetlink node, string hostDevice) => TryDelete(node, hostDevice);

    private static void TryDelete(IRtNetlink node, string hostDevice)
    {
        if (node.Links.Find(hostDevice) is not null)
            node.Links.Delete(hostDevice);
    }

    // /proc/sys/net belongs to the network namespace of the thread that opens it: call this on that namespace's thread.
    private static void WriteSysctl(string key, string value) => File.WriteAllText($"/proc/sys/{key}", value);
}
