using System.Net;
using System.Net.NetworkInformation;

namespace Tendril.Netlink.Neighbours;

/// <summary>Neighbour cache states (<c>NUD_*</c>); a bit set, though an entry is normally in one state.</summary>
[Flags]
public enum NeighbourState : ushort
{
    None = 0x00,
    Incomplete = 0x01,
    Reachable = 0x02,
    Stale = 0x04,
    Delay = 0x08,
    Probe = 0x10,
    Failed = 0x20,
    NoArp = 0x40,
    Permanent = 0x80,
}

/// <summary>An ARP / NDP neighbour entry, as the kernel reported it (an immutable snapshot).</summary>
/// <param name="LinkIndex">The interface the entry belongs to.</param>
/// <param name="Address">The neighbour's IP address.</param>
/// <param name="Mac">Its link-layer address; null while unresolved.</param>
/// <param name="State">The cache state.</param>
public sealed record NeighbourInfo(int LinkIndex, IPAddress Address, PhysicalAddress? Mac, NeighbourState State)
{
    /// <summary>A static entry that never expires (NUD_PERMANENT).</summary>
    public bool IsPermanent => (State & NeighbourState.Permanent) != 0;
}
