using System.Net.Sockets;
using Tendril.Netlink.Messages;
using Tendril.Netlink.Transport;

namespace Tendril.Netlink.Routes;

/// <summary>Route requests over one rtnetlink socket. Not thread-safe; owned by the session that made it.</summary>
internal sealed class RouteOperations(NetlinkSocket socket) : IRouteOperations
{
    public void Add(RouteInfo route) => Change(route, delete: false, RouteMessages.AddFlags, "add");

    public void Replace(RouteInfo route) => Change(route, delete: false, RouteMessages.ReplaceFlags, "replace");

    public void Delete(RouteInfo route) => Change(route, delete: true, RouteMessages.DeleteFlags, "delete");

    public IReadOnlyList<RouteInfo> List(AddressFamily family, uint? table = null)
    {
        byte kernelFamily = family switch
        {
            AddressFamily.InterNetwork => Af.INET,
            AddressFamily.InterNetworkV6 => Af.INET6,
            _ => throw new ArgumentException($"address family {family} is neither IPv4 nor IPv6", nameof(family)),
        };
        RouteMessages.Dump(socket.Writer, socket.NextSequence(), kernelFamily);
        return socket.Dump($"list {(kernelFamily == Af.INET ? "IPv4" : "IPv6")} routes", (in NetlinkMessage message) =>
        {
            if (message.Type != Rtm.NEWROUTE)
                return null;
            var route = RouteMessages.Parse(in message);
            return route is not null && (table is null || route.Table == table) ? route : null;
        });
    }

    private void Change(RouteInfo route, bool delete, ushort flags, string verb)
    {
        Validate(route);
        RouteMessages.Change(socket.Writer, socket.NextSequence(), delete, flags, route);
        socket.Execute($"{verb} route {RouteMessages.Describe(route)}");
    }

    private static void Validate(RouteInfo route)
    {
        ArgumentNullException.ThrowIfNull(route);
        var destination = route.Destination.BaseAddress;
        if (destination is null)
            throw new ArgumentException("a route needs a destination prefix", nameof(route));
        var family = destination.AddressFamily;
        Check.Family(destination, nameof(route));
        if (route.Gateway is { } gateway && gateway.AddressFamily != family)
            throw new ArgumentException($"gateway {gateway} is not of the same family as destination {route.Destination}", nameof(route));
        if (route.PreferredSource is { } source && source.AddressFamily != family)
            throw new ArgumentException($"preferred source {source} is not of the same family as destination {route.Destination}", nameof(route));
        if (route.OutputLinkIndex is { } index)
            Check.LinkIndex(index, nameof(route));
        if (route.Table == 0)
            throw new ArgumentException("route table 0 is RT_TABLE_UNSPEC; use RouteInfo.MainTable (254) or a table id", nameof(route));
    }
}
