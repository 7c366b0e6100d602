using System.Buffers.Binary;
using System.Net;

namespace Tendril.Agent.Ipam;

/// <summary>
/// Host-scope IPAM: hands out addresses of the node's pod CIDR, skipping the network address, the gateway (the
/// first host) and the broadcast address. Pure and not thread-safe; the endpoint manager serialises it.
/// </summary>
public sealed class HostScopeIpam
{
    private readonly IPNetwork _cidr;
    private readonly HashSet<uint> _used = new();
    private uint _next;

    public HostScopeIpam(IPNetwork cidr)
    {
        _cidr = cidr;
        _next = 2;
    }

    public int Allocated => _used.Count;

    /// <summary>Number of addresses pods can get.</summary>
    public uint Capacity => Size - 3;

    private uint Size => 1u << (32 - _cidr.PrefixLength);

    /// <summary>The next free address, round robin, so a released address is not reused at once.</summary>
    public IPAddress Allocate()
    {
        for (uint tried = 0; tried < Size; tried++)
        {
            uint offset = _next;
            _next = _next + 1 >= Size - 1 ? 2 : _next + 1;
            if (offset >= 2 && offset < Size - 1 && _used.Add(offset))
                return Nth(_cidr, offset);
        }
        throw new InvalidOperationException($"pod CIDR {_cidr} is exhausted ({Capacity} addresses in use)");
    }

    /// <summary>Marks an address taken (restore after restart); false if it was already taken.</summary>
    public bool Reserve(IPAddress address) => _used.Add(OffsetOf(address));

    public bool Release(IPAddress address) => _used.Remove(OffsetOf(address));

    public static IPAddress Nth(IPNetwork cidr, uint offset)
    {
        uint network = BinaryPrimitives.ReadUInt32BigEndian(cidr.BaseAddress.GetAddressBytes());
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, network + offset);
        return new IPAddress(bytes);
    }

    private uint OffsetOf(IPAddress address)
    {
        if (!_cidr.Contains(address))
            throw new ArgumentException($"{address} is not in pod CIDR {_cidr}");
        return BinaryPrimitives.ReadUInt32BigEndian(address.GetAddressBytes()) - BinaryPrimitives.ReadUInt32BigEndian(_cidr.BaseAddress.GetAddressBytes());
    }
}
