using System.Buffers.Binary;
using System.Net;
using Tendril.Datapath.Abi;
using Tendril.Ebpf;

namespace Tendril.Datapath.Maps;

/// <summary>One tracked connection, as its first packet went.</summary>
public sealed record ConnectionRecord(byte Protocol, IPAddress Source, ushort SourcePort, IPAddress Destination, ushort DestinationPort,
    uint SourceIdentity, TimeSpan ExpiresIn, ulong PacketsForward, ulong PacketsReverse, bool SeenReply, bool Closing)
{
    /// <summary>
    /// A service entry: the connection as the client addressed it (Destination is the frontend), remembering
    /// <see cref="BackendId"/>. The translated connection (to the backend) has an ordinary entry of its own.
    /// </summary>
    public bool IsService { get; init; }

    /// <summary>Service entries: the backend the connection was given.</summary>
    public uint BackendId { get; init; }

    /// <summary>Connections to a service (both entries): the service ID replies are translated back to; 0 otherwise.</summary>
    public ushort RevNatIndex { get; init; }

    /// <summary>
    /// A port remap entry: a connection to an address that is not a service, as the pod sent it, whose source port on
    /// the wire is <see cref="NatPort"/> (another connection addressed otherwise still held its own tuple). The
    /// connection on the wire has an ordinary entry of its own.
    /// </summary>
    public bool IsPortRemap { get; init; }

    /// <summary>
    /// The other side of a source port rewrite, 0 if the connection kept its port: in service and port remap entries
    /// the port on the wire, in the entry of the connection on the wire the client's own port.
    /// </summary>
    public ushort NatPort { get; init; }
}

/// <summary>The two conntrack tables (TCP and everything else).</summary>
public sealed class ConntrackMap
{
    private readonly Map<Ct4Key, CtEntry> _tcp;
    private readonly Map<Ct4Key, CtEntry> _any;

    public ConntrackMap(Map tcp, Map any)
    {
        _tcp = tcp.As<Ct4Key, CtEntry>();
        _any = any.As<Ct4Key, CtEntry>();
    }

    /// <summary>Live connections (entries past their expiry are left out).</summary>
    public IReadOnlyList<ConnectionRecord> List(ulong nowNs)
    {
        return _tcp.Entries().Concat(_any.Entries())
            .Where(e => e.Value.ExpiresNs > nowNs)
            .Select(e => new ConnectionRecord(e.Key.Protocol, new IPAddress(e.Key.Saddr), BinaryPrimitives.ReverseEndianness(e.Key.Sport),
                new IPAddress(e.Key.Daddr), BinaryPrimitives.ReverseEndianness(e.Key.Dport), e.Value.SrcIdentity,
                TimeSpan.FromTicks((long)((e.Value.ExpiresNs - nowNs) / 100)), e.Value.PacketsFwd, e.Value.PacketsRev,
                (e.Value.Flags & 1) != 0, (e.Value.Flags & 2) != 0)
            {
                IsService = (e.Key.Flags & AbiConstants.CtKeyServiceFlag) != 0,
                BackendId = e.Value.BackendId,
                RevNatIndex = e.Value.RevNatIndex,
                IsPortRemap = (e.Key.Flags & AbiConstants.CtKeyPortRemapFlag) != 0,
                NatPort = BinaryPrimitives.ReverseEndianness(e.Value.NatPort),
            })
            .ToList();
    }

    /// <summary>Removes every entry; established connections then start over as new (and meet policy again).</summary>
    public int Flush()
    {
        int removed = 0;
        foreach (var map in new[] { _tcp, _any })
        {
            foreach (var key in map.Keys().ToList())
            {
                if (map.Delete(key))
                    removed++;
            }
        }
        return removed;
    }
}
