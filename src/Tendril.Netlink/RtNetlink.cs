using Tendril.Interop.Namespaces;
using Tendril.Netlink.Addresses;
using Tendril.Netlink.Links;
using Tendril.Netlink.Neighbours;
using Tendril.Netlink.Routes;
using Tendril.Netlink.Transport;

namespace Tendril.Netlink;

/// <summary>
/// One rtnetlink connection to the kernel, bound for life to the network namespace it was opened in:
/// every operation acts there, from whichever thread calls it.
/// </summary>
/// <remarks>
/// Owns a netlink socket, closed by <see cref="IDisposable.Dispose"/>. Not thread-safe: requests and replies share
/// one socket and buffer, so use one instance per thread or serialize calls with a lock.
/// </remarks>
public interface IRtNetlink : IDisposable
{
    ILinkOperations Links { get; }

    IAddressOperations Addresses { get; }

    IRouteOperations Routes { get; }

    INeighbourOperations Neighbours { get; }
}

/// <summary>Opens <see cref="IRtNetlink"/> connections.</summary>
public static class RtNetlink
{
    /// <summary>Opens a connection in the calling thread's network namespace. The caller owns and disposes it.</summary>
    public static IRtNetlink Open() => new RtNetlinkSession(NetlinkSocket.Open());

    /// <summary>
    /// Opens a connection inside another network namespace (<c>/var/run/netns/NAME</c>, <c>/proc/PID/ns/net</c>).
    /// The socket is created on a short-lived thread that enters the namespace; the calling thread never leaves its own.
    /// </summary>
    public static IRtNetlink OpenIn(string namespacePath)
    {
        Check.NamespacePath(namespacePath, nameof(namespacePath));
        using var thread = NetNsThread.Start(namespacePath);
        return OpenOn(thread);
    }

    /// <summary>
    /// A connection in the namespace <paramref name="thread"/> runs in: for callers that need that thread anyway
    /// (sysctls are per namespace too) and so need not start a second one.
    /// </summary>
    public static IRtNetlink OpenOn(NetNsThread thread) => new RtNetlinkSession(thread.Invoke(NetlinkSocket.Open));
}

/// <summary>The one implementation of <see cref="IRtNetlink"/>: four operation groups over a shared socket.</summary>
internal sealed class RtNetlinkSession : IRtNetlink
{
    private readonly NetlinkSocket _socket;

    public RtNetlinkSession(NetlinkSocket socket)
    {
        _socket = socket;
        Links = new LinkOperations(socket);
        Addresses = new AddressOperations(socket);
        Routes = new RouteOperations(socket);
        Neighbours = new NeighbourOperations(socket);
    }

    public ILinkOperations Links { get; }

    public IAddressOperations Addresses { get; }

    public IRouteOperations Routes { get; }

    public INeighbourOperations Neighbours { get; }

    public void Dispose() => _socket.Dispose();
}
