using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Tendril.Cni.Results;

/// <summary>
/// An address with its prefix length as results carry it ("10.200.0.5/32"). Unlike <see cref="IPNetwork"/>, host bits
/// may be set: the address is the interface's, not the network's. Immutable.
/// </summary>
internal readonly record struct CniAddress(IPAddress Ip, int PrefixLength)
{
    public bool IsIpv4 => Ip.AddressFamily == AddressFamily.InterNetwork;

    /// <summary>"4" or "6", the <c>ips[].version</c> of results before 1.0.0.</summary>
    public string Family => IsIpv4 ? "4" : "6";

    public static bool TryParse(string? text, out CniAddress address)
    {
        address = default;
        int slash = text?.IndexOf('/') ?? -1;
        if (slash <= 0 || !IPAddress.TryParse(text.AsSpan(0, slash), out var ip)
            || !int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int prefix))
            return false;
        int max = ip.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        if (prefix > max)
            return false;
        address = new CniAddress(ip, prefix);
        return true;
    }

    public override string ToString() => $"{Ip}/{PrefixLength}";
}
