using System.Net;
using System.Net.Sockets;
using Tendril.Netlink.Messages;

namespace Tendril.Netlink.Routes;

/// <summary>Encodes route requests and decodes RTM_NEWROUTE replies. Pure; arguments are validated by the caller.</summary>
internal static class RouteMessages
{
    public const ushort AddFlags = Nl.F_REQUEST | Nl.F_ACK | Nl.F_CREATE | Nl.F_EXCL;
    public const ushort ReplaceFlags = Nl.F_REQUEST | Nl.F_ACK | Nl.F_CREATE | Nl.F_REPLACE;
    public const ushort DeleteFlags = Nl.F_REQUEST | Nl.F_ACK;

    /// <summary>
    /// RTM_NEWROUTE (<paramref name="flags"/> choose add or replace) or RTM_DELROUTE. Table ids up to 255 go in
    /// rtm_table; larger ones in RTA_TABLE with rtm_table = RT_TABLE_UNSPEC. A delete leaves protocol unspecified
    /// and scope RT_SCOPE_NOWHERE, the kernel's wildcards, as iproute2 does.
    /// </summary>
    public static void Change(NetlinkWriter w, uint sequence, bool delete, ushort flags, RouteInfo route)
    {
        var destination = route.Destination;
        w.BeginMessage(delete ? Rtm.DELROUTE : Rtm.NEWROUTE, flags, sequence);
        w.Header(new RtMsg
        {
            Family = Check.Family(destination.BaseAddress, nameof(route)),
            DstLength = (byte)destination.PrefixLength,
            Table = route.Table <= byte.MaxValue ? (byte)route.Table : Rtm.RT_TABLE_UNSPEC,
            Protocol = delete ? (byte)RouteProtocol.Unspecified : (byte)route.Protocol,
            Scope = delete ? (byte)Scope.Nowhere : (byte)route.Scope,
            Type = (byte)route.Type,
            Flags = route.OnLink ? Rtm.RTNH_F_ONLINK : 0,
        });
        if (route.Table > byte.MaxValue)
            w.AttributeU32(Rta.TABLE, route.Table);
        if (destination.PrefixLength > 0)
            w.AttributeAddress(Rta.DST, destination.BaseAddress);
        if (route.Gateway is { } gateway)
            w.AttributeAddress(Rta.GATEWAY, gateway);
        if (route.OutputLinkIndex is { } index)
            w.AttributeU32(Rta.OIF, (uint)index);
        if (route.Metric != 0)
            w.AttributeU32(Rta.PRIORITY, route.Metric);
        if (route.PreferredSource is { } source)
            w.AttributeAddress(Rta.PREFSRC, source);
        w.EndMessage();
    }

    public static void Dump(NetlinkWriter w, uint sequence, byte family)
    {
        w.BeginMessage(Rtm.GETROUTE, Nl.F_REQUEST | Nl.F_DUMP, sequence);
        w.Header(new RtMsg { Family = family });
        w.EndMessage();
    }

    /// <summary>Decodes an RTM_NEWROUTE message; null for cached (cloned) routes and families other than IPv4/IPv6.</summary>
    public static RouteInfo? Parse(in NetlinkMessage message)
    {
        if (message.Type != Rtm.NEWROUTE)
            throw new InvalidDataException($"expected an RTM_NEWROUTE reply, got message type {message.Type}");
        var header = message.ReadHeader<RtMsg>("RTM_NEWROUTE");
        if ((header.Flags & Rtm.RTM_F_CLONED) != 0 || header.Family is not (Af.INET or Af.INET6))
            return null;
        int maxPrefix = header.Family == Af.INET ? 32 : 128;
        if (header.DstLength > maxPrefix)
            throw new InvalidDataException($"RTM_NEWROUTE has destination prefix length {header.DstLength}, more than {maxPrefix}");
        uint table = header.Table;
        uint metric = 0;
        int? outputIndex = null;
        IPAddress? destination = null, gateway = null, source = null;
        var attributes = message.Attributes<RtMsg>("RTM_NEWROUTE");
        while (attributes.TryRead(out ushort type, out var value))
        {
            switch (type)
            {
                case Rta.TABLE: table = AttributeValue.U32(value, "RTA_TABLE"); break;
                case Rta.DST: destination = AttributeValue.Address(value, header.Family, "RTA_DST"); break;
                case Rta.GATEWAY: gateway = AttributeValue.Address(value, header.Family, "RTA_GATEWAY"); break;
                case Rta.OIF: outputIndex = (int)AttributeValue.U32(value, "RTA_OIF"); break;
                case Rta.PRIORITY: metric = AttributeValue.U32(value, "RTA_PRIORITY"); break;
                case Rta.PREFSRC: source = AttributeValue.Address(value, header.Family, "RTA_PREFSRC"); break;
            }
        }
        destination ??= header.Family == Af.INET ? IPAddress.Any : IPAddress.IPv6Any;
        return new RouteInfo
        {
            Destination = new IPNetwork(MaskHostBits(destination, header.DstLength), header.DstLength),
            Gateway = gateway,
            OutputLinkIndex = outputIndex,
            Scope = (Scope)header.Scope,
            OnLink = (header.Flags & Rtm.RTNH_F_ONLINK) != 0,
            Table = table,
            Metric = metric,
            Protocol = (RouteProtocol)header.Protocol,
            Type = (RouteType)header.Type,
            PreferredSource = source,
        };
    }

    /// <summary>Human-readable route identity for error messages: "10.1.0.0/16", "10.1.0.0/16 table 1000".</summary>
    public static string Describe(RouteInfo route) =>
        route.Table == RouteInfo.MainTable ? route.Destination.ToString() : $"{route.Destination} table {route.Table}";

    private static IPAddress MaskHostBits(IPAddress address, int prefixLength)
    {
        Span<byte> bytes = stackalloc byte[address.AddressFamily == AddressFamily.InterNetwork ? 4 : 16];
        address.TryWriteBytes(bytes, out _);
        for (int bit = prefixLength; bit < bytes.Length * 8; bit++)
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        return new IPAddress(bytes);
    }
}
