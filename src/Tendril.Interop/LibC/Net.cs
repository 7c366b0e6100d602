using System.Runtime.InteropServices;

namespace Tendril.Interop.LibC;

/// <summary>&lt;net/if.h&gt; and the socket calls netlink needs.</summary>
internal static unsafe partial class Net
{
    internal const int AF_NETLINK = 16, SOCK_RAW = 3, SOCK_CLOEXEC = 0x80000;
    internal const int SOL_SOCKET = 1, SO_SNDBUF = 7, SO_RCVBUF = 8, SO_RCVTIMEO = 20;
    internal const int SOL_NETLINK = 270, NETLINK_EXT_ACK = 11, NETLINK_GET_STRICT_CHK = 12, NETLINK_CAP_ACK = 10;

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial uint if_nametoindex(string name);

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int socket(int domain, int type, int protocol);

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int bind(int fd, void* addr, int addrlen);

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int getsockname(int fd, void* addr, int* addrlen);

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int setsockopt(int fd, int level, int optname, void* optval, int optlen);

    [LibraryImport("libc", SetLastError = true)]
    internal static partial nint sendto(int fd, void* buf, nuint len, int flags, void* addr, int addrlen);

    [LibraryImport("libc", SetLastError = true)]
    internal static partial nint recv(int fd, void* buf, nuint len, int flags);
}
