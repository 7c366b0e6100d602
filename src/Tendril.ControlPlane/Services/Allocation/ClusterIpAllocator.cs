using System.Collections.Immutable;
using System.Net;
using Tendril.ControlPlane.Net;
using Tendril.ControlPlane.Services.Model;

namespace Tendril.ControlPlane.Services.Allocation;

/// <summary>One cluster IP held by one service: the persisted form of <see cref="ClusterIpAllocator"/>.</summary>
public sealed record ClusterIpAllocation(ServiceKey Service, IPAddress Address);

/// <summary>
/// Hands out cluster IPs from the service CIDR, one per service, never the network or the broadcast address. A
/// service keeps its address for as long as it holds it (re-applying a manifest without <c>clusterIP</c> keeps it);
/// new addresses are taken round-robin after the last one handed out, so a released address is not reused at once
/// (clients may still have it cached). State is a plain list (<see cref="Allocations"/>, <see cref="Restore"/>) that
/// the agent persists. Not thread-safe: owned by <see cref="ServiceRepository"/>, which calls it under its lock and
/// works on a <see cref="Clone"/> until an import is known to be valid.
/// </summary>
public sealed class ClusterIpAllocator
{
    private readonly Dictionary<uint, ServiceKey> _byAddress = [];
    private readonly Dictionary<ServiceKey, uint> _byService = [];
    private readonly uint _first;
    private readonly uint _size;
    private uint _cursor;

    /// <param name="cidr">The IPv4 service CIDR, /30 or shorter.</param>
    public ClusterIpAllocator(CidrPrefix cidr)
    {
        if (cidr.IsIPv6 || cidr.PrefixLength > 30)
            throw new ArgumentException($"service CIDR {cidr} must be IPv4 with a prefix of /30 or shorter", nameof(cidr));
        Cidr = cidr;
        _first = Ipv4.ToUInt32(cidr.Address) + 1;
        _size = (uint)((1UL << (32 - cidr.PrefixLength)) - 2);
    }

    public CidrPrefix Cidr { get; }

    /// <summary>Number of usable addresses (the CIDR without network and broadcast).</summary>
    public long Capacity => _size;

    public int Count => _byService.Count;

    /// <summary>Every allocation, by address.</summary>
    public ImmutableArray<ClusterIpAllocation> Allocations =>
        [.. _byAddress.OrderBy(kv => kv.Key).Select(kv => new ClusterIpAllocation(kv.Value, Ipv4.FromUInt32(kv.Key)))];

    /// <summary>The address <paramref name="service"/> holds, if any.</summary>
    public IPAddress? Lookup(ServiceKey service) => _byService.TryGetValue(service, out uint v) ? Ipv4.FromUInt32(v) : null;

    /// <summary>
    /// Gives <paramref name="service"/> the <paramref name="requested"/> address, or (when null) the one it holds or
    /// a free one. A service that asks for a different address than it holds moves to it.
    /// </summary>
    public bool TryAllocate(ServiceKey service, IPAddress? requested,
        [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPAddress? address,
        [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        address = null;
        if (requested is not null)
        {
            if (!IsUsable(requested))
            {
                error = $"cluster IP {requested} is not a usable address of the service CIDR {Cidr}";
                return false;
            }

            uint value = Ipv4.ToUInt32(requested);
            if (_byAddress.TryGetValue(value, out ServiceKey owner) && owner != service)
            {
                error = $"cluster IP {requested} is already allocated to service {owner}; choose another or leave clusterIP empty";
                return false;
            }

            Release(service);
            Take(service, value);
            address = requested;
            error = null;
            return true;
        }

        if (_byService.TryGetValue(service, out uint held))
        {
            address = Ipv4.FromUInt32(held);
            error = null;
            return true;
        }

        for (uint i = 0; i < _size; i++)
        {
            uint offset = (_cursor + i) % _size;
            if (_byAddress.ContainsKey(_first + offset))
                continue;
            _cursor = (offset + 1) % _size;
            Take(service, _first + offset);
            address = Ipv4.FromUInt32(_first + offset);
            error = null;
            return true;
        }

        error = $"the service CIDR {Cidr} is full: all {_size} addresses are allocated; delete services or widen the CIDR";
        return false;
    }

    /// <summary>Frees the address <paramref name="service"/> holds (no-op when none).</summary>
    public void Release(ServiceKey service)
    {
        if (_byService.Remove(service, out uint value))
            _byAddress.Remove(value);
    }

    /// <summary>
    /// Takes back persisted allocations; returns those that cannot be honoured (outside the CIDR, or an address or a
    /// service listed twice) so that the caller can log them.
    /// </summary>
    public ImmutableArray<ClusterIpAllocation> Restore(IEnumerable<ClusterIpAllocation> allocations)
    {
        ArgumentNullException.ThrowIfNull(allocations);
        var rejected = ImmutableArray.CreateBuilder<ClusterIpAllocation>();
        foreach (ClusterIpAllocation a in allocations)
        {
            if (!IsUsable(a.Address) || _byService.ContainsKey(a.Service) || _byAddress.ContainsKey(Ipv4.ToUInt32(a.Address)))
                rejected.Add(a);
            else
                Take(a.Service, Ipv4.ToUInt32(a.Address));
        }

        return rejected.ToImmutable();
    }

    /// <summary>An independent copy (a transaction the owner commits by keeping it).</summary>
    public ClusterIpAllocator Clone()
    {
        var copy = new ClusterIpAllocator(Cidr) { _cursor = _cursor };
        foreach ((ServiceKey key, uint value) in _byService)
            copy.Take(key, value);
        return copy;
    }

    private bool IsUsable(IPAddress address)
    {
        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || !Cidr.Contains(address))
            return false;
        uint offset = Ipv4.ToUInt32(address) - _first;
        return offset < _size;
    }

    private void Take(ServiceKey service, uint value)
    {
        _byService[service] = value;
        _byAddress[value] = service;
    }
}
