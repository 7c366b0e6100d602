using System.Net;

namespace Tendril.Netlink.Addresses;

/// <summary>An IP address assigned to a link, as the kernel reported it (an immutable snapshot).</summary>
/// <param name="LinkIndex">The interface the address is on.</param>
/// <param name="Address">The local address (IFA_LOCAL for IPv4, IFA_ADDRESS for IPv6).</param>
/// <param name="PrefixLength">The prefix length of the subnet.</param>
/// <param name="Scope">The address scope.</param>
public sealed record AddressInfo(int LinkIndex, IPAddress Address, int PrefixLength, Scope Scope)
{
    /// <summary>The raw IFA_F_* flags (permanent, tentative, nodad, ...).</summary>
    public uint Flags { get; init; }

    /// <summary>The IPv4 label (usually the interface name); null for IPv6.</summary>
    public string? Label { get; init; }
}
