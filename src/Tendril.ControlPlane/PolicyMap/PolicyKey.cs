using System.Globalization;

namespace Tendril.ControlPlane.PolicyMap;

/// <summary>
/// A policy map key — the exact contract with the datapath (<c>struct policy_key</c>): peer identity (0 = any peer),
/// direction, IANA protocol (0 = any; then the port is any too), destination port in host order and the number of
/// leading port bits that must match (16 = exactly <see cref="Port"/>, 0 = any port; ICMP: <c>type &lt;&lt; 8</c>
/// with prefix 8). Port bits beyond the prefix must be zero. Immutable value.
/// </summary>
public readonly record struct PolicyKey : IComparable<PolicyKey>
{
    /// <summary>Bits always matched in the LPM key: identity (32) and direction (8).</summary>
    public const int StaticPrefixBits = 40;

    public PolicyKey(uint identity, TrafficDirection direction, byte protocol, ushort port, byte portPrefixLength)
    {
        if (portPrefixLength > 16)
            throw new ArgumentOutOfRangeException(nameof(portPrefixLength), $"port prefix length {portPrefixLength} is over 16");
        if (protocol == 0 && (port != 0 || portPrefixLength != 0))
            throw new ArgumentException($"a port ({port}/{portPrefixLength}) needs a protocol", nameof(protocol));
        if ((port & ~PortMask(portPrefixLength) & 0xFFFF) != 0)
            throw new ArgumentException($"port {port} has bits set beyond its /{portPrefixLength} prefix", nameof(port));
        Identity = identity;
        Direction = direction;
        Protocol = protocol;
        Port = port;
        PortPrefixLength = portPrefixLength;
    }

    /// <summary>Peer identity; 0 = any peer.</summary>
    public uint Identity { get; }

    public TrafficDirection Direction { get; }

    /// <summary>IANA protocol; 0 = any.</summary>
    public byte Protocol { get; }

    /// <summary>Destination port (host order), or <c>type &lt;&lt; 8</c> for ICMP.</summary>
    public ushort Port { get; }

    /// <summary>0..16 leading port bits that must match.</summary>
    public byte PortPrefixLength { get; }

    /// <summary>Protocol and port bits matched (0, 8 or 8 + port prefix) — the entry's <c>l4_prefix</c>.</summary>
    public byte L4PrefixLength => Protocol == 0 ? (byte)0 : (byte)(8 + PortPrefixLength);

    /// <summary>The LPM trie prefix length (<c>lpm_key.prefixlen</c>): 40 + <see cref="L4PrefixLength"/>.</summary>
    public uint LpmPrefixLength => (uint)(StaticPrefixBits + L4PrefixLength);

    /// <summary>True for identity 0.</summary>
    public bool IsAnyPeer => Identity == 0;

    /// <summary>Highest port the key covers.</summary>
    public ushort LastPort => (ushort)(Port | (~PortMask(PortPrefixLength) & 0xFFFF));

    /// <summary>The allow-all key of a direction: any peer, any protocol, any port.</summary>
    public static PolicyKey AnyOf(TrafficDirection direction) => new(0, direction, 0, 0, 0);

    /// <summary>Mask of the leading <paramref name="prefixLength"/> bits of a port.</summary>
    public static ushort PortMask(int prefixLength) => prefixLength == 0 ? (ushort)0 : (ushort)(0xFFFF << (16 - prefixLength));

    /// <summary>True when a packet (identity, direction, protocol, port field) matches this key.</summary>
    public bool Covers(uint identity, TrafficDirection direction, byte protocol, ushort port) =>
        Direction == direction && (Identity == 0 || Identity == identity)
        && (Protocol == 0 || (Protocol == protocol && (port & PortMask(PortPrefixLength)) == Port));

    /// <summary>True when some packet matches both keys.</summary>
    public bool Overlaps(PolicyKey other)
    {
        if (Direction != other.Direction)
            return false;
        if (Identity != 0 && other.Identity != 0 && Identity != other.Identity)
            return false;
        if (Protocol == 0 || other.Protocol == 0)
            return true;
        if (Protocol != other.Protocol)
            return false;
        ushort mask = PortMask(Math.Min(PortPrefixLength, other.PortPrefixLength));
        return (Port & mask) == (other.Port & mask);
    }

    /// <summary>The key of exactly the packets both keys match; only valid when <see cref="Overlaps"/>.</summary>
    public PolicyKey Intersect(PolicyKey other)
    {
        if (!Overlaps(other))
            throw new InvalidOperationException($"{this} and {other} do not overlap");
        uint identity = Identity != 0 ? Identity : other.Identity;
        if (Protocol == 0)
            return new PolicyKey(identity, Direction, other.Protocol, other.Port, other.PortPrefixLength);
        if (other.Protocol == 0)
            return new PolicyKey(identity, Direction, Protocol, Port, PortPrefixLength);
        PolicyKey longer = PortPrefixLength >= other.PortPrefixLength ? this : other;
        return new PolicyKey(identity, Direction, Protocol, longer.Port, longer.PortPrefixLength);
    }

    /// <summary>Orders by direction, identity, protocol, port, prefix — the order the CLI lists entries in.</summary>
    public int CompareTo(PolicyKey other)
    {
        int c = Direction.CompareTo(other.Direction);
        if (c == 0)
            c = Identity.CompareTo(other.Identity);
        if (c == 0)
            c = Protocol.CompareTo(other.Protocol);
        if (c == 0)
            c = Port.CompareTo(other.Port);
        return c != 0 ? c : PortPrefixLength.CompareTo(other.PortPrefixLength);
    }

    /// <summary>Cilium's rendering: <c>Ingress: 16530 80/TCP</c>, <c>Egress: 0 ANY</c>, <c>Ingress: 0 8080-8083/TCP</c>.</summary>
    public override string ToString()
    {
        string id = Identity.ToString(CultureInfo.InvariantCulture);
        return $"{Direction}: {id} {PortProtocolText()}";
    }

    /// <summary>The L4 part as Cilium prints it: <c>ANY</c>, <c>ANY/TCP</c>, <c>80/TCP</c>, <c>8080-8083/TCP</c>, <c>8/ICMP</c> (type).</summary>
    public string PortProtocolText()
    {
        if (Protocol == 0)
            return "ANY";
        string proto = Protocol switch
        {
            1 => "ICMP",
            6 => "TCP",
            17 => "UDP",
            58 => "ICMPv6",
            132 => "SCTP",
            _ => Protocol.ToString(CultureInfo.InvariantCulture),
        };
        if (PortPrefixLength == 0)
            return $"ANY/{proto}";
        if (Protocol is 1 or 58 && PortPrefixLength == 8)
            return $"{Port >> 8}/{proto}";
        return PortPrefixLength == 16 ? $"{Port}/{proto}" : $"{Port}-{LastPort}/{proto}";
    }
}
