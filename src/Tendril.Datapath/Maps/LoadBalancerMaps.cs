using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Tendril.Datapath.Abi;
using Tendril.Ebpf;

namespace Tendril.Datapath.Maps;

/// <summary>What clients address: a service's VIP, port and protocol (6 TCP, 17 UDP). Scope 0 is external.</summary>
public readonly record struct ServiceFrontend(IPAddress Address, ushort Port, byte Protocol, byte Scope = 0)
{
    public override string ToString() => $"{Address}:{Port}/{(Protocol == 6 ? "TCP" : Protocol == 17 ? "UDP" : Protocol.ToString(System.Globalization.CultureInfo.InvariantCulture))}";
}

/// <summary>
/// A frontend as the datapath serves it: its service ID (<paramref name="RevNatIndex"/>, which also keys the reverse
/// NAT, affinity and Maglev maps), the active backends in slot order (slot 1 first), and how it selects among them.
/// Terminating backends are left out of <paramref name="BackendIds"/> but stay in the backend map for their
/// existing connections.
/// </summary>
public sealed record ServiceRecord(ServiceFrontend Frontend, ushort RevNatIndex, IReadOnlyList<uint> BackendIds,
    ServiceFlags Flags = ServiceFlags.None, uint AffinityTimeoutSeconds = 0)
{
    /// <summary>Equal when every field and the backend list (in order) are.</summary>
    public bool Equals(ServiceRecord? other) => other is not null && Frontend == other.Frontend && RevNatIndex == other.RevNatIndex
        && Flags == other.Flags && AffinityTimeoutSeconds == other.AffinityTimeoutSeconds && BackendIds.SequenceEqual(other.BackendIds);

    public override int GetHashCode() => HashCode.Combine(Frontend, RevNatIndex, Flags, AffinityTimeoutSeconds, BackendIds.Count);
}

/// <summary>A backend under its node-local ID.</summary>
public sealed record BackendRecord(uint Id, IPAddress Address, ushort Port, byte Protocol, BackendState State = BackendState.Active);

/// <summary>
/// The load balancer's maps: tendril_lb4_services (frontends and their backend slots), tendril_lb4_backends,
/// tendril_lb4_reverse_nat, tendril_lb4_affinity and, through <see cref="Maglev"/>, tendril_lb4_maglev. The endpoint
/// object and the socket-LB object share them (same pins). Write order for a new service, so the datapath never
/// meets a dangling ID: <see cref="UpsertBackends"/>, <see cref="UpsertReverseNat"/>, <see cref="MaglevTables.Set"/>,
/// then <see cref="UpsertService"/>; remove in the reverse order. Thread-safe as far as the maps are; callers
/// serialise changes to one service.
/// </summary>
public sealed class LoadBalancerMaps
{
    private readonly Map<Lb4Key, Lb4Service> _services;
    private readonly Map<uint, Lb4Backend> _backends;
    private readonly Map<ushort, Lb4ReverseNat> _reverseNat;
    private readonly Map<Lb4AffinityKey, Lb4Affinity> _affinity;

    public LoadBalancerMaps(Map services, Map backends, Map reverseNat, Map affinity, MaglevTables maglev)
    {
        _services = services.As<Lb4Key, Lb4Service>();
        _backends = backends.As<uint, Lb4Backend>();
        _reverseNat = reverseNat.As<ushort, Lb4ReverseNat>();
        _affinity = affinity.As<Lb4AffinityKey, Lb4Affinity>();
        Maglev = maglev;
    }

    /// <summary>Each service's Maglev table (services with <see cref="ServiceFlags.Maglev"/>).</summary>
    public MaglevTables Maglev { get; }

    /// <summary>Adds or replaces backends in one batched write.</summary>
    public void UpsertBackends(IReadOnlyCollection<BackendRecord> backends)
    {
        var keys = backends.Select(b => b.Id).ToArray();
        var values = backends.Select(ToAbi).ToArray();
        _backends.UpdateBatch(keys, values);
    }

    /// <summary>Removes backends; absent ones are not an error. Remove them from every service first.</summary>
    public void DeleteBackends(IEnumerable<uint> ids)
    {
        foreach (uint id in ids)
            _backends.Delete(id);
    }

    public IReadOnlyList<BackendRecord> Backends() =>
        _backends.Entries().Select(e => new BackendRecord(e.Key, new IPAddress(e.Value.Address), BinaryPrimitives.ReverseEndianness(e.Value.Port),
            e.Value.Proto, (BackendState)e.Value.State)).OrderBy(b => b.Id).ToList();

    /// <summary>Records the frontend replies of service <paramref name="revNatIndex"/> are translated back to.</summary>
    public void UpsertReverseNat(ushort revNatIndex, IPAddress address, ushort port)
    {
        if (revNatIndex == 0)
            throw new ArgumentOutOfRangeException(nameof(revNatIndex), "service ID 0 means \"no service\" to the datapath");
        _reverseNat.Update(revNatIndex, new Lb4ReverseNat { Address = AddressOf(address), Port = BinaryPrimitives.ReverseEndianness(port) });
    }

    /// <summary>Removes a service's reverse NAT entry: its replies and sockets are then no longer translated back.</summary>
    public void DeleteReverseNat(ushort revNatIndex) => _reverseNat.Delete(revNatIndex);

    public IReadOnlyDictionary<ushort, (IPAddress Address, ushort Port)> ReverseNat() =>
        _reverseNat.Entries().ToDictionary(e => e.Key, e => (new IPAddress(e.Value.Address), BinaryPrimitives.ReverseEndianness(e.Value.Port)));

    /// <summary>
    /// Adds or replaces a frontend. Slots are written (one batch) before the master entry that counts them, and slots
    /// the previous version had beyond the new count are removed after it, so a lookup never selects an empty slot.
    /// </summary>
    public void UpsertService(ServiceRecord service)
    {
        if (service.BackendIds.Count > ushort.MaxValue)
            throw new ArgumentException($"service {service.Frontend}: {service.BackendIds.Count} backends; a service holds at most {ushort.MaxValue}");
        if (service.RevNatIndex == 0)
            throw new ArgumentException($"service {service.Frontend}: service ID 0 means \"no service\" to the datapath");
        var master = KeyOf(service.Frontend, 0);
        int previousCount = _services.TryLookup(master, out var previous) ? previous.Count : 0;

        int count = service.BackendIds.Count;
        var keys = new Lb4Key[count];
        var values = new Lb4Service[count];
        for (int i = 0; i < count; i++)
        {
            keys[i] = KeyOf(service.Frontend, (ushort)(i + 1));
            values[i] = new Lb4Service { BackendId = service.BackendIds[i], RevNatIndex = service.RevNatIndex };
        }
        _services.UpdateBatch(keys, values);
        _services.Update(master, new Lb4Service
        {
            Count = (ushort)count,
            RevNatIndex = service.RevNatIndex,
            Flags = (byte)service.Flags,
            AffinityTimeout = service.AffinityTimeoutSeconds,
        });
        for (int slot = count + 1; slot <= previousCount; slot++)
            _services.Delete(KeyOf(service.Frontend, (ushort)slot));
    }

    /// <summary>Removes a frontend: the master entry first (it stops being a service at once), then its slots.</summary>
    public void DeleteService(ServiceFrontend frontend)
    {
        var master = KeyOf(frontend, 0);
        if (!_services.TryLookup(master, out var previous))
            return;
        _services.Delete(master);
        for (int slot = 1; slot <= previous.Count; slot++)
            _services.Delete(KeyOf(frontend, (ushort)slot));
    }

    /// <summary>Every frontend with its slots, as the datapath reads them.</summary>
    public IReadOnlyList<ServiceRecord> Services()
    {
        var entries = _services.Entries().ToList();
        var slots = entries.Where(e => e.Key.BackendSlot != 0).ToDictionary(e => (FrontendOf(e.Key), e.Key.BackendSlot), e => e.Value.BackendId);
        return entries.Where(e => e.Key.BackendSlot == 0)
            .Select(e =>
            {
                var frontend = FrontendOf(e.Key);
                var ids = Enumerable.Range(1, e.Value.Count).Select(s => slots.TryGetValue((frontend, (ushort)s), out var id) ? id : 0).ToList();
                return new ServiceRecord(frontend, e.Value.RevNatIndex, ids, (ServiceFlags)e.Value.Flags, e.Value.AffinityTimeout);
            })
            .OrderBy(s => s.RevNatIndex)
            .ToList();
    }

    /// <summary>Forgets every client's affinity to service <paramref name="revNatIndex"/> (e.g. when affinity is turned off).</summary>
    public int ClearAffinity(ushort revNatIndex)
    {
        int removed = 0;
        foreach (var key in _affinity.Keys().Where(k => k.RevNatIndex == revNatIndex).ToList())
        {
            if (_affinity.Delete(key))
                removed++;
        }
        return removed;
    }

    public static unsafe Lb4Key KeyOf(ServiceFrontend frontend, ushort slot) => new()
    {
        Address = AddressOf(frontend.Address),
        Dport = BinaryPrimitives.ReverseEndianness(frontend.Port),
        BackendSlot = slot,
        Proto = frontend.Protocol,
        Scope = frontend.Scope,
    };

    private static ServiceFrontend FrontendOf(Lb4Key key) =>
        new(new IPAddress(key.Address), BinaryPrimitives.ReverseEndianness(key.Dport), key.Proto, key.Scope);

    private static Lb4Backend ToAbi(BackendRecord backend) => new()
    {
        Address = AddressOf(backend.Address),
        Port = BinaryPrimitives.ReverseEndianness(backend.Port),
        Proto = backend.Protocol,
        State = (byte)backend.State,
    };

    internal static uint AddressOf(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetwork)
            throw new NotSupportedException($"load balancer address {address}: only IPv4 services are supported yet");
        return BitConverter.ToUInt32(address.GetAddressBytes());
    }
}
