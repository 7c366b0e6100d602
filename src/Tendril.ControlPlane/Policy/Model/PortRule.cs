using System.Collections.Immutable;

namespace Tendril.ControlPlane.Policy.Model;

/// <summary>L4 protocols; the values are IANA protocol numbers, <see cref="Any"/> = 0.</summary>
public enum L4Protocol : byte
{
    /// <summary>In a port rule: TCP, UDP and SCTP.</summary>
    Any = 0,
    ICMP = 1,
    TCP = 6,
    UDP = 17,
    ICMPv6 = 58,
    SCTP = 132,
}

/// <summary>
/// One <c>toPorts[].ports[]</c> entry. <see cref="Port"/> 0 with no <see cref="Name"/> means every port;
/// <see cref="EndPort"/> 0 means a single port; <see cref="Name"/> is a named port resolved per endpoint.
/// </summary>
public sealed record PortProtocol(L4Protocol Protocol, ushort Port = 0, ushort EndPort = 0, string? Name = null)
{
    public override string ToString()
    {
        string port = Name ?? (Port == 0 ? "ANY" : EndPort > Port ? $"{Port}-{EndPort}" : $"{Port}");
        return $"{port}/{(Protocol == L4Protocol.Any ? "ANY" : Protocol.ToString())}";
    }
}

/// <summary>A container port with a name (resolves named ports in rules).</summary>
public sealed record NamedPort(string Name, ushort Port, L4Protocol Protocol);

/// <summary>
/// One <c>toPorts</c> entry: ports plus optional L7 rules. L7 rules and <c>serverNames</c> are kept but not enforced
/// yet: the ports are allowed at L4.
/// </summary>
public sealed record PortRule(ImmutableArray<PortProtocol> Ports)
{
    /// <summary><c>rules</c> (L7), or null.</summary>
    public L7Rules? Rules { get; init; }

    /// <summary><c>serverNames</c> (TLS SNI allow-list), kept but not enforced.</summary>
    public ImmutableArray<string> ServerNames { get; init; } = [];
}

/// <summary>ICMP family of an <c>icmps</c> field.</summary>
public enum IcmpFamily
{
    IPv4,
    IPv6,
}

/// <summary>One <c>icmps[].fields[]</c> entry: family and numeric type (names are resolved at parse time).</summary>
public sealed record IcmpField(IcmpFamily Family, byte Type)
{
    /// <summary>IANA protocol of the family (1 or 58).</summary>
    public L4Protocol Protocol => Family == IcmpFamily.IPv4 ? L4Protocol.ICMP : L4Protocol.ICMPv6;
}
