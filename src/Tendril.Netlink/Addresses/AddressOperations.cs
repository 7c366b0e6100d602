using System.Net;
using System.Net.Sockets;
using Tendril.Netlink.Messages;
using Tendril.Netlink.Transport;

namespace Tendril.Netlink.Addresses;

/// <summary>Address requests over one rtnetlink socket. Not thread-safe; owned by the session that made it.</summary>
internal sealed class AddressOperations(NetlinkSocket socket) : IAddressOperations
{
    public void Add(int linkIndex, IPAddress address, int prefixLength, Scope scope = Scope.Universe)
    {
        Validate(linkIndex, address, prefixLength);
        AddressMessages.Change(socket.Writer, socket.NextSequence(), add: true, linkIndex, address, prefixLength, scope);
        socket.Execute($"add address {address}/{prefixLength} to ifindex {linkIndex}");
    }

    public void Delete(int linkIndex, IPAddress address, int prefixLength)
    {
        Validate(linkIndex, address, prefixLength);
        AddressMessages.Change(socket.Writer, socket.NextSequence(), add: false, linkIndex, address, prefixLength, Scope.Universe);
        socket.Execute($"delete address {address}/{prefixLength} from ifindex {linkIndex}");
    }

    public IReadOnlyList<AddressInfo> List(int? linkIndex = null, AddressFamily? family = null)
    {
        if (linkIndex is { } index)
            Check.LinkIndex(index, nameof(linkIndex));
        byte kernelFamily = Check.FamilyFilter(family, nameof(family));
        AddressMessages.Dump(socket.Writer, socket.NextSequence(), kernelFamily, linkIndex ?? 0);
        return socket.Dump("list addresses", (in NetlinkMessage message) =>
        {
            if (message.Type != Rtm.NEWADDR)
                return null;
            var info = AddressMessages.Parse(in message);
            // Also filter here: the kernel ignores the filters on families it does not know how to filter.
            bool wanted = (linkIndex is null || info.LinkIndex == linkIndex)
                && (family is null || info.Address.AddressFamily == family);
            return wanted ? info : null;
        });
    }

    private static void Validate(int linkIndex, IPAddress address, int prefixLength)
    {
        Check.LinkIndex(linkIndex, nameof(linkIndex));
        Check.Family(address, nameof(address));
        Check.PrefixLength(address, prefixLength, nameof(prefixLength));
    }
}
