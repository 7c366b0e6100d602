namespace Tendril.Netlink.Messages;

// Values from the kernel uapi headers linux/netlink.h, rtnetlink.h, if_link.h, if_addr.h, neighbour.h, veth.h.
// They are ABI: they never change once released.

/// <summary>linux/netlink.h: message types, header flags and extended-ack attributes.</summary>
internal static class Nl
{
    internal const int HeaderLength = 16;
    internal const int AttributeHeaderLength = 4;
    internal const int NETLINK_ROUTE = 0;

    internal const ushort NLMSG_NOOP = 1, NLMSG_ERROR = 2, NLMSG_DONE = 3, NLMSG_OVERRUN = 4;

    internal const ushort F_REQUEST = 0x01, F_MULTI = 0x02, F_ACK = 0x04, F_ECHO = 0x08, F_DUMP_INTR = 0x10;
    internal const ushort F_DUMP = 0x300;
    internal const ushort F_REPLACE = 0x100, F_EXCL = 0x200, F_CREATE = 0x400, F_APPEND = 0x800;

    /// <summary>Flags on an NLMSG_ERROR reply: the request was not echoed back / extended-ack TLVs follow.</summary>
    internal const ushort F_CAPPED = 0x100, F_ACK_TLVS = 0x200;

    internal const ushort NLA_F_NESTED = 0x8000, NLA_F_NET_BYTEORDER = 0x4000, NLA_TYPE_MASK = 0x3fff;

    internal const ushort NLMSGERR_ATTR_MSG = 1, NLMSGERR_ATTR_OFFS = 2;

    /// <summary>Rounds <paramref name="length"/> up to the 4-byte netlink alignment.</summary>
    internal static int Align(int length) => (length + 3) & ~3;
}

/// <summary>linux/rtnetlink.h message types.</summary>
internal static class Rtm
{
    internal const ushort NEWLINK = 16, DELLINK = 17, GETLINK = 18, SETLINK = 19;
    internal const ushort NEWADDR = 20, DELADDR = 21, GETADDR = 22;
    internal const ushort NEWROUTE = 24, DELROUTE = 25, GETROUTE = 26;
    internal const ushort NEWNEIGH = 28, DELNEIGH = 29, GETNEIGH = 30;

    internal const byte RT_TABLE_UNSPEC = 0, RT_TABLE_COMPAT = 252, RT_TABLE_MAIN = 254;
    internal const uint RTM_F_CLONED = 0x200;
    internal const uint RTNH_F_ONLINK = 4;
}

/// <summary>Address families as the kernel numbers them.</summary>
internal static class Af
{
    internal const byte UNSPEC = 0, INET = 2, BRIDGE = 7, INET6 = 10;
}

/// <summary>linux/if_link.h, linux/if.h and linux/veth.h.</summary>
internal static class Ifla
{
    internal const ushort ADDRESS = 1, IFNAME = 3, MTU = 4, LINK = 5, MASTER = 10, OPERSTATE = 16,
        LINKINFO = 18, NET_NS_FD = 28;

    internal const ushort INFO_KIND = 1, INFO_DATA = 2;

    internal const ushort VETH_INFO_PEER = 1;

    internal const ushort VXLAN_ID = 1, VXLAN_LINK = 3, VXLAN_LOCAL = 4, VXLAN_LEARNING = 7, VXLAN_PORT = 15,
        VXLAN_LOCAL6 = 17, VXLAN_COLLECT_METADATA = 25;

    internal const uint IFF_UP = 0x1, IFF_LOWER_UP = 0x10000;

    /// <summary>IFNAMSIZ minus the terminating NUL.</summary>
    internal const int MaxNameBytes = 15;
}

/// <summary>linux/if_addr.h.</summary>
internal static class Ifa
{
    internal const ushort ADDRESS = 1, LOCAL = 2, LABEL = 3, FLAGS = 8;
}

/// <summary>linux/rtnetlink.h route attributes.</summary>
internal static class Rta
{
    internal const ushort DST = 1, OIF = 4, GATEWAY = 5, PRIORITY = 6, PREFSRC = 7, TABLE = 15;
}

/// <summary>linux/neighbour.h.</summary>
internal static class Nda
{
    internal const ushort DST = 1, LLADDR = 2;
    internal const ushort NUD_PERMANENT = 0x80;
}
