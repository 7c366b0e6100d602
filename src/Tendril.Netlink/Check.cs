using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text;
using Tendril.Netlink.Messages;

namespace Tendril.Netlink;

/// <summary>Argument checks made before any syscall, mirroring what the kernel would reject.</summary>
internal static class Check
{
    /// <summary>The kernel's dev_valid_name: 1..15 bytes, not "." or "..", no '/', ':' or whitespace.</summary>
    public static void InterfaceName(string? name, string parameter)
    {
        if (string.IsNullOrEmpty(name))
            throw new ArgumentException("an interface name must not be empty", parameter);
        int bytes = Encoding.UTF8.GetByteCount(name);
        if (bytes > Ifla.MaxNameBytes)
            throw new ArgumentException($"interface name '{name}' is {bytes} bytes; the kernel allows at most {Ifla.MaxNameBytes}", parameter);
        if (name is "." or "..")
            throw new ArgumentException($"interface name '{name}' is reserved", parameter);
        foreach (char c in name)
        {
            if (c is '/' or ':' || char.IsWhiteSpace(c) || c == '\0')
                throw new ArgumentException($"interface name '{name}' contains '{(c == '\0' ? "\\0" : c.ToString())}', which the kernel rejects", parameter);
        }
    }

    public static void Mtu(int? mtu, string parameter)
    {
        if (mtu is { } value && value <= 0)
            throw new ArgumentOutOfRangeException(parameter, value, "an MTU must be positive");
    }

    /// <summary>All link kinds Tendril creates are Ethernet: 6-byte MAC addresses.</summary>
    public static void Mac(PhysicalAddress? mac, string parameter)
    {
        if (mac is not null && mac.GetAddressBytes().Length != 6)
            throw new ArgumentException($"MAC address '{mac}' must be 6 bytes, not {mac.GetAddressBytes().Length}", parameter);
    }

    public static void NamespacePath(string? path, string parameter)
    {
        if (string.IsNullOrWhiteSpace(path))
            throw new ArgumentException("a network namespace path must not be empty", parameter);
    }

    public static void LinkIndex(int index, string parameter)
    {
        if (index <= 0)
            throw new ArgumentOutOfRangeException(parameter, index, "an interface index must be positive");
    }

    /// <summary>Returns the kernel family (AF_INET / AF_INET6) of an IPv4 or IPv6 address.</summary>
    public static byte Family(IPAddress address, string parameter)
    {
        ArgumentNullException.ThrowIfNull(address, parameter);
        return address.AddressFamily switch
        {
            AddressFamily.InterNetwork => Af.INET,
            AddressFamily.InterNetworkV6 => Af.INET6,
            _ => throw new ArgumentException($"address {address} is neither IPv4 nor IPv6", parameter),
        };
    }

    /// <summary>Maps an optional .NET family filter to the kernel's, rejecting anything but IPv4/IPv6.</summary>
    public static byte FamilyFilter(AddressFamily? family, string parameter) => family switch
    {
        null => Af.UNSPEC,
        AddressFamily.InterNetwork => Af.INET,
        AddressFamily.InterNetworkV6 => Af.INET6,
        _ => throw new ArgumentException($"address family {family} is neither IPv4 nor IPv6", parameter),
    };

    public static void PrefixLength(IPAddress address, int prefixLength, string parameter)
    {
        int max = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        if (prefixLength < 0 || prefixLength > max)
            throw new ArgumentOutOfRangeException(parameter, prefixLength, $"a prefix length for {address} must be between 0 and {max}");
    }
}
