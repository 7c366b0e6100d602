using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Tendril.Interop;

namespace Tendril.Netlink.Neighbours;

/// <summary>
/// ARP (IPv4) and NDP (IPv6) neighbour entries in the namespace of the owning <see cref="IRtNetlink"/>.
/// Failures throw <see cref="LinuxException"/>; invalid arguments throw <see cref="ArgumentException"/>. Not thread-safe.
/// </summary>
public interface INeighbourOperations
{
    /// <summary>Adds a permanent (NUD_PERMANENT) entry <paramref name="address"/> → <paramref name="mac"/>; EEXIST if one exists.</summary>
    void AddPermanent(int linkIndex, IPAddress address, PhysicalAddress mac);

    /// <summary>Deletes the entry for <paramref name="address"/> on a link; ENOENT if there is none.</summary>
    void Delete(int linkIndex, IPAddress address);

    /// <summary>All entries, or those of one link and/or one family.</summary>
    IReadOnlyList<NeighbourInfo> List(int? linkIndex = null, AddressFamily? family = null);
}
