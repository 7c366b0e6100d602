using System.Net;
using Tendril.Netlink.Messages;

namespace Tendril.Netlink.Addresses;

/// <summary>Encodes address requests and decodes RTM_NEWADDR replies. Pure; arguments are validated by the caller.</summary>
internal static class AddressMessages
{
    /// <summary>RTM_NEWADDR (add) or RTM_DELADDR: ifaddrmsg, then IFA_LOCAL and IFA_ADDRESS both set to the address, as iproute2 does.</summary>
    public static void Change(NetlinkWriter w, uint sequence, bool add, int linkIndex, IPAddress address, int prefixLength, Scope scope)
    {
        ushort flags = add ? (ushort)(Nl.F_REQUEST | Nl.F_ACK | Nl.F_CREATE | Nl.F_EXCL) : (ushort)(Nl.F_REQUEST | Nl.F_ACK);
        w.BeginMessage(add ? Rtm.NEWADDR : Rtm.DELADDR, flags, sequence);
        w.Header(new IfAddrMsg
        {
            Family = Check.Family(address, nameof(address)),
            PrefixLength = (byte)prefixLength,
            Scope = (byte)scope,
            Index = linkIndex,
        });
        w.AttributeAddress(Ifa.LOCAL, address);
        w.AttributeAddress(Ifa.ADDRESS, address);
        w.EndMessage();
    }

    /// <summary>RTM_GETADDR dump; with strict checking the kernel itself filters by family and link.</summary>
    public static void Dump(NetlinkWriter w, uint sequence, byte family, int linkIndex)
    {
        w.BeginMessage(Rtm.GETADDR, Nl.F_REQUEST | Nl.F_DUMP, sequence);
        w.Header(new IfAddrMsg { Family = family, Index = linkIndex });
        w.EndMessage();
    }

    public static AddressInfo Parse(in NetlinkMessage message)
    {
        if (message.Type != Rtm.NEWADDR)
            throw new InvalidDataException($"expected an RTM_NEWADDR reply, got message type {message.Type}");
        var header = message.ReadHeader<IfAddrMsg>("RTM_NEWADDR");
        IPAddress? local = null, address = null;
        string? label = null;
        uint flags = header.Flags;
        var attributes = message.Attributes<IfAddrMsg>("RTM_NEWADDR");
        while (attributes.TryRead(out ushort type, out var value))
        {
            switch (type)
            {
                case Ifa.LOCAL: local = AttributeValue.Address(value, header.Family, "IFA_LOCAL"); break;
                case Ifa.ADDRESS: address = AttributeValue.Address(value, header.Family, "IFA_ADDRESS"); break;
                case Ifa.LABEL: label = AttributeValue.String(value); break;
                case Ifa.FLAGS: flags = AttributeValue.U32(value, "IFA_FLAGS"); break;
            }
        }
        // IFA_ADDRESS is the peer on point-to-point IPv4 links, so IFA_LOCAL wins when both are present.
        var own = local ?? address
            ?? throw new InvalidDataException($"RTM_NEWADDR on ifindex {header.Index} has neither IFA_LOCAL nor IFA_ADDRESS");
        return new AddressInfo(header.Index, own, header.PrefixLength, (Scope)header.Scope) { Flags = flags, Label = label };
    }
}
