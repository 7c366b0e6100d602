using System.Net;
using System.Net.NetworkInformation;

namespace Tendril.Netlink.Links;

/// <summary>A veth pair to create. The peer may be placed straight into another network namespace.</summary>
/// <param name="Name">The local end's name (at most 15 bytes).</param>
public sealed record VethOptions(string Name)
{
    /// <summary>The peer's name; null lets the kernel pick (vethN).</summary>
    public string? PeerName { get; init; }

    /// <summary>MTU of the local end; also the peer's unless <see cref="PeerMtu"/> is set.</summary>
    public int? Mtu { get; init; }

    public PhysicalAddress? Mac { get; init; }

    /// <summary>A network namespace file (<c>/var/run/netns/NAME</c>, <c>/proc/PID/ns/net</c>) to create the peer in; null keeps it here.</summary>
    public string? PeerNamespacePath { get; init; }

    public int? PeerMtu { get; init; }

    public PhysicalAddress? PeerMac { get; init; }
}

/// <summary>A VXLAN device to create. Learning is off unless asked for.</summary>
/// <param name="Name">The device name (at most 15 bytes).</param>
public sealed record VxlanOptions(string Name)
{
    /// <summary>A fixed VNI (0..16777215); leave null for an external device whose VNI comes per packet.</summary>
    public uint? Vni { get; init; }

    /// <summary>The UDP destination port in host byte order (sent in network order); null means the kernel default, 4789.</summary>
    public ushort? DstPort { get; init; }

    /// <summary>Collect-metadata ("external") mode: tunnel keys come from BPF or lwtunnel routes.</summary>
    public bool External { get; init; }

    /// <summary>Local source address of the tunnel (IPv4 or IPv6).</summary>
    public IPAddress? Local { get; init; }

    /// <summary>The underlying device's name, in the same namespace.</summary>
    public string? Device { get; init; }

    public bool Learning { get; init; }

    public int? Mtu { get; init; }

    public PhysicalAddress? Mac { get; init; }
}

/// <summary>A Linux bridge to create.</summary>
/// <param name="Name">The bridge name (at most 15 bytes).</param>
public sealed record BridgeOptions(string Name)
{
    public int? Mtu { get; init; }

    public PhysicalAddress? Mac { get; init; }
}
