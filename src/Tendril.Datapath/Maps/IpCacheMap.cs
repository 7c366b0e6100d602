using System.Net;
using System.Net.Sockets;
using Tendril.Datapath.Abi;
using Tendril.Ebpf;

namespace Tendril.Datapath.Maps;

/// <summary>tendril_ipcache: prefix → security identity for every peer that is not a local endpoint.</summary>
public sealed unsafe class IpCacheMap
{
    private readonly Map<IpCacheKey, IpCacheValue> _map;

    public IpCacheMap(Map map)
    {
        _map = map.As<IpCacheKey, IpCacheValue>();
    }

    public void Upsert(IPNetwork prefix, uint identity) => _map.Update(KeyOf(prefix), new IpCacheValue { Identity = identity });

    public bool Delete(IPNetwork prefix) => _map.Delete(KeyOf(prefix));

    public IReadOnlyList<(IPNetwork Prefix, uint Identity)> List() =>
        _map.Entries().Select(e => (PrefixOf(e.Key), e.Value.Identity)).OrderBy(e => e.Item1.ToString(), StringComparer.Ordinal).ToList();

    public static IpCacheKey KeyOf(IPNetwork prefix)
    {
        if (prefix.BaseAddress.AddressFamily != AddressFamily.InterNetwork)
            throw new NotSupportedException($"ipcache prefix {prefix}: only IPv4 is supported yet");
        var key = new IpCacheKey { Prefixlen = AbiConstants.IpCacheStaticPrefix + (uint)prefix.PrefixLength, Family = AbiConstants.FamilyIpv4 };
        prefix.BaseAddress.GetAddressBytes().CopyTo(new Span<byte>(key.Addr, 16));
        return key;
    }

    private static IPNetwork PrefixOf(IpCacheKey key) =>
        new(new IPAddress(new ReadOnlySpan<byte>(key.Addr, 4)), (int)(key.Prefixlen - AbiConstants.IpCacheStaticPrefix));
}
