using System.Net.Sockets;
using Tendril.Interop;

namespace Tendril.Netlink.Routes;

/// <summary>
/// IPv4 and IPv6 routes in the namespace of the owning <see cref="IRtNetlink"/>.
/// Failures throw <see cref="LinuxException"/>; invalid arguments throw <see cref="ArgumentException"/>. Not thread-safe.
/// </summary>
public interface IRouteOperations
{
    /// <summary>Adds a route; EEXIST if an identical one exists.</summary>
    void Add(RouteInfo route);

    /// <summary>Adds the route or replaces the one with the same destination, table and metric.</summary>
    void Replace(RouteInfo route);

    /// <summary>
    /// Deletes the route matching destination and table, plus gateway, device, metric and type when given;
    /// protocol and scope act as wildcards. ESRCH when nothing matches.
    /// </summary>
    void Delete(RouteInfo route);

    /// <summary>The routes of one family, in every table or in <paramref name="table"/>. Cached (cloned) routes are left out.</summary>
    IReadOnlyList<RouteInfo> List(AddressFamily family, uint? table = null);
}
