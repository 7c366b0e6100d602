using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Tendril.Api;
using Tendril.Datapath.Loader;
using Tendril.Interop;
using Tendril.Netlink;

namespace Tendril.Agent.Endpoints;

/// <summary>
/// Compares an endpoint's devices and datapath entry with what was created (CNI CHECK): each difference is one line a
/// person can act on.
/// </summary>
internal static class EndpointCheck
{
    public static List<string> Problems(EndpointModel endpoint, IRtNetlink node, NodeDatapath datapath)
    {
        var problems = new List<string>();
        var host = node.Links.Find(endpoint.HostDevice);
        if (host is null)
            problems.Add($"node-side device {endpoint.HostDevice} does not exist");
        else
        {
            if (host.Index != endpoint.HostIfindex)
                problems.Add($"node-side device {endpoint.HostDevice} has ifindex {host.Index}, the endpoint was made with {endpoint.HostIfindex}");
            if (!host.IsUp)
                problems.Add($"node-side device {endpoint.HostDevice} is down");
        }

        var address = IPAddress.Parse(endpoint.Ipv4);
        var record = datapath.Endpoints.Find(address);
        if (record is null)
            problems.Add($"the datapath has no endpoint entry for {address}");
        else if (record.EndpointId != endpoint.Id || record.Identity != endpoint.Identity || record.Ifindex != endpoint.HostIfindex)
            problems.Add($"the datapath entry for {address} is endpoint {record.EndpointId} identity {record.Identity} ifindex {record.Ifindex}, expected {endpoint.Id}, {endpoint.Identity}, {endpoint.HostIfindex}");

        if (!File.Exists(endpoint.NetnsPath))
        {
            problems.Add($"network namespace {endpoint.NetnsPath} does not exist");
            return problems;
        }
        try
        {
            using var pod = RtNetlink.OpenIn(endpoint.NetnsPath);
            var device = pod.Links.Find(endpoint.Interface);
            if (device is null)
            {
                problems.Add($"{endpoint.Interface} does not exist in {endpoint.NetnsPath}");
                return problems;
            }
            if (!device.IsUp)
                problems.Add($"{endpoint.Interface} in {endpoint.NetnsPath} is down");
            if (!device.Mac.Equals(PhysicalAddress.Parse(endpoint.Mac)))
                problems.Add($"{endpoint.Interface} in {endpoint.NetnsPath} has MAC {device.Mac}, the endpoint was made with {endpoint.Mac}");
            if (!pod.Addresses.List(device.Index, AddressFamily.InterNetwork).Any(a => a.Address.Equals(address) && a.PrefixLength == 32))
                problems.Add($"{endpoint.Interface} in {endpoint.NetnsPath} does not hold {address}/32");
            var gateway = endpoint.Gateway is null ? null : IPAddress.Parse(endpoint.Gateway);
            if (gateway is not null && !pod.Routes.List(AddressFamily.InterNetwork).Any(r =>
                    r.Destination.PrefixLength == 0 && gateway.Equals(r.Gateway) && r.OutputLinkIndex == device.Index))
                problems.Add($"{endpoint.NetnsPath} has no default route via {gateway} on {endpoint.Interface}");
        }
        catch (LinuxException e)
        {
            problems.Add($"cannot read {endpoint.NetnsPath}: {e.Message}");
        }
        return problems;
    }
}
