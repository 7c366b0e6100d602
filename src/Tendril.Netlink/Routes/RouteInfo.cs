using System.Net;

namespace Tendril.Netlink.Routes;

/// <summary>What a route does with matching packets (<c>RTN_*</c>).</summary>
public enum RouteType : byte
{
    Unspecified = 0,
    Unicast = 1,
    Local = 2,
    Broadcast = 3,
    Anycast = 4,
    Multicast = 5,
    Blackhole = 6,
    Unreachable = 7,
    Prohibit = 8,
    Throw = 9,
    Nat = 10,
    XResolve = 11,
}

/// <summary>Who installed a route (<c>RTPROT_*</c>); values from 5 up are free for routing daemons.</summary>
public enum RouteProtocol : byte
{
    Unspecified = 0,
    Redirect = 1,
    Kernel = 2,
    Boot = 3,
    Static = 4,
    Dhcp = 16,
    Bird = 12,
    Bgp = 186,
}

/// <summary>
/// A route: both what <see cref="IRouteOperations.Add"/> installs and what <see cref="IRouteOperations.List"/> reports.
/// An immutable snapshot; the family (IPv4/IPv6) is that of <see cref="Destination"/>.
/// </summary>
public sealed record RouteInfo
{
    /// <summary>The destination prefix; 0.0.0.0/0 or ::/0 is the default route.</summary>
    public required IPNetwork Destination { get; init; }

    /// <summary>The next hop ("via"), of the destination's family; null for directly connected routes.</summary>
    public IPAddress? Gateway { get; init; }

    /// <summary>The output device ("dev").</summary>
    public int? OutputLinkIndex { get; init; }

    /// <summary>Universe for gateway routes, Link for directly connected ones, Host for local ones.</summary>
    public Scope Scope { get; init; } = Scope.Universe;

    /// <summary>RTNH_F_ONLINK: use the gateway even though no address on the device covers it.</summary>
    public bool OnLink { get; init; }

    /// <summary>The routing table id; 254 is "main", 255 "local". Ids above 255 travel in RTA_TABLE.</summary>
    public uint Table { get; init; } = MainTable;

    /// <summary>RTA_PRIORITY ("metric"); 0 means none. The kernel gives IPv6 routes 1024 when none is set.</summary>
    public uint Metric { get; init; }

    public RouteProtocol Protocol { get; init; } = RouteProtocol.Static;

    public RouteType Type { get; init; } = RouteType.Unicast;

    /// <summary>RTA_PREFSRC: the source address to prefer for locally originated packets.</summary>
    public IPAddress? PreferredSource { get; init; }

    /// <summary>The main routing table (RT_TABLE_MAIN).</summary>
    public const uint MainTable = 254;

    /// <summary>The local routing table (RT_TABLE_LOCAL).</summary>
    public const uint LocalTable = 255;
}
