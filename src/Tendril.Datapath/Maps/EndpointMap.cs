using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Tendril.Datapath.Abi;
using Tendril.Ebpf;

namespace Tendril.Datapath.Maps;

/// <summary>A local endpoint as the datapath sees it.</summary>
public sealed record EndpointRecord(ushort EndpointId, int Ifindex, uint Identity, IPAddress Address, PhysicalAddress Mac, PhysicalAddress NodeMac);

/// <summary>
/// tendril_endpoints (by address) and tendril_endpoints_by_ifindex (by host-side device), kept in step.
/// Thread-safe as far as the maps are; callers serialise changes to one endpoint.
/// </summary>
public sealed unsafe class EndpointMap
{
    private readonly Map<EndpointKey, EndpointInfo> _byAddress;
    private readonly Map<uint, EndpointInfo> _byIfindex;

    public EndpointMap(Map byAddress, Map byIfindex)
    {
        _byAddress = byAddress.As<EndpointKey, EndpointInfo>();
        _byIfindex = byIfindex.As<uint, EndpointInfo>();
    }

    /// <summary>Adds or replaces an endpoint: the device entry first, so a packet never finds an address without its device.</summary>
    public void Upsert(EndpointRecord endpoint)
    {
        var info = ToInfo(endpoint);
        _byIfindex.Update((uint)endpoint.Ifindex, info);
        _byAddress.Update(KeyOf(endpoint.Address), info);
    }

    /// <summary>Removes an endpoint; absent entries are not an error.</summary>
    public void Delete(EndpointRecord endpoint)
    {
        _byAddress.Delete(KeyOf(endpoint.Address));
        _byIfindex.Delete((uint)endpoint.Ifindex);
    }

    /// <summary>The endpoint that holds <paramref name="address"/>, if any.</summary>
    public EndpointRecord? Find(IPAddress address) => _byAddress.TryLookup(KeyOf(address), out var info) ? FromInfo(info) : null;

    public IReadOnlyList<EndpointRecord> List() => _byAddress.Entries().Select(e => FromInfo(e.Value)).OrderBy(e => e.EndpointId).ToList();

    public static EndpointKey KeyOf(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetwork)
            throw new NotSupportedException($"endpoint address {address}: only IPv4 endpoints are supported yet");
        var key = new EndpointKey { Family = AbiConstants.FamilyIpv4 };
        address.GetAddressBytes().CopyTo(new Span<byte>(key.Addr, 16));
        return key;
    }

    private static EndpointInfo ToInfo(EndpointRecord e)
    {
        var info = new EndpointInfo
        {
            Ifindex = (uint)e.Ifindex,
            EndpointId = e.EndpointId,
            Identity = e.Identity,
            Ipv4 = BitConverter.ToUInt32(e.Address.GetAddressBytes()),
        };
        e.Mac.GetAddressBytes().CopyTo(new Span<byte>(info.Mac, 6));
        e.NodeMac.GetAddressBytes().CopyTo(new Span<byte>(info.NodeMac, 6));
        return info;
    }

    private static EndpointRecord FromInfo(EndpointInfo info) => new(
        info.EndpointId, (int)info.Ifindex, info.Identity, new IPAddress(info.Ipv4),
        new PhysicalAddress(new ReadOnlySpan<byte>(info.Mac, 6).ToArray()),
        new PhysicalAddress(new ReadOnlySpan<byte>(info.NodeMac, 6).ToArray()));
}
