using System.Net;
using Tendril.ControlPlane.Policy.Model;
using Tendril.ControlPlane.Services;
using Tendril.ControlPlane.Services.Allocation;
using Tendril.ControlPlane.Services.Model;

namespace Tendril.Agent.Services;

/// <summary>The services' cluster IPs and node ports as the state store keeps them (plain strings and numbers).</summary>
public sealed record SavedAllocations(List<SavedClusterIp> ClusterIPs, List<SavedNodePort> NodePorts)
{
    public static SavedAllocations Empty => new([], []);

    public static SavedAllocations From(ServiceAllocations allocations) => new(
        allocations.ClusterIPs.Select(a => new SavedClusterIp(a.Service.Namespace, a.Service.Name, a.Address.ToString())).ToList(),
        allocations.NodePorts.Select(a => new SavedNodePort(a.Owner.Service.Namespace, a.Owner.Service.Name, a.Owner.Port, a.Owner.Protocol.ToString(), a.NodePort)).ToList());

    public ServiceAllocations ToAllocations() => new(
        [.. ClusterIPs.Select(a => new ClusterIpAllocation(new ServiceKey(a.Namespace, a.Name), IPAddress.Parse(a.Address)))],
        [.. NodePorts.Select(a => new NodePortAllocation(new NodePortOwner(new ServiceKey(a.Namespace, a.Name), a.Port, Enum.Parse<L4Protocol>(a.Protocol)), a.NodePort))]);
}

public sealed record SavedClusterIp(string Namespace, string Name, string Address);

public sealed record SavedNodePort(string Namespace, string Name, ushort Port, string Protocol, ushort NodePort);
