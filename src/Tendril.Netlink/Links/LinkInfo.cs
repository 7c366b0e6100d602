using System.Net;
using System.Net.NetworkInformation;

namespace Tendril.Netlink.Links;

/// <summary>RFC 2863 operational state of a link (<c>IF_OPER_*</c>).</summary>
public enum LinkOperState : byte
{
    Unknown = 0,
    NotPresent = 1,
    Down = 2,
    LowerLayerDown = 3,
    Testing = 4,
    Dormant = 5,
    Up = 6,
}

/// <summary>A network interface as the kernel reported it (an immutable snapshot).</summary>
public sealed record LinkInfo
{
    /// <summary>The interface index, unique within its network namespace.</summary>
    public required int Index { get; init; }

    public required string Name { get; init; }

    /// <summary>"veth", "vxlan", "bridge", ...; null for devices without a link kind (loopback, physical NICs).</summary>
    public string? Kind { get; init; }

    public int Mtu { get; init; }

    /// <summary>The link-layer address; <see cref="PhysicalAddress.None"/> when the device has none.</summary>
    public PhysicalAddress Mac { get; init; } = PhysicalAddress.None;

    /// <summary>Administratively up (IFF_UP).</summary>
    public bool IsUp { get; init; }

    /// <summary>The carrier is up (IFF_LOWER_UP).</summary>
    public bool IsLowerUp { get; init; }

    /// <summary>The raw <c>ifi_flags</c> (IFF_*).</summary>
    public uint Flags { get; init; }

    public LinkOperState OperState { get; init; }

    /// <summary>The index of the bridge (or other master) this link is enslaved to; null when it has none.</summary>
    public int? MasterIndex { get; init; }

    /// <summary>The peer of a veth (IFLA_LINK, possibly in another namespace) or the underlying device of a vxlan (IFLA_VXLAN_LINK).</summary>
    public int? ParentIndex { get; init; }

    /// <summary>vxlan only: the fixed VNI (IFLA_VXLAN_ID); external devices report 0 or none.</summary>
    public uint? Vni { get; init; }

    /// <summary>vxlan only: the UDP destination port, in host byte order.</summary>
    public ushort? DstPort { get; init; }

    /// <summary>vxlan only: collect-metadata ("external") mode, where BPF or routes supply the tunnel key.</summary>
    public bool External { get; init; }

    /// <summary>vxlan only: whether the device learns remote MACs.</summary>
    public bool? Learning { get; init; }

    /// <summary>vxlan only: the local (source) address, if set.</summary>
    public IPAddress? Local { get; init; }
}
