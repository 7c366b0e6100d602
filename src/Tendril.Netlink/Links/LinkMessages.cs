using System.Net.NetworkInformation;
using System.Net.Sockets;
using Tendril.Netlink.Messages;

namespace Tendril.Netlink.Links;

/// <summary>Encodes link requests and decodes RTM_NEWLINK replies. Pure: no syscalls; arguments are validated by the caller.</summary>
internal static class LinkMessages
{
    private const ushort Create = Nl.F_REQUEST | Nl.F_ACK | Nl.F_CREATE | Nl.F_EXCL;
    private const ushort Change = Nl.F_REQUEST | Nl.F_ACK;

    /// <summary>RTM_NEWLINK kind "veth"; the peer's ifinfomsg and attributes go in VETH_INFO_PEER.</summary>
    public static void CreateVeth(NetlinkWriter w, uint sequence, VethOptions options, int? peerNamespaceFd)
    {
        BeginNew(w, sequence, options.Name, options.Mtu, options.Mac);
        int linkInfo = w.BeginNested(Ifla.LINKINFO);
        w.AttributeString(Ifla.INFO_KIND, "veth");
        int data = w.BeginNested(Ifla.INFO_DATA);
        int peer = w.BeginNested(Ifla.VETH_INFO_PEER);
        w.Header(new IfInfoMsg { Family = Af.UNSPEC });
        if (options.PeerName is not null)
            w.AttributeString(Ifla.IFNAME, options.PeerName);
        if ((options.PeerMtu ?? options.Mtu) is { } peerMtu)
            w.AttributeU32(Ifla.MTU, (uint)peerMtu);
        if (options.PeerMac is not null)
            w.Attribute(Ifla.ADDRESS, options.PeerMac.GetAddressBytes());
        if (peerNamespaceFd is { } fd)
            w.AttributeU32(Ifla.NET_NS_FD, (uint)fd);
        w.EndNested(peer);
        w.EndNested(data);
        w.EndNested(linkInfo);
        w.EndMessage();
    }

    /// <summary>RTM_NEWLINK kind "vxlan". The port goes in network byte order; learning is sent explicitly.</summary>
    public static void CreateVxlan(NetlinkWriter w, uint sequence, VxlanOptions options, int? deviceIndex)
    {
        BeginNew(w, sequence, options.Name, options.Mtu, options.Mac);
        int linkInfo = w.BeginNested(Ifla.LINKINFO);
        w.AttributeString(Ifla.INFO_KIND, "vxlan");
        int data = w.BeginNested(Ifla.INFO_DATA);
        if (options.Vni is { } vni)
            w.AttributeU32(Ifla.VXLAN_ID, vni);
        if (deviceIndex is { } index)
            w.AttributeU32(Ifla.VXLAN_LINK, (uint)index);
        if (options.Local is { } local)
            w.AttributeAddress(local.AddressFamily == AddressFamily.InterNetworkV6 ? Ifla.VXLAN_LOCAL6 : Ifla.VXLAN_LOCAL, local);
        w.AttributeU8(Ifla.VXLAN_LEARNING, options.Learning ? (byte)1 : (byte)0);
        if (options.DstPort is { } port)
            w.AttributeBe16(Ifla.VXLAN_PORT, port);
        if (options.External)
            w.AttributeU8(Ifla.VXLAN_COLLECT_METADATA, 1);
        w.EndNested(data);
        w.EndNested(linkInfo);
        w.EndMessage();
    }

    public static void CreateBridge(NetlinkWriter w, uint sequence, BridgeOptions options)
    {
        BeginNew(w, sequence, options.Name, options.Mtu, options.Mac);
        int linkInfo = w.BeginNested(Ifla.LINKINFO);
        w.AttributeString(Ifla.INFO_KIND, "bridge");
        w.EndNested(linkInfo);
        w.EndMessage();
    }

    public static void Delete(NetlinkWriter w, uint sequence, string name)
    {
        w.BeginMessage(Rtm.DELLINK, Change, sequence);
        w.Header(new IfInfoMsg());
        w.AttributeString(Ifla.IFNAME, name);
        w.EndMessage();
    }

    /// <summary>RTM_GETLINK for one link, by name (index 0) or by index (name null).</summary>
    public static void Get(NetlinkWriter w, uint sequence, string? name, int index)
    {
        w.BeginMessage(Rtm.GETLINK, Change, sequence);
        w.Header(new IfInfoMsg { Index = index });
        if (name is not null)
            w.AttributeString(Ifla.IFNAME, name);
        w.EndMessage();
    }

    public static void Dump(NetlinkWriter w, uint sequence)
    {
        w.BeginMessage(Rtm.GETLINK, Nl.F_REQUEST | Nl.F_DUMP, sequence);
        w.Header(new IfInfoMsg());
        w.EndMessage();
    }

    public static void SetUp(NetlinkWriter w, uint sequence, string name, bool up)
    {
        w.BeginMessage(Rtm.SETLINK, Change, sequence);
        w.Header(new IfInfoMsg { Flags = up ? Ifla.IFF_UP : 0, Change = Ifla.IFF_UP });
        w.AttributeString(Ifla.IFNAME, name);
        w.EndMessage();
    }

    public static void SetMtu(NetlinkWriter w, uint sequence, string name, int mtu)
    {
        BeginSet(w, sequence, name);
        w.AttributeU32(Ifla.MTU, (uint)mtu);
        w.EndMessage();
    }

    public static void SetMac(NetlinkWriter w, uint sequence, string name, PhysicalAddress mac)
    {
        BeginSet(w, sequence, name);
        w.Attribute(Ifla.ADDRESS, mac.GetAddressBytes());
        w.EndMessage();
    }

    /// <summary>IFLA_MASTER; index 0 releases the link from its master.</summary>
    public static void SetMaster(NetlinkWriter w, uint sequence, string name, int masterIndex)
    {
        BeginSet(w, sequence, name);
        w.AttributeU32(Ifla.MASTER, (uint)masterIndex);
        w.EndMessage();
    }

    public static void SetNamespace(NetlinkWriter w, uint sequence, string name, int namespaceFd)
    {
        BeginSet(w, sequence, name);
        w.AttributeU32(Ifla.NET_NS_FD, (uint)namespaceFd);
        w.EndMessage();
    }

    /// <summary>Renaming addresses the link by index, since IFLA_IFNAME then carries the new name.</summary>
    public static void Rename(NetlinkWriter w, uint sequence, int index, string newName)
    {
        w.BeginMessage(Rtm.SETLINK, Change, sequence);
        w.Header(new IfInfoMsg { Index = index });
        w.AttributeString(Ifla.IFNAME, newName);
        w.EndMessage();
    }

    /// <summary>Decodes an RTM_NEWLINK message.</summary>
    public static LinkInfo Parse(in NetlinkMessage message)
    {
        if (message.Type != Rtm.NEWLINK)
            throw new InvalidDataException($"expected an RTM_NEWLINK reply, got message type {message.Type}");
        var header = message.ReadHeader<IfInfoMsg>("RTM_NEWLINK");
        string? name = null, kind = null;
        int mtu = 0;
        byte operState = 0;
        int? master = null, parent = null;
        PhysicalAddress mac = PhysicalAddress.None;
        VxlanFields vxlan = default;
        var attributes = message.Attributes<IfInfoMsg>("RTM_NEWLINK");
        while (attributes.TryRead(out ushort type, out var value))
        {
            switch (type)
            {
                case Ifla.IFNAME: name = AttributeValue.String(value); break;
                case Ifla.MTU: mtu = (int)AttributeValue.U32(value, "IFLA_MTU"); break;
                case Ifla.ADDRESS: mac = new PhysicalAddress(value.ToArray()); break;
                case Ifla.OPERSTATE: operState = AttributeValue.U8(value, "IFLA_OPERSTATE"); break;
                case Ifla.MASTER: master = NonZero(AttributeValue.U32(value, "IFLA_MASTER")); break;
                case Ifla.LINK: parent = NonZero(AttributeValue.U32(value, "IFLA_LINK")); break;
                case Ifla.LINKINFO:
                    ParseLinkInfo(attributes.Nested(value, "IFLA_LINKINFO"), ref kind, ref vxlan);
                    break;
            }
        }
        if (name is null)
            throw new InvalidDataException($"RTM_NEWLINK for index {header.Index} has no IFLA_IFNAME");
        bool isVxlan = kind == "vxlan";
        return new LinkInfo
        {
            Index = header.Index,
            Name = name,
            Kind = kind,
            Mtu = mtu,
            Mac = mac,
            Flags = header.Flags,
            IsUp = (header.Flags & Ifla.IFF_UP) != 0,
            IsLowerUp = (header.Flags & Ifla.IFF_LOWER_UP) != 0,
            OperState = (LinkOperState)operState,
            MasterIndex = master,
            ParentIndex = parent ?? (isVxlan ? vxlan.Link : null),
            Vni = isVxlan ? vxlan.Vni : null,
            DstPort = isVxlan ? vxlan.Port : null,
            External = isVxlan && vxlan.External,
            Learning = isVxlan ? vxlan.Learning : null,
            Local = isVxlan ? vxlan.Local : null,
        };
    }

    private static void ParseLinkInfo(AttributeReader info, ref string? kind, ref VxlanFields vxlan)
    {
        // The kernel always puts IFLA_INFO_KIND before IFLA_INFO_DATA (rtnl_link_info_fill).
        while (info.TryRead(out ushort type, out var value))
        {
            if (type == Ifla.INFO_KIND)
            {
                kind = AttributeValue.String(value);
            }
            else if (type == Ifla.INFO_DATA && kind == "vxlan")
            {
                var data = info.Nested(value, "IFLA_INFO_DATA");
                while (data.TryRead(out ushort field, out var fieldValue))
                {
                    switch (field)
                    {
                        case Ifla.VXLAN_ID: vxlan.Vni = AttributeValue.U32(fieldValue, "IFLA_VXLAN_ID"); break;
                        case Ifla.VXLAN_PORT: vxlan.Port = AttributeValue.Be16(fieldValue, "IFLA_VXLAN_PORT"); break;
                        case Ifla.VXLAN_COLLECT_METADATA: vxlan.External = AttributeValue.U8(fieldValue, "IFLA_VXLAN_COLLECT_METADATA") != 0; break;
                        case Ifla.VXLAN_LINK: vxlan.Link = NonZero(AttributeValue.U32(fieldValue, "IFLA_VXLAN_LINK")); break;
                        case Ifla.VXLAN_LEARNING: vxlan.Learning = AttributeValue.U8(fieldValue, "IFLA_VXLAN_LEARNING") != 0; break;
                        case Ifla.VXLAN_LOCAL: vxlan.Local = AttributeValue.Address(fieldValue, Af.INET, "IFLA_VXLAN_LOCAL"); break;
                        case Ifla.VXLAN_LOCAL6: vxlan.Local = AttributeValue.Address(fieldValue, Af.INET6, "IFLA_VXLAN_LOCAL6"); break;
                    }
                }
            }
        }
    }

    private static int? NonZero(uint index) => index == 0 ? null : (int)index;

    private static void BeginNew(NetlinkWriter w, uint sequence, string name, int? mtu, PhysicalAddress? mac)
    {
        w.BeginMessage(Rtm.NEWLINK, Create, sequence);
        w.Header(new IfInfoMsg { Family = Af.UNSPEC });
        w.AttributeString(Ifla.IFNAME, name);
        if (mtu is { } value)
            w.AttributeU32(Ifla.MTU, (uint)value);
        if (mac is not null)
            w.Attribute(Ifla.ADDRESS, mac.GetAddressBytes());
    }

    private static void BeginSet(NetlinkWriter w, uint sequence, string name)
    {
        w.BeginMessage(Rtm.SETLINK, Change, sequence);
        w.Header(new IfInfoMsg());
        w.AttributeString(Ifla.IFNAME, name);
    }

    private struct VxlanFields
    {
        public uint? Vni;
        public ushort? Port;
        public bool External;
        public bool? Learning;
        public int? Link;
        public System.Net.IPAddress? Local;
    }
}
