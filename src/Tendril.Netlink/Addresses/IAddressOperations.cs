using System.Net;
using System.Net.Sockets;
using Tendril.Interop;

namespace Tendril.Netlink.Addresses;

/// <summary>
/// IPv4 and IPv6 interface addresses in the namespace of the owning <see cref="IRtNetlink"/>.
/// Failures throw <see cref="LinuxException"/>; invalid arguments throw <see cref="ArgumentException"/>. Not thread-safe.
/// </summary>
public interface IAddressOperations
{
    /// <summary>Adds <paramref name="address"/>/<paramref name="prefixLength"/> to a link; EEXIST if it is already there.</summary>
    void Add(int linkIndex, IPAddress address, int prefixLength, Scope scope = Scope.Universe);

    /// <summary>Removes an address from a link; EADDRNOTAVAIL if it is not there.</summary>
    void Delete(int linkIndex, IPAddress address, int prefixLength);

    /// <summary>All addresses, or those of one link and/or one family.</summary>
    IReadOnlyList<AddressInfo> List(int? linkIndex = null, AddressFamily? family = null);
}
