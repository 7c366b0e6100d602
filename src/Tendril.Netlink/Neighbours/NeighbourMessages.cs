using System.Net;
using System.Net.NetworkInformation;
using Tendril.Netlink.Messages;

namespace Tendril.Netlink.Neighbours;

/// <summary>Encodes neighbour requests and decodes RTM_NEWNEIGH replies. Pure; arguments are validated by the caller.</summary>
internal static class NeighbourMessages
{
    public static void AddPermanent(NetlinkWriter w, uint sequence, int linkIndex, IPAddress address, PhysicalAddress mac)
    {
        w.BeginMessage(Rtm.NEWNEIGH, Nl.F_REQUEST | Nl.F_ACK | Nl.F_CREATE | Nl.F_EXCL, sequence);
        w.Header(new NdMsg { Family = Check.Family(address, nameof(address)), IfIndex = linkIndex, State = Nda.NUD_PERMANENT });
        w.AttributeAddress(Nda.DST, address);
        w.Attribute(Nda.LLADDR, mac.GetAddressBytes());
        w.EndMessage();
    }

    public static void Delete(NetlinkWriter w, uint sequence, int linkIndex, IPAddress address)
    {
        w.BeginMessage(Rtm.DELNEIGH, Nl.F_REQUEST | Nl.F_ACK, sequence);
        w.Header(new NdMsg { Family = Check.Family(address, nameof(address)), IfIndex = linkIndex });
        w.AttributeAddress(Nda.DST, address);
        w.EndMessage();
    }

    /// <summary>RTM_GETNEIGH dump. Strict checking wants every ndmsg field but the family zero; filtering happens on our side.</summary>
    public static void Dump(NetlinkWriter w, uint sequence, byte family)
    {
        w.BeginMessage(Rtm.GETNEIGH, Nl.F_REQUEST | Nl.F_DUMP, sequence);
        w.Header(new NdMsg { Family = family });
        w.EndMessage();
    }

    /// <summary>Decodes an RTM_NEWNEIGH message; null for families other than IPv4/IPv6 and entries without an address.</summary>
    public static NeighbourInfo? Parse(in NetlinkMessage message)
    {
        if (message.Type != Rtm.NEWNEIGH)
            throw new InvalidDataException($"expected an RTM_NEWNEIGH reply, got message type {message.Type}");
        var header = message.ReadHeader<NdMsg>("RTM_NEWNEIGH");
        if (header.Family is not (Af.INET or Af.INET6))
            return null;
        IPAddress? address = null;
        PhysicalAddress? mac = null;
        var attributes = message.Attributes<NdMsg>("RTM_NEWNEIGH");
        while (attributes.TryRead(out ushort type, out var value))
        {
            switch (type)
            {
                case Nda.DST: address = AttributeValue.Address(value, header.Family, "NDA_DST"); break;
                case Nda.LLADDR: mac = new PhysicalAddress(value.ToArray()); break;
            }
        }
        return address is null ? null : new NeighbourInfo(header.IfIndex, address, mac, (NeighbourState)header.State);
    }
}
