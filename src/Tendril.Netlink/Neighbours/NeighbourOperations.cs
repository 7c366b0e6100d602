using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Tendril.Netlink.Messages;
using Tendril.Netlink.Transport;

namespace Tendril.Netlink.Neighbours;

/// <summary>Neighbour requests over one rtnetlink socket. Not thread-safe; owned by the session that made it.</summary>
internal sealed class NeighbourOperations(NetlinkSocket socket) : INeighbourOperations
{
    public void AddPermanent(int linkIndex, IPAddress address, PhysicalAddress mac)
    {
        Check.LinkIndex(linkIndex, nameof(linkIndex));
        Check.Family(address, nameof(address));
        ArgumentNullException.ThrowIfNull(mac);
        if (mac.GetAddressBytes().Length == 0)
            throw new ArgumentException("a neighbour's MAC address must not be empty", nameof(mac));
        NeighbourMessages.AddPermanent(socket.Writer, socket.NextSequence(), linkIndex, address, mac);
        socket.Execute($"add neighbour {address} lladdr {mac} on ifindex {linkIndex}");
    }

    public void Delete(int linkIndex, IPAddress address)
    {
        Check.LinkIndex(linkIndex, nameof(linkIndex));
        Check.Family(address, nameof(address));
        NeighbourMessages.Delete(socket.Writer, socket.NextSequence(), linkIndex, address);
        socket.Execute($"delete neighbour {address} on ifindex {linkIndex}");
    }

    public IReadOnlyList<NeighbourInfo> List(int? linkIndex = null, AddressFamily? family = null)
    {
        if (linkIndex is { } index)
            Check.LinkIndex(index, nameof(linkIndex));
        byte kernelFamily = Check.FamilyFilter(family, nameof(family));
        NeighbourMessages.Dump(socket.Writer, socket.NextSequence(), kernelFamily);
        return socket.Dump("list neighbours", (in NetlinkMessage message) =>
        {
            if (message.Type != Rtm.NEWNEIGH)
                return null;
            var entry = NeighbourMessages.Parse(in message);
            bool wanted = entry is not null
                && (linkIndex is null || entry.LinkIndex == linkIndex)
                && (family is null || entry.Address.AddressFamily == family);
            return wanted ? entry : null;
        });
    }
}
